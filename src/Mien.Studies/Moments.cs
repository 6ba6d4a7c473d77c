namespace Mien.Studies;

/// <summary>A peak or valley of a metric's mean curve.</summary>
/// <param name="Second">Stimulus second.</param>
/// <param name="Metric">The metric.</param>
/// <param name="Kind">"peak" or "valley".</param>
/// <param name="Value">The estimate at that second.</param>
public sealed record Moment(int Second, StudyMetric Metric, string Kind, Estimate Value);

/// <summary>
/// Peaks and valleys of a mean curve: a second is a peak when its mean is above the curve's average and no shown
/// second within ± window seconds is higher (on a plateau the first second counts); the highest peaks are reported,
/// likewise the lowest valleys. Withheld seconds are never moments.
/// </summary>
public static class MomentFinder
{
    /// <summary>Up to <paramref name="count"/> peaks (highest first) and valleys (lowest first) of the curve.</summary>
    public static (IReadOnlyList<Moment> Peaks, IReadOnlyList<Moment> Valleys) Find(StudyCurve curve, int window, int count)
    {
        ArgumentNullException.ThrowIfNull(curve);
        StudyOptions.Require(window >= 1, nameof(window), window, "≥ 1");
        StudyOptions.Require(count >= 1, nameof(count), count, "≥ 1");
        var values = curve.Seconds;
        double total = 0;
        var shown = 0;
        foreach (var e in values)
        {
            if (e.Mean is { } m)
            {
                total += m;
                shown++;
            }
        }

        if (shown < 2)
        {
            return ([], []);
        }

        var average = total / shown;
        var peaks = new List<Moment>();
        var valleys = new List<Moment>();
        for (var s = 0; s < values.Count; s++)
        {
            if (values[s].Mean is not { } m)
            {
                continue;
            }

            if (m > average && Extreme(values, s, window, +1))
            {
                peaks.Add(new Moment(s, curve.Metric, "peak", values[s]));
            }

            if (m < average && Extreme(values, s, window, -1))
            {
                valleys.Add(new Moment(s, curve.Metric, "valley", values[s]));
            }
        }

        return ([.. peaks.OrderByDescending(p => p.Value.Mean).ThenBy(p => p.Second).Take(count)],
                [.. valleys.OrderBy(p => p.Value.Mean).ThenBy(p => p.Second).Take(count)]);
    }

    /// <summary>No neighbour within the window beats it (sign +1: higher; −1: lower), and no earlier one ties it.</summary>
    private static bool Extreme(IReadOnlyList<Estimate> values, int s, int window, int sign)
    {
        var m = values[s].Mean!.Value * sign;
        for (var j = Math.Max(0, s - window); j <= Math.Min(values.Count - 1, s + window); j++)
        {
            if (j == s || values[j].Mean is not { } other)
            {
                continue;
            }

            other *= sign;
            if (other > m || (other == m && j < s))
            {
                return false;
            }
        }

        return true;
    }
}
