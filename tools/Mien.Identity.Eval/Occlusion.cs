using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mien.Faces.Occlusion;
using Mien.Identity;
using Mien.Identity.Evaluation;
using Mien.Models;
using Mien.Pipeline;
using Mien.Results;
using OpenCvSharp;

/// <summary>
/// Synthetic occlusions drawn on real faces (the identity set's video frames and HELEN test photos): what they do to
/// detection, mesh, expression and identity, and how well <see cref="OcclusionEstimator"/> notices them.
/// </summary>
internal static class OcclusionEval
{
    private static readonly string[] Conditions = ["clean", "mask", "white-mask", "sunglasses", "hand", "crop"];

    private sealed record Result(bool Detected, double Nme, string? Dominant, FaceOcclusion? Occlusion, float[]? Vector, OcclusionCues Cues = default);

    private sealed record Item(string Identity, string Clip, double Time, string Kind, Dictionary<string, Result> Results);

    public static async Task<int> RunAsync(ModelStore store, string setDir, string sharedDir, string? outFile)
    {
        var files = new List<(string File, string Identity, string Clip, double Time, string Kind)>();
        foreach (var line in File.ReadLines(Path.Combine(setDir, "manifest.csv")).Skip(1))
        {
            var c = line.Split(',');
            files.Add((Path.Combine(setDir, c[0]), c[1], c[2], double.Parse(c[3], CultureInfo.InvariantCulture), c[4]));
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(sharedDir, "data", "landmarks", "helen_test"), "*.jpg").Order(StringComparer.Ordinal))
        {
            files.Add((file, "helen:" + Path.GetFileNameWithoutExtension(file), Path.GetFileNameWithoutExtension(file), 0, "helen"));
        }

        // Occlusion off in the pipeline, so expressions are estimated even on covered faces: that is what is measured.
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(store, new PipelineOptions
        {
            Stills = true, KeepLandmarks = true, Affect = null, Physiology = null, Identity = null, Occlusion = null,
        });
        var spec = EmbeddingModel.ById(new IdentityOptions().Model);
        using var model = OnnxModel.Load(await store.EnsureAsync(spec.ModelId));
        using var embedder = new FaceEmbedder(model, spec);
        using var estimator = new OcclusionEstimator();
        var gate = new FaceQualityGate();
        var items = new List<Item>();
        var cleanMisses = 0;
        var estimateMs = new List<double>();
        long index = 0;
        foreach (var (file, identity, clip, time, kind) in files)
        {
            using var image = Cv2.ImRead(file, ImreadModes.Color);
            if (image.Empty())
            {
                throw new InvalidDataException($"unreadable image {file}");
            }

            var clean = Largest(pipeline.Analyze(image, index, TimeSpan.FromSeconds(index)));
            index++;
            if (clean?.Landmarks is null)
            {
                cleanMisses++;
                continue;
            }

            var cleanMesh = clean.Landmarks.ToArray();
            var quality = gate.Assess(clean.Pose, cleanMesh, clean.MeshConfidence ?? 0, image.Width, image.Height);
            var eyes = Distance(cleanMesh[33], cleanMesh[263]);
            var results = new Dictionary<string, Result>(StringComparer.Ordinal);
            foreach (var condition in Conditions)
            {
                using var occluded = Occlude(image, cleanMesh, condition);
                var frame = pipeline.Analyze(occluded, index, TimeSpan.FromSeconds(index));
                index++;
                var face = frame.Faces.Where(f => f.Landmarks is not null).OrderByDescending(f => Iou(f.Box, clean.Box)).FirstOrDefault();
                if (face is null || Iou(face.Box, clean.Box) < 0.3)
                {
                    results[condition] = new Result(false, double.NaN, null, null, null);
                    continue;
                }

                var mesh = face.Landmarks!.ToArray();
                var nme = 0.0;
                for (var i = 0; i < 468; i++)
                {
                    nme += Distance(mesh[i], cleanMesh[i]);
                }

                nme /= 468 * eyes;
                var sw = Stopwatch.StartNew();
                var occlusion = estimator.Estimate(occluded, mesh, out var cues);
                estimateMs.Add(sw.Elapsed.TotalMilliseconds);
                float[]? vector = null;
                if (kind == "video" && quality.Accepted)
                {
                    // The clean face passed the gate (pose, size, blur); the cover itself is what is measured here.
                    embedder.Prepare(occluded, mesh);
                    vector = new float[embedder.Dimensions];
                    embedder.Embed(vector);
                }

                results[condition] = new Result(true, nme, face.Expression?.Dominant, occlusion, vector, cues);
            }

            items.Add(new Item(identity, clip, time, kind, results));
        }

