using System.Globalization;

namespace Mien.Accuracy.Statistics;

/// <summary>A point estimate with a 95 % interval.</summary>
/// <param name="Value">The estimate.</param>
/// <param name="Low">Lower bound.</param>
/// <param name="High">Upper bound.</param>
public readonly record struct Interval(double Value, double Low, double High)
{
    /// <summary>"v [lo, hi]" scaled by <paramref name="scale"/> (e.g. 100 for percent) with <paramref name="digits"/> decimals.</summary>
    public string Format(double scale = 1, int digits = 2) => string.Create(CultureInfo.InvariantCulture,
        $"{(Value * scale).ToString("F" + digits, CultureInfo.InvariantCulture)} [{(Low * scale).ToString("F" + digits, CultureInfo.InvariantCulture)}, {(High * scale).ToString("F" + digits, CultureInfo.InvariantCulture)}]");

    /// <summary>Wilson score interval (95 %) for <paramref name="successes"/> of <paramref name="n"/>: honest at small n and near 0 or 1.</summary>
    public static Interval Wilson(int successes, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, n);
        if (n == 0)
        {
            return new Interval(double.NaN, 0, 1);
        }

        const double Z = 1.959963984540054;
        var p = (double)successes / n;
        var denominator = 1 + (Z * Z / n);
        var centre = (p + (Z * Z / (2 * n))) / denominator;
        var half = Z * Math.Sqrt((p * (1 - p) / n) + (Z * Z / (4.0 * n * n))) / denominator;
        return new Interval(p, Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}

/// <summary>
/// Percentile bootstrap with a fixed seed (reproducible intervals). Resamples <em>clusters</em> when given them
/// (e.g. all images of one CK+ subject together), since frames of one person are not independent observations.
/// </summary>
public static class Bootstrap
{
    /// <summary>Resamples used by default.</summary>
    public const int DefaultResamples = 2000;

    /// <summary>95 % interval of <paramref name="statistic"/> over <paramref name="values"/> resampled with replacement.</summary>
    public static Interval Of(IReadOnlyList<double> values, Func<IReadOnlyList<double>, double> statistic, int resamples = DefaultResamples, int seed = 13)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(statistic);
        if (values.Count == 0)
        {
            return new Interval(double.NaN, double.NaN, double.NaN);
        }

        var random = new Random(seed);
        var stats = new double[resamples];
        var sample = new double[values.Count];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < sample.Length; i++)
            {
                sample[i] = values[random.Next(values.Count)];
            }

            stats[r] = statistic(sample);
        }

        return new Interval(statistic(values), Quantile(stats, 0.025), Quantile(stats, 0.975));
    }

    /// <summary>95 % interval of the mean.</summary>
    public static Interval Mean(IReadOnlyList<double> values, int resamples = DefaultResamples, int seed = 13) => Of(values, MeanOf, resamples, seed);

    /// <summary>
    /// 95 % interval of a pooled proportion (Σ hits ÷ Σ counts) resampling whole clusters: each cluster is
    /// (hits, count), e.g. one subject's correctly classified sequences and all their sequences.
    /// </summary>
    public static Interval ClusteredProportion(IReadOnlyList<(int Hits, int Count)> clusters, int resamples = DefaultResamples, int seed = 13)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var totalHits = clusters.Sum(c => c.Hits);
        var total = clusters.Sum(c => c.Count);
        if (total == 0)
        {
            return new Interval(double.NaN, double.NaN, double.NaN);
        }

        var random = new Random(seed);
        var stats = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            long hits = 0, count = 0;
            for (var i = 0; i < clusters.Count; i++)
            {
                var c = clusters[random.Next(clusters.Count)];
                hits += c.Hits;
                count += c.Count;
            }

            stats[r] = count == 0 ? 0 : (double)hits / count;
        }

        return new Interval((double)totalHits / total, Quantile(stats, 0.025), Quantile(stats, 0.975));
    }

    /// <summary>Arithmetic mean.</summary>
    public static double MeanOf(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return values.Count == 0 ? double.NaN : sum / values.Count;
    }

    /// <summary>Median.</summary>
    public static double MedianOf(IReadOnlyList<double> values) => Quantile([.. values], 0.5);

    /// <summary>Linear-interpolated quantile (sorts <paramref name="values"/> in place).</summary>
    public static double Quantile(double[] values, double q)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0)
        {
            return double.NaN;
        }

        Array.Sort(values);
        var pos = q * (values.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(values.Length - 1, lo + 1);
        return values[lo] + ((pos - lo) * (values[hi] - values[lo]));
    }
}
