using System.Text;
using Microsoft.Data.Sqlite;
using Mien.Storage;
using Npgsql;

namespace Mien.Server.Tests;

/// <summary>
/// Looks for any trace of given strings everywhere a server keeps data: every column of every table (SQLite or
/// PostgreSQL), the raw bytes of the SQLite file and its WAL, and every file and folder name and file content under
/// the data directory.
/// </summary>
internal static class Traces
{
    /// <summary>Where each needle was found ("needle @ place"); empty when nowhere.</summary>
    public static async Task<IReadOnlyList<string>> FindAsync(string dataDirectory, string? postgres, IReadOnlyCollection<string> needles)
    {
        var hits = new List<string>();
        foreach (var needle in needles)
        {
            foreach (var table in await TablesContainingAsync(dataDirectory, postgres, needle))
            {
                hits.Add($"{needle} @ table {table}");
            }
        }

        var bytes = needles.Select(n => (Text: n, Bytes: Encoding.UTF8.GetBytes(n))).ToList();
        foreach (var entry in Directory.EnumerateFileSystemEntries(dataDirectory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(dataDirectory, entry);
            foreach (var (text, _) in bytes.Where(b => relative.Contains(b.Text, StringComparison.OrdinalIgnoreCase)))
            {
                hits.Add($"{text} @ name {relative}");
            }

            if (File.Exists(entry))
            {
                var content = await ReadSharedAsync(entry);
                foreach (var (text, needle) in bytes.Where(b => content.AsSpan().IndexOf(b.Bytes) >= 0))
                {
                    hits.Add($"{text} @ bytes of {relative}");
                }
            }
        }

        return hits;
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory);
        return memory.ToArray();
    }

    private static async Task<IReadOnlyList<string>> TablesContainingAsync(string dataDirectory, string? postgres, string needle)
    {
        var hits = new List<string>();
        if (postgres is null)
        {
            await using var connection = new SqliteConnection(MienStore.SqliteConnectionString(dataDirectory) + ";Mode=ReadOnly");
            await connection.OpenAsync();
            foreach (var table in await ColumnAsync(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
            {
                var columns = await ColumnAsync(connection, $"SELECT name FROM pragma_table_info('{table}')");
                // Blobs (hashes, ids stored as bytes) are compared as hex as well as text.
                var text = string.Join(" || '|' || ", columns.Select(c => $"coalesce(CAST(\"{c}\" AS TEXT), '') || coalesce(hex(\"{c}\"), '')"));
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT count(*) FROM \"{table}\" WHERE instr(lower({text}), lower(@needle)) > 0";
                command.Parameters.AddWithValue("@needle", needle);
                if ((long)(await command.ExecuteScalarAsync())! > 0)
                {
                    hits.Add(table);
                }
            }
        }
        else
        {
            await using var connection = new NpgsqlConnection(postgres);
            await connection.OpenAsync();
            foreach (var table in await ColumnAsync(connection, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            {
                await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{table}\" x WHERE strpos(lower(x::text), lower(@needle)) > 0", connection);
                command.Parameters.AddWithValue("needle", needle);
                if ((long)(await command.ExecuteScalarAsync())! > 0)
                {
                    hits.Add(table);
                }
            }
        }

        return hits;
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
