using System.CommandLine;
using Mien.Privacy.Encryption;
using Mien.Storage;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien keys`: the master key of encryption at rest. `generate` writes a new key file (0600); `rotate` re-wraps every
/// data key of a database from the old master key to a new one in one transaction, while servers keep running (they
/// hold their data keys in memory and need the new key at their next start).
/// </summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var command = new Command("keys", "Manage the master key that encrypts personal data at rest (see docs/encryption.md).");
        command.Subcommands.Add(Generate());
        command.Subcommands.Add(Rotate());
        return command;
    }

    private static Command Generate()
    {
        var output = new Option<string>("--output", "-o") { Description = "Where to write the new key file (must not exist; created with mode 0600).", Required = true };
        var command = new Command("generate", "Write a new random master key to a file readable only by you.") { output };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(output)!;
            if (File.Exists(path))
            {
                throw new InvalidOptionException($"--output {path}: the file exists; a key file is never overwritten (the data it protects would be lost)");
            }

            using var key = MasterKey.CreateFile(path, "--output " + path);
            Console.WriteLine($"mien: wrote master key {key.Id} to {Path.GetFullPath(path)} (mode 0600); keep a copy apart from the data: losing it loses the encrypted data");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Rotate()
    {
        var data = new Option<string?>("--data") { Description = "Data folder of a SQLite deployment (the database is <data>/mien.db)." };
        var database = new Option<string?>("--database") { Description = "PostgreSQL connection string (Host=…;Database=…;Username=…)." };
        var oldKey = new Option<string>("--old-key-file") { Description = "The master key the database uses now.", Required = true };
        var newKey = new Option<string>("--new-key-file") { Description = "The new master key (e.g. from `mien keys generate`).", Required = true };
        var command = new Command("rotate", "Re-wrap every data key from the old master key to the new one, in one transaction; running servers keep working and need the new key at their next start.")
        {
            data, database, oldKey, newKey,
        };
        command.SetAction(async (parse, ct) =>
        {
            var folder = parse.GetValue(data);
            var connection = parse.GetValue(database);
            if ((folder is null) == (connection is null))
            {
                throw new InvalidOptionException("name the database with exactly one of --data <folder> (SQLite) or --database <connection string> (PostgreSQL)");
            }

            connection ??= MienStore.SqliteConnectionString(folder!);
            if (folder is not null && !File.Exists(Path.Combine(Path.GetFullPath(folder), MienStore.SqliteFileName)))
            {
                throw new InvalidOptionException($"--data {folder}: there is no {MienStore.SqliteFileName} in it");
            }

            using var from = MasterKey.ReadFile(parse.GetValue(oldKey)!, "--old-key-file");
            using var to = MasterKey.ReadFile(parse.GetValue(newKey)!, "--new-key-file");
            if (from.Id == to.Id)
            {
                throw new InvalidOptionException($"--old-key-file and --new-key-file hold the same key ({from.Id})");
            }

            try
            {
                if (await MienStore.ProbeMasterKeyIdAsync(connection, ct) == to.Id)
                {
                    Console.WriteLine($"mien: the database already uses master key {to.Id}; nothing to do");
                    return ExitCodes.Ok;
                }

                var count = await MienStore.RotateMasterKeyAsync(connection, from, to, ct);
                Console.WriteLine($"mien: re-wrapped {count} data keys from master key {from.Id} to {to.Id}; start servers with the new key from now on (running ones keep working until they restart)");
                return ExitCodes.Ok;
            }
            catch (MienStoreException e)
            {
                Console.Error.WriteLine($"mien: {e.Message}");
                return ExitCodes.Store;
            }
        });
        return command;
    }
}
