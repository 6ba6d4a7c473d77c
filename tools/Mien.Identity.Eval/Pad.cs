using System.Text.Json;
using Mien.Identity;
using Mien.Identity.Evaluation;
using Mien.Identity.Liveness;
using Mien.Models;
using Mien.Packages;
using Mien.Pipeline;
using Mien.Results;
using OpenCvSharp;

/// <summary>
/// Presentation-attack evaluation (docs/identity.md, "Liveness"): live bursts from real face videos against attacks
/// rendered from the same real faces — the plain still submitted again, a print re-photographed (print gamut,
/// halftone, paper texture, perspective, reflection, camera blur and noise, JPEG) and a screen replay of a still or of
/// the video itself (RGB sub-pixel grid re-sampled into moiré, gamma, tint, bezel, reflection). Every burst is four
/// frames 0.2 s apart. Reports per-frame separation (AUC, EER) of both models for each candidate pixel range and
/// crop, and APCER per attack type / BPCER of the enrolment decision at the shipped thresholds.
/// </summary>
internal static class Pad
{
    private const int BurstFrames = 4;
    private const double BurstStep = 0.2;

    private static readonly PixelRange[] Ranges = [PixelRange.ZeroToOne, PixelRange.ZeroTo255, PixelRange.MinusOneToOne];
    private static readonly float[] Crops = [1.0f, 1.2f, 1.5f, 2.0f];

    private sealed record Presentation(string Video, double Start, string Kind, List<(float Real, float Live)?[]> PerSetting, List<Point3[]?> Meshes, List<float?> Openness);

