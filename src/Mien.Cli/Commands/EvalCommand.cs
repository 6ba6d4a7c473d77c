using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mien.Evaluation;
using Mien.Expressions;
using Mien.Faces.Detection;
using Mien.Media;
using Mien.Models;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien eval &lt;folder&gt;`: expression accuracy on a labelled image folder (<c>&lt;folder&gt;/&lt;label&gt;/&lt;image&gt;</c>),
/// either through the whole pipeline (BlazeFace, then the expression CNN on the face crop) or, with --crops,
/// on images that already are tight face crops. Prints the figures and writes them as JSON.
/// </summary>
internal static class EvalCommand
{
    private const string NoFace = "no face";

    private const string VoteRule =
        "majority vote of the sequence's frames; ties go to the larger summed probability; frames without a face do not vote; a sequence with no face in any frame counts as wrong";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static Command Create()
    {
        var folder = new Argument<string>("folder") { Description = "Labelled images laid out as <folder>/<label>/<image> (labels: anger, disgust, fear, happiness, sadness, surprise, neutral; others are skipped)." };
        var crops = new Option<bool>("--crops") { Description = "The images are tight face crops (FER2013, CK+48): classify the whole image, no detection." };
        var flip = new Option<bool>("--flip") { Description = "Average the estimates of each face and its mirror image." };
        var limit = new Option<int?>("--limit") { Description = "At most N images per class (the first N by file name), for quick runs." };
        var pad = new Option<float>("--pad") { Description = "Detect mode: pad each image with a grey (128) border to F times its larger side before detection (e.g. 2 for 48x48 crops); 1 = no padding.", DefaultValueFactory = _ => 1f };
        var cropScale = new Option<float?>("--crop-scale") { Description = $"Detect mode: side of the face crop as a multiple of the detector box (default {new EmotionClassifierOptions().CropScale.ToString(CultureInfo.InvariantCulture)})." };
        var cropShift = new Option<float>("--crop-shift") { Description = "Detect mode: move the face crop up by this fraction of the detector box height (0 = centred on the box; an evaluation experiment, not a product option).", DefaultValueFactory = _ => 0f };
        var detector = new EnumOption<BlazeFaceVariant>("--detector", "Detect mode: back = full-range model, front = short-range model.", BlazeFaceVariant.Back);
        var minScore = new Option<float>("--min-score") { Description = "Detect mode: minimum face detection score.", DefaultValueFactory = _ => new BlazeFaceOptions().MinScore };
        var output = CliOptions.Output("JSON report file, or a folder to write <folder-name>.json into (default out/eval/<folder-name>.json; with --json only when given).");
        var json = CliOptions.Json("the report (the same document as the file, with per-image predictions)");
        var offline = new Option<bool>("--offline") { Description = "Use cached models only." };
        var expressionModel = new Option<string?>("--expression-model") { Description = "Expression model: a manifest id (default emotion), ckplus-geometry (posed lab expressions; no neutral class), or a model or ensemble declaration JSON (e.g. model.json written by `mien train expression`, or your own ONNX model's)." };
        var command = new Command("eval", "Expression accuracy on a labelled image folder: accuracy, macro-F1, balanced accuracy, per-class scores, confusion matrix and per-image predictions (stdout and JSON).")
        {
            folder, crops, flip, limit, pad, cropScale, cropShift, detector.Option, minScore, output, json, offline, expressionModel,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new Settings(
                parse.GetValue(crops) ? "crops" : "detect",
                parse.GetValue(flip),
                parse.GetValue(limit),
                parse.GetValue(pad),
                parse.GetValue(cropScale),
                parse.GetValue(cropShift),
                detector.Get(parse),
                parse.GetValue(minScore));
            settings.Validate(parse.GetResult(pad) is { Implicit: false }, parse.GetResult(detector.Option) is { Implicit: false } || parse.GetResult(minScore) is { Implicit: false });

            var root = parse.GetValue(folder)!;
            LabelledImageSet set;
            try
            {
                set = LabelledImageSet.Scan(root, LabelMap.Expressions, StillImage.Extensions, settings.LimitPerClass);
            }
            catch (Exception e) when (FileProblems.IsFileSystem(e))
            {
                // A folder of the set that cannot be listed (mode 000, or vanished while scanning).
                throw new InputException($"{FileProblems.PathIn(e.Message) ?? root}: {FileProblems.Describe(FileProblems.PathIn(e.Message) ?? root, e)}", e);
            }

            foreach (var note in set.Notes)
            {
                Console.Error.WriteLine($"note: {note}");
            }

            // Checked before the models load and the images run, so a bad -o costs a second rather than the whole run.
            var setName = Path.GetFileName(Path.TrimEndingDirectorySeparator(set.Root));
            var machine = parse.GetValue(json);
            var given = parse.GetValue(output);
            var reportFile = given is null && machine ? null : OutputFile.Prepare(given ?? Path.Combine("out", "eval", setName + ".json"), setName + ".json");

            using var store = CliStore.Open(parse.GetValue(offline));
            var detectorOptions = new BlazeFaceOptions { Variant = settings.Detector, MinScore = settings.MinScore, MaxFaces = 1 };
            var classifierOptions = new EmotionClassifierOptions { FlipAugmentation = settings.Flip };
            if (settings.CropScale is { } s)
            {
                classifierOptions = classifierOptions with { CropScale = s };
            }

            var plugged = ExpressionModelChoice.Resolve(parse.GetValue(expressionModel), store.Models.Manifest);
            if (plugged.Ensemble is not null && settings.Flip)
            {
                throw new InvalidOptionException("--flip with an ensemble: declare the mirror view in the ensemble's \"tta\": { \"flip\": true } instead.");
            }

            if (plugged.Posed && settings.Flip)
            {
                throw new InvalidOptionException($"--flip with --expression-model {Accuracy.CkPlus.CkPlusGeometry.Name}: the posed classifier has no mirror view.");
            }

            // The posed classifier brings its own models (mesh, emotion CNN); the manifest path below loads Human's as usual.
            var posed = plugged.Posed ? Accuracy.CkPlus.PosedExpressionClassifier.Choice(await store.EnsureModelsAsync(Accuracy.CkPlus.PosedExpressionClassifier.ModelIds, ct)) : null;
            var manifestId = (plugged.Posed ? null : plugged.Id) ?? EmotionClassifier.ModelId;
            string[] ids = settings.Crops ? [manifestId] : [manifestId, BlazeFaceDetector.ModelId(settings.Detector)];
            if (plugged.Spec is { } spec)
            {
                ids = ids[1..];
                classifierOptions = classifierOptions with { Labels = spec.Labels, OutputIsLogits = spec.OutputIsLogits };
            }

            // An ensemble's manifest members come first (in place of the single model), its declared members after.
            var ensembleIds = plugged.Ensemble?.Members.Where(m => m.ModelId is not null).Select(m => m.ModelId!).Distinct().ToArray();
            if (ensembleIds is not null)
            {
                ids = [.. ensembleIds, .. ids[1..]];
            }

            var artifacts = await store.EnsureModelsAsync(ids, ct);
            if (plugged.Spec is { } declared)
            {
                artifacts = [declared.ToArtifact(), .. artifacts];
            }

            var ensembleModels = new List<OnnxModel>();
            using var disposeEnsembleModels = new DisposeAll(ensembleModels); // declared before the ensemble, so disposed after it
            using var emotionModel = plugged.Ensemble is null ? OnnxModel.Load(artifacts[0]) : null;
            var manifestModels = ensembleIds?.ToDictionary(id => id, id => OnnxModel.Load(artifacts[Array.IndexOf(ids, id)]));
            ensembleModels.AddRange(manifestModels?.Values ?? Enumerable.Empty<OnnxModel>());
            using var classifier = posed is not null ? posed.Create()
                : plugged.Ensemble is { } ensemble
                ? ExpressionEnsemble.Create(ensemble, id => manifestModels![id], null, ensembleModels, classifierOptions.CropScale)
                : (IExpressionClassifier)new EmotionClassifier(emotionModel!, classifierOptions);
            if (plugged.Ensemble is { } declaredEnsemble)
            {
                artifacts = [.. artifacts.Take(ensembleIds!.Length), .. declaredEnsemble.Members.Where(m => m.Spec is not null).Select(m => m.Spec!.ToArtifact()), .. artifacts.Skip(ensembleIds!.Length)];
            }

            var detectorIndex = artifacts.Count - 1;
            using var detectorModel = settings.Crops ? null : OnnxModel.Load(artifacts[detectorIndex]);
            using var faceDetector = detectorModel is null ? null : new BlazeFaceDetector(detectorModel, detectorOptions);
            var log = new PredictionLog(set);
            using var detectPredictor = faceDetector is null ? null : new DetectPredictor(faceDetector, classifier, settings.Pad, settings.CropShift, log);
            IImagePredictor predictor = detectPredictor is null ? new CropPredictor(classifier, log) : detectPredictor;

            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"eval: {set.Images.Count} image(s) in {set.Root}, {settings.Describe(classifierOptions.CropScale)}"));
            var result = Evaluator.Run(set, log.Around(predictor), new StderrProgress(), ct);

            var models = artifacts.Select(a =>
            {
                if (!store.Models.Manifest.Packages.ContainsKey(a.Model.Package))
                {
                    return new ModelRecord(a.Model.Id, a.OnnxPath, a.OnnxSha256);
                }

                var package = store.Models.Manifest.Packages[a.Model.Package];
                return new ModelRecord(a.Model.Id, $"{package.Name}@{package.Version}", a.OnnxSha256);
            }).ToArray();
            if (posed is not null)
            {
                models = [new ModelRecord(posed.Id, posed.Source!, posed.Sha256!), .. models];
            }

            return Report(result, settings with { CropScale = settings.Crops ? null : classifierOptions.CropScale }, models, log, reportFile, machine);
        });
        return command;
    }

    private static int Report(EvaluationResult result, Settings settings, IReadOnlyList<ModelRecord> models, PredictionLog log, OutputFile? reportFile, bool machine)
    {
        var set = result.Set;
        var noFaceColumn = settings.Crops ? null : NoFace;
        var images = MetricsReport.From(result.Images, noFaceColumn);
        var sequences = result.Sequences is null ? null : MetricsReport.From(result.Sequences, noFaceColumn);

        // With --json, stdout carries the document alone; the lines for people go to stderr.
        var human = machine ? Console.Error : Console.Out;
        var c = CultureInfo.InvariantCulture;
        human.WriteLine(string.Create(c, $"{set.Root}  ({settings.Describe(settings.CropScale)})"));
        human.WriteLine();
        MetricsText.Write(human, images, string.Create(c, $"per image: {images.Total} scored{(settings.Crops ? "" : $", {images.Unpredicted} without a detected face (counted wrong)")}"));
        if (sequences is not null)
        {
            MetricsText.Write(human, sequences, string.Create(c, $"per sequence ({sequences.Total} sequences; {VoteRule})"));
        }

        if (result.Unreadable.Count > 0)
        {
            Console.Error.WriteLine($"mien: {result.Unreadable.Count} image(s) could not be read and were not scored:");
            foreach (var u in result.Unreadable)
            {
                Console.Error.WriteLine($"  {u.Path}: {u.Reason}");
            }
        }

        var seconds = result.Elapsed.TotalSeconds;
        var processed = result.Images.Total + result.Unreadable.Count;
        var report = new
        {
            note = "Accuracy of expression estimates (what faces show, from a classifier trained on FER2013) against the folder labels; not a measure of what anyone feels.",
            folder = set.Root,
            settings = new
            {
                mode = settings.Mode,
                flip = settings.Flip,
                pad = settings.Crops ? (float?)null : settings.Pad,
                cropScale = settings.CropScale,
                cropShift = settings.Crops ? (float?)null : settings.CropShift,
                detector = settings.Crops ? null : BlazeFaceDetector.ModelId(settings.Detector),
                minScore = settings.Crops ? (float?)null : settings.MinScore,
                limitPerClass = settings.LimitPerClass,
                labels = set.Classes,
                models,
            },
            counts = new
            {
                images = set.Images.Count,
                scored = result.Images.Total,
                noFace = settings.Crops ? (int?)null : result.Images.Unpredicted,
                unreadable = result.Unreadable.Count,
                skippedLabels = set.SkippedLabels,
                ignoredFiles = set.IgnoredFiles,
            },
            notes = set.Notes,
            elapsedSeconds = Math.Round(seconds, 2),
            msPerImage = processed == 0 ? 0 : Math.Round(seconds * 1000 / processed, 2),
            images,
            sequences = sequences is null ? null : new { rule = VoteRule, metrics = sequences, verdicts = result.Verdicts },
            unreadable = result.Unreadable,
            predictions = log.Records,
        };
        var text = JsonSerializer.Serialize(report, Json);
        if (reportFile is not null)
        {
            reportFile.Write(text);
            human.WriteLine(string.Create(c, $"wrote {reportFile.Path} ({seconds:F1} s, {(processed == 0 ? 0 : seconds * 1000 / processed):F2} ms per image)"));
        }

        if (machine)
        {
            Console.Out.WriteLine(text);
        }

        if (result.Unreadable.Count == 0)
        {
            return ExitCodes.Ok;
        }

        return result.Images.Total == 0 ? ExitCodes.BadInput : ExitCodes.ProblemsFound;
    }

    private static ImagePrediction Predicted(ExpressionEstimate estimate, PredictionLog log)
    {
        log.Probabilities = estimate.Probabilities;
        var best = 0;
        for (var i = 1; i < estimate.Probabilities.Count; i++)
        {
            if (estimate.Probabilities[i] > estimate.Probabilities[best])
            {
                best = i;
            }
        }

        return ImagePrediction.Of(best, estimate.Probabilities[best]);
    }

    private sealed record ModelRecord(string Id, string Package, string OnnxSha256);

    /// <summary>Disposes the models an ensemble was built over, after the ensemble itself.</summary>
    private sealed class DisposeAll(List<OnnxModel> models) : IDisposable
    {
        public void Dispose() => models.ForEach(m => m.Dispose());
    }

    private sealed record Settings(string Mode, bool Flip, int? LimitPerClass, float Pad, float? CropScale, float CropShift, BlazeFaceVariant Detector, float MinScore)
    {
        public bool Crops => Mode == "crops";

        public void Validate(bool padGiven, bool detectorGiven)
        {
            if (LimitPerClass is < 1)
            {
                throw new InvalidOptionException($"--limit = {LimitPerClass}: must be at least 1.");
            }

            if (Pad is < 1 or > 8 || float.IsNaN(Pad))
            {
                throw new InvalidOptionException(string.Create(CultureInfo.InvariantCulture, $"--pad = {Pad}: must be within [1, 8] (1 = no padding)."));
            }

            if (CropShift is < -0.5f or > 0.5f || float.IsNaN(CropShift))
            {
                throw new InvalidOptionException(string.Create(CultureInfo.InvariantCulture, $"--crop-shift = {CropShift}: must be within [-0.5, 0.5]."));
            }

            if (Crops && (padGiven || CropScale is not null || CropShift != 0 || detectorGiven))
            {
                throw new InvalidOptionException("--pad, --crop-scale, --crop-shift, --detector and --min-score apply to detect mode; --crops classifies whole images without detection.");
            }

            if (!Crops)
            {
                OptionValidation.Run(new BlazeFaceOptions { Variant = Detector, MinScore = MinScore }.Validate, ("MinScore", "--min-score"));
            }
        }

        public string Describe(float? cropScale) => Crops
            ? $"crops mode, flip {(Flip ? "on" : "off")}{Limit}"
            : string.Create(CultureInfo.InvariantCulture,
                $"detect mode ({BlazeFaceDetector.ModelId(Detector)}, min score {MinScore}, pad {Pad}, crop scale {cropScale}{(CropShift != 0 ? $", crop shift {CropShift}" : "")}), flip {(Flip ? "on" : "off")}{Limit}");

        private string Limit => LimitPerClass is { } n ? $", at most {n} per class" : "";
    }

    /// <summary>Classifies whole images: they already are tight face crops.</summary>
    private sealed class CropPredictor(IExpressionClassifier classifier, PredictionLog log) : IImagePredictor
    {
        public ImagePrediction Predict(string path)
        {
            Mat image;
            try
            {
                image = StillImage.Load(path);
            }
            catch (MediaException e)
            {
                return ImagePrediction.Unreadable(e.Problem);
            }

            using (image)
            {
                return Predicted(classifier.ClassifyCrop(image), log);
            }
        }
    }

    /// <summary>The pipeline: (optionally padded) image → best BlazeFace detection → expression of its crop.</summary>
    private sealed class DetectPredictor(BlazeFaceDetector detector, IExpressionClassifier classifier, float pad, float shift, PredictionLog log) : IImagePredictor, IDisposable
    {
        private readonly Mat _padded = new();

        public ImagePrediction Predict(string path)
        {
            Mat image;
            try
            {
                image = StillImage.Load(path);
            }
            catch (MediaException e)
            {
                return ImagePrediction.Unreadable(e.Problem);
            }

            using (image)
            {
                var frame = image;
                if (pad > 1)
                {
                    // Centred on a grey square of pad × the larger side, as the Human peer's --pad does.
                    var side = (int)MathF.Round(pad * Math.Max(image.Width, image.Height));
                    var top = Math.Max(0, (side - image.Height) / 2);
                    var left = Math.Max(0, (side - image.Width) / 2);
                    Cv2.CopyMakeBorder(image, _padded, top, Math.Max(0, side - image.Height - top), left, Math.Max(0, side - image.Width - left),
                        BorderTypes.Constant, Scalar.All(128));
                    frame = _padded;
                }

                var faces = detector.Detect(frame);
                if (faces.Count == 0)
                {
                    return ImagePrediction.NoFace;
                }

                var box = faces[0].Box;
                return Predicted(classifier.Classify(frame, box with { Y = box.Y - (shift * box.Height) }), log);
            }
        }

        public void Dispose() => _padded.Dispose();
    }

    /// <summary>One image's outcome in the JSON report: its label, what was predicted and with which probabilities.</summary>
    private sealed record ImageRecord(string Image, string Label, string Outcome, string? Predicted, float? Confidence, IReadOnlyDictionary<string, float>? Probabilities, string? Problem);

    /// <summary>
    /// Keeps every image's prediction for the report (the evaluator keeps only the confusion matrix). The predictors
    /// leave the estimate's probabilities here; <see cref="Around"/> pairs them with the outcome, in the set's order.
    /// </summary>
    private sealed class PredictionLog(LabelledImageSet set)
    {
        private readonly Dictionary<string, LabelledImage> _byPath = set.Images.ToDictionary(i => i.Path, StringComparer.Ordinal);
        private readonly List<ImageRecord> _records = new(set.Images.Count);

        /// <summary>The last estimate's probabilities (in <see cref="ExpressionEstimate.Labels"/> order), set by the predictors.</summary>
        public IReadOnlyList<float>? Probabilities { get; set; }

        public IReadOnlyList<ImageRecord> Records => _records;

        public IImagePredictor Around(IImagePredictor inner) => new Recording(inner, this);

        private void Add(string path, ImagePrediction p)
        {
            var image = _byPath[path];
            var probabilities = p.Outcome == PredictionOutcome.Predicted && Probabilities is { } probs
                ? ExpressionEstimate.Labels.Select((label, i) => (label, p: MathF.Round(probs[i], 4))).ToDictionary(x => x.label, x => x.p, StringComparer.Ordinal)
                : null;
            _records.Add(new ImageRecord(
                Path.GetRelativePath(set.Root, path),
                set.Classes[image.Class],
                p.Outcome switch { PredictionOutcome.Predicted => "predicted", PredictionOutcome.NoFace => "no-face", _ => "unreadable" },
                p.Outcome == PredictionOutcome.Predicted ? set.Classes[p.Class] : null,
                p.Outcome == PredictionOutcome.Predicted ? MathF.Round(p.Confidence, 4) : null,
                probabilities,
                p.Error));
            Probabilities = null;
        }

        private sealed class Recording(IImagePredictor inner, PredictionLog log) : IImagePredictor
        {
            public ImagePrediction Predict(string path)
            {
                var p = inner.Predict(path);
                log.Add(path, p);
                return p;
            }
        }
    }

    /// <summary>Progress on stderr: a self-overwriting line on a terminal, a line per 10 % otherwise. Synchronous (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class StderrProgress : IProgress<EvaluationProgress>
    {
        private readonly bool _terminal = !Console.IsErrorRedirected;
        private TimeSpan _last = TimeSpan.MinValue;
        private int _lastDecile = -1;

        public void Report(EvaluationProgress value)
        {
            var done = value.Done == value.Total;
            var line = string.Create(CultureInfo.InvariantCulture,
                $"eval: {value.Done}/{value.Total} ({100.0 * value.Done / value.Total:F0}%)  {value.Elapsed.TotalMilliseconds / value.Done:F2} ms/image");
            if (_terminal)
            {
                if (done || value.Elapsed - _last >= TimeSpan.FromMilliseconds(250))
                {
                    _last = value.Elapsed;
                    Console.Error.Write("\r" + line + (done ? Environment.NewLine : ""));
                }
            }
            else if (10 * value.Done / value.Total is var decile && decile > _lastDecile)
            {
                _lastDecile = decile;
                Console.Error.WriteLine(line);
            }
        }
    }
}
