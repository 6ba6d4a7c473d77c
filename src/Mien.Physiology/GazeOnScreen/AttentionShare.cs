namespace Mien.Physiology.GazeOnScreen;

/// <summary>How a stretch of time splits into looking at the screen, looking away, and not known.</summary>
/// <param name="OnScreen">Time the mapped gaze lay on the screen (within the margin).</param>
/// <param name="OffScreen">Time it lay off the screen.</param>
/// <param name="Unknown">Time without a face with gaze (no face, no mesh, no iris) or between samples too far apart.</param>
public sealed record AttentionResult(TimeSpan OnScreen, TimeSpan OffScreen, TimeSpan Unknown)
{
    /// <summary>On-screen share of the time whose gaze is known (null when none is known): "unknown" is not "away".</summary>
    public double? ShareOfKnown => OnScreen + OffScreen > TimeSpan.Zero ? OnScreen / (OnScreen + OffScreen) : null;

    /// <summary>Share of the known time over all time: how much of the result rests on measurements.</summary>
    public double Coverage => OnScreen + OffScreen + Unknown > TimeSpan.Zero ? (OnScreen + OffScreen) / (OnScreen + OffScreen + Unknown) : 0;
}

/// <summary>
/// Attention share: the fraction of time the mapped gaze lies on the screen. Each sample stands for the time until the
/// next one (at most <c>maxHold</c>; the rest of a longer gap is unknown); frames without a face count as unknown, never
/// as looking away, since a lost face says nothing about where the person looked.
/// </summary>
public static class AttentionShare
{
    /// <summary>Splits a trace into on-screen, off-screen and unknown time.</summary>
    /// <param name="samples">The trace, ordered by time.</param>
    /// <param name="screen">The screen.</param>
    /// <param name="marginPx">Points this close outside the screen still count as on it (e.g. the calibration's mean error; default 0).</param>
    /// <param name="maxHold">Longest time one sample stands for (default 0.5 s); the last sample stands for the median interval (at most the hold).</param>
    /// <exception cref="ArgumentException">Timestamps go backwards, or the margin or hold is invalid.</exception>
    public static AttentionResult Measure(IReadOnlyList<GazeSample> samples, ScreenGeometry screen, double marginPx = 0, TimeSpan? maxHold = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(screen);
        screen.Validate();
        var hold = maxHold ?? TimeSpan.FromSeconds(0.5);
        ScreenGeometry.Require(marginPx >= 0 && double.IsFinite(marginPx), nameof(marginPx), marginPx, "≥ 0 and finite");
        ScreenGeometry.Require(hold > TimeSpan.Zero, nameof(maxHold), hold, "positive");
        if (samples.Count == 0)
        {
            return new AttentionResult(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        }

        var intervals = new TimeSpan[samples.Count - 1];
        for (var i = 1; i < samples.Count; i++)
        {
            intervals[i - 1] = samples[i].Timestamp - samples[i - 1].Timestamp;
            if (intervals[i - 1] < TimeSpan.Zero)
            {
                throw new ArgumentException($"gaze sample {i} at {samples[i].Timestamp} comes before sample {i - 1} at {samples[i - 1].Timestamp}: timestamps must not go backwards", nameof(samples));
            }
        }

        // The trace's last sample stands for a typical interval (the lower median), at most the hold, and no unknown after it.
        var typical = intervals.Length == 0 ? TimeSpan.Zero : intervals.Order().ElementAt((intervals.Length - 1) / 2);
        var lastInterval = typical < hold ? typical : hold;
        TimeSpan on = TimeSpan.Zero, off = TimeSpan.Zero, unknown = TimeSpan.Zero;
        for (var i = 0; i < samples.Count; i++)
        {
            var span = i < intervals.Length ? intervals[i] : lastInterval;
            var held = span < hold ? span : hold;
            unknown += span - held;
            if (samples[i].Point is not { } p)
            {
                unknown += held;
            }
            else if (p.X >= -marginPx && p.X <= screen.WidthPx + marginPx && p.Y >= -marginPx && p.Y <= screen.HeightPx + marginPx)
            {
                on += held;
            }
            else
            {
                off += held;
            }
        }

        return new AttentionResult(on, off, unknown);
    }
}
