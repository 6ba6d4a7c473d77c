namespace Mien.Storage.Tests;

public sealed class MienStoreFactoryTests
{
    [Theory]
    [InlineData("Data Source=/var/lib/mien/mien.db", StoreProvider.Sqlite)]
    [InlineData("data source=mien.db;Cache=Shared", StoreProvider.Sqlite)]
    [InlineData("Filename=/tmp/x.db", StoreProvider.Sqlite)]
    [InlineData("Host=db.internal;Database=mien;Username=mien;Password=secret", StoreProvider.Postgres)]
    [InlineData("Server=127.0.0.1;Port=5433;Database=mien", StoreProvider.Postgres)]
    public void The_connection_string_names_the_database(string connectionString, StoreProvider expected)
        => Assert.Equal(expected, MienStore.ProviderOf(connectionString));

    [Theory]
    [InlineData("Database=mien;Username=x")]
    [InlineData("Host=a;Data Source=b")]
    [InlineData("not a connection string")]
    public void An_unrecognised_connection_string_is_refused_with_the_expected_forms(string connectionString)
    {
        var e = Assert.Throws<ArgumentException>(() => MienStore.ProviderOf(connectionString));
        Assert.Contains("Data Source=", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_in_memory_sqlite_database_is_refused_because_it_would_vanish()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => MienStore.OpenAsync("Data Source=:memory:"));
        Assert.Contains("file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sqlite_store_creates_its_directory_and_runs_in_wal_mode()
    {
        var root = Directory.CreateTempSubdirectory("mien-store-").FullName;
        try
        {
            var data = Path.Combine(root, "nested", "data");
            await using (var store = await MienStore.OpenAsync(MienStore.SqliteConnectionString(data), new MienStoreOptions { MasterKey = TestStore.Key }))
            {
                Assert.Equal(StoreProvider.Sqlite, store.Provider);
                await store.CreateProjectAsync(new NewProject("p"));
                Assert.True(File.Exists(Path.Combine(data, MienStore.SqliteFileName)));
                Assert.True(File.Exists(Path.Combine(data, MienStore.SqliteFileName + "-wal")), "WAL file present while open");
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }
}
