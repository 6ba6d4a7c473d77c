using System.Runtime.InteropServices;
using Google.Protobuf;
using Mien.ModelImport.Onnx;
using Mien.ModelImport.Tfjs;
using Mien.Models;

namespace Mien.Training.Expressions;

/// <summary>
/// An ImageNet-pretrained ResNet-18 turned into an expression network with Human's interface (<c>input_1</c> N×S×S×1
/// grey in [-1, 1], <c>Identity</c> N×7 softmax), as a starting point for fine-tuning: the ONNX graph of NuGet
/// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.24.0 (MIT; a CNTK export taking 1×3×224×224 BGR pixels minus a
/// mean image) with
/// <list type="bullet">
/// <item>a grey input: the first convolution's weights summed over the three colour channels and scaled by 127.5, its
/// new bias carrying the package's per-channel ImageNet mean (so grey g ∈ [-1, 1] enters as pixels 127.5·(g + 1) − mean,
/// exactly, except that zero padding now pads with grey 0 instead of the mean);</item>
/// <item>any batch size and input side (the fixed 7×7 average pool becomes a global one; static shapes are dropped);</item>
/// <item>a new linear head (512 features, or 256 when cut after the third stage, to 7; He-initialised, seeded) and a softmax.</item>
/// </list>
/// Everything else — 20 convolutions, batch normalisations, residual additions — keeps its pretrained values.
/// </summary>
internal static class ResNet18ExpressionNet
{
    /// <summary>What the starting point is called in run records.</summary>
    public const string Description = "ResNet-18, ImageNet (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0, MIT), grey input, new 7-class head";

    /// <summary>The two ONNX files of the package (<see cref="ImageNetResNet18.Locate"/>), checked against their pinned hashes.</summary>
    /// <exception cref="ModelStoreException">The package folder or a file is missing, or a file's hash differs.</exception>
    public static (string Network, string Preprocess) Locate() => ImageNetResNet18.Locate();

    /// <summary>The expression network for <paramref name="side"/>-pixel grey inputs.</summary>
    /// <exception cref="TrainingDataException">The graphs are not the ResNet-18 and preprocessing graphs this expects.</exception>
    /// <param name="networkOnnx">The package's <c>ResNet18.onnx</c>.</param>
    /// <param name="preprocessOnnx">The package's <c>ResNetPreprocess.onnx</c> (mean image).</param>
    /// <param name="side">Input side, a multiple of 32.</param>
    /// <param name="classes">Outputs of the new head.</param>
    /// <param name="seed">Seed of the head's initial weights.</param>
    /// <param name="stages">Residual stages kept (4 = the whole network, 512 features; 3 = cut after the 256-channel
    /// stage, which at 64 px keeps most of the arithmetic but under a fifth of the weights).</param>
    public static ModelProto Create(string networkOnnx, string preprocessOnnx, int side, int classes, int seed, int stages = 4)
    {
        // The featuriser's stride-2 stages pad asymmetrically (CNTK's "same"), so the main and shortcut paths of a
        // residual block agree in size only when every stage halves an even size: the side must be a multiple of 32.
        if (side < 32 || side % 32 != 0)
        {
            throw new TrainingDataException($"--size {side}: the ResNet-18 starting point needs a multiple of 32 (e.g. 64 or 96)");
        }

        var model = OnnxGraphNet.Read(networkOnnx);
        var graph = model.Graph;
        var opset = model.OpsetImport.Where(o => o.Domain.Length == 0).Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset < 7)
        {
            throw new TrainingDataException($"{networkOnnx}: opset {opset}; the expression head needs opset 7 or later (Gemm with broadcasting)");
        }

        var mean = ChannelMeans(preprocessOnnx);
        var initialisers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var imageInput = graph.Input.Single(i => !initialisers.ContainsKey(i.Name)).Name;
        var conv1 = graph.Node.Single(n => n.OpType == "Conv" && n.Input[0] == imageInput);
        var w = initialisers[conv1.Input[1]];
        if (w.Dims.Count != 4 || w.Dims[1] != 3 || conv1.Input.Count > 2)
        {
            throw new TrainingDataException($"{networkOnnx}: the first convolution has weights [{string.Join(",", w.Dims)}] and {conv1.Input.Count} inputs; expected [C,3,k,k] without bias");
        }

