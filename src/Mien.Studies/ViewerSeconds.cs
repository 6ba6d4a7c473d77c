namespace Mien.Studies;

/// <summary>
/// One viewing reduced to stimulus seconds: per second and metric the mean of the viewer's frames shown in that
/// second (NaN when none carried the metric). These per-viewer per-second values are the unit every statistic of a
/// study is computed over, so a viewer with a faster camera does not weigh more than one with a slower one.
/// </summary>
public sealed class ViewerSeconds
{
    private readonly double[] _values;
    private readonly int[] _frames;

    internal ViewerSeconds(int seconds, double[] values, int[] frames)
    {
        Seconds = seconds;
        _values = values;
        _frames = frames;
    }

    /// <summary>Whole stimulus seconds covered (second s spans [s, s+1)).</summary>
    public int Seconds { get; }

    /// <summary>The viewer's mean of <paramref name="metric"/> in <paramref name="second"/>, NaN when no frame of that second carried it.</summary>
    public double this[StudyMetric metric, int second] => _values[((int)metric * Seconds) + second];

    /// <summary>Frames of the viewer that were shown while the stimulus played in <paramref name="second"/>.</summary>
    public int Frames(int second) => _frames[second];

    /// <summary>Frames that counted in total.</summary>
    public int TotalFrames => _frames.Sum();

    /// <summary>The viewer's mean of the metric over seconds [<paramref name="from"/>, <paramref name="to"/>) (each second weighs the same; NaN seconds skipped; NaN when none).</summary>
    public double Mean(StudyMetric metric, int from = 0, int to = int.MaxValue)
    {
        to = Math.Min(to, Seconds);
        double sum = 0;
        var n = 0;
        for (var s = Math.Max(0, from); s < to; s++)
        {
            var v = this[metric, s];
            if (!double.IsNaN(v))
            {
                sum += v;
                n++;
            }
        }

        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>Builds a viewer's seconds from per-second values directly (imports, tests): <paramref name="values"/>[metric][second], NaN for none.</summary>
    /// <exception cref="ArgumentException">The arrays do not match <see cref="StudyMetrics.Count"/> × seconds, or a value is outside its metric's range.</exception>
    public static ViewerSeconds FromValues(IReadOnlyList<IReadOnlyList<double>> values, IReadOnlyList<int>? frames = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != StudyMetrics.Count)
        {
            throw new ArgumentException($"values must have one row per metric ({StudyMetrics.Count}), got {values.Count}", nameof(values));
        }

        var seconds = values[0].Count;
        var flat = new double[StudyMetrics.Count * seconds];
        for (var m = 0; m < StudyMetrics.Count; m++)
        {
            if (values[m].Count != seconds)
            {
                throw new ArgumentException($"metric {StudyMetrics.Name((StudyMetric)m)} has {values[m].Count} seconds, the first metric {seconds}", nameof(values));
            }

            for (var s = 0; s < seconds; s++)
            {
                var v = values[m][s];
                var (lo, hi) = ViewerAligner.Range((StudyMetric)m);
                if (!double.IsNaN(v) && !(v >= lo && v <= hi))
                {
                    throw new ArgumentException($"{StudyMetrics.Name((StudyMetric)m)} at second {s} = {v} is outside [{lo}, {hi}]", nameof(values));
                }

                flat[(m * seconds) + s] = v;
            }
        }

        var counts = frames is null ? Enumerable.Repeat(1, seconds).ToArray() : [.. frames];
        if (counts.Length != seconds)
        {
            throw new ArgumentException($"frames has {counts.Length} seconds, values {seconds}", nameof(frames));
        }

        return new ViewerSeconds(seconds, flat, counts);
    }
}

/// <summary>Aligns one viewer's analysed frames to the stimulus and reduces them to <see cref="ViewerSeconds"/>.</summary>
public static class ViewerAligner
{
    /// <summary>The valid range of a metric.</summary>
    public static (double Low, double High) Range(StudyMetric metric) => metric is StudyMetric.Valence or StudyMetric.Arousal ? (-1, 1) : (0, 1);

    /// <summary>
    /// Maps every frame through <paramref name="clock"/> and averages per stimulus second. Frames the clock does not
    /// map (stimulus not playing) or that map outside [0, duration) are left out. Expression, valence and arousal
    /// average the frames with a face that carries them; attention is the share of the second's frames whose face
    /// looks towards the screen (a frame without a face counts as not attending; a face whose direction is unknown
    /// is left out of the share).
    /// </summary>
    /// <exception cref="ArgumentException">The duration is not positive or longer than 6 hours, or the options are invalid.</exception>
    public static ViewerSeconds Align(IEnumerable<ViewerFrame> frames, IStimulusClock clock, double durationS, StudyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(clock);
        options ??= new StudyOptions();
        options.Validate();
        StudyOptions.Require(durationS is > 0 and <= 6 * 3600, nameof(durationS), durationS, "in (0, 21600] seconds");
        var seconds = (int)Math.Ceiling(durationS);
        var sums = new double[StudyMetrics.Count * seconds];
        var counts = new int[StudyMetrics.Count * seconds];
        var frameCounts = new int[seconds];
        foreach (var frame in frames)
        {
            if (!clock.TryMap(frame.TimeS, out var t) || !(t >= 0) || t >= durationS)
            {
                continue;
            }

            var s = Math.Min(seconds - 1, (int)t);
            frameCounts[s]++;
            var face = frame.Face;
            if (face is null)
            {
                Add(sums, counts, StudyMetric.Attention, seconds, s, 0);
                continue;
            }

            if (face.Expression is { Count: 7 } e)
            {
                for (var i = 0; i < 7; i++)
                {
                    Add(sums, counts, (StudyMetric)i, seconds, s, Math.Clamp(e[i], 0, 1));
                }
            }

            if (face.Valence is { } v)
            {
                Add(sums, counts, StudyMetric.Valence, seconds, s, Math.Clamp(v, -1, 1));
            }

            if (face.Arousal is { } a)
            {
                Add(sums, counts, StudyMetric.Arousal, seconds, s, Math.Clamp(a, -1, 1));
            }

            if (Looking(face, options) is { } looking)
            {
                Add(sums, counts, StudyMetric.Attention, seconds, s, looking ? 1 : 0);
            }
        }

        for (var i = 0; i < sums.Length; i++)
        {
            sums[i] = counts[i] == 0 ? double.NaN : sums[i] / counts[i];
        }

        return new ViewerSeconds(seconds, sums, frameCounts);
    }

    /// <summary>Whether the face looks towards the screen: gaze within the cone when known, else the head's direction; null when neither is known.</summary>
    public static bool? Looking(FaceReading face, StudyOptions options)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(options);
        if (face.GazeYaw is { } gy && face.GazePitch is { } gp)
        {
            return Math.Abs(gy) <= options.MaxGazeYaw && Math.Abs(gp) <= options.MaxGazePitch;
        }

        if (face.HeadYaw is { } hy && face.HeadPitch is { } hp)
        {
            return Math.Abs(hy) <= options.MaxHeadYaw && Math.Abs(hp) <= options.MaxHeadPitch;
        }

        return null;
    }

    private static void Add(double[] sums, int[] counts, StudyMetric metric, int seconds, int second, double value)
    {
        var i = ((int)metric * seconds) + second;
        sums[i] += value;
        counts[i]++;
    }
}
