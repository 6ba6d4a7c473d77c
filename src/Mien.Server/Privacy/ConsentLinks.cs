using System.Buffers.Binary;
using System.Security.Cryptography;
using Mien.Privacy;
using Mien.Privacy.Retention;
using Mien.Storage;

namespace Mien.Server.Privacy;

/// <summary>
/// Consent links: an admin gives a subject a link to a page where the subject reads, in plain words, what the project
/// measures and keeps, and records or withdraws consent per scope themselves — no API key. The link carries a token
/// naming one project, one subject and an expiry, signed with HMAC-SHA256 under a random key kept in the data folder
/// (<c>consent-links.key</c>), so links survive restarts and cannot be forged or pointed at another subject. A link
/// dies at its expiry or when the subject is erased. Admins only may issue them: a link records consent in the
/// subject's name, which analysts may not do.
/// </summary>
internal sealed class ConsentLinks
{
    /// <summary>The text version recorded with consent given on the page; bump it when the page's wording changes.</summary>
    public const string TextVersion = "consent-page-1";

    /// <summary>Who collected consent given on the page.</summary>
    public const string CollectedBy = "self via consent link";

    /// <summary>The header the consent page sends the link's token in (kept out of URLs, so out of logs and referrers).</summary>
    public const string Header = "X-Mien-Consent-Link";

    /// <summary>How long a link lasts unless the admin says otherwise, and the bounds.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(14), MinLifetime = TimeSpan.FromMinutes(10), MaxLifetime = TimeSpan.FromDays(90);

    private const byte Version = 1;
    private const int PayloadBytes = 1 + 16 + 16 + 8;
    private const int MacBytes = 16;
    private readonly byte[] _key;
    private readonly TimeProvider _time;

    public ConsentLinks(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = options.Time;
        _key = LoadOrCreateKey(Path.Combine(options.DataDirectory, "consent-links.key"));
    }

