namespace Mien.Affect;

/// <summary>One labelled instant of a series (e.g. a frame's dominant expression).</summary>
/// <param name="Time">When.</param>
/// <param name="Label">The label shown then.</param>
public readonly record struct LabelSample(TimeSpan Time, string Label);

/// <summary>Onset lags of one series' label changes against another's (see <see cref="FlickerMetrics.OnsetLag"/>).</summary>
/// <param name="Changes">Label changes the filtered series made.</param>
/// <param name="Anchored">Changes for which the reference series had shown the new label persistently beforehand.</param>
/// <param name="Lags">Lag of each anchored change, ascending.</param>
public sealed record OnsetLagStats(int Changes, int Anchored, IReadOnlyList<TimeSpan> Lags)
{
    /// <summary>Median lag (zero when no change was anchored).</summary>
    public TimeSpan Median => Quantile(0.5);

    /// <summary>Lag at quantile <paramref name="q"/> (nearest rank; zero when none).</summary>
    public TimeSpan Quantile(double q)
    {
        if (Lags.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (int)Math.Ceiling(Math.Clamp(q, 0, 1) * Lags.Count) - 1;
        return Lags[Math.Clamp(rank, 0, Lags.Count - 1)];
    }
}

/// <summary>How much a label series flickers, and how late a smoothed series follows a raw one.</summary>
public static class FlickerMetrics
{
    /// <summary>Label changes per minute of series time (changes ÷ (last − first time)); 0 for fewer than two samples.</summary>
    public static double SwitchesPerMinute(IReadOnlyList<LabelSample> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count < 2)
        {
            return 0;
        }

        var span = (series[^1].Time - series[0].Time).TotalMinutes;
        return span > 0 ? Switches(series) / span : 0;
    }

    /// <summary>Number of label changes between consecutive samples.</summary>
    public static int Switches(IReadOnlyList<LabelSample> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var n = 0;
        for (var i = 1; i < series.Count; i++)
        {
            if (!string.Equals(series[i].Label, series[i - 1].Label, StringComparison.Ordinal))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// Onset lag of each change in <paramref name="filtered"/> against <paramref name="reference"/> (both on the same
    /// frames, times ascending). For a change of the filtered series to label L at time t: its anchor is the start of
    /// the first run in the reference series, beginning after the filtered series' previous change and no later than t,
    /// in which the reference shows L for at least <paramref name="persistence"/> without interruption (the run may
    /// extend past t). Lag = t − anchor start. Changes without such a run (the filter switched on evidence that never
    /// persisted in the reference) are counted in <see cref="OnsetLagStats.Changes"/> but not anchored.
    /// <paramref name="lead"/> lets the anchor run start up to that long after t, for offline (non-causal) decoders
    /// that may place a change before the reference shows it; those lags are negative.
    /// </summary>
    public static OnsetLagStats OnsetLag(IReadOnlyList<LabelSample> reference, IReadOnlyList<LabelSample> filtered, TimeSpan persistence, TimeSpan lead = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(filtered);
        var lags = new List<TimeSpan>();
        var changes = 0;
        var previousChange = filtered.Count > 0 ? filtered[0].Time : TimeSpan.Zero;
        var r = 0;
        for (var i = 1; i < filtered.Count; i++)
        {
            if (string.Equals(filtered[i].Label, filtered[i - 1].Label, StringComparison.Ordinal))
            {
                continue;
            }

            changes++;
            var t = filtered[i].Time;
            var label = filtered[i].Label;
            var anchor = FirstPersistentRun(reference, label, previousChange, t + lead, persistence, ref r);
            if (anchor is { } start)
            {
                lags.Add(t - start);
            }

            previousChange = t;
        }

        lags.Sort();
        return new OnsetLagStats(changes, lags.Count, lags);
    }

    private static TimeSpan? FirstPersistentRun(IReadOnlyList<LabelSample> reference, string label, TimeSpan after, TimeSpan until, TimeSpan persistence, ref int cursor)
    {
        while (cursor < reference.Count && reference[cursor].Time <= after)
        {
            cursor++;
        }

        for (var i = cursor; i < reference.Count && reference[i].Time <= until; i++)
        {
            if (!string.Equals(reference[i].Label, label, StringComparison.Ordinal) ||
                (i > 0 && reference[i - 1].Time > after && string.Equals(reference[i - 1].Label, label, StringComparison.Ordinal)))
            {
                continue; // not the start of a run of the label (within the window)
            }

            var j = i;
            while (j + 1 < reference.Count && string.Equals(reference[j + 1].Label, label, StringComparison.Ordinal))
            {
                j++;
            }

            var end = j + 1 < reference.Count ? reference[j + 1].Time : reference[j].Time;
            if (end - reference[i].Time >= persistence)
            {
                return reference[i].Time;
            }
        }

        return null;
    }
}