        // Grey g ∈ [-1, 1] stands for the pixel p = 127.5·g + 127.5 on all three channels; channel c then sees p − μ_c.
        // Σ_c W_c ∗ (p − μ_c) = (127.5·Σ_c W_c) ∗ g + Σ_c (127.5 − μ_c)·ΣW_c — a grey convolution plus a bias.
        var (outputs, kernel) = ((int)w.Dims[0], (int)(w.Dims[2] * w.Dims[3]));
        var weights = OnnxGraphNet.ReadFloats(w);
        var grey = new float[outputs * kernel];
        var bias = new float[outputs];
        for (var o = 0; o < outputs; o++)
        {
            for (var c = 0; c < 3; c++)
            {
                for (var k = 0; k < kernel; k++)
                {
                    var value = weights[(((o * 3) + c) * kernel) + k];
                    grey[(o * kernel) + k] += 127.5f * value;
                    bias[o] += (127.5f - mean[c]) * value;
                }
            }
        }

        w.Dims[1] = 1;
        w.FloatData.Clear();
        w.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(grey.AsSpan()));
        var b = new OnnxGraphBuilder();
        foreach (var name in graph.Node.SelectMany(n => n.Input.Concat(n.Output)).Concat(initialisers.Keys))
        {
            b.Reserve(name);
        }

        b.Reserve(CompactExpressionNet.InputName);
        b.Reserve(CompactExpressionNet.OutputName);
        conv1.Input.Add(b.AddInitializer("conv1/bias_from_mean", ConstTensor.Float([outputs], bias)));
        var nchw = b.Add("Transpose", "input_nchw", [CompactExpressionNet.InputName], OnnxGraphBuilder.Attr("perm", 0L, 3L, 1L, 2L));
        conv1.Input[0] = nchw;

        // The featuriser ends in a fixed 7×7 average pool (224-px input); a global one serves any side. With fewer stages
        // the graph is cut where the next stage's stride-2 shortcut (a 1×1 convolution) reads its input.
        if (graph.Node.Last().OpType != "AveragePool")
        {
            throw new TrainingDataException($"{networkOnnx}: the graph ends in {graph.Node.Last().OpType}, not the 7×7 AveragePool of the ResNet-18 featuriser");
        }

        var shortcuts = graph.Node.Where(n => n.OpType == "Conv" && OnnxGraphNet.Ints(n, "kernel_shape") is [1, 1] && OnnxGraphNet.Ints(n, "strides") is [2, 2]).ToArray();
        if (shortcuts.Length != 3 || stages is < 1 or > 4)
        {
            throw new TrainingDataException($"{networkOnnx}: {shortcuts.Length} stride-2 shortcuts (ResNet-18 has 3); stages {stages} must be 1–4");
        }

        var cut = stages == 4 ? graph.Node.Last().Input[0] : shortcuts[stages - 1].Input[0];
        var last = graph.Node.IndexOf(graph.Node.Single(n => n.Output[0] == cut));
        while (graph.Node.Count > last + 1)
        {
            graph.Node.RemoveAt(graph.Node.Count - 1);
        }

        var used = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        foreach (var unused in graph.Initializer.Where(i => !used.Contains(i.Name)).ToArray())
        {
            graph.Initializer.Remove(unused);
        }

        var pooled = b.Add("GlobalAveragePool", "pooled", [cut]);
        var features = b.Add("Flatten", "features", [pooled], OnnxGraphBuilder.Attr("axis", 1L));
        var channels = (int)initialisers[graph.Node.Last(n => n.OpType == "Conv").Input[1]].Dims[0];
        var head = CompactExpressionNet.He(new Random(seed), classes, channels, 1);
        var logits = b.Add("Gemm", "logits", [features, b.AddInitializer("head/w", ConstTensor.Float([classes, channels], head.Floats!)), b.AddInitializer("head/b", ConstTensor.Float([classes], new float[classes]))],
            OnnxGraphBuilder.Attr("transB", 1L));
        var probabilities = b.Add("Softmax", "predictions", [logits], OnnxGraphBuilder.Attr("axis", 1L));
        b.AddNodeWithOutputs("Identity", "output", [probabilities], [CompactExpressionNet.OutputName]);

        graph.Node.Insert(0, b.Graph.Node[0]);
        graph.Node.AddRange(b.Graph.Node.Skip(1));
        graph.Initializer.AddRange(b.Graph.Initializer);
        graph.ValueInfo.Clear();
        graph.Input.Clear();
        graph.Input.Add(OnnxGraphBuilder.ValueInfo(CompactExpressionNet.InputName, TfDataType.Float32, [-1, side, side, 1]));
        graph.Output.Clear();
        graph.Output.Add(OnnxGraphBuilder.ValueInfo(CompactExpressionNet.OutputName, TfDataType.Float32, [-1, classes]));
        graph.Name = "mien-resnet18-expression";
        // IR 3 wants every initialiser listed as a graph input; from IR 4 on they need not be, so inputs stay just the image.
        model.IrVersion = Math.Max(model.IrVersion, 4);
        model.ProducerName = "mien-train";
        model.DocString = stages == 4 ? Description : $"{Description}; first {stages} of 4 residual stages";
        return model;
    }

    /// <summary><see cref="Create"/> as a trainable network.</summary>
    public static OnnxGraphNet CreateNet(string networkOnnx, string preprocessOnnx, int side, int seed, int stages = 4) =>
        new(Create(networkOnnx, preprocessOnnx, side, 7, seed, stages));

    /// <summary>Per-channel average of the package's mean image (BGR order, pixel units).</summary>
    private static float[] ChannelMeans(string preprocessOnnx)
    {
        var prep = OnnxGraphNet.Read(preprocessOnnx);
        var image = prep.Graph.Initializer.FirstOrDefault(i => i.Name == "MeanImage")
            ?? throw new TrainingDataException($"{preprocessOnnx}: no MeanImage initialiser");
        var values = OnnxGraphNet.ReadFloats(image);
        if (values.Length % 3 != 0 || values.Length == 0)
        {
            throw new TrainingDataException($"{preprocessOnnx}: MeanImage has {values.Length} values, not 3 channels");
        }

        var plane = values.Length / 3;
        return [.. Enumerable.Range(0, 3).Select(c => (float)values.AsSpan(c * plane, plane).ToArray().Average())];
    }
}

