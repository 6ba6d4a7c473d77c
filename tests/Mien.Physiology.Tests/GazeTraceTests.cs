using Mien.Physiology.GazeOnScreen;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Physiology.Tests;

/// <summary>Fixations, attention share and heatmaps on synthetic gaze traces with known fixations and gaps.</summary>
public sealed class GazeTraceTests(ITestOutputHelper output)
{
    private static readonly ScreenGeometry Screen = GazeCalibrationTests.Screen;

    /// <summary>
    /// A trace of fixations (150–600 ms) at random points joined by saccades of 30–50 ms (straight lines), sampled at
    /// <paramref name="hz"/> with <paramref name="noiseDeg"/> of Gaussian jitter; returns the trace and the true fixations.
    /// </summary>
    private static (List<GazeSample> Trace, List<(double Start, double End, ScreenPoint At)> Truth) Trace(int seed, double hz, double noiseDeg, int count = 40)
    {
        var r = new Random(seed);
        var plan = new List<(double Start, double End, ScreenPoint At)>();
        var t = 0.0;
        for (var i = 0; i < count; i++)
        {
            var d = 0.15 + (0.45 * r.NextDouble());
            plan.Add((t, t + d, new ScreenPoint((0.05 + (0.9 * r.NextDouble())) * Screen.WidthPx, (0.05 + (0.9 * r.NextDouble())) * Screen.HeightPx)));
            t += d + 0.03 + (0.02 * r.NextDouble());
        }

        var trace = new List<GazeSample>();
        var noisePx = noiseDeg * Screen.PxPerDegree;
        for (var k = 0; k / hz < t; k++)
        {
            var time = k / hz;
            var i = plan.FindLastIndex(p => p.Start <= time);
            ScreenPoint at;
            if (time <= plan[i].End || i == plan.Count - 1)
            {
                at = plan[i].At;
            }
            else
            {
                var next = plan[i + 1];
                var f = (time - plan[i].End) / (next.Start - plan[i].End);
                at = new ScreenPoint(plan[i].At.X + (f * (next.At.X - plan[i].At.X)), plan[i].At.Y + (f * (next.At.Y - plan[i].At.Y)));
            }

            trace.Add(new GazeSample(TimeSpan.FromSeconds(time), new ScreenPoint(at.X + (noisePx * GazeCalibrationTests.Gauss(r)), at.Y + (noisePx * GazeCalibrationTests.Gauss(r)))));
        }

        return (trace, plan);
    }

    private static (double Precision, double Recall) Score(IReadOnlyList<Fixation> found, List<(double Start, double End, ScreenPoint At)> truth)
    {
        bool Match(Fixation f, (double Start, double End, ScreenPoint At) p)
        {
            var overlap = Math.Min(f.End.TotalSeconds, p.End) - Math.Max(f.Start.TotalSeconds, p.Start);
            return overlap >= 0.5 * (p.End - p.Start) && Screen.AngleBetween(f.Centre.X, f.Centre.Y, p.At.X, p.At.Y) < 1;
        }

        var precision = found.Count == 0 ? 0 : found.Count(f => truth.Any(p => Match(f, p))) / (double)found.Count;
        var recall = truth.Count(p => found.Any(f => Match(f, p))) / (double)truth.Count;
        return (precision, recall);
    }

    [Theory]
    [InlineData(60, 0.1)]
    [InlineData(30, 0.1)]
    [InlineData(120, 0.05)]
    public void IVT_finds_known_fixations_with_high_precision_and_recall(int hz, double noiseDeg)
    {
        var (trace, truth) = Trace(hz, hz, noiseDeg);
        var found = FixationDetector.Detect(trace, Screen);
        var (precision, recall) = Score(found, truth);
        output.WriteLine($"{hz} Hz, {noiseDeg}° jitter: {found.Count} fixations found of {truth.Count}; precision {precision:0.00}, recall {recall:0.00}");
        Assert.True(precision >= 0.9 && recall >= 0.9, $"precision {precision:0.00}, recall {recall:0.00}");
    }

