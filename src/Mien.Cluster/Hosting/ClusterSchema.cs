using System.Reflection;
using Npgsql;

namespace Mien.Cluster;

/// <summary>
/// Creates the tables and functions Orleans' ADO.NET providers need in a PostgreSQL database, from the scripts of the
/// dotnet/orleans repository (MIT; copied with their licence header into <c>Schema/PostgreSQL</c>, embedded here).
/// A separate step rather than a Mien.Storage migration: the cluster database need not be the results database, SQLite
/// (the single-machine default) has no Orleans providers, and the scripts are Orleans' to version, not ours. Runs
/// once per database: an advisory lock lets several silos start at once, and a marker table records what was applied.
/// </summary>
public static class ClusterSchema
{
    /// <summary>The scripts in the order they must run (Main first: the others insert their queries into its table).</summary>
    public static IReadOnlyList<string> Scripts { get; } = ["PostgreSQL-Main", "PostgreSQL-Clustering", "PostgreSQL-Persistence", "PostgreSQL-Reminders"];

    private const long LockKey = 0x4D69656E_436C7573; // "MienClus"

    /// <summary>Applies the scripts not yet applied to the database of <paramref name="connectionString"/>; returns the ones it applied.</summary>
    public static async Task<IReadOnlyList<string>> EnsureAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({LockKey})", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS mien_cluster_schema (script text PRIMARY KEY, applied_utc timestamptz NOT NULL DEFAULT now())", cancellationToken).ConfigureAwait(false);
            var applied = new List<string>();
            foreach (var script in Scripts)
            {
                await using var check = new NpgsqlCommand("SELECT count(*) FROM mien_cluster_schema WHERE script = @s", connection);
                check.Parameters.AddWithValue("s", script);
                if ((long)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0)
                {
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (var run = new NpgsqlCommand(Read(script), connection, transaction))
                {
                    await run.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var mark = new NpgsqlCommand("INSERT INTO mien_cluster_schema (script) VALUES (@s)", connection, transaction))
                {
                    mark.Parameters.AddWithValue("s", script);
                    await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                applied.Add(script);
            }

            return applied;
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string Read(string script)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Mien.Cluster.Schema.{script}.sql")
            ?? throw new InvalidOperationException($"the Orleans schema script {script}.sql is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