    /// <summary>Issues a token for one subject of one project, valid for <paramref name="lifetime"/>.</summary>
    public (string Token, DateTimeOffset Expires) Issue(Guid projectId, Guid subjectId, TimeSpan lifetime)
    {
        var expires = _time.GetUtcNow() + lifetime;
        Span<byte> token = stackalloc byte[PayloadBytes + MacBytes];
        token[0] = Version;
        projectId.TryWriteBytes(token[1..17]);
        subjectId.TryWriteBytes(token[17..33]);
        BinaryPrimitives.WriteInt64LittleEndian(token[33..41], expires.ToUnixTimeSeconds());
        Mac(token[..PayloadBytes], token[PayloadBytes..]);
        return (Convert.ToBase64String(token).Replace('+', '-').Replace('/', '_').TrimEnd('='), DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    /// <summary>The project and subject of a valid, unexpired token; otherwise null with why (for a 401).</summary>
    public (ConsentLink? Link, string? Problem) Read(string? token)
    {
        const string Unknown = "this consent link is not valid: ask whoever sent it for a new one";
        if (string.IsNullOrEmpty(token) || token.Length > 120)
        {
            return (null, token is null or "" ? $"open the page from your consent link (the link's code goes in {Header})" : Unknown);
        }

        var padded = token.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        Span<byte> bytes = stackalloc byte[96];
        if (!Convert.TryFromBase64String(padded, bytes, out var length) || length != PayloadBytes + MacBytes || bytes[0] != Version)
        {
            return (null, Unknown);
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        Mac(bytes[..PayloadBytes], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[PayloadBytes..length]))
        {
            return (null, Unknown);
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64LittleEndian(bytes[33..41]));
        if (expires <= _time.GetUtcNow())
        {
            return (null, "this consent link has expired: ask whoever sent it for a new one");
        }

        return (new ConsentLink(new Guid(bytes[1..17]), new Guid(bytes[17..33]), expires), null);
    }

    private void Mac(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(_key, payload, full);
        full[..MacBytes].CopyTo(destination);
    }

    private static byte[] LoadOrCreateKey(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            return existing.Length == 32 ? existing : throw new InvalidOperationException($"{path} holds {existing.Length} bytes, expected 32: delete it to issue new consent links (old links stop working)");
        }

        var key = RandomNumberGenerator.GetBytes(32);
        var partial = path + ".partial";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(partial, options))
        {
            file.Write(key);
        }

        // Two servers starting on one folder at once: the first key written wins and both use it.
        try
        {
            File.Move(partial, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(partial);
            return File.ReadAllBytes(path);
        }

        return key;
    }

    /// <summary>What the subject reads, per scope the project can use, in plain words.</summary>
    public static IReadOnlyList<ScopeText> Explain(Project project, RetentionPolicy? retention)
    {
        static string Kept(int? days, string what) => days is { } d ? $"{what} are deleted automatically after {d} days, or earlier if you withdraw." : $"{what} are kept until you withdraw or the project deletes them.";
        var purpose = Purpose(project.Purpose);
        var scopes = new List<ScopeText>
        {
            new(ConsentScope.Analysis, "Analysing your face",
                "A computer program looks at video of your face (and listens to your voice when a microphone is used). It estimates what your face shows — for example a smile, raised eyebrows, where you look, how often you blink, how your head moves. These are estimates of what a face shows, not facts about what you feel.",
                purpose,
                "Nothing by itself: this permission only allows the analysis to run. Without it, nothing about you is analysed.",
                "Until you withdraw. Withdrawing stops any analysis of you at once and erases everything the project stored about you."),
            new(ConsentScope.Measurements, "Keeping the measurements",
                "The numbers the analysis produces: moment by moment, the estimated expressions, head movement, blinks, and summaries of a session.",
                purpose,
                "Stored encrypted in this project's database under a code name, never under your name. Without this permission, live sessions are not stored at all.",
                Kept(retention?.ResultsDays, "Per-moment measurements") + " " + Kept(retention?.AggregatesDays, "Summaries")),
        };
        if (project.KeepMedia)
        {
            scopes.Add(new(ConsentScope.Media, "Keeping the video",
                "The video itself (with its sound, if any).",
                purpose + " Keeping the video lets the researchers check what the measurements were based on.",
                "Stored encrypted. Copies that are downloaded show faces blurred unless the project decides otherwise.",
                Kept(retention?.MediaDays, "Videos")));
        }

        if (project.Purpose == ProcessingPurpose.SkinTracking)
        {
            scopes.Add(new(ConsentScope.SkinProfile, "Keeping a skin profile",
                "Measurements of your skin — tone, texture, redness, spots — collected over several sessions so that changes can be seen.",
                purpose,
                "Stored encrypted in this project's database under a code name.",
                Kept(retention?.ProfilesDays, "Skin profiles")));
        }

        return scopes;
    }

    /// <summary>The project's declared purpose in plain words.</summary>
    public static string Purpose(ProcessingPurpose purpose) => purpose switch
    {
        ProcessingPurpose.Research => "This project is research: the measurements are used to answer research questions, under the project's ethics approval.",
        ProcessingPurpose.ContentTesting => "This project tests content such as videos or ads: the measurements show how viewers' faces responded to it.",
        ProcessingPurpose.UxStudy => "This project studies how people use a product: the measurements show how faces responded while using it.",
        ProcessingPurpose.ClinicalMonitoring => "This project follows a person across sessions (for example therapy) so that a clinician can see changes; it never makes a diagnosis.",
        ProcessingPurpose.DriverSafety => "This project watches for signs of tiredness or inattention of a driver or operator.",
        ProcessingPurpose.SkinTracking => "This project tracks skin over time for the person themself.",
        _ => "The project's purpose is described by whoever sent you this link.",
    };
}

/// <summary>A valid consent link: whose consent it records, and until when it works.</summary>
internal sealed record ConsentLink(Guid ProjectId, Guid SubjectId, DateTimeOffset Expires);

/// <summary>One scope as the subject reads it.</summary>
internal sealed record ScopeText(ConsentScope Scope, string Title, string What, string Why, string Stored, string HowLong);
