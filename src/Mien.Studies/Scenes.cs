namespace Mien.Studies;

/// <summary>A scene of the stimulus: [StartS, EndS).</summary>
/// <param name="Index">0-based.</param>
/// <param name="StartS">Start, seconds.</param>
/// <param name="EndS">End, seconds.</param>
public sealed record Scene(int Index, double StartS, double EndS)
{
    /// <summary>The stimulus seconds the scene summarises: those whose middle (s + 0.5) lies in the scene.</summary>
    public (int From, int To) SecondSpan => ((int)Math.Ceiling(StartS - 0.5), (int)Math.Ceiling(EndS - 0.5));
}

/// <summary>A scene with the viewers' means over it.</summary>
/// <param name="Scene">The scene.</param>
/// <param name="Metrics">Per metric (enum order), the mean across viewers of each viewer's mean over the scene's seconds; withheld below k.</param>
public sealed record SceneSummary(Scene Scene, IReadOnlyList<Estimate> Metrics);

/// <summary>Options of <see cref="SceneCuts.Detect"/>.</summary>
public sealed record SceneCutOptions
{
    /// <summary>A cut is where consecutive frames' colour histograms differ by more than this total-variation distance (½ Σ|p − q|, 0…1; default 0.4).</summary>
    public double Threshold { get; init; } = 0.4;

    /// <summary>Shortest scene, seconds (default 0.5): a flash or a fast pan does not make a string of cuts.</summary>
    public double MinSceneS { get; init; } = 0.5;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        StudyOptions.Require(Threshold is > 0 and < 1, nameof(Threshold), Threshold, "in (0, 1)");
        StudyOptions.Require(MinSceneS is >= 0 and <= 60, nameof(MinSceneS), MinSceneS, "in [0, 60] seconds");
    }
}

/// <summary>
/// Scene cuts from frame-to-frame colour-histogram distance (the classic shot-boundary detector, e.g. Zabih et al.
/// 1995 and PySceneDetect's histogram mode): robust to motion within a shot, it fires when the colour content changes
/// at once. Gradual transitions (dissolves, fades) can be missed; scenes may also be given by hand.
/// </summary>
public static class SceneCuts
{
    /// <summary>Total-variation distance between two normalised histograms: ½ Σ |p − q|, 0 (same) … 1 (disjoint).</summary>
    /// <exception cref="ArgumentException">The histograms differ in length.</exception>
    public static double Distance(ReadOnlySpan<float> p, ReadOnlySpan<float> q)
    {
        if (p.Length != q.Length)
        {
            throw new ArgumentException($"histograms of {p.Length} and {q.Length} bins cannot be compared", nameof(q));
        }

        double sum = 0;
        for (var i = 0; i < p.Length; i++)
        {
            sum += Math.Abs(p[i] - q[i]);
        }

        return 0.5 * sum;
    }

    /// <summary>Cut times (the later frame's time) where the distance to the previous frame exceeds the threshold and the scene so far is long enough.</summary>
    /// <exception cref="ArgumentException">Times go backwards, or the options are invalid.</exception>
    public static IReadOnlyList<double> Detect(IReadOnlyList<(double TimeS, float[] Histogram)> frames, SceneCutOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        options ??= new SceneCutOptions();
        options.Validate();
        var cuts = new List<double>();
        var sceneStart = frames.Count > 0 ? frames[0].TimeS : 0;
        for (var i = 1; i < frames.Count; i++)
        {
            if (frames[i].TimeS < frames[i - 1].TimeS)
            {
                throw new ArgumentException($"frame {i} at {frames[i].TimeS} s comes before frame {i - 1} at {frames[i - 1].TimeS} s", nameof(frames));
            }

            if (Distance(frames[i - 1].Histogram, frames[i].Histogram) > options.Threshold && frames[i].TimeS - sceneStart >= options.MinSceneS)
            {
                cuts.Add(frames[i].TimeS);
                sceneStart = frames[i].TimeS;
            }
        }

        return cuts;
    }

    /// <summary>The scenes between cuts over [0, duration).</summary>
    /// <exception cref="ArgumentException">A cut lies outside (0, duration) or the cuts are not increasing.</exception>
    public static IReadOnlyList<Scene> Scenes(IReadOnlyList<double> cuts, double durationS)
    {
        ArgumentNullException.ThrowIfNull(cuts);
        StudyOptions.Require(durationS > 0 && double.IsFinite(durationS), nameof(durationS), durationS, "positive");
        var scenes = new List<Scene>();
        var start = 0.0;
        foreach (var cut in cuts)
        {
            if (!(cut > start && cut < durationS))
            {
                throw new ArgumentException($"scene cut at {cut} s must be after {start} s and before the end ({durationS} s), in increasing order", nameof(cuts));
            }

            scenes.Add(new Scene(scenes.Count, start, cut));
            start = cut;
        }

        scenes.Add(new Scene(scenes.Count, start, durationS));
        return scenes;
    }

    /// <summary>Each scene's means across viewers (each viewer's mean over the scene's seconds is the unit).</summary>
    public static IReadOnlyList<SceneSummary> Summarise(IReadOnlyList<Scene> scenes, IReadOnlyList<ViewerSeconds> viewers, StudyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scenes);
        return [.. scenes.Select(s =>
        {
            var (from, to) = s.SecondSpan;
            return new SceneSummary(s, StudyAggregator.OverSpan(viewers, from, to, options));
        })];
    }
}
