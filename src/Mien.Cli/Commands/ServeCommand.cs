using System.CommandLine;
using Mien.Server;

namespace Mien.Cli.Commands;

/// <summary>`mien serve`: the analysis service (REST + live WebSocket) in this process, until Ctrl-C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var data = new Option<string>("--data") { Description = "Data folder (database, uploads, results); default $MIEN_DATA_DIR or ./mien-data.", DefaultValueFactory = _ => new ServerOptions().DataDirectory };
        var database = new Option<string?>("--database") { Description = "PostgreSQL connection string (Host=…;Database=…;Username=…); default: SQLite in the data folder." };
        var jobs = new Option<int>("--jobs") { Description = "Analysis jobs at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var live = new Option<int>("--max-live") { Description = "Live WebSocket sessions at once.", DefaultValueFactory = _ => 8 };
        var offline = new Option<bool>("--offline") { Description = "Use cached models only." };
        var masterKey = new Option<string?>("--master-key-file") { Description = "File with the master key that encrypts personal data at rest (else MIEN_MASTER_KEY_FILE, MIEN_MASTER_KEY, or ~/.config/mien/master.key, generated on the first start)." };
        var cluster = new Option<string?>("--cluster") { Description = "Join a Mien cluster: PostgreSQL connection string of its membership, reminders and grain state (Orleans; see docs/deploy.md). Default: no cluster." };
        var siloPort = new Option<int>("--silo-port") { Description = "With --cluster: port silos talk to each other on.", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "With --cluster: port cluster clients connect to.", DefaultValueFactory = _ => 30000 };
        var advertise = new Option<string>("--advertise") { Description = "With --cluster: this machine's address as the other silos reach it.", DefaultValueFactory = _ => "127.0.0.1" };
        var sessions = new Option<int>("--max-sessions") { Description = "With --cluster: cluster sessions this silo runs at most.", DefaultValueFactory = _ => 2 * Environment.ProcessorCount };
        var command = new Command("serve", "Run the analysis service: REST API with OpenAPI at /openapi/v1.json, live WebSocket, job queue, SQLite or PostgreSQL storage.")
        {
            urls, data, database, jobs, live, offline, masterKey, cluster, siloPort, gatewayPort, advertise, sessions,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new ServerOptions
            {
                Urls = parse.GetValue(urls)!,
                DataDirectory = parse.GetValue(data)!,
                ConnectionString = parse.GetValue(database) ?? Environment.GetEnvironmentVariable("MIEN_DATABASE"),
                JobConcurrency = parse.GetValue(jobs),
                MaxLiveSessions = parse.GetValue(live),
                Offline = parse.GetValue(offline),
                MasterKeyFile = parse.GetValue(masterKey),
            };
            MienServer server;
            try
            {
                if (parse.GetValue(cluster) is { Length: > 0 } clusterConnection)
                {
                    if (!System.Net.IPAddress.TryParse(parse.GetValue(advertise), out var address))
                    {
                        Console.Error.WriteLine($"mien: --advertise '{parse.GetValue(advertise)}' is not an IP address");
                        return ExitCodes.Usage;
                    }

                    options = await ServeCluster.JoinAsync(options, clusterConnection, new(parse.GetValue(siloPort), parse.GetValue(gatewayPort), address), parse.GetValue(sessions), ct);
                }

                server = await MienServer.StartAsync(options, cancellationToken: ct);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"mien: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (Storage.MienStoreException e)
            {
                // A wrong or missing master key, or an unreachable database: the message says which and what to do.
                Console.Error.WriteLine($"mien: {e.Message}");
                return ExitCodes.Store;
            }

            await using var running = server;
            foreach (var address in server.Addresses)
            {
                Console.WriteLine($"mien: serving on {address} (OpenAPI: {address}openapi/v1.json, metrics: {address}metrics)");
            }

            Console.WriteLine($"mien: data in {Path.GetFullPath(options.DataDirectory)}");
            if (options.ConfigureHost is not null)
            {
                Console.WriteLine($"mien: silo joined the cluster (silo port {parse.GetValue(siloPort)}, gateway {parse.GetValue(gatewayPort)})");
            }

            if (server.FirstAdminKey is { } key)
            {
                Console.WriteLine($"mien: first project {server.FirstProject}; its admin API key (shown once, store it now):");
                Console.WriteLine(key);
            }

            try
            {
                await server.WaitForShutdownAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
