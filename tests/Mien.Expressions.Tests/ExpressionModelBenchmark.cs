using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mien.Faces.Mesh;
using Mien.Models;
using Mien.Packages;
using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Expressions.Tests;

/// <summary>
/// Cost per face, on one thread, of each expression model and ensemble variant measured in docs/accuracy.md: Human's
/// model, its test-time views, the DenseNet-121 teacher plugged in by declaration (npm faceplugin-face-recognition-js
/// 0.0.1, fetched through the verified package store), and Human + teacher ensembles with the teacher on every frame
/// or every N-th frame of a track. Real FER2013 PublicTest crops; with <c>MIEN_BENCH=1</c>; writes
/// artifacts/bench/expression-models.md. This is also the speed benchmark for plugged-in models: declarations listed in
/// <c>MIEN_BENCH_EXPRESSION_MODELS</c> (separated by ';') are measured alone and with Human's.
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class ExpressionModelBenchmark(RealModels models, ITestOutputHelper output)
{
    private const int PerClass = 30, Runs = 3;

    private static readonly NpmPackageSpec Teacher = new("faceplugin-face-recognition-js", "0.0.1", "sha512-shriXjd4zJHEwhK1jHK+bWo8Vv6Vu9B/w6RRsd4AFtNM/jaI2vhuOamOSMl9qQmLd8WlQ7dgqN+3C2iOi5pXWw==");

    [BenchmarkFact("artifacts/bench/expression-models.md")]
    public async Task Cost_per_face_of_expression_models_and_ensembles_on_one_thread()
    {
        var root = SharedData.Require(Path.Combine("fer2013", "public_test"));
        var files = Directory.GetDirectories(root).Order(StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d).Order(StringComparer.Ordinal).Take(PerClass)).ToArray();
        var faces = files.Select(f => Cv2.ImRead(f, ImreadModes.Color)).ToArray();
        var teacherDir = await models.Packages.EnsureFilesAsync(Teacher, ["model/fr_expression.onnx"]);
        // The declaration lives in a temporary folder (the package cache holds only the package's files).
        var declaration = Path.Combine(Directory.CreateTempSubdirectory("mien-teacher-").FullName, "teacher.json");
        var onnx = System.Text.Json.JsonSerializer.Serialize(Path.Combine(teacherDir, "model", "fr_expression.onnx"));
        await File.WriteAllTextAsync(declaration, $$"""
            {"id":"faceplugin-densenet121","onnx":{{onnx}},
             "input":{"name":"input","shape":[-1,3,224,224],"layout":"NCHW","colour":"rgb","range":[0,1]},
             "output":{"name":"output","kind":"logits"},
             "labels":["anger","disgust","fear","happiness","sadness","surprise","neutral"]}
            """);
        var teacherSpec = ExpressionModelSpec.Load(declaration);
        var oneThread = new InferenceOptions { IntraOpThreads = 1 };
        using var human = OnnxModel.Load(models.Artifacts[EmotionClassifier.ModelId], oneThread);
        using var teacher = OnnxModel.Load(teacherSpec.ToArtifact(), oneThread);

        EnsembleMember H(int every = 1) => new("emotion", new EmotionClassifier(human), 1, every, 1);
        EnsembleMember T(int every = 1) => new("teacher", new EmotionClassifier(teacher, new EmotionClassifierOptions { Labels = teacherSpec.Labels, OutputIsLogits = true }), 1, every, 1);
        var variants = new (string Name, Func<IExpressionClassifier> Create)[]
        {
            ("Human `emotion` (the default)", () => new EmotionClassifier(human)),
            ("Human, mirror", () => new ExpressionEnsemble([H()], false, true, 0)),
            ("Human, 4 shifts of 4 %", () => new ExpressionEnsemble([H()], false, false, 0.04f)),
            ("Human, mirror + 4 shifts (10 views)", () => new ExpressionEnsemble([H()], false, true, 0.04f)),
            ("teacher DenseNet-121 (declared)", () => new ExpressionEnsemble([T()], false, false, 0)),
            ("teacher, mirror", () => new ExpressionEnsemble([T()], false, true, 0)),
            ("Human + teacher, every frame", () => new ExpressionEnsemble([H(), T()], false, false, 0)),
            ("Human + teacher, mirror", () => new ExpressionEnsemble([H(), T()], false, true, 0)),
            ("Human + teacher every 10th frame of a track", () => new ExpressionEnsemble([H(), T(10)], false, false, 0)),
            ("Human + teacher every 30th frame of a track", () => new ExpressionEnsemble([H(), T(30)], false, false, 0)),
            ("Human mirror + 4 shifts, teacher every 10th frame", () => new ExpressionEnsemble([H(), T(10)], false, true, 0.04f)),
        };

        // Any declared model (e.g. a `mien train expression` run's model.json) joins as rows of its own and with Human's.
        var declared = (Environment.GetEnvironmentVariable("MIEN_BENCH_EXPRESSION_MODELS") ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(ExpressionModelSpec.Load).ToArray();
        var extra = declared.Select(spec => OnnxModel.Load(spec.ToArtifact(), oneThread)).ToArray();
        var extraSpecs = declared.Zip(extra, (spec, model) => (spec, model)).ToArray();
        EnsembleMember D((ExpressionModelSpec Spec, OnnxModel Model) d) =>
            new(d.Spec.Id, new EmotionClassifier(d.Model, new EmotionClassifierOptions { Labels = d.Spec.Labels, OutputIsLogits = d.Spec.OutputIsLogits }), 1, 1, 1);
        variants = [.. variants, .. extraSpecs.SelectMany(d => new (string, Func<IExpressionClassifier>)[]
        {
            ($"declared `{d.spec.Id}`", () => new ExpressionEnsemble([D(d)], false, false, 0)),
            ($"Human + declared `{d.spec.Id}`", () => new ExpressionEnsemble([H(), D(d)], false, false, 0)),
        })];

        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# Expression models and ensembles: cost per face ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"{faces.Length} FER2013 PublicTest crops (48×48 grey, {PerClass} per class), ONNX Runtime on 1 intra-op thread, median of {Runs} runs after a warm-up pass; {Environment.ProcessorCount} cores, load average {LoadAverage()}. ")
            .AppendLine("Faces go through `ClassifyAligned` as one track (so schedules apply) and include the crop warp and preprocessing.")
            .AppendLine()
            .AppendLine("| variant | ms per face (median) | runs |")
            .AppendLine("|---|---|---|");
        foreach (var (name, create) in variants)
        {
            using var classifier = create();
            var roi = new FaceRoi(23.5f, 23.5f, 48, 0);
            foreach (var face in faces.Take(20))
            {
                classifier.ClassifyAligned(face, roi, track: 1);
            }

            var times = new List<double>();
            for (var run = 0; run < Runs; run++)
            {
                var clock = Stopwatch.StartNew();
                foreach (var face in faces)
                {
                    classifier.ClassifyAligned(face, roi, track: 1);
                }

                times.Add(clock.Elapsed.TotalMilliseconds / faces.Length);
            }

            times.Sort();
            var line = string.Create(CultureInfo.InvariantCulture, $"| {name} | {times[Runs / 2]:F2} | {string.Join(", ", times.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))} |");
            report.AppendLine(line);
            output.WriteLine(line);
        }

        foreach (var face in faces)
        {
            face.Dispose();
        }

        foreach (var model in extra)
        {
            model.Dispose();
        }

        var file = Path.Combine(Repository.Root, "artifacts", "bench", "expression-models.md");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, report.ToString());
        output.WriteLine($"wrote {file}");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
}
