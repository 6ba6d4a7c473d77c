using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Mien.Storage.Sql;

/// <summary>SQLite through Microsoft.Data.Sqlite: a file, WAL, foreign keys on every connection, a busy timeout.</summary>
internal sealed class SqliteDialect : SqlDialect
{
    private const int ConstraintUnique = 2067, ConstraintPrimaryKey = 1555, ConstraintForeignKey = 787, ConstraintCheck = 275, ConstraintNotNull = 1299;
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly string _file;

    public SqliteDialect(string connectionString, TimeSpan busyTimeout)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new ArgumentException($"SQLite store needs a file ('Data Source=/path/mien.db'); got '{builder.DataSource}'. An in-memory database would vanish between connections.", nameof(connectionString));
        }

        _file = Path.GetFullPath(builder.DataSource);
        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        builder.DataSource = _file;
        builder.ForeignKeys = true;
        builder.Pooling = true;
        builder.DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds));
        _connectionString = builder.ToString();

        // synchronous=NORMAL is durable against process crashes in WAL mode (a power cut may lose the last commits);
        // busy_timeout makes a writer wait for the lock instead of failing with SQLITE_BUSY.
        // secure_delete: freed pages are zeroed, so an erased subject cannot be read back from the file with a hex editor.
        _pragmas = $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;";
    }

    public override StoreProvider Provider => StoreProvider.Sqlite;

    public override string MigrationFolder => "Sqlite";

    public override string SkipLocked => string.Empty;

    public override string ForUpdate => string.Empty;

    public override string ForShare => string.Empty;

    public override string LedgerDdl =>
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)";

    public override string Describe => $"SQLite file {_file}";

    /// <summary>Copies the WAL into the main file (where secure_delete zeroed the freed pages) and truncates it, so old page images go too.</summary>
    public override string? ScrubSql => "PRAGMA wal_checkpoint(TRUNCATE)";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
        => ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
        => Task.CompletedTask; // BEGIN IMMEDIATE already holds the database's single write lock.

    public override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL";
        var mode = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new MienStoreException($"{Describe}: could not switch to WAL journaling (got '{mode}'); is the file on a network file system?", MienStoreError.Failure);
        }
    }

    public override MienStoreError? Classify(Exception exception) => exception is SqliteException e && e.SqliteErrorCode == 19
        ? e.SqliteExtendedErrorCode switch
        {
            ConstraintUnique or ConstraintPrimaryKey => MienStoreError.Conflict,
            ConstraintForeignKey => MienStoreError.NotFound,
            ConstraintCheck or ConstraintNotNull => MienStoreError.Invalid,
            _ => null,
        }
        : null;

    public override DbParameter Parameter(string name, object? value)
    {
        var parameter = new SqliteParameter { ParameterName = name };
        Bind(parameter, value);
        return parameter;
    }

    public override void Bind(DbParameter parameter, object? value) => parameter.Value = value switch
    {
        null => DBNull.Value,
        Guid g => g.ToString("D"),
        DateTimeOffset t => Truncate(t).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        JsonText j => j.Value,
        _ => value,
    };

    public override ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open (and the WAL un-checkpointed); release them so the file can be removed.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
