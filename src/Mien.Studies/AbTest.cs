namespace Mien.Studies;

/// <summary>
/// A/B comparison of one metric: each viewer's mean over the whole stimulus is the unit (so the test compares
/// viewers, not frames, and unequal frame rates do not matter).
/// </summary>
/// <param name="Metric">The metric.</param>
/// <param name="A">Mean of arm A with its interval (withheld below k).</param>
/// <param name="B">Mean of arm B (withheld below k).</param>
/// <param name="Difference">Mean A − mean B, or null when an arm is withheld.</param>
/// <param name="DifferenceLow">Lower end of Welch's confidence interval of the difference.</param>
/// <param name="DifferenceHigh">Upper end.</param>
/// <param name="WelchT">Welch's t statistic (null when both arms have no spread).</param>
/// <param name="WelchDf">Welch–Satterthwaite degrees of freedom.</param>
/// <param name="WelchP">Two-sided p-value of Welch's t-test.</param>
/// <param name="PermutationP">Two-sided p-value of a permutation test of the difference in means (exact when the arms are small, else Monte Carlo).</param>
/// <param name="Permutations">Permutations the p-value rests on (all of them when exact).</param>
/// <param name="Exact">Whether every relabelling was enumerated.</param>
/// <param name="HedgesG">Effect size: Hedges' g (Cohen's d with the pooled SD, times the small-sample correction 1 − 3 / (4(nA + nB) − 9)).</param>
public sealed record AbResult(
    StudyMetric Metric, Estimate A, Estimate B, double? Difference, double? DifferenceLow, double? DifferenceHigh,
    double? WelchT, double? WelchDf, double? WelchP, double? PermutationP, int? Permutations, bool Exact, double? HedgesG);

/// <summary>Welch's t-test, a permutation test and Hedges' g between two independent groups of viewers.</summary>
public static class AbTest
{
    /// <summary>Largest number of relabellings enumerated exactly (C(nA + nB, nA)); above it, Monte Carlo.</summary>
    public const int MaxExact = 100_000;

    /// <summary>Compares every metric between two groups of viewings (independent viewers: a between-subjects design).</summary>
    public static IReadOnlyList<AbResult> Compare(IReadOnlyList<ViewerSeconds> a, IReadOnlyList<ViewerSeconds> b, StudyOptions? options = null, int permutations = 20_000, int seed = 12)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return [.. StudyMetrics.All.Select(m => Compare(m, [.. a.Select(v => v.Mean(m))], [.. b.Select(v => v.Mean(m))], options, permutations, seed))];
    }

    /// <summary>Compares one metric given each viewer's mean (NaN values are left out).</summary>
    /// <exception cref="ArgumentException">The options or the permutation count are invalid.</exception>
    public static AbResult Compare(StudyMetric metric, IReadOnlyList<double> a, IReadOnlyList<double> b, StudyOptions? options = null, int permutations = 20_000, int seed = 12)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        options ??= new StudyOptions();
        options.Validate();
        StudyOptions.Require(permutations is >= 100 and <= 1_000_000, nameof(permutations), permutations, "between 100 and 1000000");
        double[] x = [.. a.Where(v => !double.IsNaN(v))], y = [.. b.Where(v => !double.IsNaN(v))];
        var range = ViewerAligner.Range(metric);
        var ea = Estimate.Of(x, options.MinViewers, options.Confidence, range);
        var eb = Estimate.Of(y, options.MinViewers, options.Confidence, range);
        if (ea.Suppressed || eb.Suppressed)
        {
            return new AbResult(metric, ea, eb, null, null, null, null, null, null, null, null, false, null);
        }

        var (na, nb) = (x.Length, y.Length);
        double ma = ea.Mean!.Value, mb = eb.Mean!.Value, va = ea.Sd!.Value * ea.Sd.Value, vb = eb.Sd!.Value * eb.Sd.Value;
        var diff = ma - mb;
        double? t = null, df = null, p = null, low = diff, high = diff;
        var se2 = (va / na) + (vb / nb);
        if (se2 > 0)
        {
            var se = Math.Sqrt(se2);
            t = diff / se;
            df = se2 * se2 / ((va * va / (na * na * (na - 1.0))) + (vb * vb / (nb * nb * (nb - 1.0))));
            p = StudentT.TwoSidedP(t.Value, df.Value);
            var half = StudentT.Quantile(0.5 + (options.Confidence / 2), df.Value) * se;
            (low, high) = (diff - half, diff + half);
        }

        var pooled = Math.Sqrt((((na - 1) * va) + ((nb - 1) * vb)) / (na + nb - 2));
        double? g = pooled > 0 ? diff / pooled * (1 - (3.0 / ((4.0 * (na + nb)) - 9))) : null;
        var (pp, count, exact) = Permutation(x, y, permutations, seed);
        return new AbResult(metric, ea, eb, diff, low, high, t, df, p, pp, count, exact, g);
    }

    /// <summary>
    /// P(|mean A* − mean B*| ≥ |observed|) over relabellings of the pooled values. Exact when there are at most
    /// <see cref="MaxExact"/> relabellings; else (hits + 1) / (draws + 1) over random ones (Phipson &amp; Smyth 2010), so p is never 0.
    /// </summary>
    internal static (double P, int Count, bool Exact) Permutation(double[] a, double[] b, int draws, int seed)
    {
        double[] pooled = [.. a, .. b];
        var n = pooled.Length;
        var total = pooled.Sum();
        var observed = Math.Abs(Diff(a.Sum(), a.Length, total, n));
        // Tolerance: sums of the same values in another order differ in the last bits.
        var tolerance = 1e-9 * Math.Max(1, observed);
        var combinations = Combinations(n, a.Length);
        if (combinations <= MaxExact)
        {
            var hits = 0;
            var count = 0;
            var pick = new int[a.Length];
            for (var i = 0; i < pick.Length; i++)
            {
                pick[i] = i;
            }

            while (true)
            {
                double sum = 0;
                foreach (var i in pick)
                {
                    sum += pooled[i];
                }

                count++;
                if (Math.Abs(Diff(sum, a.Length, total, n)) >= observed - tolerance)
                {
                    hits++;
                }

                // Next combination in lexicographic order.
                var k = pick.Length - 1;
                while (k >= 0 && pick[k] == n - pick.Length + k)
                {
                    k--;
                }

                if (k < 0)
                {
                    break;
                }

                pick[k]++;
                for (var j = k + 1; j < pick.Length; j++)
                {
                    pick[j] = pick[j - 1] + 1;
                }
            }

            return ((double)hits / count, count, true);
        }

        var random = new Random(seed);
        var shuffled = (double[])pooled.Clone();
        var extreme = 0;
        for (var d = 0; d < draws; d++)
        {
            // Partial Fisher–Yates: the first a.Length places are a uniformly random subset.
            double sum = 0;
            for (var i = 0; i < a.Length; i++)
            {
                var j = random.Next(i, n);
                (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
                sum += shuffled[i];
            }

            if (Math.Abs(Diff(sum, a.Length, total, n)) >= observed - tolerance)
            {
                extreme++;
            }
        }

        return ((extreme + 1.0) / (draws + 1.0), draws, false);
    }

    private static double Diff(double sumA, int na, double total, int n) => (sumA / na) - ((total - sumA) / (n - na));

    private static double Combinations(int n, int k)
    {
        double c = 1;
        for (var i = 1; i <= k; i++)
        {
            c = c * (n - k + i) / i;
            if (c > MaxExact)
            {
                return c;
            }
        }

        return Math.Round(c);
    }
}
