using System.Data.Common;
using Mien.Privacy.Encryption;
using Mien.Storage.Sql;

namespace Mien.Storage;

/// <summary>Opens Mien stores from connection strings.</summary>
public static class MienStore
{
    /// <summary>File name of the embedded database in a data directory.</summary>
    public const string SqliteFileName = "mien.db";

    /// <summary>The embedded store's connection string for a data directory (<c>Data Source=&lt;dir&gt;/mien.db</c>).</summary>
    public static string SqliteConnectionString(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        return $"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), SqliteFileName)}";
    }

    /// <summary>
    /// Which database a connection string names: <c>Data Source=…</c> (or <c>Filename=…</c>) is SQLite,
    /// <c>Host=…</c> (or <c>Server=…</c>) is PostgreSQL.
    /// </summary>
    /// <exception cref="ArgumentException">The string names neither, or both.</exception>
    public static StoreProvider ProviderOf(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"the connection string is malformed ({e.Message}); expected 'Data Source=/path/mien.db' (SQLite) or 'Host=…;Database=…;Username=…' (PostgreSQL)", nameof(connectionString), e);
        }

        var sqlite = builder.ContainsKey("Data Source") || builder.ContainsKey("DataSource") || builder.ContainsKey("Filename");
        var postgres = builder.ContainsKey("Host") || builder.ContainsKey("Server");
        return (sqlite, postgres) switch
        {
            (true, false) => StoreProvider.Sqlite,
            (false, true) => StoreProvider.Postgres,
            _ => throw new ArgumentException("the connection string must name either a SQLite file ('Data Source=/path/mien.db') or a PostgreSQL server ('Host=…;Database=…;Username=…'), not " + (sqlite ? "both" : "neither"), nameof(connectionString)),
        };
    }

    /// <summary>
    /// Opens the store a connection string names and brings its schema up to date (unless
    /// <see cref="MienStoreOptions.Migrate"/> is off). SQLite: the file and its directory are created, WAL is switched on.
    /// </summary>
    /// <exception cref="ArgumentException">The connection string names no supported database.</exception>
    /// <exception cref="MienStoreException">The database cannot be reached, or its schema is newer than this code or was migrated from different scripts.</exception>
    public static async Task<IMienStore> OpenAsync(string connectionString, MienStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MienStoreOptions();
        options.Validate();
        if (options.MasterKey is null)
        {
            var expected = await ProbeMasterKeyIdAsync(connectionString, cancellationToken).ConfigureAwait(false);
            throw new MienStoreException(expected is null
                ? $"no master key given: Mien encrypts per-face data at rest and needs one ({MasterKeySources.HowToPass})"
                : $"the database is encrypted under master key {expected}, but no master key was given: pass it with {MasterKeySources.HowToPass}", MienStoreError.Failure);
        }

        SqlDialect dialect = ProviderOf(connectionString) == StoreProvider.Sqlite
            ? new SqliteDialect(connectionString, options.SqliteBusyTimeout)
            : new PostgresDialect(connectionString);
        try
        {
            await dialect.PrepareAsync(cancellationToken).ConfigureAwait(false);
            await MigrationRunner.RunAsync(dialect, options.Time, options.Migrate, cancellationToken).ConfigureAwait(false);
            var store = new SqlMienStore(dialect, options.Time);
            await store.OpenKeyringAsync(options.MasterKey, options.PreviousMasterKey, cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch (DbException e)
        {
            await dialect.DisposeAsync().ConfigureAwait(false);
            throw new MienStoreException($"could not open {dialect.Describe}: {e.Message}", MienStoreError.Failure, e);
        }
        catch
        {
            await dialect.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The id of the master key a database expects, or null when it has none yet; opens nothing else and migrates
    /// nothing (the server asks before it would generate a key on first start).
    /// </summary>
    public static async Task<string?> ProbeMasterKeyIdAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var dialect = Dialect(connectionString, new MienStoreOptions());
        try
        {
            return await new SqlMienStore(dialect, TimeProvider.System).ExpectedMasterKeyIdAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbException)
        {
            return null;
        }
    }

    /// <summary>
    /// Re-wraps every data key of the database from <paramref name="oldKey"/> to <paramref name="newKey"/> in one
    /// transaction; safe while servers run on the database (they keep their unwrapped data keys in memory and need
    /// <paramref name="newKey"/> at their next start). Returns the number of data keys re-wrapped (0 when the database
    /// already expects <paramref name="newKey"/>).
    /// </summary>
    /// <exception cref="MienStoreException">The database expects neither key, or cannot be opened.</exception>
    public static async Task<int> RotateMasterKeyAsync(string connectionString, MasterKey oldKey, MasterKey newKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(oldKey);
        ArgumentNullException.ThrowIfNull(newKey);
        var expected = await ProbeMasterKeyIdAsync(connectionString, cancellationToken).ConfigureAwait(false)
            ?? throw new MienStoreException("the database has no master-key record: open it once with a key (mien serve) before rotating", MienStoreError.Failure);
        var current = expected == newKey.Id ? newKey : oldKey;
        await using var store = (SqlMienStore)await OpenAsync(connectionString, new MienStoreOptions { MasterKey = current }, cancellationToken).ConfigureAwait(false);
        return current == newKey ? 0 : await store.RotateMasterKeyAsync(oldKey, newKey, cancellationToken).ConfigureAwait(false);
    }

    private static SqlDialect Dialect(string connectionString, MienStoreOptions options) => ProviderOf(connectionString) == StoreProvider.Sqlite
        ? new SqliteDialect(connectionString, options.SqliteBusyTimeout)
        : new PostgresDialect(connectionString);
}
