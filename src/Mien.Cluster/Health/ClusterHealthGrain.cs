using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mien.Cluster.Health;

/// <summary>
/// The aggregated view (see <see cref="IClusterHealthGrain"/>). In memory only: if its silo dies it re-activates
/// empty and every silo's next report refills it within one interval.
/// </summary>
internal sealed class ClusterHealthGrain : Grain, IClusterHealthGrain
{
    private readonly Dictionary<string, SiloStats> _stats = new(StringComparer.Ordinal);

    public Task ReportAsync(SiloStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        _stats[stats.Silo] = stats;
        return Task.CompletedTask;
    }

    public async Task<ClusterHealth> HealthAsync()
    {
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: false);
        var silos = hosts.OrderBy(h => h.Key.ToString(), StringComparer.Ordinal)
            .Select(h => new SiloHealth(h.Key.ToString(), h.Value.ToString(), _stats.GetValueOrDefault(h.Key.ToString())))
            .ToList();
        var active = silos.Where(s => s.Status == nameof(SiloStatus.Active)).ToList();
        var reported = silos.Where(s => s.Stats is not null).Select(s => s.Stats!).ToList();
        return new ClusterHealth(
            silos, active.Count,
            active.Sum(s => s.Stats?.ActiveSessions ?? 0),
            active.Sum(s => s.Stats?.Capacity ?? 0),
            Math.Round(active.Sum(s => s.Stats?.FramesPerSecond ?? 0), 2),
            reported.Sum(s => s.FramesAnalysed), reported.Sum(s => s.Refusals), reported.Sum(s => s.Reactivations));
    }
}

/// <summary>Reports this silo's figures to the health grain every <see cref="MienClusterOptions.StatsInterval"/>.</summary>
internal sealed partial class SiloStatsReporter(ClusterMetrics metrics, IGrainFactory grains, IOptions<MienClusterOptions> options, ILogger<SiloStatsReporter> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.StatsInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await grains.GetGrain<IClusterHealthGrain>(0).ReportAsync(metrics.Snapshot()).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
            {
                // Starting, stopping, or the health grain's silo is being replaced: the next tick reports again.
                LogReportFailed(log, e.Message);
            }
        }
    }

    /// <summary>A last report as the silo stops gracefully (hosted services stop before the silo), so its totals are complete.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await grains.GetGrain<IClusterHealthGrain>(0).ReportAsync(metrics.Snapshot()).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            LogReportFailed(log, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "silo figures not reported: {Reason}")]
    private static partial void LogReportFailed(ILogger logger, string reason);
}