    [Fact]
    public void Jitter_above_the_velocity_threshold_breaks_fixations_unless_the_threshold_is_raised()
    {
        // 1° jitter per sample at 30 Hz is ~40°/s of apparent velocity: webcam-grade noise needs smoothing or a higher threshold.
        var (trace, truth) = Trace(5, 30, 1.0);
        var (_, strictRecall) = Score(FixationDetector.Detect(trace, Screen), truth);
        var (_, looseRecall) = Score(FixationDetector.Detect(trace, Screen, new FixationOptions { VelocityThreshold = 150 }), truth);
        var (smoothPrecision, smoothRecall) = Score(FixationDetector.Detect(trace, Screen, new FixationOptions { SmoothingSamples = 5, VelocityThreshold = 60 }), truth);
        output.WriteLine($"1° jitter at 30 Hz: recall {strictRecall:0.00} at 30°/s, {looseRecall:0.00} at 150°/s; 5-sample median and 60°/s: precision {smoothPrecision:0.00}, recall {smoothRecall:0.00}");
        Assert.True(strictRecall < 0.5, $"recall {strictRecall:0.00} at 30°/s despite 40°/s of jitter");
        Assert.True(looseRecall > strictRecall + 0.3, $"raising the threshold did not help: {looseRecall:0.00}");
        Assert.True(smoothRecall > looseRecall, $"smoothing did not help: recall {smoothRecall:0.00}");
    }

    [Fact]
    public void Frames_without_a_face_split_a_fixation_and_short_pieces_are_dropped()
    {
        var samples = Enumerable.Range(0, 60).Select(i => new GazeSample(TimeSpan.FromSeconds(i / 60.0), i is >= 20 and < 25 ? null : new ScreenPoint(500, 400))).ToList();
        var found = FixationDetector.Detect(samples, Screen);
        Assert.Equal(2, found.Count);
        Assert.Equal(TimeSpan.FromSeconds(19 / 60.0), found[0].End);
        Assert.Equal(TimeSpan.FromSeconds(25 / 60.0), found[1].Start);

        var brief = samples.Take(5).ToList(); // 67 ms: shorter than the 100 ms minimum.
        Assert.Empty(FixationDetector.Detect(brief, Screen));

        // Smoothing stays inside each stretch: the gap still splits the fixation at the same samples.
        var smoothed = FixationDetector.Detect(samples, Screen, new FixationOptions { SmoothingSamples = 7 });
        Assert.Equal(found, smoothed);
    }

