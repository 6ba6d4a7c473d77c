using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mien.Testing;

namespace Mien.Cluster.Tests;

/// <summary>
/// The cluster as it is deployed: 1, 2 and 3 <c>mien serve --cluster</c> processes (silo k pinned to core k mod 2 with
/// taskset), a throwaway PostgreSQL holding membership, grain state and the results database they share, and 1–12
/// simulated viewers streaming real face frames over the live WebSocket, spread round-robin over the nodes as a load
/// balancer would. Then one node is SIGKILLed during a run: its viewers reconnect elsewhere and resume their sessions.
/// </summary>
public sealed class ClusterProcessBenchmark
{
    private const double Rate = 15;
    private static readonly int[] Viewers = [1, 4, 8, 12];
    private static readonly TimeSpan RunLength = TimeSpan.FromSeconds(20);

    [BenchmarkFact(writes: "out/bench/cluster-processes.md")]
    public async Task Separate_pinned_silo_processes_throughput_latency_and_a_killed_node()
    {
        Assert.True(PostgresCluster.Unavailable is null, "needs PostgreSQL: " + PostgresCluster.Unavailable);
        Assert.True(SiloProcess.Cli is not null, "needs the CLI built in the same configuration (dotnet build src/Mien.Cli)");
        var c = CultureInfo.InvariantCulture;
        var frames = await ClusterFixture.FranckJpegsAsync(120);
        var id = Guid.NewGuid().ToString("N")[..10];
        var clusterDb = await PostgresCluster.Instance.CreateDatabaseAsync("mien_bench_cluster_" + id);
        var resultsDb = await PostgresCluster.Instance.CreateDatabaseAsync("mien_bench_results_" + id);
        var config = Directory.CreateTempSubdirectory("mien-bench-config-").FullName;
        var nodes = new List<SiloProcess>();
        var report = new StringBuilder();
        report.AppendLine(c, $"# Cluster benchmark, separate processes ({DateTime.UtcNow:u})");
        report.AppendLine();
        report.AppendLine(c, $"{Environment.ProcessorCount} cores. Each node is `mien serve --cluster <pg> --database <pg>` (a silo and the web server in one process), node k pinned to core k mod 2 (`taskset -c`{(File.Exists("/usr/bin/taskset") ? string.Empty : ": taskset MISSING, not pinned")}); PostgreSQL 15 and this benchmark's clients run unpinned on the same two cores. Viewers stream franck.mp4 (360×288, JPEG q85) at {Rate} frames/s each for {RunLength.TotalSeconds:F0} s over the live WebSocket, viewer i connected to node i mod N; face pipeline with expressions and temporal affect, no skin, no identity. Latency: `latencyMs` as the node reports it (frame arrival → reply, including its queue and the grain hop); round trip: client send → result received. CPU ms/frame: the nodes' CPU time over the run (from /proc) divided by frames answered.");
        report.AppendLine();
        report.AppendLine("| silos | viewers | offered fps | answered fps | dropped | latency p50 / p95 ms | round trip p50 / p95 ms | node CPU ms / frame | sessions per silo | vs 1 silo | efficiency | load avg |");
        report.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        var baseline = new Dictionary<int, double>();
        try
        {
            foreach (var silos in new[] { 1, 2, 3 })
            {
                while (nodes.Count < silos)
                {
                    nodes.Add(await StartNodeAsync(clusterDb, resultsDb, config, nodes.Count));
                }

                var (project, key) = (nodes[0].FirstProject!.Value, nodes[0].FirstAdminKey!);
                // Every node warm (models loaded, first sessions' allocations done) and known to the others' placement.
                await RunAsync(nodes, project, key, frames, silos, TimeSpan.FromSeconds(6));
                foreach (var viewers in Viewers)
                {
                    var cpu = nodes.Select(n => n.Cpu).ToArray();
                    var run = await RunAsync(nodes, project, key, frames, viewers, RunLength);
                    var cpuSeconds = nodes.Select((n, k) => (n.Cpu - cpu[k]).TotalSeconds).Sum();
                    var answered = run.Sum(v => v.Results.Count);
                    var fps = answered / RunLength.TotalSeconds;
                    if (silos == 1)
                    {
                        baseline[viewers] = fps;
                    }

                    var latency = run.SelectMany(v => v.ServerLatencyMs).Order().ToArray();
                    var roundTrip = run.SelectMany(v => v.RoundTripMs).Order().ToArray();
                    var sent = run.Sum(v => v.Sent);
                    var dropped = run.Sum(v => v.Dropped);
                    var perSilo = string.Join(" / ", nodes.Select(n => run.Count(v => v.FirstSilo is { } s && s.Contains($":{n.SiloPort}:", StringComparison.Ordinal))));
                    var row = string.Create(c,
                        $"| {silos} | {viewers} | {sent / RunLength.TotalSeconds:F1} | {fps:F1} | {dropped} ({100.0 * dropped / Math.Max(1, sent):F0} %) | {P(latency, 0.5):F0} / {P(latency, 0.95):F0} | {P(roundTrip, 0.5):F0} / {P(roundTrip, 0.95):F0} | {1000 * cpuSeconds / Math.Max(1, answered):F1} | {perSilo} | {fps / baseline[viewers]:F2}× | {fps / (silos * baseline[viewers]):P0} | {LoadAverage()} |");
                    Console.WriteLine(row);
                    report.AppendLine(row);
                }
            }

            report.AppendLine();
            report.AppendLine(await KillRunAsync(nodes, frames));
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }

            await PostgresCluster.Instance.DropDatabaseAsync("mien_bench_cluster_" + id);
            await PostgresCluster.Instance.DropDatabaseAsync("mien_bench_results_" + id);
            Directory.Delete(config, recursive: true);
        }