    public static async Task<int> RunAsync(ModelStore store, NpmPackageStore packages, string sharedDir, string? outFile)
    {
        var videos = await AttackSet.VideosAsync(packages, sharedDir);
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(store, new PipelineOptions
        {
            Stills = true, KeepLandmarks = true, Expressions = false, Affect = null, Physiology = null, Identity = null,
        });
        using var antispoof = OnnxModel.Load(await store.EnsureAsync(PresentationAttackDetector.AntispoofModelId));
        using var liveness = OnnxModel.Load(await store.EnsureAsync(PresentationAttackDetector.LivenessModelId));
        var settings = new List<(PixelRange Range, float Crop, PresentationAttackDetector Detector)>();
        foreach (var range in Ranges)
        {
            foreach (var crop in Crops)
            {
                settings.Add((range, crop, new PresentationAttackDetector(antispoof, liveness, new PresentationAttackOptions { Range = range, CropScale = crop })));
            }
        }

        var shipped = settings.FindIndex(s => s.Range == PixelRange.ZeroToOne && s.Crop == 1.2f);
        var presentations = new List<Presentation>();
        long index = 0;
        var exampleDir = outFile is null ? null : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outFile))!, "pad-examples");
        if (exampleDir is not null)
        {
            Directory.CreateDirectory(exampleDir);
        }

        foreach (var (path, every) in videos)
        {
            using var capture = new VideoCapture(path);
            var duration = capture.FrameCount / Math.Max(1, capture.Fps);
            var name = Path.GetFileNameWithoutExtension(path);
            for (var start = 0.5; start + (BurstFrames * BurstStep) < duration; start += every)
            {
                if (AttackSet.Frames(capture, start, BurstFrames, BurstStep) is not { } frames)
                {
                    continue;
                }

                // One scene per burst (the attacker's set-up), small per-frame jitter (a hand-held print or screen).
                var seed = AttackSet.StableSeed(name, start);
                foreach (var kind in AttackSet.Kinds)
                {
                    var rng = new Random(seed);
                    using var scene = Scene.Create(frames[0].Size(), rng);
                    var rendered = new List<Mat>();
                    for (var k = 0; k < BurstFrames; k++)
                    {
                        rendered.Add(AttackSet.Render(kind, frames, k, scene, seed));
                    }

                    var p = new Presentation(name, start, kind, [], [], []);
                    foreach (var image in rendered)
                    {
                        var analysis = pipeline.Analyze(image, index, TimeSpan.FromSeconds(index));
                        index++;
                        if (analysis.Faces.Count == 0 || analysis.Faces.MaxBy(f => f.Box.Width * f.Box.Height)!.Landmarks is not { } landmarks)
                        {
                            p.PerSetting.Add(new (float, float)?[settings.Count]);
                            p.Meshes.Add(null);
                            p.Openness.Add(null);
                            continue;
                        }

                        var face = analysis.Faces.MaxBy(f => f.Box.Width * f.Box.Height)!;
                        var mesh = landmarks as Point3[] ?? [.. landmarks];
                        var scores = new (float, float)?[settings.Count];
                        for (var s = 0; s < settings.Count; s++)
                        {
                            var v = settings[s].Detector.Score(image, mesh);
                            scores[s] = (v.Real, v.Live);
                        }

                        p.PerSetting.Add(scores);
                        p.Meshes.Add(mesh);
                        p.Openness.Add(face.Eyes?.Openness);
                    }

                    if (exampleDir is not null && presentations.Count(x => x.Kind == kind) < 2)
                    {
                        Cv2.ImWrite(Path.Combine(exampleDir, $"{kind}-{name}-{start:0.0}.jpg"), rendered[0]);
                    }

                    presentations.Add(p);
                    rendered.ForEach(r => r.Dispose());
                }

                frames.ForEach(f => f.Dispose());
            }

            Console.Error.WriteLine($"{name}: {presentations.Count} presentations so far");
        }

        // Per-frame separation of live faces from each attack, per setting.
        Console.WriteLine($"presentations: {string.Join(", ", AttackSet.Kinds.Select(k => $"{k} {presentations.Count(p => p.Kind == k)}"))} (bursts of {BurstFrames} frames)");
        Console.WriteLine($"frames without a face: {string.Join(", ", AttackSet.Kinds.Select(k => $"{k} {presentations.Where(p => p.Kind == k).Sum(p => p.Meshes.Count(m => m is null))}"))}");
        Console.WriteLine();
        Console.WriteLine("| range | crop | model | AUC live vs print | vs screen-still | vs screen-video | vs all rendered | EER all rendered |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        var sweep = new List<object>();
        for (var s = 0; s < settings.Count; s++)
        {
            foreach (var model in new[] { "antispoof", "liveness" })
            {
                float Pick((float Real, float Live) v) => model == "antispoof" ? v.Real : v.Live;
                List<float> Frames(params string[] kinds) => [.. presentations.Where(p => kinds.Contains(p.Kind)).SelectMany(p => p.PerSetting).Where(v => v[s] is not null).Select(v => Pick(v[s]!.Value))];
                var live = Frames("live");
                var results = new Dictionary<string, VerificationResult>
                {
                    ["print"] = VerificationMetrics.Compute(live, Frames("print")),
                    ["screen-still"] = VerificationMetrics.Compute(live, Frames("screen-still")),
                    ["screen-video"] = VerificationMetrics.Compute(live, Frames("screen-video")),
                    ["all"] = VerificationMetrics.Compute(live, Frames("print", "screen-still", "screen-video")),
                };
                Console.WriteLine(FormattableString.Invariant($"| {settings[s].Range} | {settings[s].Crop:0.0} | {model} | {results["print"].Auc:0.000} | {results["screen-still"].Auc:0.000} | {results["screen-video"].Auc:0.000} | {results["all"].Auc:0.000} | {results["all"].Eer * 100:0.0} % |"));
                sweep.Add(new { range = settings[s].Range.ToString(), crop = settings[s].Crop, model, auc = results.ToDictionary(r => r.Key, r => r.Value.Auc), eer = results["all"].Eer, eerThreshold = results["all"].EerThreshold });
            }
        }

        // Score distributions at the shipped setting, then the enrolment decision per burst at the shipped thresholds.
        Console.WriteLine();
        var options = new PresentationAttackOptions();
        Console.WriteLine(FormattableString.Invariant($"shipped setting: {settings[shipped].Range}, crop {settings[shipped].Crop:0.0}; thresholds antispoof ≥ {options.MinReal:0.00}, liveness ≥ {options.MinLive:0.00}"));
        Console.WriteLine("| presentation | frames with a face | antispoof median [p10, p90] | liveness median [p10, p90] | non-rigid motion median [p10, p90] (IOD) | non-planar motion median [p10, p90] (IOD) |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var kind in AttackSet.Kinds)
        {
            var ps = presentations.Where(p => p.Kind == kind).ToList();
            var real = ps.SelectMany(p => p.PerSetting).Where(v => v[shipped] is not null).Select(v => v[shipped]!.Value.Real).Order().ToArray();
            var live = ps.SelectMany(p => p.PerSetting).Where(v => v[shipped] is not null).Select(v => v[shipped]!.Value.Live).Order().ToArray();
            var cues = ps.Select(p => Cues(p)).Where(c => c is not null).Select(c => c!).ToList();
            Console.WriteLine(FormattableString.Invariant($"| {kind} | {real.Length} / {ps.Sum(p => p.Meshes.Count)} | {Q(real, 0.5):0.000} [{Q(real, 0.1):0.000}, {Q(real, 0.9):0.000}] | {Q(live, 0.5):0.000} [{Q(live, 0.1):0.000}, {Q(live, 0.9):0.000}] | {Q(Motion(cues, false), 0.5):0.0000} [{Q(Motion(cues, false), 0.1):0.0000}, {Q(Motion(cues, false), 0.9):0.0000}] | {Q(Motion(cues, true), 0.5):0.0000} [{Q(Motion(cues, true), 0.1):0.0000}, {Q(Motion(cues, true), 0.9):0.0000}] |"));
        }

        Console.WriteLine();
        Console.WriteLine("| temporal cue (per burst) | AUC live vs print | vs screen-still | vs screen-video |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var planar in new[] { false, true })
        {
            List<float> Of(string kind) => [.. presentations.Where(p => p.Kind == kind).Select(Cues).Where(c => c is not null).Select(c => planar ? c!.NonPlanarMotion : c!.NonRigidMotion)];
            var live = Of("live");
            Console.WriteLine(FormattableString.Invariant($"| {(planar ? "non-planar" : "non-rigid")} motion | {VerificationMetrics.Compute(live, Of("print")).Auc:0.000} | {VerificationMetrics.Compute(live, Of("screen-still")).Auc:0.000} | {VerificationMetrics.Compute(live, Of("screen-video")).Auc:0.000} |"));
        }

        Console.WriteLine();
        // Thresholds were chosen on the calibration clips; the held-out clips show how far that carries.
        string[] calibration = ["franck", "cap12_edit"];
        Console.WriteLine("| decision (per burst) | clips | BPCER (live refused) | APCER still | APCER print | APCER screen-still | APCER screen-video |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var decisions = new List<object>();
        var naive = new PresentationAttackOptions { MinReal = 0.5f, MinLive = 0.5f };
        foreach (var (label, thresholds, useModels, useTemporal) in new[]
        {
            ("models at 0.5 / 0.5", naive, true, false),
            ("identical-frames rule only", options, false, true),
            ("models at 0.5 / 0.5 + rule", naive, true, true),
            (FormattableString.Invariant($"shipped: models at {options.MinReal:0.00} / {options.MinLive:0.00} + rule"), options, true, true),
        })
        {
            foreach (var (clips, inSplit) in new (string, Func<Presentation, bool>)[] { ("calibration (franck, cap12)", p => calibration.Contains(p.Video)), ("held-out (cap13, Pexels, single_face)", p => !calibration.Contains(p.Video)), ("all", _ => true) })
            {
                string Rate(string kind, bool accepted)
                {
                    var xs = presentations.Where(p => p.Kind == kind && inSplit(p)).ToList();
                    var n = xs.Count(p => Accept(p, shipped, thresholds, useModels, useTemporal) == accepted);
                    return FormattableString.Invariant($"{100.0 * n / xs.Count:0.0} % ({n}/{xs.Count})");
                }

                var row = new Dictionary<string, string> { ["bpcer"] = Rate("live", false) };
                foreach (var kind in AttackSet.Kinds.Skip(1))
                {
                    row["apcer-" + kind] = Rate(kind, true);
                }

                Console.WriteLine($"| {label} | {clips} | {row["bpcer"]} | {row["apcer-still"]} | {row["apcer-print"]} | {row["apcer-screen-still"]} | {row["apcer-screen-video"]} |");
                decisions.Add(new { decision = label, clips, rates = row });
            }
        }

        if (outFile is not null)
        {
            File.WriteAllText(outFile, JsonSerializer.Serialize(new
            {
                presentations = AttackSet.Kinds.ToDictionary(k => k, k => presentations.Count(p => p.Kind == k)),
                sweep,
                decisions,
                frames = presentations.Select(p => new
                {
                    p.Video, p.Start, p.Kind,
                    shipped = p.PerSetting.Select(v => v[shipped] is { } x ? new[] { x.Real, x.Live } : null),
                    cues = Cues(p),
                }),
            }, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {outFile} (example renderings in {exampleDir})");
        }

        foreach (var s in settings)
        {
            s.Detector.Dispose();
        }

        return 0;
    }


    private static TemporalCues? Cues(Presentation p)
    {
        var meshes = p.Meshes.Where(m => m is not null).Select(m => (IReadOnlyList<Point3>)m!).ToList();
        var openness = p.Meshes.Select((m, i) => (m, i)).Where(x => x.m is not null).Select(x => p.Openness[x.i]).ToList();
        return meshes.Count < 2 ? null : TemporalLivenessCue.Measure(meshes, openness);
    }

    /// <summary>The enrolment decision of <c>FaceEnroller</c> on one burst: every frame needs a face; median scores at the thresholds; no identical consecutive frames.</summary>
    private static bool Accept(Presentation p, int setting, PresentationAttackOptions options, bool useModels, bool useTemporal)
    {
        var scores = p.PerSetting.Where(v => v[setting] is not null).Select(v => v[setting]!.Value).ToList();
        if (scores.Count == 0)
        {
            return false;
        }

        if (useModels && (Median(scores.Select(s => s.Real)) < options.MinReal || Median(scores.Select(s => s.Live)) < options.MinLive))
        {
            return false;
        }

        return !useTemporal || Cues(p) is not { IdenticalPairs: > 0 };
    }

    private static float[] Motion(List<TemporalCues> cues, bool planar) => [.. cues.Select(c => planar ? c.NonPlanarMotion : c.NonRigidMotion).Order()];

    private static float Median(IEnumerable<float> values)
    {
        var a = values.Order().ToArray();
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[(a.Length / 2) - 1] + a[a.Length / 2]) / 2;
    }

    private static double Q(float[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Round(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
}
