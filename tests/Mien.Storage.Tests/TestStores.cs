using System.Reflection;
using System.Text;
using Microsoft.Data.Sqlite;
using Mien.Privacy.Encryption;
using Mien.Testing;
using Npgsql;
using Xunit.Sdk;

namespace Mien.Storage.Tests;

/// <summary>Supplies <see cref="StoreProvider.Sqlite"/> to a theory.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SqliteStoreAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[StoreProvider.Sqlite]];
}

/// <summary>
/// Supplies <see cref="StoreProvider.Postgres"/> to a theory, or skips it with the reason PostgreSQL cannot run here
/// (xunit reads <see cref="DataAttribute.Skip"/> at discovery, after the probe ran).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PostgresStoreAttribute : DataAttribute
{
    public override string? Skip
    {
        get => PostgresCluster.Unavailable;
        set { }
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[StoreProvider.Postgres]];
}

/// <summary>A fresh, migrated store on a real database (a temp SQLite file, or a new PostgreSQL database) plus raw access to check what is really stored.</summary>
internal sealed class TestStore : IAsyncDisposable
{
    private readonly string? _directory;
    private readonly string? _database;
    private readonly List<IMienStore> _opened = [];

    private TestStore(StoreProvider provider, string connectionString, string? directory, string? database)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _directory = directory;
        _database = database;
    }

    public StoreProvider Provider { get; }

    public string ConnectionString { get; }

    /// <summary>The SQLite file (SQLite only).</summary>
    public string? File => _directory is null ? null : Path.Combine(_directory, MienStore.SqliteFileName);

    public static async Task<TestStore> CreateAsync(StoreProvider provider)
    {
        if (provider == StoreProvider.Sqlite)
        {
            var directory = Directory.CreateTempSubdirectory("mien-store-").FullName;
            return new TestStore(provider, MienStore.SqliteConnectionString(directory), directory, null);
        }

        var name = "mien_test_" + Guid.NewGuid().ToString("N")[..16];
        var connectionString = await PostgresCluster.Instance.CreateDatabaseAsync(name);
        return new TestStore(provider, connectionString, null, name);
    }

    /// <summary>The master key every store of the test process opens with unless a test passes its own.</summary>
    public static MasterKey Key { get; } = MasterKey.Generate("the test key");

    /// <summary>Opens (and migrates) a store on this database with <see cref="Key"/> unless <paramref name="options"/> names another; disposed with the fixture.</summary>
    public async Task<IMienStore> OpenAsync(MienStoreOptions? options = null)
    {
        options ??= new MienStoreOptions();
        var store = await MienStore.OpenAsync(ConnectionString, options.MasterKey is null ? options with { MasterKey = Key } : options);
        _opened.Add(store);
        return store;
    }

    /// <summary>Every table's rows whose text (any column) contains <paramref name="needle"/>: "table: count" entries.</summary>
    public async Task<IReadOnlyList<string>> ScanAsync(string needle)
    {
        var hits = new List<string>();
        if (Provider == StoreProvider.Sqlite)
        {
            await using var connection = new SqliteConnection(ConnectionString);
            await connection.OpenAsync();
            foreach (var table in await ColumnAsync(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
            {
                var columns = await ColumnAsync(connection, $"SELECT name FROM pragma_table_info('{table}')");
                var text = string.Join(" || '|' || ", columns.Select(c => $"coalesce(CAST(\"{c}\" AS TEXT), '')"));
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT count(*) FROM \"{table}\" WHERE instr({text}, @needle) > 0";
                command.Parameters.AddWithValue("@needle", needle);
                var count = (long)(await command.ExecuteScalarAsync())!;
                if (count > 0)
                {
                    hits.Add($"{table}: {count}");
                }
            }
        }
        else
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            foreach (var table in await ColumnAsync(connection, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            {
                await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{table}\" x WHERE strpos(x::text, @needle) > 0", connection);
                command.Parameters.AddWithValue("needle", needle);
                var count = (long)(await command.ExecuteScalarAsync())!;
                if (count > 0)
                {
                    hits.Add($"{table}: {count}");
                }
            }
        }

        return hits;
    }

    /// <summary>The user tables of the database.</summary>
    public async Task<IReadOnlyList<string>> TablesAsync()
    {
        if (Provider == StoreProvider.Sqlite)
        {
            await using var sqlite = new SqliteConnection(ConnectionString);
            await sqlite.OpenAsync();
            return await ColumnAsync(sqlite, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
        }

        await using var postgres = new NpgsqlConnection(ConnectionString);
        await postgres.OpenAsync();
        return await ColumnAsync(postgres, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    }

    /// <summary>Runs a statement directly (to set up states the API cannot produce, e.g. a newer schema).</summary>
    public async Task<object?> ExecuteAsync(string sql)
    {
        System.Data.Common.DbConnection connection = Provider == StoreProvider.Sqlite ? new SqliteConnection(ConnectionString) : new NpgsqlConnection(ConnectionString);
        await using (connection)
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return await command.ExecuteScalarAsync();
        }
    }

    /// <summary>Whether the raw database files (SQLite: the file and its WAL) contain <paramref name="text"/>.</summary>
    public bool FilesContain(string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        foreach (var path in new[] { File!, File + "-wal" })
        {
            if (!System.IO.File.Exists(path))
            {
                continue;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            if (memory.GetBuffer().AsSpan(0, (int)memory.Length).IndexOf(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }

        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await PostgresCluster.Instance.DropDatabaseAsync(_database);
        }

        if (_directory is not null)
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static async Task<IReadOnlyList<string>> ColumnAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