        var path = Path.Combine(Repository.Root, "out", "bench", "cluster-processes.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, report.ToString());
        Console.WriteLine(report);
    }

    /// <summary>
    /// Six viewers on three nodes for 30 s; node 1 (core 1) is SIGKILLed after 10 s. Viewers connected to it see their
    /// socket die and reconnect to another node with their session id; sessions that ran on its silo re-activate from
    /// their checkpoints wherever their next frame lands.
    /// </summary>
    private static async Task<string> KillRunAsync(List<SiloProcess> nodes, IReadOnlyList<byte[]> frames)
    {
        var c = CultureInfo.InvariantCulture;
        var (project, key) = (nodes[0].FirstProject!.Value, nodes[0].FirstAdminKey!);
        var victim = nodes[1];
        var killedAt = 0L;
        var length = TimeSpan.FromSeconds(30);
        var killer = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
            killedAt = Stopwatch.GetTimestamp();
            victim.Kill();
        });
        var run = await RunAsync(nodes, project, key, frames, 6, length);
        await killer;
        var victimTag = $":{victim.SiloPort}:";
        var text = new StringBuilder();
        text.AppendLine(c, $"**A node SIGKILLed mid-run** (3 nodes, 6 viewers at {Rate} frames/s for {length.TotalSeconds:F0} s, node 1 — silo port {victim.SiloPort}, core {victim.Core?.ToString(c) ?? "unpinned"} — killed 10 s in):");
        text.AppendLine();
        text.AppendLine("| viewer | node | session on killed silo | socket lost | reconnects | not sent while reconnecting | framesLost (ready) | lost in flight (errors) | dropped | first result after the kill from a live silo | longest gap between results |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        var recoveries = new List<double>();
        for (var v = 0; v < run.Length; v++)
        {
            var viewer = run[v];
            var onVictim = viewer.FirstSilo?.Contains(victimTag, StringComparison.Ordinal) == true;
            var lostSocket = viewer.DisconnectedAt != 0;
            var after = viewer.Results.Where(r => r.At > killedAt && !r.Silo.Contains(victimTag, StringComparison.Ordinal)).Select(r => (double?)Stopwatch.GetElapsedTime(killedAt, r.At).TotalMilliseconds).FirstOrDefault();
            var gaps = viewer.Results.Zip(viewer.Results.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a.At, b.At).TotalMilliseconds).DefaultIfEmpty(0).Max();
            if ((onVictim || lostSocket) && after is { } ms)
            {
                recoveries.Add(ms);
            }

            text.AppendLine(c, $"| {v} | {v % nodes.Count} | {(onVictim ? "yes" : "no")} | {(lostSocket ? "yes" : "no")} | {viewer.Reconnects} | {viewer.NotSentWhileReconnecting} | {viewer.FramesLostReported} | {viewer.LostInFlightErrors} | {viewer.Dropped} | {(after is { } a ? $"{a:F0} ms" : "none")} | {gaps:F0} ms |");
        }

        var affected = run.Where(v => v.FirstSilo?.Contains(victimTag, StringComparison.Ordinal) == true || v.DisconnectedAt != 0).ToList();
        text.AppendLine();
        text.AppendLine(c, $"Affected viewers: {affected.Count} of {run.Length}; recovery (kill → first result from a live silo) {(recoveries.Count == 0 ? "n/a" : $"{recoveries.Min():F0}–{recoveries.Max():F0} ms")}; frames lost as the protocol reports them: {run.Sum(v => v.FramesLostReported)} (framesLost in resumed `ready`) + {run.Sum(v => v.LostInFlightErrors)} (lost in flight); frames not sent while reconnecting: {run.Sum(v => v.NotSentWhileReconnecting)}; unaffected viewers' longest gap {(run.Except(affected).Select(v => v.Results.Zip(v.Results.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a.At, b.At).TotalMilliseconds).DefaultIfEmpty(0).Max()).DefaultIfEmpty(0).Max()):F0} ms.");
        Console.WriteLine(text);
        return text.ToString();
    }

    private static async Task<LiveViewer[]> RunAsync(List<SiloProcess> nodes, Guid project, string key, IReadOnlyList<byte[]> frames, int viewers, TimeSpan length)
    {
        var live = nodes.Select(n => new Uri(n.Http!.ToString().Replace("http", "ws", StringComparison.Ordinal) + $"api/v1/projects/{project}/live")).ToArray();
        return await Task.WhenAll(Enumerable.Range(0, viewers).Select(i => LiveViewer.RunAsync(k => nodes[k].HasExited ? null : live[k], nodes.Count, key, frames, i, Rate, length)));
    }

    private static async Task<SiloProcess> StartNodeAsync(string clusterDb, string resultsDb, string config, int index)
    {
        var node = SiloProcess.Start(clusterDb, index % 2, config, ["--database", resultsDb, "--max-sessions", "12", "--max-live", "16"]);
        try
        {
            await node.WaitUntilJoinedAsync(TimeSpan.FromMinutes(4));
            using var http = new HttpClient { BaseAddress = node.Http, Timeout = TimeSpan.FromSeconds(10) };
            var until = DateTime.UtcNow.AddMinutes(4);
            while (!(await http.GetAsync("/readyz")).IsSuccessStatusCode)
            {
                Assert.True(DateTime.UtcNow < until, $"node {index} was not ready within 4 minutes:\n{node.Output}");
                await Task.Delay(500);
            }

            if (index == 0)
            {
                Assert.True(node.FirstProject is not null && node.FirstAdminKey is not null, "the first node printed no project and key:\n" + node.Output);
            }

            // Membership: the other silos learn of a new one within a probe or two.
            await Task.Delay(TimeSpan.FromSeconds(3));
            return node;
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    private static double P(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
