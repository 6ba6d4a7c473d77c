namespace Mien.Physiology.GazeOnScreen;

/// <summary>One frame's mapped gaze: where on the screen the person looks, or null when no face (or no gaze) was measured.</summary>
/// <param name="Timestamp">Frame time.</param>
/// <param name="Point">Mapped gaze in screen pixels (may lie off the screen), or null for a frame without a face with gaze.</param>
public readonly record struct GazeSample(TimeSpan Timestamp, ScreenPoint? Point);

/// <summary>A fixation: a stretch where the gaze stayed still.</summary>
/// <param name="Start">Time of its first sample.</param>
/// <param name="End">Time of its last sample.</param>
/// <param name="Centre">Mean position of its samples in screen pixels.</param>
/// <param name="SampleCount">Number of samples in it.</param>
public sealed record Fixation(TimeSpan Start, TimeSpan End, ScreenPoint Centre, int SampleCount)
{
    /// <summary>End minus start.</summary>
    public TimeSpan Duration => End - Start;
}

/// <summary>Thresholds of <see cref="FixationDetector"/> (defaults after Tobii's I-VT filter, Olsen 2012).</summary>
public sealed record FixationOptions
{
    /// <summary>Samples slower than this are fixation samples, degrees of visual angle per second (default 30).</summary>
    public double VelocityThreshold { get; init; } = 30;

    /// <summary>Shortest fixation kept (default 100 ms; at 30 fps that is 4 samples).</summary>
    public TimeSpan MinDuration { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Adjacent fixations at most this far apart in time are merged when also close in angle (default 75 ms).</summary>
    public TimeSpan MaxMergeGap { get; init; } = TimeSpan.FromMilliseconds(75);

    /// <summary>…and at most this far apart in angle, degrees (default 0.5).</summary>
    public double MaxMergeAngle { get; init; } = 0.5;

    /// <summary>Samples further apart than this are not neighbours: a fixation never spans such a gap (default 150 ms).</summary>
    public TimeSpan MaxSampleGap { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Median filter over this many samples (odd) applied to x and y before velocities are taken, within unbroken stretches (default 1: none; 5–7 for webcam gaze at 30 fps, whose jitter alone exceeds the threshold). Fixation centres use the raw samples.</summary>
    public int SmoothingSamples { get; init; } = 1;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        ScreenGeometry.Require(VelocityThreshold > 0 && double.IsFinite(VelocityThreshold), nameof(VelocityThreshold), VelocityThreshold, "positive and finite (deg/s)");
        ScreenGeometry.Require(MinDuration >= TimeSpan.Zero && MaxMergeGap >= TimeSpan.Zero, nameof(MinDuration) + "/" + nameof(MaxMergeGap), $"{MinDuration}/{MaxMergeGap}", "≥ 0");
        ScreenGeometry.Require(MaxMergeAngle >= 0 && double.IsFinite(MaxMergeAngle), nameof(MaxMergeAngle), MaxMergeAngle, "≥ 0 and finite");
        ScreenGeometry.Require(MaxSampleGap > TimeSpan.Zero, nameof(MaxSampleGap), MaxSampleGap, "positive");
        ScreenGeometry.Require(SmoothingSamples >= 1 && SmoothingSamples % 2 == 1 && SmoothingSamples <= 31, nameof(SmoothingSamples), SmoothingSamples, "odd, within [1, 31]");
    }
}

/// <summary>
/// Velocity-threshold fixation identification (I-VT): each sample's angular velocity from its neighbours (central
/// difference, in degrees of visual angle per second via the screen geometry); runs of slow samples are fixations,
/// close neighbouring fixations are merged, short ones dropped. A frame without a face breaks a run.
/// </summary>
/// <remarks>Webcam gaze is far noisier than an eye tracker's: at 30 fps a 1° frame-to-frame jitter is already 30°/s,
/// so fixations from Mien's gaze need the mapped trace to be smoothed first, or a higher threshold; the detector itself
/// is validated on synthetic traces only (docs/physiology.md).</remarks>
public static class FixationDetector
{
    /// <summary>Finds the fixations of a trace ordered by time.</summary>
    /// <exception cref="ArgumentException">Timestamps go backwards.</exception>
    public static IReadOnlyList<Fixation> Detect(IReadOnlyList<GazeSample> samples, ScreenGeometry screen, FixationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(screen);
        screen.Validate();
        var o = options ?? new FixationOptions();
        o.Validate();
        for (var i = 1; i < samples.Count; i++)
        {
            if (samples[i].Timestamp < samples[i - 1].Timestamp)
            {
                throw new ArgumentException($"gaze sample {i} at {samples[i].Timestamp} comes before sample {i - 1} at {samples[i - 1].Timestamp}: timestamps must not go backwards", nameof(samples));
            }
        }

        bool Linked(int i, int j) =>
            j >= 0 && j < samples.Count && samples[j].Point is not null && (samples[Math.Max(i, j)].Timestamp - samples[Math.Min(i, j)].Timestamp) <= o.MaxSampleGap;

        var points = Smooth(samples, o.SmoothingSamples, Linked);
        var slow = new bool[samples.Count];
        for (var i = 0; i < samples.Count; i++)
        {
            if (samples[i].Point is null)
            {
                continue;
            }

            var (a, b) = (Linked(i, i - 1) ? i - 1 : i, Linked(i, i + 1) ? i + 1 : i);
            if (a == b)
            {
                continue;
            }

            var (pa, pb) = (points[a], points[b]);
            var dt = (samples[b].Timestamp - samples[a].Timestamp).TotalSeconds;
            var angle = screen.AngleBetween(pa.X, pa.Y, pb.X, pb.Y);
            slow[i] = dt > 0 ? angle / dt < o.VelocityThreshold : angle == 0;
        }

        var runs = new List<(int First, int Last)>();
        for (var i = 0; i < samples.Count; i++)
        {
            if (!slow[i])
            {
                continue;
            }

            if (runs.Count > 0 && runs[^1].Last == i - 1 && Linked(i, i - 1))
            {
                runs[^1] = (runs[^1].First, i);
            }
            else
            {
                runs.Add((i, i));
            }
        }

        var merged = new List<(List<(int First, int Last)> Parts, ScreenPoint Centre)>();
        foreach (var run in runs)
        {
            var centre = Centre(samples, [run]);
            if (merged.Count > 0)
            {
                var last = merged[^1];
                var gap = samples[run.First].Timestamp - samples[last.Parts[^1].Last].Timestamp;
                if (gap <= o.MaxMergeGap && screen.AngleBetween(last.Centre.X, last.Centre.Y, centre.X, centre.Y) <= o.MaxMergeAngle)
                {
                    last.Parts.Add(run);
                    merged[^1] = (last.Parts, Centre(samples, last.Parts));
                    continue;
                }
            }

            merged.Add(([run], centre));
        }

        var fixations = new List<Fixation>();
        foreach (var (parts, centre) in merged)
        {
            var start = samples[parts[0].First].Timestamp;
            var end = samples[parts[^1].Last].Timestamp;
            if (end - start >= o.MinDuration)
            {
                var count = 0;
                foreach (var (first, last) in parts)
                {
                    count += last - first + 1;
                }

                fixations.Add(new Fixation(start, end, centre, count));
            }
        }

        return fixations;
    }

