using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mien.Storage.Sql;

/// <summary>
/// Applies the embedded, numbered SQL scripts of a dialect (<c>Migrations/&lt;Dialect&gt;/NNNN_name.sql</c>) that
/// the database's <c>schema_migrations</c> ledger does not list, all in one transaction (both databases have
/// transactional DDL), under a lock that serialises concurrent starters. The ledger keeps each script's SHA-256:
/// a script edited after it was applied, or a database newer than this code, stops the open with a clear error
/// instead of running against a schema nobody tested.
/// </summary>
/// <remarks>
/// Chosen over FluentMigrator: the schema uses dialect types (jsonb, uuid, timestamptz, json_valid checks) that
/// FluentMigrator's neutral DSL cannot express, so both dialects' SQL would be written by hand anyway; its runner
/// needs a DI container and five more packages. This is one file, and the scripts are reviewable SQL.
/// </remarks>
internal static class MigrationRunner
{
    internal sealed record Migration(int Version, string Name, string Sql, string Checksum);

    /// <summary>The dialect's migrations in version order.</summary>
    public static IReadOnlyList<Migration> Load(SqlDialect dialect)
    {
        var assembly = typeof(MigrationRunner).Assembly;
        var prefix = $"Mien.Storage.Migrations.{dialect.MigrationFolder}/";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var name = resource.Replace('\\', '/');
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var file = name[prefix.Length..^4];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(file.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"migration resource '{resource}' is not named NNNN_name.sql");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var sql = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
            var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
            migrations.Add(new Migration(version, file, sql, checksum));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"{dialect.MigrationFolder} migrations must be numbered 1, 2, 3, … without gaps; found {string.Join(", ", migrations.Select(m => m.Version))}");
            }
        }

        return migrations;
    }

    /// <summary>Brings the schema up to date (or, with <paramref name="apply"/> false, checks that it is); returns the versions applied now.</summary>
    public static async Task<IReadOnlyList<int>> RunAsync(SqlDialect dialect, TimeProvider time, bool apply, CancellationToken cancellationToken)
    {
        var migrations = Load(dialect);
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await dialect.LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, dialect.LedgerDdl, cancellationToken).ConfigureAwait(false);

        var applied = new Dictionary<int, string>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT version, checksum FROM schema_migrations";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                applied[reader.GetInt32(0)] = reader.GetString(1);
            }
        }

        if (applied.Count > 0 && applied.Keys.Max() > migrations.Count)
        {
            throw new MienStoreException($"{dialect.Describe} has schema version {applied.Keys.Max()}, newer than this Mien knows ({migrations.Count}); upgrade Mien or use another database.", MienStoreError.Failure);
        }

        foreach (var (version, checksum) in applied)
        {
            var known = migrations[version - 1];
            if (known.Checksum != checksum)
            {
                throw new MienStoreException($"{dialect.Describe}: migration {known.Name} was applied from a different script (checksum {checksum[..12]}…, this build has {known.Checksum[..12]}…); migrations must never be edited once released: add a new one.", MienStoreError.Failure);
            }
        }

        var pending = migrations.Where(m => !applied.ContainsKey(m.Version)).ToList();
        if (pending.Count > 0 && !apply)
        {
            throw new MienStoreException($"{dialect.Describe} is at schema version {applied.Count}, this Mien needs {migrations.Count}; open it with migrations enabled.", MienStoreError.Failure);
        }

        foreach (var migration in pending)
        {
            try
            {
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
            }
            catch (DbException e)
            {
                throw new MienStoreException($"{dialect.Describe}: migration {migration.Name} failed: {e.Message}", MienStoreError.Failure, e);
            }

            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (@version, @name, @checksum, @at)";
            command.Parameters.Add(dialect.Parameter("@version", migration.Version));
            command.Parameters.Add(dialect.Parameter("@name", migration.Name));
            command.Parameters.Add(dialect.Parameter("@checksum", migration.Checksum));
            command.Parameters.Add(dialect.Parameter("@at", time.GetUtcNow()));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [.. pending.Select(m => m.Version)];
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