/// <summary>Starting points of <c>mien train expression</c> that are built rather than read from a file.</summary>
public static class ExpressionStartingPoints
{

    /// <summary>
    /// Writes the ImageNet ResNet-18 expression network (grey <paramref name="side"/>-pixel input, new seeded head) into
    /// <paramref name="outputFolder"/> and returns its path, for <see cref="ExpressionTrainer.Train"/>.
    /// </summary>
    /// <exception cref="TrainingDataException">The ResNet-18 package is missing or not the pinned one.</exception>
    /// <param name="outputFolder">The run's folder.</param>
    /// <param name="side">Input side (a multiple of 32).</param>
    /// <param name="seed">Seed of the new head.</param>
    /// <param name="stages">Residual stages kept: 4 (<c>resnet18</c>) or fewer (<c>resnet18-3</c> keeps three).</param>
    public static string ResNet18(string outputFolder, int side, int seed, int stages = 4)
    {
        var (network, preprocess) = ResNet18ExpressionNet.Locate();
        var model = ResNet18ExpressionNet.Create(network, preprocess, side, 7, seed, stages);
        Directory.CreateDirectory(outputFolder);
        // The run records this file's path and SHA-256 as its starting model.
        var path = Path.Combine(outputFolder, stages == 4 ? "start-resnet18.onnx" : $"start-resnet18-{stages}.onnx");
        File.WriteAllBytes(path + ".tmp", model.ToByteArray());
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }
}