    /// <summary>Per-sample positions median-filtered over <paramref name="window"/> samples within each unbroken stretch (the window shrinks at a stretch's ends).</summary>
    private static ScreenPoint[] Smooth(IReadOnlyList<GazeSample> samples, int window, Func<int, int, bool> linked)
    {
        var points = new ScreenPoint[samples.Count];
        for (var i = 0; i < samples.Count; i++)
        {
            points[i] = samples[i].Point ?? default;
        }

        if (window == 1)
        {
            return points;
        }

        var half = window / 2;
        var xs = new double[window];
        var ys = new double[window];
        var start = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            if (samples[i].Point is null)
            {
                start = i + 1;
                continue;
            }

            if (i > start && !linked(i, i - 1))
            {
                start = i;
            }

            var end = i;
            while (end + 1 < samples.Count && end + 1 <= i + half && linked(end, end + 1))
            {
                end++;
            }

            var from = Math.Max(start, i - half);
            var n = 0;
            for (var j = from; j <= end; j++)
            {
                xs[n] = samples[j].Point!.Value.X;
                ys[n] = samples[j].Point!.Value.Y;
                n++;
            }

            Array.Sort(xs, 0, n);
            Array.Sort(ys, 0, n);
            points[i] = new ScreenPoint(n % 2 == 1 ? xs[n / 2] : (xs[(n / 2) - 1] + xs[n / 2]) / 2, n % 2 == 1 ? ys[n / 2] : (ys[(n / 2) - 1] + ys[n / 2]) / 2);
        }

        return points;
    }

    private static ScreenPoint Centre(IReadOnlyList<GazeSample> samples, List<(int First, int Last)> parts)
    {
        double x = 0, y = 0;
        var n = 0;
        foreach (var (first, last) in parts)
        {
            for (var i = first; i <= last; i++)
            {
                var p = samples[i].Point!.Value;
                x += p.X;
                y += p.Y;
                n++;
            }
        }

        return new ScreenPoint(x / n, y / n);
    }
}
