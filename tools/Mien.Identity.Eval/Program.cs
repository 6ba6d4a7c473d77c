using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mien.Identity;
using Mien.Identity.Evaluation;
using Mien.Media;
using Mien.Models;
using Mien.Packages;
using Mien.Pipeline;
using Mien.Results;
using OpenCvSharp;

// Identity evaluation for docs/identity.md. Usage:
//   dotnet run -c Release --project tools/Mien.Identity.Eval -- sweep <set-dir> <shared-dir> [out.json]
//   dotnet run -c Release --project tools/Mien.Identity.Eval -- reid <set-dir> [threshold] [model]
//   dotnet run -c Release --project tools/Mien.Identity.Eval -- pad <shared-dir> [out.json]   (liveness / presentation attacks)
//   dotnet run -c Release --project tools/Mien.Identity.Eval -- pad-window <shared-dir> [out.json]   (the live check on 2-s windows)
//   dotnet run -c Release --project tools/Mien.Identity.Eval -- occlusion <set-dir> <shared-dir> [out.json]   (synthetic masks, sunglasses, hands, crops)
// <set-dir> comes from tools/identity-eval/make-set.sh; <shared-dir> is ../shared (CK+ dev crops, HELEN test images).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: sweep <set-dir> <shared-dir> [out.json] | reid <set-dir> [threshold] [model]");
    return 2;
}

var storeOptions = NpmStoreOptions.FromEnvironment();
using var packages = new NpmPackageStore(storeOptions);
var store = new ModelStore(packages, storeOptions.CacheDirectory);
return args[0] switch
{
    "sweep" => await Sweep.RunAsync(store, args[1], args[2], args.Length > 3 ? args[3] : null),
    "reid" => await Reid.RunAsync(store, args[1], args.Length > 2 ? float.Parse(args[2], CultureInfo.InvariantCulture) : null, args.Length > 3 ? args[3] : null),
    "pad" => await Pad.RunAsync(store, packages, args[1], args.Length > 2 ? args[2] : null),
    "pad-window" => await PadWindow.RunAsync(store, packages, args[1], args.Length > 2 ? args[2] : null),
    "occlusion" => await OcclusionEval.RunAsync(store, args[1], args[2], args.Length > 3 ? args[3] : null),
    _ => 2,
};

internal sealed record Face(string Identity, string Clip, double Time, string Kind, Mat? Image, Point3[]? Mesh, FaceQuality Quality);

internal static class Sweep
{
    private static readonly float[] Scales = [1.0f, 1.2f, 1.5f, 1.8f];

