using Mien.ModelImport.Onnx;
using Mien.ModelImport.Tfjs;

namespace Mien.Training.Expressions;

/// <summary>
/// A compact VGG-style expression network written directly as an ONNX graph (so <see cref="OnnxGraphNet"/> trains it
/// and exports it unchanged): per block two 3×3 convolutions with BatchNormalization and ReLU, then 2×2 max pooling;
/// global average pooling and one linear layer. Same interface as Human's emotion model (<c>input_1</c> N×S×S×1 grey
/// in [-1, 1], <c>Identity</c> N×7 softmax), so Mien's expression stage runs it unchanged.
/// </summary>
internal static class CompactExpressionNet
{
    /// <summary>Input tensor name (as Human's emotion model).</summary>
    public const string InputName = "input_1";

    /// <summary>Output tensor name (as Human's emotion model).</summary>
    public const string OutputName = "Identity";

    /// <summary>A He-initialised network (seeded) for <paramref name="side"/>-pixel inputs with the given block widths.</summary>
    public static ModelProto Create(int side, IReadOnlyList<int> widths, int classes, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(side, 16);
        if (widths.Count is < 1 or > 5 || widths.Any(w => w is < 4 or > 512))
        {
            throw new ArgumentOutOfRangeException(nameof(widths), string.Join(",", widths), "1–5 blocks of 4–512 channels each");
        }

        var random = new Random(seed);
        var b = new OnnxGraphBuilder();
        b.Reserve(InputName);
        b.Reserve(OutputName);
        var x = b.Add("Transpose", "nchw", [InputName], OnnxGraphBuilder.Attr("perm", 0L, 3L, 1L, 2L));
        var channels = 1;
        for (var block = 0; block < widths.Count; block++)
        {
            for (var conv = 0; conv < 2; conv++)
            {
                var name = $"block{block + 1}_conv{conv + 1}";
                var w = He(random, widths[block], channels, 3);
                x = b.Add("Conv", name, [x, b.AddInitializer(name + "/w", w)],
                    OnnxGraphBuilder.Attr("kernel_shape", 3L, 3L), OnnxGraphBuilder.Attr("pads", 1L, 1L, 1L, 1L), OnnxGraphBuilder.Attr("strides", 1L, 1L));
                var c = widths[block];
                x = b.Add("BatchNormalization", name + "_bn",
                    [x, b.AddInitializer(name + "/gamma", Filled(c, 1)), b.AddInitializer(name + "/beta", Filled(c, 0)),
                     b.AddInitializer(name + "/mean", Filled(c, 0)), b.AddInitializer(name + "/var", Filled(c, 1))],
                    OnnxGraphBuilder.Attr("epsilon", 1e-5f), OnnxGraphBuilder.Attr("momentum", 0.9f));
                x = b.Add("Relu", name + "_relu", [x]);
                channels = c;
            }

            x = b.Add("MaxPool", $"block{block + 1}_pool", [x], OnnxGraphBuilder.Attr("kernel_shape", 2L, 2L), OnnxGraphBuilder.Attr("strides", 2L, 2L));
        }

        x = b.Add("GlobalAveragePool", "gap", [x]);
        x = b.Add("Flatten", "flatten", [x], OnnxGraphBuilder.Attr("axis", 1L));
        var head = He(random, classes, channels, 1);
        var weights = ConstTensor.Float([classes, channels], head.Floats!);
        x = b.Add("Gemm", "logits", [x, b.AddInitializer("head/w", weights), b.AddInitializer("head/b", Filled(classes, 0))], OnnxGraphBuilder.Attr("transB", 1L));
        var probabilities = b.Add("Softmax", "predictions", [x], OnnxGraphBuilder.Attr("axis", 1L));
        b.AddNodeWithOutputs("Identity", "output", [probabilities], [OutputName]);
        b.Graph.Name = "mien-compact-expression";
        b.Graph.Input.Add(OnnxGraphBuilder.ValueInfo(InputName, TfDataType.Float32, [-1, side, side, 1]));
        b.Graph.Output.Add(OnnxGraphBuilder.ValueInfo(OutputName, TfDataType.Float32, [-1, classes]));
        var model = new ModelProto { IrVersion = 8, ProducerName = "mien-train", Graph = b.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }

    /// <summary>He-normal weights [outputs, inputs, kernel, kernel], seeded.</summary>
    internal static ConstTensor He(Random random, int outputs, int inputs, int kernel)
    {
        var n = outputs * inputs * kernel * kernel;
        var std = Math.Sqrt(2.0 / (inputs * kernel * kernel));
        var values = new float[n];
        for (var i = 0; i < n; i++)
        {
            // Box–Muller: a seeded normal without another dependency.
            var u1 = 1 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return ConstTensor.Float([outputs, inputs, kernel, kernel], values);
    }

    private static ConstTensor Filled(int n, float value)
    {
        var values = new float[n];
        Array.Fill(values, value);
        return ConstTensor.Float([n], values);
    }
}
