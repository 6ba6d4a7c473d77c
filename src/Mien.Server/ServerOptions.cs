using Mien.Media;

namespace Mien.Server;

/// <summary>Options of `mien serve`; every limit is validated with a message naming the option, value and bound.</summary>
public sealed record ServerOptions
{
    /// <summary>Where the database (SQLite), uploads and result files live (default <c>$MIEN_DATA_DIR</c> or <c>./mien-data</c>).</summary>
    public string DataDirectory { get; init; } = Environment.GetEnvironmentVariable("MIEN_DATA_DIR") is { Length: > 0 } d ? d : "mien-data";

    /// <summary>Addresses Kestrel listens on (default <c>http://127.0.0.1:5080</c>: loopback only until you choose otherwise).</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5080";

    /// <summary>Database: null for SQLite in <see cref="DataDirectory"/>, or a PostgreSQL connection string (<c>Host=…;Database=…;Username=…</c>).</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Analysis jobs run at once (default: the number of cores).</summary>
    public int JobConcurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>Live WebSocket sessions at once (default 8); more are refused with 503 and a reason.</summary>
    public int MaxLiveSessions { get; init; } = 8;

    /// <summary>Largest upload in bytes (default 2 GiB).</summary>
    public long MaxUploadBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Largest chunk of a resumable upload session in bytes (default 16 MiB; one PUT each).</summary>
    public int MaxUploadChunkBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>How long a resumable upload session may sit without a chunk before it expires and its partial data are deleted (default 1 h).</summary>
    public TimeSpan UploadSessionTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Resumable upload sessions one API key may have open at once (default 4).</summary>
    public int MaxUploadSessionsPerKey { get; init; } = 4;

    /// <summary>Longest video accepted for analysis (default 4 h).</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Largest video side in pixels accepted for analysis (default 3840).</summary>
    public int MaxVideoSide { get; init; } = 3840;

    /// <summary>Largest JSON request body in bytes (default 64 KiB).</summary>
    public int MaxJsonBytes { get; init; } = 64 * 1024;

    /// <summary>Requests per minute per API key before 429 (default 600; uploads and WebSocket frames are limited separately).</summary>
    public int RequestsPerMinute { get; init; } = 600;

    /// <summary>Limits of frames pushed over the live WebSocket.</summary>
    public PushFrameSourceOptions Live { get; init; } = new();

    /// <summary>Largest WebSocket message in bytes (default 4 MiB + header).</summary>
    public int MaxWebSocketMessageBytes { get; init; } = (4 * 1024 * 1024) + 64;

    /// <summary>
    /// Slowest request body accepted, bytes a second (default 240), after <see cref="SlowClientGrace"/>: a client
    /// trickling an upload below it (slow-loris) is cut off rather than holding a connection and a file open for hours.
    /// </summary>
    public int MinRequestBytesPerSecond { get; init; } = 240;

