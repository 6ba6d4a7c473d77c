using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Mien.Cluster.Health;

/// <summary>
/// One silo's OpenTelemetry instruments (meter <see cref="MeterName"/>, every measurement tagged <c>silo</c>): active
/// session grains, frames, frame latency in the grain, placement refusals and re-activations. The same figures feed
/// <see cref="Snapshot"/>, which the silo reports to the <see cref="IClusterHealthGrain"/> for the aggregated view.
/// </summary>
internal sealed class ClusterMetrics : IDisposable
{
    /// <summary>The meter's name (add it to the OpenTelemetry exporter).</summary>
    public const string MeterName = "Mien.Cluster";

    private const int LatencyWindow = 256;
    private readonly Meter _meter = new(MeterName, "1.0");
    private readonly KeyValuePair<string, object?> _tag;
    private readonly Counter<long> _frames;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _reactivations;
    private readonly double[] _recent = new double[LatencyWindow];
    private readonly Lock _gate = new();
    private readonly int _capacity;
    private int _active;
    private long _framesTotal;
    private long _refusalsTotal;
    private long _reactivationsTotal;
    private long _recentCount;
    private (long Frames, long At) _lastSnapshot = (0, Stopwatch.GetTimestamp());

    public ClusterMetrics(ILocalSiloDetails silo, IOptions<MienClusterOptions> options)
    {
        Silo = silo.SiloAddress.ToString();
        _capacity = options.Value.MaxSessionsPerSilo;
        _tag = new("silo", Silo);
        _frames = _meter.CreateCounter<long>("mien.cluster.frames", "{frame}", "Frames analysed by session grains on this silo.");
        _latency = _meter.CreateHistogram<double>("mien.cluster.frame.latency", "ms", "Time a frame spent in its session grain on this silo.");
        _refusals = _meter.CreateCounter<long>("mien.cluster.refusals", "{session}", "Sessions refused by placement on this silo because every silo was full.");
        _reactivations = _meter.CreateCounter<long>("mien.cluster.reactivations", "{session}", "Sessions re-activated on this silo from a checkpoint.");
        _meter.CreateObservableGauge("mien.cluster.sessions.active", () => new Measurement<int>(Volatile.Read(ref _active), _tag), "{session}", "Session grains running a session on this silo.");
    }

    /// <summary>This silo's address.</summary>
    public string Silo { get; }

    public void SessionStarted() => Interlocked.Increment(ref _active);

    public void SessionStopped() => Interlocked.Decrement(ref _active);

    public void Frame(double milliseconds)
    {
        Interlocked.Increment(ref _framesTotal);
        _frames.Add(1, _tag);
        _latency.Record(milliseconds, _tag);
        lock (_gate)
        {
            _recent[_recentCount++ % LatencyWindow] = milliseconds;
        }
    }

    public void Refused()
    {
        Interlocked.Increment(ref _refusalsTotal);
        _refusals.Add(1, _tag);
    }

    public void Reactivated()
    {
        Interlocked.Increment(ref _reactivationsTotal);
        _reactivations.Add(1, _tag);
    }

    /// <summary>The figures now; frames a second are over the time since the previous snapshot.</summary>
    public SiloStats Snapshot()
    {
        var frames = Interlocked.Read(ref _framesTotal);
        var now = Stopwatch.GetTimestamp();
        double p95;
        double rate;
        lock (_gate)
        {
            var seconds = Stopwatch.GetElapsedTime(_lastSnapshot.At, now).TotalSeconds;
            rate = seconds > 0 ? (frames - _lastSnapshot.Frames) / seconds : 0;
            _lastSnapshot = (frames, now);
            var n = (int)Math.Min(_recentCount, LatencyWindow);
            if (n == 0)
            {
                p95 = 0;
            }
            else
            {
                var sorted = _recent[..n];
                Array.Sort(sorted);
                p95 = sorted[Math.Min(n - 1, (int)Math.Ceiling(0.95 * n) - 1)];
            }
        }

        return new SiloStats(Silo, Volatile.Read(ref _active), _capacity, frames, Math.Round(rate, 2), Math.Round(p95, 1),
            Interlocked.Read(ref _refusalsTotal), Interlocked.Read(ref _reactivationsTotal), DateTimeOffset.UtcNow);
    }

    public void Dispose() => _meter.Dispose();
}
