using System.Text.Json;

namespace Mien.Privacy.Audit;

/// <summary>
/// What happened, as the caller reports it; the store adds the project, the sequence number, the time and the hash.
/// Never put pseudonyms, names, API key secrets or file paths here: subjects are named only by
/// <see cref="SubjectRef"/>, keys only by their id.
/// </summary>
/// <param name="Actor">Who: <c>key:&lt;key id&gt;</c> for an API key (<see cref="AuditActors.ApiKey"/>), <c>service:&lt;name&gt;</c> for the server itself.</param>
/// <param name="Action">What, as <c>noun.verb</c> (e.g. <c>results.read</c>, <c>subject.erase</c>, <c>key.create</c>, <c>consent.withdraw</c>).</param>
/// <param name="Outcome">How it ended: an HTTP status (<c>200</c>, <c>404</c>) for requests, <c>ok</c> or <c>failed</c> for jobs.</param>
/// <param name="SubjectRef">Whose data, as <see cref="Audit.SubjectRef.Compute"/> of the subject, or null when no single subject is concerned.</param>
/// <param name="Target">What it was done to (a recording or key id, a file name), or null.</param>
/// <param name="DetailJson">More facts as a JSON object (counts, a role, a route template); <c>{}</c> when none.</param>
public sealed record AuditRecord(string Actor, string Action, string Outcome, string? SubjectRef = null, string? Target = null, string DetailJson = "{}")
{
    /// <summary>Largest detail accepted, in characters: an audit entry records facts, not payloads.</summary>
    public const int MaxDetailLength = 4000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the field, its value and the rule it breaks.</summary>
    public void Validate()
    {
        Token(Actor, nameof(Actor), 80);
        Token(Action, nameof(Action), 60);
        Token(Outcome, nameof(Outcome), 20);
        if (SubjectRef is not null && !Audit.SubjectRef.IsWellFormed(SubjectRef))
        {
            throw new ArgumentException($"{nameof(SubjectRef)} '{Clip(SubjectRef)}' must be {Audit.SubjectRef.Length} lower-case hex digits (SubjectRef.Compute), never a subject id or pseudonym.", nameof(SubjectRef));
        }

        if (Target is not null)
        {
            Token(Target, nameof(Target), 100);
        }

        ArgumentNullException.ThrowIfNull(DetailJson, nameof(DetailJson));
        if (DetailJson.Length > MaxDetailLength)
        {
            throw new ArgumentException($"{nameof(DetailJson)} has {DetailJson.Length} characters; at most {MaxDetailLength} are kept (record facts, not payloads).", nameof(DetailJson));
        }

        try
        {
            using var document = JsonDocument.Parse(DetailJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"{nameof(DetailJson)} must be a JSON object; got a {document.RootElement.ValueKind}.", nameof(DetailJson));
            }
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{nameof(DetailJson)} is not valid JSON: {e.Message}", nameof(DetailJson), e);
        }

        if (DetailJson.Contains("\\u0000", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{nameof(DetailJson)} contains \\u0000, which the PostgreSQL store cannot hold.", nameof(DetailJson));
        }
    }

    /// <summary>
    /// Actors, actions, outcomes and targets are identifiers, not prose: ASCII letters, digits and <c>.:_-/</c>, so
    /// no free text (a name, a path with spaces) slips into the log through them.
    /// </summary>
    private static void Token(string? value, string what, int max)
    {
        ArgumentNullException.ThrowIfNull(value, what);
        if (value.Length == 0 || value.Length > max)
        {
            throw new ArgumentException($"{what} '{Clip(value)}' must have 1–{max} characters; it has {value.Length}.", what);
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or ':' or '_' or '-' or '/'))
            {
                throw new ArgumentException($"{what} '{Clip(value)}' may hold only ASCII letters, digits and . : _ - /; found '{c}' (U+{(int)c:X4}).", what);
            }
        }
    }

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}

/// <summary>One entry of a project's audit chain, as stored.</summary>
/// <param name="ProjectId">The project whose chain it belongs to.</param>
/// <param name="Seq">Position in the chain, 1, 2, 3, … without gaps.</param>
/// <param name="At">When it was appended (UTC, microsecond precision).</param>
/// <param name="Record">What happened.</param>
/// <param name="Hash">SHA-256 of the previous entry's hash and this entry's canonical encoding (64 lower-case hex digits).</param>
public sealed record AuditEntry(Guid ProjectId, long Seq, DateTimeOffset At, AuditRecord Record, string Hash);

/// <summary>How actors are written in the log.</summary>
public static class AuditActors
{
    /// <summary>An API key, by its id (never its secret or prefix).</summary>
    public static string ApiKey(Guid keyId) => "key:" + keyId.ToString("D");

    /// <summary>The server acting on its own (e.g. <c>service:retention</c>).</summary>
    public static string Service(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return "service:" + name;
    }
}
