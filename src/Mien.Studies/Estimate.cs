namespace Mien.Studies;

/// <summary>
/// A mean across viewers with its confidence interval — or nothing, when fewer viewers than the study's k contributed
/// (then even their number is withheld: "fewer than k").
/// </summary>
/// <param name="N">Viewers that contributed, or null when suppressed.</param>
/// <param name="Mean">Mean of their values, or null when suppressed.</param>
/// <param name="Low">Lower end of the interval (clamped to the metric's range), or null.</param>
/// <param name="High">Upper end of the interval (clamped), or null.</param>
/// <param name="Sd">Sample standard deviation across viewers (n − 1), or null.</param>
public sealed record Estimate(int? N, double? Mean, double? Low, double? High, double? Sd)
{
    /// <summary>True when the cell is withheld for k-anonymity.</summary>
    public bool Suppressed => Mean is null;

    /// <summary>The withheld cell.</summary>
    public static Estimate Withheld { get; } = new(null, null, null, null, null);

    /// <summary>
    /// Mean and t-interval of the finite values (NaN skipped): mean ± t(1 − α/2, n − 1) · s / √n, the interval for a
    /// mean of independent viewers when n is small; withheld when fewer than <paramref name="minViewers"/> values.
    /// </summary>
    public static Estimate Of(ReadOnlySpan<double> values, int minViewers, double confidence, (double Low, double High) range)
    {
        double sum = 0;
        var n = 0;
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                sum += v;
                n++;
            }
        }

        if (n < minViewers || n < 2)
        {
            return Withheld;
        }

        var mean = sum / n;
        double ss = 0;
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                ss += (v - mean) * (v - mean);
            }
        }

        var sd = Math.Sqrt(ss / (n - 1));
        var half = StudentT.Quantile(0.5 + (confidence / 2), n - 1) * sd / Math.Sqrt(n);
        return new Estimate(n, mean, Math.Max(range.Low, mean - half), Math.Min(range.High, mean + half), sd);
    }
}

/// <summary>One metric per stimulus second.</summary>
/// <param name="Metric">The metric.</param>
/// <param name="Seconds">Its estimate per second.</param>
public sealed record StudyCurve(StudyMetric Metric, IReadOnlyList<Estimate> Seconds);

/// <summary>The per-second result of a set of viewings of one stimulus.</summary>
/// <param name="Viewers">Viewings included, or null when fewer than k (then every cell is withheld).</param>
/// <param name="MinViewers">The k applied.</param>
/// <param name="Seconds">Stimulus seconds.</param>
/// <param name="Curves">One curve per metric, in <see cref="StudyMetric"/> order.</param>
public sealed record StudyAggregate(int? Viewers, int MinViewers, int Seconds, IReadOnlyList<StudyCurve> Curves)
{
    /// <summary>The curve of a metric.</summary>
    public StudyCurve this[StudyMetric metric] => Curves[(int)metric];
}

/// <summary>Means across viewers per stimulus second, and over spans of seconds.</summary>
public static class StudyAggregator
{
    /// <summary>
    /// Per second and metric, the mean of the viewers' per-second values with a t-interval; any cell with fewer than k
    /// contributing viewers is withheld, and everything is withheld when the set has fewer than k viewers.
    /// </summary>
    /// <exception cref="ArgumentException">The viewers cover different numbers of seconds, or the options are invalid.</exception>
    public static StudyAggregate PerSecond(IReadOnlyList<ViewerSeconds> viewers, int seconds, StudyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(viewers);
        options ??= new StudyOptions();
        options.Validate();
        StudyOptions.Require(seconds is >= 1 and <= 6 * 3600, nameof(seconds), seconds, "between 1 and 21600");
        foreach (var v in viewers)
        {
            if (v.Seconds != seconds)
            {
                throw new ArgumentException($"a viewing covers {v.Seconds} seconds, the stimulus {seconds}: align every viewing to the same stimulus", nameof(viewers));
            }
        }

        var shown = viewers.Count >= options.MinViewers;
        var curves = new StudyCurve[StudyMetrics.Count];
        var column = new double[viewers.Count];
        foreach (var metric in StudyMetrics.All)
        {
            var cells = new Estimate[seconds];
            for (var s = 0; s < seconds; s++)
            {
                if (!shown)
                {
                    cells[s] = Estimate.Withheld;
                    continue;
                }

                for (var i = 0; i < viewers.Count; i++)
                {
                    column[i] = viewers[i][metric, s];
                }

                cells[s] = Estimate.Of(column, options.MinViewers, options.Confidence, ViewerAligner.Range(metric));
            }

            curves[(int)metric] = new StudyCurve(metric, cells);
        }

        return new StudyAggregate(shown ? viewers.Count : null, options.MinViewers, seconds, curves);
    }

    /// <summary>Per metric, the mean across viewers of each viewer's mean over seconds [from, to) (the unit is the viewer); withheld below k.</summary>
    public static IReadOnlyList<Estimate> OverSpan(IReadOnlyList<ViewerSeconds> viewers, int from, int to, StudyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(viewers);
        options ??= new StudyOptions();
        options.Validate();
        var column = new double[viewers.Count];
        var result = new Estimate[StudyMetrics.Count];
        foreach (var metric in StudyMetrics.All)
        {
            for (var i = 0; i < viewers.Count; i++)
            {
                column[i] = viewers[i].Mean(metric, from, to);
            }

            result[(int)metric] = viewers.Count < options.MinViewers ? Estimate.Withheld : Estimate.Of(column, options.MinViewers, options.Confidence, ViewerAligner.Range(metric));
        }

        return result;
    }
}