    public static async Task<int> RunAsync(ModelStore store, string setDir, string sharedDir, string? outFile)
    {
        var faces = await LoadFacesAsync(store, setDir, sharedDir);
        var gate = new FaceQualityGate();
        Console.WriteLine($"faces: {faces.Count(f => f.Kind != "ckplus")} video/HELEN with a mesh ({faces.Count(f => f.Kind != "ckplus" && f.Quality.Accepted)} pass the quality gate), {faces.Count(f => f.Kind == "ckplus")} CK+ crops");
        foreach (var group in faces.Where(f => f.Kind != "ckplus").GroupBy(f => f.Quality.Rejection))
        {
            Console.WriteLine($"  gate {group.Key}: {group.Count()}");
        }

        var results = new List<object>();
        Console.WriteLine();
        Console.WriteLine("| model | range | crop | set | EER | TAR@FAR1% | TAR@FAR0.1% | AUC | genuine / impostor |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        var best = new Dictionary<string, (double Eer, PixelRange Range, float Scale)>();
        var embeddings = new Dictionary<(string, PixelRange, float), float[][]>();
        foreach (var spec in EmbeddingModel.All)
        {
            using var model = OnnxModel.Load(await store.EnsureAsync(spec.ModelId));
            foreach (var range in Enum.GetValues<PixelRange>())
            {
                foreach (var scale in Scales)
                {
                    using var embedder = new FaceEmbedder(model, spec, new FaceEmbedderOptions { Range = range, CropScale = scale });
                    var vectors = Embed(embedder, faces, crops: scale == Scales[0]);
                    embeddings[(spec.ModelId, range, scale)] = vectors;
                    var v = Pairs(faces, vectors, video: true);
                    var r = Verify(v);
                    Console.WriteLine($"| {spec.ModelId} | {range} | {scale:0.0} | video+HELEN | {r.Eer:P1} | {r.TarAtFar1:P1} | {r.TarAtFar01:P1} | {r.Auc:0.000} | {r.Genuine} / {r.Impostor} |");
                    results.Add(new { model = spec.ModelId, range = range.ToString(), scale, set = "video+helen", r });
                    if (scale == Scales[0])
                    {
                        var c = Verify(Pairs(faces, vectors, video: false));
                        Console.WriteLine($"| {spec.ModelId} | {range} | tight crop | CK+ dev | {c.Eer:P1} | {c.TarAtFar1:P1} | {c.TarAtFar01:P1} | {c.Auc:0.000} | {c.Genuine} / {c.Impostor} |");
                        results.Add(new { model = spec.ModelId, range = range.ToString(), set = "ckplus", r = c });
                    }

                    if (!best.TryGetValue(spec.ModelId, out var b) || r.Eer < b.Eer)
                    {
                        best[spec.ModelId] = (r.Eer, range, scale);
                    }
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("Each model at its best setting (chosen on video+HELEN EER), with 95 % bootstrap intervals over identities (1000 replicates):");
        Console.WriteLine();
        Console.WriteLine("| model | range | crop | set | EER | TAR@FAR1% | TAR@FAR0.1% | rank-1 | threshold @FAR1% | @FAR0.1% | ms/face | genuine min / median | impostor median / max |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var spec in EmbeddingModel.All)
        {
            var (_, range, scale) = best[spec.ModelId];
            var ms = await CostAsync(store, spec, range, scale, faces);
            foreach (var video in new[] { true, false })
            {
                var vectors = embeddings[(spec.ModelId, range, video ? scale : Scales[0])];
                var pairs = Pairs(faces, vectors, video);
                var r = Verify(pairs);
                var eer = VerificationMetrics.Bootstrap(pairs, (g, i) => VerificationMetrics.Compute(g, i).Eer);
                var tar1 = VerificationMetrics.Bootstrap(pairs, (g, i) => VerificationMetrics.Compute(g, i).TarAtFar1);
                var tar01 = VerificationMetrics.Bootstrap(pairs, (g, i) => VerificationMetrics.Compute(g, i).TarAtFar01);
                var rank1 = RankOne(faces, vectors, video);
                var g = pairs.Where(p => p.A == p.B).Select(p => p.Score).Order().ToArray();
                var im = pairs.Where(p => p.A != p.B).Select(p => p.Score).Order().ToArray();
                Console.WriteLine($"| {spec.ModelId} | {range} | {(video ? scale.ToString("0.0") : "tight crop")} | {(video ? "video+HELEN" : "CK+ dev")} | {Pct(eer)} | {Pct(tar1)} | {Pct(tar01)} | {Pct(rank1)} | {r.ThresholdAtFar1:0.0000} | {r.ThresholdAtFar01:0.0000} | {ms:0.0} | {g[0]:0.0000} / {g[g.Length / 2]:0.0000} | {im[im.Length / 2]:0.0000} / {im[^1]:0.0000} |");
                results.Add(new { model = spec.ModelId, range = range.ToString(), scale, set = video ? "video+helen" : "ckplus", best = true, r, eer, tar1, tar01, rank1, ms });
            }

            var all = Pairs(faces, embeddings[(spec.ModelId, range, scale)], true).Concat(Pairs(faces, embeddings[(spec.ModelId, range, Scales[0])], false)).ToList();
            var impostors = all.Where(p => p.A != p.B).Select(p => p.Score).ToArray();
            Array.Sort(impostors);
            Console.WriteLine($"  {spec.ModelId}: both sets pooled, {impostors.Length} impostor pairs: threshold at FMR 1 % = {VerificationMetrics.ThresholdAtFar(impostors, 0.01):0.0000}, at FMR 0.1 % = {VerificationMetrics.ThresholdAtFar(impostors, 0.001):0.0000}, highest impostor = {impostors[^1]:0.0000}");
        }

        if (outFile is not null)
        {
            await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        }

        foreach (var f in faces)
        {
            f.Image?.Dispose();
        }

        return 0;
    }

    private static string Pct(Estimate e) => FormattableString.Invariant($"{e.Value * 100:0.0} % [{e.Low * 100:0.0}, {e.High * 100:0.0}]");

    private static VerificationResult Verify(List<(int A, int B, float Score)> pairs) =>
        VerificationMetrics.Compute([.. pairs.Where(p => p.A == p.B).Select(p => p.Score)], [.. pairs.Where(p => p.A != p.B).Select(p => p.Score)]);

    /// <summary>Embeds every usable face (video/HELEN: gate-accepted faces with a mesh; CK+: every crop when <paramref name="crops"/>).</summary>
    private static float[][] Embed(FaceEmbedder embedder, List<Face> faces, bool crops)
    {
        var vectors = new float[faces.Count][];
        for (var i = 0; i < faces.Count; i++)
        {
            var f = faces[i];
            if (f.Kind == "ckplus")
            {
                if (!crops)
                {
                    continue;
                }

                embedder.PrepareCrop(f.Image!);
            }
            else if (f.Quality.Accepted)
            {
                embedder.Prepare(f.Image!, f.Mesh);
            }
            else
            {
                continue;
            }

            vectors[i] = new float[embedder.Dimensions];
            embedder.Embed(vectors[i]);
        }

        return vectors;
    }

    private static async Task<double> CostAsync(ModelStore store, EmbeddingModel spec, PixelRange range, float scale, List<Face> faces)
    {
        // One thread, the product's inference options; median of Prepare+Embed over the video faces after a warm-up.
        using var model = OnnxModel.Load(await store.EnsureAsync(spec.ModelId), new InferenceOptions { IntraOpThreads = 1 });
        using var embedder = new FaceEmbedder(model, spec, new FaceEmbedderOptions { Range = range, CropScale = scale });
        var v = new float[embedder.Dimensions];
        var times = new List<double>();
        var usable = faces.Where(f => f.Kind != "ckplus" && f.Quality.Accepted).Take(120).ToList();
        for (var k = 0; k < usable.Count + 10; k++)
        {
            var f = usable[k % usable.Count];
            var sw = Stopwatch.StartNew();
            embedder.Prepare(f.Image!, f.Mesh);
            embedder.Embed(v);
            if (k >= 10)
            {
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>
    /// Scored pairs; identities are numbered so that A == B means genuine. Video+HELEN: genuine pairs are frames of one
    /// person from different clips or at least 5 s apart (near-duplicate neighbouring frames would flatter the model);
    /// every pair of different people is an impostor pair. CK+: genuine pairs come from different sequences of a subject.
    /// </summary>
    public static List<(int A, int B, float Score)> Pairs(List<Face> faces, float[][] vectors, bool video)
    {
        var ids = faces.Select(f => f.Identity).Distinct().ToList();
        var index = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        var pairs = new List<(int, int, float)>();
        for (var i = 0; i < faces.Count; i++)
        {
            if (vectors[i] is null || (faces[i].Kind == "ckplus") == video)
            {
                continue;
            }

            for (var j = i + 1; j < faces.Count; j++)
            {
                if (vectors[j] is null || (faces[j].Kind == "ckplus") == video)
                {
                    continue;
                }

                var same = faces[i].Identity == faces[j].Identity;
                if (same && faces[i].Clip == faces[j].Clip && Math.Abs(faces[i].Time - faces[j].Time) < (video ? 5 : double.PositiveInfinity))
                {
                    continue;
                }

                pairs.Add((index[faces[i].Identity], index[faces[j].Identity], System.Numerics.Tensors.TensorPrimitives.Dot<float>(vectors[i], vectors[j])));
            }
        }

        return pairs;
    }

    /// <summary>
    /// Identification rank-1: the gallery holds one face per identity (its first usable face; every HELEN face is a
    /// one-image distractor identity), probes are the person's other faces eligible as genuine pairs with it.
    /// 95 % interval: percentile bootstrap over probes (1000 replicates).
    /// </summary>
    private static Estimate RankOne(List<Face> faces, float[][] vectors, bool video)
    {
        var usable = Enumerable.Range(0, faces.Count).Where(i => vectors[i] is not null && (faces[i].Kind == "ckplus") != video).ToList();
        var gallery = usable.GroupBy(i => faces[i].Identity).Select(g => g.First()).ToList();
        var galleryOf = gallery.ToDictionary(i => faces[i].Identity);
        var hits = new List<int>();
        foreach (var p in usable)
        {
            var g = galleryOf[faces[p].Identity];
            if (g == p || (faces[p].Clip == faces[g].Clip && Math.Abs(faces[p].Time - faces[g].Time) < (video ? 5 : double.PositiveInfinity)))
            {
                continue;
            }

            var bestId = "";
            var bestScore = float.NegativeInfinity;
            foreach (var c in gallery)
            {
                var s = System.Numerics.Tensors.TensorPrimitives.Dot<float>(vectors[p], vectors[c]);
                if (s > bestScore)
                {
                    (bestScore, bestId) = (s, faces[c].Identity);
                }
            }

            hits.Add(bestId == faces[p].Identity ? 1 : 0);
        }

        var value = hits.Average();
        var random = new Random(16);
        var reps = new List<double>();
        for (var r = 0; r < 1000; r++)
        {
            var sum = 0;
            for (var k = 0; k < hits.Count; k++)
            {
                sum += hits[random.Next(hits.Count)];
            }

            reps.Add((double)sum / hits.Count);
        }

        reps.Sort();
        return new Estimate(value, reps[24], reps[974]);
    }

    private static async Task<List<Face>> LoadFacesAsync(ModelStore store, string setDir, string sharedDir)
    {
        var faces = new List<Face>();
        var gate = new FaceQualityGate();
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(store, new PipelineOptions
        {
            Stills = true, KeepLandmarks = true, Expressions = false, Affect = null, Physiology = null,
        });
        var items = new List<(string File, string Identity, string Clip, double Time, string Kind)>();
        foreach (var line in File.ReadLines(Path.Combine(setDir, "manifest.csv")).Skip(1))
        {
            var c = line.Split(',');
            items.Add((Path.Combine(setDir, c[0]), c[1], c[2], double.Parse(c[3], CultureInfo.InvariantCulture), c[4]));
        }

        // HELEN test: 110 in-the-wild photos of different people: one-image distractor identities (impostor pairs only).
        foreach (var file in Directory.EnumerateFiles(Path.Combine(sharedDir, "data", "landmarks", "helen_test"), "*.jpg").Order(StringComparer.Ordinal))
        {
            items.Add((file, "helen:" + Path.GetFileNameWithoutExtension(file), Path.GetFileNameWithoutExtension(file), 0, "helen"));
        }

        long index = 0;
        foreach (var (file, identity, clip, time, kind) in items)
        {
            var image = Cv2.ImRead(file, ImreadModes.Color);
            if (image.Empty())
            {
                throw new InvalidDataException($"unreadable image {file}");
            }

            var frame = pipeline.Analyze(image, index, TimeSpan.FromSeconds(index));
            index++;
            // The largest face is the labelled person (HELEN crops centre one face; video frames show one person).
            var face = frame.Faces.OrderByDescending(f => f.Box.Width * f.Box.Height).FirstOrDefault();
            if (face?.Landmarks is null)
            {
                image.Dispose();
                continue;
            }

            var mesh = face.Landmarks.ToArray();
            var quality = gate.Assess(face.Pose, mesh, face.MeshConfidence ?? 0, image.Width, image.Height);
            faces.Add(new Face(identity, clip, time, kind, image, mesh, quality));
        }

        // CK+ dev: tight 48×48 grey crops with subject and sequence labels (odd subjects only; even subjects are held out).
        var ck = Path.Combine(sharedDir, "data", "ckplus48_dev");
        foreach (var line in File.ReadLines(Path.Combine(ck, "labels.csv")).Skip(1))
        {
            var c = line.Split(',');
            var image = Cv2.ImRead(Path.Combine(ck, c[0]), ImreadModes.Grayscale);
            faces.Add(new Face("ck:" + c[2], c[3], 0, "ckplus", image, null, new FaceQuality(1, QualityRejection.None)));
        }

        return faces;
    }
}

internal static class Reid
{
    public static async Task<int> RunAsync(ModelStore store, string setDir, float? threshold, string? model)
    {
        Console.WriteLine("| clip | mode | faces | identities | ids | id switches | fragmentation | wrong merges | IDF1 | faces in no-person ranges | unresolved faces | links (similarity) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var clip in Directory.EnumerateFiles(Path.Combine(setDir, "reid"), "*.mp4").Order(StringComparer.Ordinal))
        {
            var labels = File.ReadLines(Path.ChangeExtension(clip, ".labels.csv")).Skip(1)
                .Select(l => l.Split(','))
                .Select(c => (Start: double.Parse(c[0], CultureInfo.InvariantCulture), End: double.Parse(c[1], CultureInfo.InvariantCulture), Id: c[2]))
                .ToArray();
            foreach (var identity in new[] { false, true })
            {
                var options = new PipelineOptions
                {
                    Expressions = false, Affect = null, Physiology = null,
                    Identity = identity ? new IdentityOptions
                    {
                        Model = model ?? new IdentityOptions().Model,
                        Registry = new PersonRegistryOptions { Threshold = threshold ?? new PersonRegistryOptions().Threshold },
                    } : null,
                };
                using var pipeline = await FaceAnalysisPipeline.CreateAsync(store, options);
                var samples = new List<ReidSample>();
                var falseFaces = 0;
                var unresolved = 0;
                var links = new List<string>();
                var wall = Stopwatch.StartNew();
                await using var source = MediaSource.Open(clip);
                await foreach (var frame in source.ReadAsync())
                {
                    using (frame)
                    {
                        var result = pipeline.Analyze(frame);
                        var t = frame.Timestamp.TotalSeconds;
                        var truth = labels.FirstOrDefault(l => t >= l.Start && t < l.End).Id ?? "none";
                        foreach (var face in result.Faces)
                        {
                            if (truth == "none")
                            {
                                falseFaces++;
                                continue;
                            }

                            // Without identity the person is the track. With it, a track's first faces (before it has enough good
                            // faces to be resolved) carry no person yet: counted apart, not scored.
                            if (identity && face.Person is null)
                            {
                                unresolved++;
                                continue;
                            }

                            samples.Add(new ReidSample(frame.Index, truth, identity ? face.Person!.Value : face.TrackId));
                        }

                        foreach (var e in pipeline.DrainEvents())
                        {
                            if (e.Link is { } link)
                            {
                                links.Add(FormattableString.Invariant($"t{e.TrackId}→p{link.Person}{(link.Linked ? " linked" : " new")} {link.Similarity:0.00}"));
                            }
                        }
                    }
                }

                var r = ReidMetrics.Compute(samples);
                var frameStage = pipeline.Timings.FirstOrDefault(x => x.Stage == "frame");
                var identityStage = pipeline.Timings.FirstOrDefault(x => x.Stage == "identity");
                Console.Error.WriteLine(FormattableString.Invariant($"{Path.GetFileNameWithoutExtension(clip)} identity={identity}: frame median {frameStage?.MedianMs:0.00} ms p90 {frameStage?.P90Ms:0.00} ms over {frameStage?.Count} frames; identity stage median {identityStage?.MedianMs:0.00} ms p90 {identityStage?.P90Ms:0.00} ms over {identityStage?.Count} faces; wall {wall.Elapsed.TotalSeconds:0.0} s"));
                Console.WriteLine($"| {Path.GetFileNameWithoutExtension(clip)} | {(identity ? "identity on" : "tracks only")} | {r.Samples} | {r.Identities} | {r.PredictedIds} | {r.IdSwitches} | {r.Fragmentation} | {r.Merges} | {r.Idf1:0.000} | {falseFaces} | {unresolved} | {string.Join("; ", links)} |");
            }
        }

        return 0;
    }
}
