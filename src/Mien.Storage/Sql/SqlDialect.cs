using System.Data.Common;

namespace Mien.Storage.Sql;

/// <summary>A JSON text parameter: SQLite stores it as TEXT, PostgreSQL as jsonb.</summary>
internal readonly record struct JsonText(string Value);

/// <summary>
/// What differs between the two databases; everything else (the SQL of every operation) is shared. Values are bound
/// in one place so the stores agree on representation: uuid ↔ lower-case TEXT, timestamptz ↔ fixed-width ISO TEXT.
/// </summary>
internal abstract class SqlDialect : IAsyncDisposable
{
    public abstract StoreProvider Provider { get; }

    /// <summary>Resource folder of this dialect's migrations.</summary>
    public abstract string MigrationFolder { get; }

    /// <summary>Appended to a row-claiming sub-select so concurrent claimers skip each other's rows.</summary>
    public abstract string SkipLocked { get; }

    /// <summary>Appended to a select that must hold its rows until commit (blocks concurrent child inserts).</summary>
    public abstract string ForUpdate { get; }

    /// <summary>Appended to a select whose rows must not change until commit, without blocking other readers (the active data key while a batch is sealed with it).</summary>
    public abstract string ForShare { get; }

    /// <summary>DDL of the migrations ledger.</summary>
    public abstract string LedgerDdl { get; }

    /// <summary>Where the data lives, for error messages (never the password).</summary>
    public abstract string Describe { get; }

    /// <summary>SQL that makes deleted rows unreadable from the database files, or null when the dialect cannot (see <see cref="IMienStore.ScrubAsync"/>).</summary>
    public virtual string? ScrubSql => null;

    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A transaction that takes the write lock up front (SQLite: BEGIN IMMEDIATE, so writers queue on the busy timeout instead of failing on lock upgrade).</summary>
    public abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Serialises migrations across processes for the rest of the transaction.</summary>
    public abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Classifies a database exception, or null when it is not one this dialect knows.</summary>
    public abstract MienStoreError? Classify(Exception exception);

    /// <summary>Runs once before migrations (SQLite: the persistent switch to WAL).</summary>
    public virtual Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Creates a parameter bound to <paramref name="value"/> in this dialect's representation.</summary>
    public abstract DbParameter Parameter(string name, object? value);

    /// <summary>Re-binds an existing parameter (reused prepared commands).</summary>
    public abstract void Bind(DbParameter parameter, object? value);

    public abstract ValueTask DisposeAsync();

    /// <summary>Microseconds: both databases keep exactly this precision, so values round-trip identically.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero);
    }
}
