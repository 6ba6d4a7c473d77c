using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mien.Cluster.Placement;
using Orleans.Configuration;

namespace Mien.Cluster;

/// <summary>
/// Silo and client set-up for the Mien cluster. A silo needs the grains' placement (<see cref="AddMienGrains"/>), a
/// process-wide <see cref="Mien.Models.ModelSet"/> in its services (the host's, shared with everything else it runs),
/// and storage: <c>UseMienPostgres</c> for a real cluster (membership, reminders and grain
/// state in PostgreSQL through Orleans' ADO.NET providers; run <see cref="ClusterSchema.EnsureAsync"/> first), or any
/// grain storage named <see cref="MienClusterOptions.Storage"/> for tests.
/// </summary>
public static class MienClusterHosting
{
    /// <summary>The cluster id every Mien silo and client uses unless told otherwise.</summary>
    public const string DefaultClusterId = "mien";

    /// <summary>The service id: grain state is keyed by it, so it must not change between deployments.</summary>
    public const string ServiceId = "mien";

    /// <summary>ADO.NET invariant name of Npgsql, as Orleans' providers expect it.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>Adds session placement by load and the cluster options (validated now, naming the bad option).</summary>
    public static ISiloBuilder AddMienGrains(this ISiloBuilder silo, MienClusterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        options ??= new MienClusterOptions();
        options.Validate();
        silo.Services.AddSingleton<IOptions<MienClusterOptions>>(Options.Create(options));
        silo.Services.AddPlacementDirector<SessionPlacementStrategy, SessionPlacementDirector>();
        silo.Services.AddSingleton<Health.ClusterMetrics>();
        silo.Services.AddHostedService<Health.SiloStatsReporter>();
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = options.ProbeTimeout;
            o.NumMissedProbesLimit = options.MissedProbes;
        });
        return silo;
    }

    /// <summary>Membership, reminders and grain state in PostgreSQL (<paramref name="connectionString"/>).</summary>
    public static ISiloBuilder UseMienPostgres(this ISiloBuilder silo, string connectionString, string clusterId = DefaultClusterId)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = clusterId;
            o.ServiceId = ServiceId;
        });
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(MienClusterOptions.Storage, o =>
        {
            o.Invariant = PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        return silo;
    }

    /// <summary>A client (e.g. a web front end without a silo) finding the silos through the PostgreSQL membership table.</summary>
    public static IClientBuilder UseMienPostgres(this IClientBuilder client, string connectionString, string clusterId = DefaultClusterId)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = clusterId;
            o.ServiceId = ServiceId;
        });
        client.UseAdoNetClustering(o =>
        {
            o.Invariant = PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        return client;
    }
}
