using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mien.Testing;

namespace Mien.Cluster.Tests;

public sealed partial class ClusterTests
{
    [SiloProcessFact]
    public async Task Silo_processes_on_postgresql_hand_a_session_over_when_the_one_running_it_is_killed()
    {
        var database = "mien_cluster_" + Guid.NewGuid().ToString("N")[..10];
        var connection = await PostgresCluster.Instance.CreateDatabaseAsync(database);
        // The cluster schema step: Orleans' scripts once, then nothing (the silos run it again at start).
        Assert.Equal(ClusterSchema.Scripts, await ClusterSchema.EnsureAsync(connection));
        Assert.Empty(await ClusterSchema.EnsureAsync(connection));

        using var a = SiloProcess.Start(connection);
        using var b = SiloProcess.Start(connection);
        await Task.WhenAll(a.WaitUntilJoinedAsync(TimeSpan.FromMinutes(3)), b.WaitUntilJoinedAsync(TimeSpan.FromMinutes(3)));
        using var client = new HostBuilder()
            .UseOrleansClient(c => c.UseMienPostgres(connection).Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5)))
            .Build();
        await client.StartAsync();
        var grains = client.Services.GetRequiredService<IClusterClient>();
        try
        {
            var id = "process-" + Guid.NewGuid().ToString("N");
            var opened = await grains.GetGrain<ISessionGrain>(id).OpenAsync(new SessionStart("live", CheckpointEvery: 5));
            const int before = 12;
            for (var seq = 0; seq < before; seq++)
            {
                Assert.Equal(FrameOutcome.Analysed, (await grains.GetGrain<ISessionGrain>(id).AnalyzeAsync(Frame(seq))).Outcome);
            }

            var owner = opened.Silo.Contains($":{a.SiloPort}:", StringComparison.Ordinal) ? a : b;
            owner.Kill();
            var killed = Stopwatch.StartNew();
            var lost = 0;
            var seqAfter = before;
            FrameReply? resumed = null;
            while (resumed is null)
            {
                Assert.True(killed.Elapsed < TimeSpan.FromSeconds(90), $"the session did not resume within 90 s ({lost} frames lost)");
                try
                {
                    resumed = await grains.GetGrain<ISessionGrain>(id).AnalyzeAsync(Frame(seqAfter++));
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    lost++;
                }
            }

            var recovery = killed.Elapsed;
            Assert.Equal(FrameOutcome.Analysed, resumed.Outcome);
            Assert.NotEqual(opened.Silo, resumed.Silo);
            var status = await grains.GetGrain<ISessionGrain>(id).StatusAsync();
            Assert.Equal(2, status.Activations);
            // Checkpoints every 5 frames: 0–9 were covered when the process died; the checkpoint was read from PostgreSQL.
            Assert.Equal(9, status.CheckpointSequence);
            Assert.True(lost < seqAfter - before, "at least the resumed frame was analysed");
            Console.WriteLine($"process failover on PostgreSQL: recovery {recovery.TotalMilliseconds:F0} ms, {lost} frames lost in flight (each call failed before the silo was declared dead), {before - 1 - 9} answered frames after the checkpoint not in the summary");
            await grains.GetGrain<ISessionGrain>(id).CloseAsync();
        }
        finally
        {
            await client.StopAsync();
            await PostgresCluster.Instance.DropDatabaseAsync(database);
        }

        FrameMessage Frame(int seq) => new(seq, TimeSpan.FromMilliseconds(seq * 40), fixture.Jpegs[seq % fixture.Jpegs.Count]);
    }
}
