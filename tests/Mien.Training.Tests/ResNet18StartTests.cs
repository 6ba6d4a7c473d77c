using Microsoft.ML.OnnxRuntime;
using Mien.Expressions;
using Mien.ModelImport.Onnx;
using Mien.Models;
using Mien.Testing;
using Mien.Training.Expressions;
using TorchSharp;

namespace Mien.Training.Tests;

/// <summary>
/// The ImageNet ResNet-18 starting point (<c>--from resnet18</c>): its grey-input fold keeps the package's own features,
/// and a few real training steps export a model that ONNX Runtime runs as TorchSharp does.
/// </summary>
public sealed class ResNet18StartTests
{
    [SharedDataFact("fer2013/train")]
    public void GreyInputNetworkComputesThePackagesImageNetFeaturesOfGreyFaces()
    {
        // Reference: the package's own pipeline (its preprocessing graph, then ResNet18.onnx) on the face replicated to
        // RGB; the fold differs only where the first convolution's padding reads outside the image.
        var data = SharedData.Find("fer2013/train")!;
        var (network, preprocess) = ResNet18ExpressionNet.Locate();
        var set = ExpressionImageSet.Load(data, 224, limitPerClass: 1);
        using var prep = new InferenceSession(preprocess);
        using var resnet = new InferenceSession(network);
        using var net = ResNet18ExpressionNet.CreateNet(network, preprocess, 224, seed: 1);
        net.eval();
        var plane = 224 * 224;
        var worst = 1.0;
        for (var i = 0; i < set.Count; i++)
        {
            var rgb = new float[3 * plane];
            var grey = new float[plane];
            for (var p = 0; p < plane; p++)
            {
                rgb[p] = rgb[plane + p] = rgb[(2 * plane) + p] = set.Pixels[i][p];
                grey[p] = (set.Pixels[i][p] / 127.5f) - 1f;
            }

            using var original = OrtValue.CreateTensorValueFromMemory(rgb, [1, 3, 224, 224]);
            // Run options held (and disposed) here: an inline `new RunOptions()` can be finalised while the native run still uses it.
            using var runOptions = new RunOptions();
            using var prepared = prep.Run(runOptions, [prep.InputNames[0]], [original], [prep.OutputNames[0]]);
            using var features = resnet.Run(runOptions, [resnet.InputNames[0]], [prepared[0]], [resnet.OutputNames[0]]);
            var expected = features[0].GetTensorDataAsSpan<float>().ToArray();

            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var actual = net.Run(torch.tensor(grey, [1, 224, 224, 1]), "features").data<float>().ToArray();
            Assert.Equal(512, actual.Length);
            Assert.Equal(512, expected.Length);
            var cosine = Dot(expected, actual) / Math.Sqrt(Dot(expected, expected) * Dot(actual, actual));
            worst = Math.Min(worst, cosine);
        }

        // Own face: 0.990–0.998 measured; another face's features: 0.65–0.82, so a wrong fold cannot pass.
        Assert.True(worst >= 0.985, $"worst cosine similarity of the 512 ImageNet features, package pipeline vs grey fold: {worst:F4} over {set.Count} faces");
    }