    /// <summary>How long a request body may start slowly before <see cref="MinRequestBytesPerSecond"/> applies (default 10 s).</summary>
    public TimeSpan SlowClientGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time a client has to send a request's headers, including an idle new connection (default 15 s).</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a connection may sit idle, before its first request or between requests, before the server closes
    /// it (default 60 s; Kestrel's own default is 130 s): idle connections are the cheapest way to hold a server's sockets.
    /// </summary>
    public TimeSpan IdleConnectionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Messages a live WebSocket client may send per second (frames and audio chunks; default 200, bursts of twice
    /// that are absorbed). Beyond it the server closes the socket with 1008 (policy violation).
    /// </summary>
    public int LiveMessagesPerSecond { get; init; } = 200;

    /// <summary>A live session whose client sends nothing for this long is closed with 1008 (default 60 s), freeing its slot.</summary>
    public TimeSpan LiveIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether registered streams may point at private networks (10/8, 172.16/12, 192.168/16, fc00::/7; default
    /// true: that is where cameras live). Loopback, link-local (cloud metadata), unspecified and broadcast addresses
    /// are refused unless <see cref="AllowLoopbackStreams"/>.
    /// </summary>
    public bool AllowPrivateNetworkStreams { get; init; } = true;

    /// <summary>Whether registered streams may point at this machine (default false: that is server-side request forgery).</summary>
    public bool AllowLoopbackStreams { get; init; }

    /// <summary>Use cached models only (no registry access).</summary>
    public bool Offline { get; init; }

    /// <summary>How often the retention job runs (default hourly; null: only on demand, <c>POST …/retention/run</c>).</summary>
    public TimeSpan? RetentionInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The master key file (<c>--master-key-file</c>); null to look at <c>MIEN_MASTER_KEY_FILE</c>, <c>MIEN_MASTER_KEY</c>,
    /// then the default key file (generated on the very first start, outside the data folder).
    /// </summary>
    public string? MasterKeyFile { get; init; }

    /// <summary>The master key itself (tests and embedding hosts); wins over <see cref="MasterKeyFile"/> and the environment. The caller keeps ownership.</summary>
    public Mien.Privacy.Encryption.MasterKey? MasterKey { get; init; }

    /// <summary>The key before a master-key rotation (else <c>MIEN_MASTER_KEY_PREVIOUS</c>/<c>_FILE</c>): the data keys are re-wrapped at start.</summary>
    public Mien.Privacy.Encryption.MasterKey? PreviousMasterKey { get; init; }

    /// <summary>Clock (tests pass a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Extension point for hosts that add services before the server is built, e.g. <c>mien serve --cluster</c> co-hosting
    /// an Orleans silo (Mien.Cluster) in this process; null (the single-machine default) adds nothing.
    /// </summary>
    public Action<WebApplicationBuilder>? ConfigureHost { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, its value and the limit.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(DataDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(Urls);
        Check(JobConcurrency is >= 1 and <= 256, nameof(JobConcurrency), JobConcurrency, "between 1 and 256");
        Check(MaxLiveSessions is >= 1 and <= 1024, nameof(MaxLiveSessions), MaxLiveSessions, "between 1 and 1024");
        Check(MaxUploadBytes is >= 1024 and <= 64L * 1024 * 1024 * 1024, nameof(MaxUploadBytes), MaxUploadBytes, "between 1 KiB and 64 GiB");
        Check(MaxUploadChunkBytes is >= 1024 and <= 256 * 1024 * 1024, nameof(MaxUploadChunkBytes), MaxUploadChunkBytes, "between 1 KiB and 256 MiB");
        Check(UploadSessionTimeout >= TimeSpan.FromSeconds(10) && UploadSessionTimeout <= TimeSpan.FromDays(7), nameof(UploadSessionTimeout), UploadSessionTimeout, "between 10 s and 7 days");
        Check(MaxUploadSessionsPerKey is >= 1 and <= 1000, nameof(MaxUploadSessionsPerKey), MaxUploadSessionsPerKey, "between 1 and 1000");
        Check(MaxDuration > TimeSpan.Zero && MaxDuration <= TimeSpan.FromDays(2), nameof(MaxDuration), MaxDuration, "more than 0 and at most 2 days");
        Check(MaxVideoSide is >= 64 and <= 8192, nameof(MaxVideoSide), MaxVideoSide, "between 64 and 8192");
        Check(MaxJsonBytes is >= 1024 and <= 16 * 1024 * 1024, nameof(MaxJsonBytes), MaxJsonBytes, "between 1 KiB and 16 MiB");
        Check(RequestsPerMinute is >= 1 and <= 1_000_000, nameof(RequestsPerMinute), RequestsPerMinute, "between 1 and 1000000");
        Check(MaxWebSocketMessageBytes >= Live.MaxEncodedBytes, nameof(MaxWebSocketMessageBytes), MaxWebSocketMessageBytes, $"at least Live.MaxEncodedBytes ({Live.MaxEncodedBytes})");
        Check(MinRequestBytesPerSecond is >= 1 and <= 100_000_000, nameof(MinRequestBytesPerSecond), MinRequestBytesPerSecond, "between 1 and 100000000");
        Check(SlowClientGrace >= TimeSpan.FromSeconds(1) && SlowClientGrace <= TimeSpan.FromMinutes(10), nameof(SlowClientGrace), SlowClientGrace, "between 1 s and 10 min");
        Check(RequestHeadersTimeout >= TimeSpan.FromSeconds(1) && RequestHeadersTimeout <= TimeSpan.FromMinutes(10), nameof(RequestHeadersTimeout), RequestHeadersTimeout, "between 1 s and 10 min");
        Check(IdleConnectionTimeout >= TimeSpan.FromSeconds(1) && IdleConnectionTimeout <= TimeSpan.FromHours(1), nameof(IdleConnectionTimeout), IdleConnectionTimeout, "between 1 s and 1 h");
        Check(LiveMessagesPerSecond is >= 1 and <= 100_000, nameof(LiveMessagesPerSecond), LiveMessagesPerSecond, "between 1 and 100000");
        Check(LiveIdleTimeout >= TimeSpan.FromSeconds(1) && LiveIdleTimeout <= TimeSpan.FromHours(1), nameof(LiveIdleTimeout), LiveIdleTimeout, "between 1 s and 1 h");
        Check(RetentionInterval is null || (RetentionInterval >= TimeSpan.FromMinutes(1) && RetentionInterval <= TimeSpan.FromDays(7)), nameof(RetentionInterval), RetentionInterval?.ToString() ?? "null", "between 1 minute and 7 days, or null (on demand only)");
        Live.Validate();
    }

    private static void Check(bool ok, string name, object value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException($"{name} = {value}: must be {rule}.", name);
        }
    }
}
