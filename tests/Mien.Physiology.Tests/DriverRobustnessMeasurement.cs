using System.Globalization;
using System.Text;
using Mien.Media.Samples;
using Mien.Physiology.Driver;
using Mien.Pipeline;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Physiology.Tests;

/// <summary>
/// Driver profile on open eyes across head yaw and with glasses drawn on real faces: how often open eyes (frames at least
/// 0.3 s from any labelled blink or closure, sure or unsure) read as closed (openness ≤ the profile's 0.6), per 10° of
/// yaw; long-closure false alarms and PERCLOS over the open-eye frames; blink recall. Glasses are drawn each frame from
/// the previous frame's mesh: thin dark rims (ellipses 1.6 × 1.2 eye widths, bridge and temple arms) and, for the
/// tinted variant, lenses darkened to 45 %. Writes driver-robustness.txt beside the test assembly.
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class DriverRobustnessMeasurement(RealModels models, ITestOutputHelper output)
{
    private enum Glasses
    {
        None,
        Rims,
        Tinted,
    }

    [BenchmarkFact("driver-robustness.txt beside the test assembly")]
    public async Task Measure_false_closures_across_yaw_and_with_glasses()
    {
        var videos = await SampleMedia.FaceVideosAsync(models.Packages);
        var runs = new List<(string Label, string? Path, double Until, Glasses[] Variants)>
        {
            ("franck", videos[0], 200, [Glasses.None]),
            ("franck", videos[0], 60, [Glasses.Rims, Glasses.Tinted]),
            ("cap12_edit", videos[1], 60, [Glasses.None, Glasses.Rims, Glasses.Tinted]),
            ("cap13_edit2", videos[2], 60, [Glasses.None, Glasses.Rims, Glasses.Tinted]),
            ("WolfgangLanger_Pexels", SharedData.Find("videos/WolfgangLanger_Pexels.mp4"), 60, [Glasses.None]),
        };
        var report = new StringBuilder();
        var byYaw = new SortedDictionary<int, (int Open, int ReadClosed, List<float> Openness)>();
        foreach (var (label, path, until, variants) in runs)
        {
            if (path is null)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"{label}: skipped (../shared absent)");
                continue;
            }

            var labels = EventLabels.Load(label);
            foreach (var glasses in variants)
            {
                var frames = await RunAsync(path, until, glasses);
                var open = frames.Where(f => f.Openness is not null && !labels.Events.Any(e => f.T > e.Start - 0.3 && f.T < e.End + 0.3)).ToList();
                var readClosed = open.Count(f => f.Openness <= new DriverOptions().ClosedOpenness);
                var closures = frames.SelectMany(f => f.Closures).Distinct().ToList();
                var falseClosures = closures.Count(c => !labels.Events.Any(e => e.Kind == "closure" && c.Start < e.End + 0.2 && c.End > e.Start - 0.2));
                var blinks = EventMatching.Score("blink", [.. labels.Events.Where(e => e.Start < until)], [.. frames.SelectMany(f => f.Blinks)]);
                report.AppendLine(CultureInfo.InvariantCulture, $"{label} 0-{Math.Min(until, frames[^1].T):0} s, glasses {glasses}: open-eye frames {open.Count}, read closed {100.0 * readClosed / Math.Max(1, open.Count):0.0} % (PERCLOS of open eyes), median openness {Median(open.Select(f => f.Openness!.Value)):0.00}; long closures {closures.Count} ({falseClosures} not on a labelled closure); {blinks}; eyes flagged covered by the occlusion estimator on {100.0 * frames.Count(f => f.EyesCovered) / Math.Max(1, frames.Count):0.0} % of frames");
                if (glasses == Glasses.None)
                {
                    foreach (var f in open.Where(f => f.Yaw is not null))
                    {
                        var bin = (int)Math.Floor(f.Yaw!.Value / 10) * 10;
                        var (n, c, list) = byYaw.TryGetValue(bin, out var b) ? b : (0, 0, new List<float>());
                        list.Add(f.Openness!.Value);
                        byYaw[bin] = (n + 1, c + (f.Openness <= new DriverOptions().ClosedOpenness ? 1 : 0), list);
                    }
                }
            }
        }

        report.AppendLine("open eyes by head yaw (all clips, no glasses):");
        foreach (var (bin, (n, c, list)) in byYaw)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"  yaw {bin,4}…{bin + 10,3}°: {n,5} frames, read closed {100.0 * c / n,5:0.0} %, median openness {Median(list):0.00}, 5th percentile {list.Order().ElementAt(list.Count / 20):0.00}");
        }

        var file = Path.Combine(AppContext.BaseDirectory, "driver-robustness.txt");
        await File.WriteAllTextAsync(file, report.ToString());
        output.WriteLine(report.ToString());
        Assert.NotEmpty(byYaw);
    }

    private static double Median(IEnumerable<float> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    private sealed record FrameRecord(double T, float? Yaw, float? Openness, List<DetectedEvent> Closures, List<DetectedEvent> Blinks, bool EyesCovered = false);

    private async Task<List<FrameRecord>> RunAsync(string path, double until, Glasses glasses)
    {
        var options = new PipelineOptions { Identity = null, Expressions = false, Affect = null, KeepLandmarks = true, Physiology = null };
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, options);
        var driver = new DriverMonitor();
        var records = new List<FrameRecord>();
        Point3[]? previous = null;
        double? blinkStart = null;
        var index = 0L;
        foreach (var (image, time) in PulseVideoRun.Video(path, until))
        {
            using var frame = image.Clone();
            if (glasses != Glasses.None && previous is not null)
            {
                Draw(frame, previous, glasses == Glasses.Tinted);
            }

            var face = pipeline.Analyze(frame, index++, time).Faces.FirstOrDefault();
            previous = face?.Landmarks is { } l ? [.. l] : null;
            var t = time.TotalSeconds;
            var closures = new List<DetectedEvent>();
            var blinks = new List<DetectedEvent>();
            if (face?.Eyes is { InBlink: true })
            {
                blinkStart ??= t;
            }
            else if (blinkStart is { } s)
            {
                if (t - s <= 0.7)
                {
                    blinks.Add(new DetectedEvent("blink", s, t));
                }

                blinkStart = null;
            }

            if (face is not null)
            {
                driver.Update(time, face.Eyes, face.MouthOpening, face.Pose, face.Gaze);
                closures.AddRange(driver.Events.Where(e => e.Kind == "long-closure" && e.End == time).Select(e => new DetectedEvent("closure", e.Start.TotalSeconds, e.End.TotalSeconds)));
            }

            records.Add(new FrameRecord(t, face?.Pose?.Yaw, face?.Eyes?.Openness, closures, blinks, face?.Occlusion?.EyesCovered == true));
        }

        return records;
    }

    /// <summary>Draws glasses over both eyes of <paramref name="mesh"/>: dark rims, bridge, temple arms; tinted lenses when asked.</summary>
    private static void Draw(Mat frame, Point3[] mesh, bool tinted)
    {
        var rims = new List<RotatedRect>();
        foreach (var (outer, inner) in new[] { (33, 133), (263, 362) })
        {
            var a = new Point2f(mesh[outer].X, mesh[outer].Y);
            var b = new Point2f(mesh[inner].X, mesh[inner].Y);
            var width = (float)Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
            var angle = (float)(Math.Atan2(b.Y - a.Y, b.X - a.X) * 180 / Math.PI);
            rims.Add(new RotatedRect(new Point2f((a.X + b.X) / 2, ((a.Y + b.Y) / 2) - (0.1f * width)), new Size2f(1.6f * width, 1.2f * width), angle));
        }

        if (tinted)
        {
            using var mask = new Mat(frame.Size(), MatType.CV_8UC1, Scalar.All(0));
            foreach (var rim in rims)
            {
                Cv2.Ellipse(mask, rim, Scalar.All(255), -1);
            }

            using var dark = new Mat();
            frame.ConvertTo(dark, -1, 0.45);
            dark.CopyTo(frame, mask);
        }

        var eyeWidth = rims[0].Size.Width / 1.6f;
        var thickness = Math.Max(2, (int)Math.Round(0.1f * eyeWidth));
        var colour = new Scalar(25, 25, 25);
        foreach (var rim in rims)
        {
            Cv2.Ellipse(frame, rim, colour, thickness, LineTypes.AntiAlias);
        }

        Point Edge(RotatedRect rim, float side)
        {
            var radians = rim.Angle * Math.PI / 180;
            return new Point(rim.Center.X + (side * rim.Size.Width / 2 * Math.Cos(radians)), rim.Center.Y + (side * rim.Size.Width / 2 * Math.Sin(radians)));
        }

        // Rim 0 is the right eye (outer corner first: its +x direction points inward), rim 1 the left (also outer → inner).
        Cv2.Line(frame, Edge(rims[0], 1), Edge(rims[1], 1), colour, thickness, LineTypes.AntiAlias);
        foreach (var rim in rims)
        {
            var outerEdge = Edge(rim, -1);
            var radians = rim.Angle * Math.PI / 180;
            var arm = new Point(outerEdge.X - (0.8 * eyeWidth * Math.Cos(radians)), outerEdge.Y - (0.8 * eyeWidth * Math.Sin(radians)));
            Cv2.Line(frame, outerEdge, arm, colour, thickness, LineTypes.AntiAlias);
        }
    }
}