    [SharedDataFact("fer2013/train")]
    public void FineTunedResNet18ExportsAModelOnnxRuntimeRunsAsTorchSharpDoes()
    {
        var data = SharedData.Find("fer2013/train")!;
        var folder = Directory.CreateTempSubdirectory("mien-train-resnet18-").FullName;
        try
        {
            var options = new ExpressionTrainingOptions
            {
                Epochs = 1, MaxStepsPerEpoch = 2, BatchSize = 8, LimitPerClass = 4, ValidationFraction = 0.25, Threads = 2, Seed = 5,
            };
            var start = ExpressionStartingPoints.ResNet18(folder, options.Side, options.Seed);
            var result = ExpressionTrainer.Train(data, start, folder, options);
            // Two steps moved the weights away from the starting point.
            Assert.NotEqual(Sha256(start), Sha256(Path.Combine(folder, ExpressionTrainer.BestModel)));

            var set = ExpressionImageSet.Load(data, 64, limitPerClass: 2);
            using var net = OnnxGraphNet.Load(Path.Combine(folder, ExpressionTrainer.BestModel));
            var (logits, _) = ExpressionTrainer.Predict(net, set, [.. Enumerable.Range(0, set.Count)], [-1, 64, 64, 1]);
            var ort = ExpressionTrainingTests.RunOrt(result.ModelPath, set);
            var worst = ExpressionTrainingTests.WorstProbabilityGap(logits, ort, set.Count, result.Calibration.Temperature);
            Assert.True(worst <= 1e-4, $"max |ORT − TorchSharp| = {worst:E2} over {set.Count} real faces");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SharedDataFact("fer2013/train")]
    public void ThreeStageResNet18RunsInOnnxRuntimeAsInTorchSharpOnABatch()
    {
        // The cut network (resnet18-3): 256 features, and a batch of real faces agrees with ONNX Runtime.
        var data = SharedData.Find("fer2013/train")!;
        var folder = Directory.CreateTempSubdirectory("mien-resnet18-3-").FullName;
        try
        {
            var start = ExpressionStartingPoints.ResNet18(folder, 64, seed: 2, stages: 3);
            var set = ExpressionImageSet.Load(data, 64, limitPerClass: 2);
            using var net = OnnxGraphNet.Load(start);
            var (logits, _) = ExpressionTrainer.Predict(net, set, [.. Enumerable.Range(0, set.Count)], [-1, 64, 64, 1]);
            var ort = ExpressionTrainingTests.RunOrt(start, set);
            var worst = ExpressionTrainingTests.WorstProbabilityGap(logits, ort, set.Count);
            Assert.True(worst <= 1e-4, $"max |ORT − TorchSharp| = {worst:E2} over {set.Count} real faces in one batch");
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            Assert.Equal([1L, 256L], net.Run(torch.zeros(1, 64, 64, 1), "features").shape);
            Assert.True(new FileInfo(start).Length < 12_000_000, $"{new FileInfo(start).Length} bytes: the fourth stage was not removed");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Sha256(string path) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    private static double Dot(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    [SharedDataFact("fer2013/train")]
    public void ResNet18sBatchNormsFoldExactlyAndItsInt8FormRunsEveryConvolutionInIntegers()
    {
        var data = SharedData.Find("fer2013/train")!;
        var folder = Directory.CreateTempSubdirectory("mien-resnet18-int8-").FullName;
        try
        {
            var start = ExpressionStartingPoints.ResNet18(folder, 64, seed: 2, stages: 3);
            var set = ExpressionImageSet.Load(data, 64, limitPerClass: 2);
            var reference = ExpressionTrainingTests.RunOrt(start, set);

            // Folding BatchNormalization into the convolutions is exact in inference.
            var folded = Path.Combine(folder, "folded.onnx");
            File.WriteAllBytes(folded, Int8Quantization.FoldBatchNorm(File.ReadAllBytes(start), "resnet18-3"));
            var foldedGap = reference.Zip(ExpressionTrainingTests.RunOrt(folded, set), (a, b) => Math.Abs(a - b)).Max();
            Assert.True(foldedGap <= 1e-5, $"folded BatchNorm: max probability gap {foldedGap:E2}");

            var files = Directory.EnumerateFiles(data, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
            new Random(4).Shuffle(files);
            var spec = new ExpressionModelSpec("resnet18-3", start, null, new ModelInputSpec("input_1", "float32", [-1, 64, 64, 1], "NHWC", "grey", [-1f, 1f]), "Identity", OutputIsLogits: false, Mien.Results.ExpressionEstimate.Labels);
            var result = ExpressionModelQuantizer.Quantize(spec, files[..100], Path.Combine(folder, "int8.json"), new Int8QuantizationOptions());

            // 15 convolutions (the stem, 12 in six residual blocks, 2 stride-2 shortcuts) and 6 residual additions with
            // their ReLU run in integers; the input transpose, the pool (a mean would clip at its calibrated range), the
            // head and the softmax stay in float.
            Assert.Equal(15, result.QuantizedNodes.Where(p => p.Key.StartsWith("Conv", StringComparison.Ordinal)).Sum(p => p.Value));
            Assert.Equal(6, result.QuantizedNodes.GetValueOrDefault("Add+Relu"));
            Assert.Equal(1, result.FloatNodes.GetValueOrDefault("GlobalAveragePool"));
            Assert.DoesNotContain(result.FloatNodes.Keys, op => op is "Conv" or "BatchNormalization" or "Add");
            var quantized = ExpressionTrainingTests.RunOrt(result.OnnxPath, set);
            var gap = reference.Zip(quantized, (a, b) => Math.Abs(a - b)).Max();
            // Measured 0.019; a wrong scale, zero point or bias moves probabilities by tenths.
            Assert.True(gap <= 0.05, $"int8: max probability gap {gap:F4} over {set.Count} real faces");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
