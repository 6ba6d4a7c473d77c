using Mien.Privacy.Encryption;

namespace Mien.Storage;

/// <summary>How a store is opened.</summary>
public sealed record MienStoreOptions
{
    /// <summary>
    /// The master key that wraps the projects' data keys (required: every per-face payload is encrypted at rest).
    /// The caller keeps ownership (the store never disposes it). Opening refuses a key other than the one the
    /// database was first opened with, naming the expected key id.
    /// </summary>
    public MasterKey? MasterKey { get; init; }

    /// <summary>
    /// The master key before a rotation, or null. When the database still expects this key, opening re-wraps every
    /// data key under <see cref="MasterKey"/> in one transaction.
    /// </summary>
    public MasterKey? PreviousMasterKey { get; init; }

    /// <summary>Clock for created/started/finished times (tests pass a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Whether to apply pending migrations on open (default). Off, opening fails when the schema is behind, so a
    /// deployment can migrate in a separate step.
    /// </summary>
    public bool Migrate { get; init; } = true;

    /// <summary>How long a SQLite connection waits for another writer's lock before failing (default 30 s).</summary>
    public TimeSpan SqliteBusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Time);
        if (SqliteBusyTimeout <= TimeSpan.Zero || SqliteBusyTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(SqliteBusyTimeout), SqliteBusyTimeout, $"{nameof(SqliteBusyTimeout)} is {SqliteBusyTimeout}; it must be more than 0 and at most 10 minutes.");
        }
    }
}

/// <summary>How a <see cref="IRecordingWriter"/> batches.</summary>
public sealed record RecordingWriterOptions
{
    /// <summary>Rows per transaction at most (default 200: about 7 s of a 30 fps stream).</summary>
    public int BatchSize { get; init; } = 200;

    /// <summary>Longest a queued row waits before it is committed (default 250 ms), so live readers see results soon.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Rows queued at most; a producer faster than the database then waits (default 4096; nothing is dropped).</summary>
    public int QueueCapacity { get; init; } = 4096;

    internal void Validate()
    {
        if (BatchSize is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"{nameof(BatchSize)} is {BatchSize}; it must be 1–10000.");
        }

        if (FlushInterval <= TimeSpan.Zero || FlushInterval > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(FlushInterval), FlushInterval, $"{nameof(FlushInterval)} is {FlushInterval}; it must be more than 0 and at most 1 minute.");
        }

        if (QueueCapacity < BatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(QueueCapacity), QueueCapacity, $"{nameof(QueueCapacity)} is {QueueCapacity}; it must be at least {nameof(BatchSize)} ({BatchSize}).");
        }
    }
}
