using System.Net;
using Microsoft.Extensions.Hosting;
using Mien.Cluster;
using Mien.Server;

namespace Mien.Cli.Commands;

/// <summary>
/// <c>mien serve --cluster &lt;connection&gt;</c>: the server co-hosts an Orleans silo that joins the cluster whose
/// membership, reminders and grain state live in that PostgreSQL database (its Orleans tables are created on the first
/// start). The silo's grains share the server's models. Without <c>--cluster</c> nothing of this runs.
/// </summary>
internal static class ServeCluster
{
    /// <summary>Where this silo listens and what it tells the others.</summary>
    internal sealed record Endpoints(int SiloPort, int GatewayPort, IPAddress Advertise);

    /// <summary>Creates the Orleans tables when missing and returns the server options with the silo added.</summary>
    public static async Task<ServerOptions> JoinAsync(ServerOptions options, string connection, Endpoints endpoints, int maxSessions, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> applied;
        try
        {
            applied = await ClusterSchema.EnsureAsync(connection, cancellationToken);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or ArgumentException or System.Net.Sockets.SocketException)
        {
            throw new IOException($"cannot prepare the cluster database given with --cluster: {e.Message}", e);
        }

        if (applied.Count > 0)
        {
            Console.WriteLine($"mien: cluster schema created ({string.Join(", ", applied)}; Orleans ADO.NET scripts, MIT)");
        }

        var cluster = new MienClusterOptions { MaxSessionsPerSilo = maxSessions };
        cluster.Validate();
        return options with
        {
            ConfigureHost = builder =>
            {
                builder.UseOrleans(silo => silo
                    .UseMienPostgres(connection)
                    .AddMienGrains(cluster)
                    .ConfigureEndpoints(endpoints.Advertise, endpoints.SiloPort, endpoints.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(endpoints.Advertise)));
            },
        };
    }
}
