namespace Mien.Identity.Evaluation;

/// <summary>A value with a bootstrap confidence interval.</summary>
/// <param name="Value">The estimate on the full set.</param>
/// <param name="Low">Lower bound of the interval.</param>
/// <param name="High">Upper bound of the interval.</param>
public readonly record struct Estimate(double Value, double Low, double High)
{
    /// <inheritdoc />
    public override string ToString() => FormattableString.Invariant($"{Value:0.0000} [{Low:0.0000}, {High:0.0000}]");
}

/// <summary>Verification figures from genuine (same person) and impostor (different people) similarity scores.</summary>
/// <param name="Genuine">Genuine pairs.</param>
/// <param name="Impostor">Impostor pairs.</param>
/// <param name="Eer">Equal error rate.</param>
/// <param name="EerThreshold">Score where false match and false non-match rates cross.</param>
/// <param name="TarAtFar1">True-accept rate at a 1 % false-accept rate.</param>
/// <param name="TarAtFar01">True-accept rate at a 0.1 % false-accept rate.</param>
/// <param name="ThresholdAtFar1">Threshold giving at most 1 % false accepts.</param>
/// <param name="ThresholdAtFar01">Threshold giving at most 0.1 % false accepts.</param>
/// <param name="Auc">Area under the ROC curve.</param>
public sealed record VerificationResult(int Genuine, int Impostor, double Eer, double EerThreshold, double TarAtFar1, double TarAtFar01, double ThresholdAtFar1, double ThresholdAtFar01, double Auc);

/// <summary>ROC-derived verification metrics; pure arithmetic over score lists.</summary>
public static class VerificationMetrics
{
    /// <summary>Computes EER, TAR at FAR 1 % and 0.1 % and AUC. Higher scores mean "same person".</summary>
    public static VerificationResult Compute(IReadOnlyList<float> genuine, IReadOnlyList<float> impostor)
    {
        ArgumentNullException.ThrowIfNull(genuine);
        ArgumentNullException.ThrowIfNull(impostor);
        if (genuine.Count == 0 || impostor.Count == 0)
        {
            throw new ArgumentException($"verification needs genuine and impostor scores; got {genuine.Count} and {impostor.Count}");
        }

        var g = genuine.ToArray();
        var i = impostor.ToArray();
        Array.Sort(g);
        Array.Sort(i);
        var (eer, eerThreshold) = EqualErrorRate(g, i);
        var t1 = ThresholdAtFar(i, 0.01);
        var t01 = ThresholdAtFar(i, 0.001);
        return new VerificationResult(g.Length, i.Length, eer, eerThreshold, Tar(g, t1), Tar(g, t01), t1, t01, Auc(g, i));
    }

    /// <summary>
    /// The smallest threshold whose false-accept rate (share of impostor scores ≥ it) is at most <paramref name="far"/>
    /// on the sorted <paramref name="sortedImpostor"/> scores.
    /// </summary>
    public static double ThresholdAtFar(float[] sortedImpostor, double far)
    {
        ArgumentNullException.ThrowIfNull(sortedImpostor);
        var allowed = (int)Math.Floor(far * sortedImpostor.Length);
        if (allowed >= sortedImpostor.Length)
        {
            return double.NegativeInfinity;
        }

        // Accept scores strictly above the (allowed+1)-th highest impostor score.
        var k = sortedImpostor[sortedImpostor.Length - 1 - allowed];
        return Math.BitIncrement((double)k);
    }

    /// <summary>Share of sorted genuine scores ≥ <paramref name="threshold"/>.</summary>
    public static double Tar(float[] sortedGenuine, double threshold)
    {
        ArgumentNullException.ThrowIfNull(sortedGenuine);
        var below = LowerBound(sortedGenuine, threshold);
        return (double)(sortedGenuine.Length - below) / sortedGenuine.Length;
    }

    /// <summary>Share of sorted impostor scores ≥ <paramref name="threshold"/> (the false-match rate).</summary>
    public static double Far(float[] sortedImpostor, double threshold) => Tar(sortedImpostor, threshold);

    private static (double Eer, double Threshold) EqualErrorRate(float[] g, float[] i)
    {
        // Sweep thresholds at every score; EER where FRR (genuine below) and FAR (impostor at or above) cross.
        var best = (Gap: double.MaxValue, Eer: 1.0, Threshold: 0.0);
        foreach (var t in g.Concat(i).Distinct().OrderBy(v => v))
        {
            var frr = (double)LowerBound(g, t) / g.Length;
            var far = (double)(i.Length - LowerBound(i, t)) / i.Length;
            var gap = Math.Abs(frr - far);
            if (gap < best.Gap)
            {
                best = (gap, (frr + far) / 2, t);
            }
        }

        return (best.Eer, best.Threshold);
    }

    private static double Auc(float[] g, float[] i)
    {
        // Mann–Whitney U: probability a genuine score beats an impostor score (ties count half).
        double wins = 0;
        foreach (var s in g)
        {
            var lo = LowerBound(i, s);
            var hi = UpperBound(i, s);
            wins += lo + (0.5 * (hi - lo));
        }

        return wins / ((double)g.Length * i.Length);
    }

    private static int LowerBound(float[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static int UpperBound(float[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>
    /// Percentile bootstrap over identities: each replicate draws identities with replacement and keeps the pairs
    /// whose identities were drawn (pairs of one person are not independent, so resampling pairs would understate the
    /// spread). <paramref name="metric"/> maps a replicate's (genuine, impostor) scores to a value; NaN replicates are skipped.
    /// </summary>
    public static Estimate Bootstrap(
        IReadOnlyList<(int A, int B, float Score)> pairs,
        Func<IReadOnlyList<float>, IReadOnlyList<float>, double> metric,
        int replicates = 1000,
        int seed = 16)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(metric);
        var ids = pairs.SelectMany(p => new[] { p.A, p.B }).Distinct().Order().ToArray();
        var full = metric([.. pairs.Where(p => p.A == p.B).Select(p => p.Score)], [.. pairs.Where(p => p.A != p.B).Select(p => p.Score)]);
        var random = new Random(seed);
        var values = new List<double>(replicates);
        var count = new Dictionary<int, int>();
        for (var r = 0; r < replicates; r++)
        {
            count.Clear();
            for (var k = 0; k < ids.Length; k++)
            {
                var id = ids[random.Next(ids.Length)];
                count[id] = count.GetValueOrDefault(id) + 1;
            }

            var genuine = new List<float>();
            var impostor = new List<float>();
            foreach (var p in pairs)
            {
                if (!count.TryGetValue(p.A, out var ca) || !count.TryGetValue(p.B, out var cb))
                {
                    continue;
                }

                // A person drawn twice contributes their pairs twice.
                var times = p.A == p.B ? ca : ca * cb;
                for (var t = 0; t < times; t++)
                {
                    (p.A == p.B ? genuine : impostor).Add(p.Score);
                }
            }

            if (genuine.Count == 0 || impostor.Count == 0)
            {
                continue;
            }

            var v = metric(genuine, impostor);
            if (!double.IsNaN(v))
            {
                values.Add(v);
            }
        }

        values.Sort();
        if (values.Count == 0)
        {
            return new Estimate(full, double.NaN, double.NaN);
        }

        return new Estimate(full, values[(int)(0.025 * (values.Count - 1))], values[(int)Math.Ceiling(0.975 * (values.Count - 1))]);
    }
}
