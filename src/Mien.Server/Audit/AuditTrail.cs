using System.Text.Json;
using Mien.Privacy.Audit;
using Mien.Server.Security;
using Mien.Server.Telemetry;
using Mien.Storage;

namespace Mien.Server.Audit;

/// <summary>
/// Writes the project's audit log: who (an API key by id, or the server itself) did what to whose data, and how it
/// ended. Subjects are named only by their <see cref="SubjectRef"/>, resolved here from the subject id while the
/// subject exists; ids, pseudonyms, secrets and paths never reach the log.
/// </summary>
internal sealed partial class AuditTrail(IMienStore store, MienMetrics metrics, ILogger<AuditTrail> log)
{
    /// <summary>How details are written: compact camelCase JSON (hashed exactly as written).</summary>
    internal static readonly JsonSerializerOptions DetailJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Records what the request's API key did in its project. Call it before the response is sent (a read whose
    /// access cannot be recorded should not be disclosed).
    /// </summary>
    /// <param name="context">The request (its authenticated key is the actor, the key's project the chain).</param>
    /// <param name="action">What, as <c>noun.verb</c>, e.g. <c>consent.give</c>, <c>consent.withdraw</c>.</param>
    /// <param name="outcome">How it ended: the HTTP status (<c>"200"</c>, <c>"404"</c>).</param>
    /// <param name="subjectId">The subject whose data it concerns (resolved to its reference; must still exist), or null.</param>
    /// <param name="target">What it was done to (a recording or key id, a consent scope), or null; no free text.</param>
    /// <param name="detail">More facts (an object serialised as camelCase JSON: counts, a scope, a role), or null.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="MienStoreException">The log could not be written.</exception>
    public Task<AuditEntry> RecordAsync(HttpContext context, string action, string outcome, Guid? subjectId = null, string? target = null, object? detail = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var identity = context.Identity();
        return RecordAsync(identity.ProjectId, AuditActors.ApiKey(identity.KeyId), action, outcome, subjectId, target, detail, cancellationToken);
    }

    /// <summary>Records an action of any actor (e.g. <see cref="AuditActors.Service"/>) in a project's log.</summary>
    /// <exception cref="MienStoreException">The log could not be written.</exception>
    public async Task<AuditEntry> RecordAsync(Guid projectId, string actor, string action, string outcome, Guid? subjectId = null, string? target = null, object? detail = null, CancellationToken cancellationToken = default)
    {
        var subjectRef = subjectId is { } s ? await store.GetSubjectRefAsync(projectId, s, cancellationToken).ConfigureAwait(false) : null;
        return await RecordAsync(projectId, new AuditRecord(actor, action, outcome, subjectRef, target, Serialize(detail)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends a finished record (the subject already resolved to its reference).</summary>
    /// <exception cref="MienStoreException">The log could not be written.</exception>
    public async Task<AuditEntry> RecordAsync(Guid projectId, AuditRecord record, CancellationToken cancellationToken = default)
    {
        try
        {
            var entry = await store.AppendAuditAsync(projectId, record, cancellationToken).ConfigureAwait(false);
            metrics.AuditAppended(ok: true);
            return entry;
        }
        catch (MienStoreException e)
        {
            metrics.AuditAppended(ok: false);
            LogAppendFailed(log, record.Action, projectId, e.Message);
            throw;
        }
    }

    internal static string Serialize(object? detail) => detail switch
    {
        null => "{}",
        string json => json,
        _ => JsonSerializer.Serialize(detail, DetailJson),
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit entry '{Action}' of project {ProjectId} could not be written: {Reason}")]
    private static partial void LogAppendFailed(ILogger logger, string action, Guid projectId, string reason);
}
