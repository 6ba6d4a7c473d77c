using System.Diagnostics;
using Mien.Results;

namespace Mien.Pipeline;

/// <summary>Per-stage latency samples of a run (milliseconds), summarised as median and 90th percentile.</summary>
internal sealed class StageClock
{
    private readonly Dictionary<string, List<double>> _samples = new(StringComparer.Ordinal);

    public long Start() => Stopwatch.GetTimestamp();

    public void Stop(string stage, long start)
    {
        if (!_samples.TryGetValue(stage, out var list))
        {
            list = new List<double>(4096);
            _samples[stage] = list;
        }

        list.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    public IReadOnlyList<StageTiming> Summarise()
    {
        var result = new List<StageTiming>();
        foreach (var (stage, list) in _samples)
        {
            var sorted = list.ToArray();
            Array.Sort(sorted);
            result.Add(new StageTiming(stage, Percentile(sorted, 0.5), Percentile(sorted, 0.9), sorted.Length));
        }

        return result;
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
}
