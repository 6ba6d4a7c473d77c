using System.Text.Json;
using Mien.Identity.Liveness;
using Mien.Models;
using Mien.Packages;
using Mien.Pipeline;
using Mien.Results;
using OpenCvSharp;

/// <summary>
/// `pad-window`: the liveness check a live stream can require (<see cref="TrackLiveness"/>) on 2-s windows instead of
/// 4-frame bursts: 9 frames 0.25 s apart of each real clip, presented live, as a repeated still, as a print and as
/// screen replays (the renderings of `pad`), each window decided once as a live session would. Reports BPCER/APCER for
/// the models alone, the temporal cues alone (non-rigid motion or a blink) and both (the shipped rule), on the
/// calibration clips (franck, cap12) and the held-out ones, and how often a blink was seen in live windows.
/// </summary>
internal static class PadWindow
{
    private const int WindowFrames = 9;
    private const double Step = 0.25;

    private sealed record Window(string Video, double Start, string Kind, LivenessDecision? Decision);

    public static async Task<int> RunAsync(ModelStore store, NpmPackageStore packages, string sharedDir, string? outFile)
    {
        var videos = await AttackSet.VideosAsync(packages, sharedDir);
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(store, new PipelineOptions
        {
            Stills = true, KeepLandmarks = true, Expressions = false, Affect = null, Physiology = null, Identity = null,
        });
        using var antispoof = OnnxModel.Load(await store.EnsureAsync(PresentationAttackDetector.AntispoofModelId));
        using var liveness = OnnxModel.Load(await store.EnsureAsync(PresentationAttackDetector.LivenessModelId));
        var options = new LiveLivenessOptions();
        using var detector = new PresentationAttackDetector(antispoof, liveness, options.Models);
        var windows = new List<Window>();
        long index = 0;
        foreach (var (path, every) in videos)
        {
            using var capture = new VideoCapture(path);
            var duration = capture.FrameCount / Math.Max(1, capture.Fps);
            var name = Path.GetFileNameWithoutExtension(path);
            for (var start = 0.5; start + (WindowFrames * Step) < duration; start += every)
            {
                if (AttackSet.Frames(capture, start, WindowFrames, Step) is not { } frames)
                {
                    continue;
                }

                var seed = AttackSet.StableSeed(name, start);
                foreach (var kind in AttackSet.Kinds)
                {
                    using var scene = Scene.Create(frames[0].Size(), new Random(seed));
                    var check = new TrackLiveness(options);
                    LivenessDecision? decision = null;
                    for (var k = 0; k < WindowFrames; k++)
                    {
                        using var image = AttackSet.Render(kind, frames, k, scene, seed);
                        var analysis = pipeline.Analyze(image, index, TimeSpan.FromSeconds(index));
                        index++;
                        if (analysis.Faces.Count == 0 || analysis.Faces.MaxBy(f => f.Box.Width * f.Box.Height)!.Landmarks is not { } landmarks)
                        {
                            continue;
                        }

                        var mesh = landmarks as Point3[] ?? [.. landmarks];
                        decision = check.Add(TimeSpan.FromSeconds(k * Step), detector.Score(image, mesh), mesh) ?? decision;
                    }

                    windows.Add(new Window(name, start, kind, decision));
                }

                frames.ForEach(f => f.Dispose());
            }

            Console.Error.WriteLine($"{name}: {windows.Count} windows so far");
        }

        Console.WriteLine($"windows: {string.Join(", ", AttackSet.Kinds.Select(k => $"{k} {windows.Count(w => w.Kind == k)}"))} ({WindowFrames} frames {Step} s apart = {(WindowFrames - 1) * Step:0.0} s); undecided (a face missing): {string.Join(", ", AttackSet.Kinds.Select(k => $"{k} {windows.Count(w => w.Kind == k && w.Decision is null)}"))}");
        var live = windows.Where(w => w.Kind == "live" && w.Decision is not null).ToList();
        Console.WriteLine(FormattableString.Invariant($"live windows with a blink: {live.Count(w => w.Decision!.Blink)} / {live.Count}; non-rigid motion per kind, median [p10, p90]:"));
        foreach (var kind in AttackSet.Kinds)
        {
            var m = windows.Where(w => w.Kind == kind && w.Decision is not null).Select(w => w.Decision!.NonRigidMotion).Order().ToArray();
            var blinks = windows.Count(w => w.Kind == kind && w.Decision is { Blink: true });
            Console.WriteLine(FormattableString.Invariant($"  {kind}: {Q(m, 0.5):0.0000} [{Q(m, 0.1):0.0000}, {Q(m, 0.9):0.0000}], blink in {blinks}"));
        }

        Console.WriteLine();
        string[] calibration = ["franck", "cap12_edit"];
        Console.WriteLine("| decision (per 2-s window) | clips | BPCER (live refused) | APCER still | APCER print | APCER screen-still | APCER screen-video |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        bool Models(LivenessDecision d) => d.Real >= options.Models.MinReal && d.Live >= options.Models.MinLive;
        bool Temporal(LivenessDecision d) => d.NonRigidMotion >= options.MinNonRigidMotion || d.Blink;
        var rows = new List<object>();
        foreach (var (label, accept) in new (string, Func<LivenessDecision, bool>)[]
        {
            ("models only", Models),
            ("motion or blink only", Temporal),
            ("shipped: models and (motion or blink)", d => Models(d) && Temporal(d)),
        })
        {
            foreach (var (clips, inSplit) in new (string, Func<Window, bool>)[] { ("calibration (franck, cap12)", w => calibration.Contains(w.Video)), ("held-out (cap13, Pexels)", w => !calibration.Contains(w.Video)), ("all", _ => true) })
            {
                string Rate(string kind, bool accepted)
                {
                    var xs = windows.Where(w => w.Kind == kind && inSplit(w)).ToList();
                    var n = xs.Count(w => (w.Decision is { } d && accept(d)) == accepted);
                    return FormattableString.Invariant($"{(xs.Count == 0 ? double.NaN : 100.0 * n / xs.Count):0.0} % ({n}/{xs.Count})");
                }

                var row = new Dictionary<string, string> { ["bpcer"] = Rate("live", false) };
                foreach (var kind in AttackSet.Kinds.Skip(1))
                {
                    row["apcer-" + kind] = Rate(kind, true);
                }

                Console.WriteLine($"| {label} | {clips} | {row["bpcer"]} | {row["apcer-still"]} | {row["apcer-print"]} | {row["apcer-screen-still"]} | {row["apcer-screen-video"]} |");
                rows.Add(new { decision = label, clips, rates = row });
            }
        }

        if (outFile is not null)
        {
            File.WriteAllText(outFile, JsonSerializer.Serialize(new { options = new { window = options.Window.TotalSeconds, options.MinNonRigidMotion, options.MinBlinkDrop }, rows, windows }, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {outFile}");
        }

        return 0;
    }


    private static double Q(float[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Round(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
}
