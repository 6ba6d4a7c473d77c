using System.Diagnostics;
using Mien.Results;

namespace Mien.Pipeline;

/// <summary>
/// Per-stage latency of a run, summarised as median and 90th percentile. Samples go into a fixed log-scale histogram
/// per stage (1 µs to about 100 s in steps of 2 %), so memory stays the same however long a live stream runs and a
/// percentile is read to within one 2 % bin.
/// </summary>
internal sealed class StageClock
{
    private const double Smallest = 1e-3;
    private const double Ratio = 1.02;
    private const int Bins = 932;
    private static readonly double LogRatio = Math.Log(Ratio);
    private readonly Dictionary<string, long[]> _histograms = new(StringComparer.Ordinal);

    public long Start() => Stopwatch.GetTimestamp();

    public void Stop(string stage, long start) => Add(stage, Stopwatch.GetElapsedTime(start).TotalMilliseconds);

    /// <summary>Adds one sample in milliseconds.</summary>
    public void Add(string stage, double milliseconds)
    {
        if (!_histograms.TryGetValue(stage, out var bins))
        {
            bins = new long[Bins];
            _histograms[stage] = bins;
        }

        bins[Bin(milliseconds)]++;
    }

    public IReadOnlyList<StageTiming> Summarise()
    {
        var result = new List<StageTiming>(_histograms.Count);
        foreach (var (stage, bins) in _histograms)
        {
            long count = 0;
            foreach (var c in bins)
            {
                count += c;
            }

            result.Add(new StageTiming(stage, Percentile(bins, count, 0.5), Percentile(bins, count, 0.9), count));
        }

        return result;
    }

    private static int Bin(double ms) =>
        ms <= Smallest ? 0 : Math.Min(Bins - 1, 1 + (int)(Math.Log(ms / Smallest) / LogRatio));

    /// <summary>The geometric middle of the bin holding the q-quantile sample (the same sample a sorted list would pick).</summary>
    private static double Percentile(long[] bins, long count, double q)
    {
        if (count == 0)
        {
            return 0;
        }

        var rank = Math.Min(count - 1, (long)(q * count));
        long seen = 0;
        for (var i = 0; i < bins.Length; i++)
        {
            seen += bins[i];
            if (seen > rank)
            {
                return i == 0 ? Smallest : Smallest * Math.Pow(Ratio, i - 0.5);
            }
        }

        return Smallest * Math.Pow(Ratio, Bins - 1);
    }
}
