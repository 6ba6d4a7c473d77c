using System.Data.Common;
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
        SqlDialect dialect = ProviderOf(connectionString) == StoreProvider.Sqlite
            ? new SqliteDialect(connectionString, options.SqliteBusyTimeout)
            : new PostgresDialect(connectionString);
        try
        {
            await dialect.PrepareAsync(cancellationToken).ConfigureAwait(false);
            await MigrationRunner.RunAsync(dialect, options.Time, options.Migrate, cancellationToken).ConfigureAwait(false);
            return new SqlMienStore(dialect, options.Time);
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
}