    [Fact]
    public void Timestamps_going_backwards_are_refused()
    {
        GazeSample[] samples = [new(TimeSpan.FromSeconds(1), new ScreenPoint(1, 1)), new(TimeSpan.FromSeconds(0.5), new ScreenPoint(1, 1))];
        Assert.Contains("must not go backwards", Assert.Throws<ArgumentException>(() => FixationDetector.Detect(samples, Screen)).Message, StringComparison.Ordinal);
        Assert.Contains("must not go backwards", Assert.Throws<ArgumentException>(() => AttentionShare.Measure(samples, Screen)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attention_share_counts_frames_without_a_face_as_unknown_not_away()
    {
        // 30 fps: 6 s on the screen, 2 s looking far off it, 2 s without a face, 2 s on the screen again.
        var samples = new List<GazeSample>();
        for (var i = 0; i < 360; i++)
        {
            var t = i / 30.0;
            ScreenPoint? p = t < 6 || t >= 10 ? new ScreenPoint(900, 500) : t < 8 ? new ScreenPoint(2600, 500) : null;
            samples.Add(new GazeSample(TimeSpan.FromSeconds(t), p));
        }

        var a = AttentionShare.Measure(samples, Screen);
        output.WriteLine($"on {a.OnScreen.TotalSeconds:0.00} s, off {a.OffScreen.TotalSeconds:0.00} s, unknown {a.Unknown.TotalSeconds:0.00} s, share of known {a.ShareOfKnown:0.000}, coverage {a.Coverage:0.000}");
        Assert.Equal(8, a.OnScreen.TotalSeconds, 2);
        Assert.Equal(2, a.OffScreen.TotalSeconds, 2);
        Assert.Equal(2, a.Unknown.TotalSeconds, 2);
        Assert.Equal(0.8, a.ShareOfKnown!.Value, 3);
        Assert.Equal(10 / 12.0, a.Coverage, 3);
    }

    [Fact]
    public void A_long_gap_between_samples_is_unknown_beyond_the_hold_and_a_margin_widens_the_screen()
    {
        GazeSample[] samples = [new(TimeSpan.Zero, new ScreenPoint(-10, 500)), new(TimeSpan.FromSeconds(3), new ScreenPoint(100, 100)), new(TimeSpan.FromSeconds(3.5), new ScreenPoint(100, 100))];
        var a = AttentionShare.Measure(samples, Screen);
        Assert.Equal(0.5, a.OffScreen.TotalSeconds, 3);
        Assert.Equal(2.5, a.Unknown.TotalSeconds, 3);
        Assert.Equal(1.0, a.OnScreen.TotalSeconds, 3);

        var widened = AttentionShare.Measure(samples, Screen, marginPx: 20);
        Assert.Equal(1.5, widened.OnScreen.TotalSeconds, 3);
        Assert.Null(AttentionShare.Measure([new(TimeSpan.Zero, null)], Screen).ShareOfKnown);
    }

    [Fact]
    public void Heatmap_peaks_at_the_longest_fixation_scales_with_duration_and_ignores_fixations_off_the_stimulus()
    {
        var stimulus = new StimulusArea(160, 90, 1600, 900);
        Fixation[] fixations =
        [
            new(TimeSpan.Zero, TimeSpan.FromSeconds(0.9), new ScreenPoint(565, 495), 27),
            new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.3), new ScreenPoint(1365, 295), 9),
            new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), new ScreenPoint(1900, 1000), 90), // off the stimulus
        ];
        var sigma = Screen.PxPerDegree;
        var map = GazeHeatmap.Build(fixations, stimulus, sigma, cellPx: 10);
        Assert.Equal((160, 90), (map.Columns, map.Rows));
        Assert.Equal(2, map.FixationCount);
        Assert.Equal(1.2, map.FixationSeconds, 6);

        var peak = Array.IndexOf(map.Cells, map.Cells.Max());
        Assert.Equal((40, 40), (peak % map.Columns, peak / map.Columns)); // the cell whose centre is (565 − 160, 495 − 90) = (405, 405)
        var second = map.Cells[(20 * map.Columns) + 120];
        Assert.InRange(second, 0.33, 0.337); // 0.3 s / 0.9 s at the cell centred on the second fixation
        Assert.Contains("\"columns\":160", map.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Heatmap_png_decodes_to_the_requested_size_with_opacity_at_the_fixation()
    {
        var map = GazeHeatmap.Build([new Fixation(TimeSpan.Zero, TimeSpan.FromSeconds(0.5), new ScreenPoint(400, 300), 15)], new StimulusArea(0, 0, 800, 600), 40);
        var png = map.ToPng(800, 600);
        using var image = Cv2.ImDecode(png, ImreadModes.Unchanged);
        Assert.Equal((800, 600, 4), (image.Width, image.Height, image.Channels()));
        var atFixation = image.At<Vec4b>(300, 400);
        var far = image.At<Vec4b>(20, 20);
        Assert.InRange(atFixation.Item3, 170, 180); // alpha 0.7 × 255 at the peak
        Assert.Equal(255, atFixation.Item2); // red (BGRA) at the peak
        Assert.Equal(0, far.Item3);
    }
}