        Console.WriteLine(FormattableString.Invariant($"faces: {items.Count} with a clean face ({items.Count(i => i.Kind == "video")} video frames, {items.Count(i => i.Kind == "helen")} HELEN photos); {cleanMisses} images without a clean face skipped"));
        Console.WriteLine(FormattableString.Invariant($"occlusion estimate: median {Median(estimateMs):0.000} ms, p90 {Percentile(estimateMs, 0.9):0.000} ms per face"));
        Console.WriteLine();
        Console.WriteLine("| condition | detection recall | mesh NME median / mean (vs clean mesh) | expression agrees with clean | mouthNose median | eyes median | flagged (the covered region) | flagged (any) | identity TAR@FAR1% (occluded probe vs clean gallery) | TAR / FAR at the clean FAR-1% threshold |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var report = new List<object>();
        var cleanPairs = Pairs(items, "clean");
        var cleanImpostors = cleanPairs.Where(p => p.A != p.B).Select(p => p.Score).Order().ToArray();
        var cleanThreshold = VerificationMetrics.ThresholdAtFar(cleanImpostors, 0.01);
        foreach (var condition in Conditions)
        {
            var rs = items.Select(i => i.Results[condition]).ToList();
            var detected = rs.Where(r => r.Detected).ToList();
            var recall = (double)detected.Count / rs.Count;
            var nmes = detected.Select(r => r.Nme).ToList();
            var agree = items.Where(i => i.Results[condition].Detected && i.Results["clean"].Dominant is not null)
                .Average(i => i.Results[condition].Dominant == i.Results["clean"].Dominant ? 1.0 : 0.0);
            var flaggedRegion = detected.Average(r => Flagged(r.Occlusion, condition) ? 1.0 : 0.0);
            var flaggedAny = detected.Average(r => r.Occlusion?.Any == true ? 1.0 : 0.0);
            var pairs = Pairs(items, condition);
            var v = VerificationMetrics.Compute([.. pairs.Where(p => p.A == p.B).Select(p => p.Score)], [.. pairs.Where(p => p.A != p.B).Select(p => p.Score)]);
            var tar = VerificationMetrics.Bootstrap(pairs, (g, i) => VerificationMetrics.Compute(g, i).TarAtFar1);
            var genuine = pairs.Where(p => p.A == p.B).Select(p => p.Score).Order().ToArray();
            var impostor = pairs.Where(p => p.A != p.B).Select(p => p.Score).Order().ToArray();
            var tarFixed = VerificationMetrics.Tar(genuine, cleanThreshold);
            var farFixed = VerificationMetrics.Far(impostor, cleanThreshold);
            var mouthNose = detected.Where(r => r.Occlusion is not null).Select(r => (double)r.Occlusion!.MouthNose).ToList();
            var eyeShare = detected.Where(r => r.Occlusion is not null).Select(r => (double)r.Occlusion!.Eyes).ToList();
            Console.WriteLine(FormattableString.Invariant(
                $"| {condition} | {recall:P1} ({detected.Count}/{rs.Count}) | {Median(nmes):0.0000} / {nmes.Average():0.0000} | {agree:P1} | {Median(mouthNose):0.00} | {Median(eyeShare):0.00} | {(condition == "clean" ? "—" : flaggedRegion.ToString("P1", CultureInfo.InvariantCulture))} | {flaggedAny:P1} | {tar.Value * 100:0.0} % [{tar.Low * 100:0.0}, {tar.High * 100:0.0}] ({v.Genuine} / {v.Impostor}) | {tarFixed:P1} / {farFixed:P2} |"));
            report.Add(new { condition, faces = rs.Count, detected = detected.Count, recall, nmeMedian = Median(nmes), nmeMean = nmes.Average(), expressionAgreement = agree, flaggedRegion, flaggedAny, verification = v, tarAtFar1 = tar, tarAtCleanThreshold = tarFixed, farAtCleanThreshold = farFixed, cleanThreshold });
        }

        // The detector as a classifier: every clean face a negative, every detected covered face a positive (flagged in
        // the region its cover hides; a crop counts when anything is flagged).
        Console.WriteLine();
        var cleanFlags = items.Select(i => i.Results["clean"]).Where(r => r.Detected).ToList();
        var falseAlarms = cleanFlags.Count(r => r.Occlusion?.Any == true);
        Console.WriteLine(FormattableString.Invariant($"clean faces flagged (false alarms): {falseAlarms}/{cleanFlags.Count} = {(double)falseAlarms / cleanFlags.Count:P1} (video {items.Where(i => i.Kind == "video").Count(i => i.Results["clean"].Occlusion?.Any == true)}, HELEN {items.Where(i => i.Kind == "helen").Count(i => i.Results["clean"].Occlusion?.Any == true)})"));
        var tp = 0;
        var positives = 0;
        foreach (var condition in Conditions.Skip(1))
        {
            var detected = items.Select(i => i.Results[condition]).Where(r => r.Detected).ToList();
            tp += detected.Count(r => Flagged(r.Occlusion, condition));
            positives += detected.Count;
        }

        // Equal numbers of clean and covered faces: the clean set counted once per covered condition.
        var precision = (double)tp / (tp + (falseAlarms * (Conditions.Length - 1)));
        Console.WriteLine(FormattableString.Invariant($"detector over all covers: recall {(double)tp / positives:P1} ({tp}/{positives}), precision {precision:P1} at one clean face per covered face"));
        if (outFile is not null)
        {
            await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(new { report, faces = items.Select(i => new { i.Identity, i.Kind, cues = i.Results.Where(r => r.Value.Detected).ToDictionary(r => r.Key, r => new { r.Value.Cues.MouthNoseColour, r.Value.Cues.EyesColour, r.Value.Cues.LipRedness, r.Value.Cues.EyeBrightness, known = r.Value.Occlusion is not null }) }), falseAlarms, clean = cleanFlags.Count, tp, positives, precision, estimateMsMedian = Median(estimateMs) }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        }

        return 0;
    }

    private static bool Flagged(FaceOcclusion? o, string condition) => condition switch
    {
        "sunglasses" => o?.EyesCovered == true,
        "crop" or "clean" => o?.Any == true,
        _ => o?.MouthNoseCovered == true,
    };

    private static Mat Occlude(Mat image, Point3[] mesh, string condition)
    {
        if (condition == "crop")
        {
            // The frame ends at the tip of the nose: the lower face is out of view (top-left unchanged, so the mesh
            // coordinates stay comparable).
            var bottom = Math.Clamp((int)mesh[1].Y, 16, image.Height);
            return image[new Rect(0, 0, image.Width, bottom)].Clone();
        }

        var copy = image.Clone();
        var occluder = condition switch
        {
            "mask" => SyntheticOccluder.Mask,
            "white-mask" => SyntheticOccluder.WhiteMask,
            "sunglasses" => SyntheticOccluder.Sunglasses,
            "hand" => SyntheticOccluder.Hand,
            _ => (SyntheticOccluder?)null,
        };
        if (occluder is { } o)
        {
            SyntheticOccluders.Draw(copy, mesh, o);
        }

        return copy;
    }

    /// <summary>Occluded probe i against clean gallery j, every eligible ordered pair of video faces (as the sweep's pairs).</summary>
    private static List<(int A, int B, float Score)> Pairs(List<Item> items, string condition)
    {
        var ids = items.Select(i => i.Identity).Distinct().ToList();
        var pairs = new List<(int, int, float)>();
        for (var i = 0; i < items.Count; i++)
        {
            var probe = items[i].Results[condition].Vector;
            if (probe is null)
            {
                continue;
            }

            for (var j = 0; j < items.Count; j++)
            {
                var gallery = items[j].Results["clean"].Vector;
                if (i == j || gallery is null)
                {
                    continue;
                }

                var same = items[i].Identity == items[j].Identity;
                if (same && items[i].Clip == items[j].Clip && Math.Abs(items[i].Time - items[j].Time) < 5)
                {
                    continue;
                }

                pairs.Add((ids.IndexOf(items[i].Identity), ids.IndexOf(items[j].Identity), System.Numerics.Tensors.TensorPrimitives.Dot<float>(probe, gallery)));
            }
        }

        return pairs;
    }

    private static FaceObservation? Largest(FrameAnalysis frame) => frame.Faces.OrderByDescending(f => f.Box.Width * f.Box.Height).FirstOrDefault();

    private static double Iou(FaceBox a, FaceBox b)
    {
        var x0 = Math.Max(a.X, b.X);
        var y0 = Math.Max(a.Y, b.Y);
        var x1 = Math.Min(a.X + a.Width, b.X + b.Width);
        var y1 = Math.Min(a.Y + a.Height, b.Y + b.Height);
        var inter = Math.Max(0, x1 - x0) * Math.Max(0, y1 - y0);
        var union = (a.Width * a.Height) + (b.Width * b.Height) - inter;
        return union <= 0 ? 0 : inter / union;
    }

    private static float Distance(Point3 a, Point3 b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Round(q * (sorted.Length - 1))];
    }
}
