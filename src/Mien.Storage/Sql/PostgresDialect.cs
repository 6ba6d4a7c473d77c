using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Mien.Storage.Sql;

/// <summary>PostgreSQL through one pooled <see cref="NpgsqlDataSource"/>.</summary>
internal sealed class PostgresDialect : SqlDialect
{
    // Arbitrary constant naming "Mien schema migration" for pg_advisory_xact_lock.
    private const long MigrationLockKey = 0x4D69656E_4D696772;
    private readonly NpgsqlDataSource _source;
    private readonly string _describe;

    public PostgresDialect(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _describe = $"PostgreSQL database '{builder.Database}' on {builder.Host}:{builder.Port}";
        _source = NpgsqlDataSource.Create(builder);
    }

    public override StoreProvider Provider => StoreProvider.Postgres;

    public override string MigrationFolder => "Postgres";

    public override string SkipLocked => " FOR UPDATE SKIP LOCKED";

    public override string ForUpdate => " FOR UPDATE";

    public override string ForShare => " FOR SHARE";

    public override string LedgerDdl =>
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL)";

    public override string Describe => _describe;

    public override ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
        => _source.OpenConnectionAsync(cancellationToken).AsDbConnection();

    public override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
        => await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    public override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({MigrationLockKey})";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override MienStoreError? Classify(Exception exception) => exception is PostgresException e
        ? e.SqlState switch
        {
            PostgresErrorCodes.UniqueViolation => MienStoreError.Conflict,
            PostgresErrorCodes.ForeignKeyViolation => MienStoreError.NotFound,
            PostgresErrorCodes.CheckViolation or PostgresErrorCodes.NotNullViolation or PostgresErrorCodes.InvalidTextRepresentation
                or PostgresErrorCodes.UntranslatableCharacter or PostgresErrorCodes.CharacterNotInRepertoire => MienStoreError.Invalid,
            _ => null,
        }
        : null;

    public override DbParameter Parameter(string name, object? value)
    {
        var parameter = new NpgsqlParameter { ParameterName = name };
        Bind(parameter, value);
        return parameter;
    }

    public override void Bind(DbParameter parameter, object? value)
    {
        var p = (NpgsqlParameter)parameter;
        switch (value)
        {
            case null:
                p.Value = DBNull.Value;
                break;
            case JsonText j:
                p.NpgsqlDbType = NpgsqlDbType.Jsonb;
                p.Value = j.Value;
                break;
            case DateTimeOffset t:
                p.NpgsqlDbType = NpgsqlDbType.TimestampTz;
                p.Value = Truncate(t);
                break;
            default:
                p.Value = value;
                break;
        }
    }

    public override ValueTask DisposeAsync() => _source.DisposeAsync();
}

/// <summary>Widens Npgsql's connection task to the ADO.NET base type without an extra state machine at call sites.</summary>
file static class NpgsqlConnectionTask
{
    public static async ValueTask<DbConnection> AsDbConnection(this ValueTask<NpgsqlConnection> task) => await task.ConfigureAwait(false);
}
