using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Mien.ModelImport.Onnx;
using Mien.ModelImport.Tfjs;
using B = Mien.ModelImport.Onnx.OnnxGraphBuilder;

namespace Mien.ModelImport.Tests;

/// <summary>
/// Int8 quantisation of a small residual CNN written at opset 8 (Pad with attributes, Conv, BatchNormalization, ReLU,
/// a 1×1 shortcut, Add, global pool, Flatten): the structure it produces, and its outputs against ONNX Runtime's float
/// outputs for random weights and inputs.
/// </summary>
public sealed class Int8QuantizationTests
{
    private const int Side = 10;

    [Property(MaxTest = 100)]
    public Property Quantised_residual_block_stays_within_a_few_quantisation_steps_of_the_float_model(PositiveInt seed)
    {
        var model = ResidualBlock(seed.Get, opset: 8);
        var (ranges, calibration) = Calibrate(model, seed.Get, 24);
        var result = Int8Quantization.Quantize(Int8Quantization.FoldBatchNorm(model, "block"), ranges, new Int8QuantizationOptions(), "block");

        using var reference = new InferenceSession(model);
        using var quantized = new InferenceSession(result.Model);
        var random = new Random(seed.Get + 1000);
        var worst = 0.0;
        for (var i = 0; i < 8; i++)
        {
            var x = Input(random);
            var (f, q) = (Run(reference, x), Run(quantized, x));
            worst = Math.Max(worst, f.Zip(q, (a, b) => Math.Abs(a - b)).Max());
        }

        // Rounding in the convolutions and the addition reaches the pooled mean as a bias of up to a step or two of the
        // sum's scale (it does not average out). The inputs here are not the calibration inputs, so the pooled mean
        // often leaves its calibrated range: the pool must stay float, or it would clip (it did, by 6 steps).
        var sumStep = (Math.Max(0, ranges["relu2"].Max) - Math.Min(0, ranges["relu2"].Min)) / 255;
        return (worst <= 2 * sumStep).Label($"worst |int8 − float| {worst:E3} against the sum's step {sumStep:E3} (calibrated on {calibration} inputs)")
            .And(result.QuantizedNodes.GetValueOrDefault("Conv+Relu") == 1 && result.QuantizedNodes.GetValueOrDefault("Conv") == 1
                && result.QuantizedNodes.GetValueOrDefault("Add+Relu") == 1)
            .Label($"int8 nodes: {string.Join(", ", result.QuantizedNodes)}")
            .And(!result.FloatNodes.ContainsKey("BatchNormalization") && !result.FloatNodes.ContainsKey("Conv") && result.FloatNodes.GetValueOrDefault("GlobalAveragePool") == 1)
            .Label($"float nodes: {string.Join(", ", result.FloatNodes)}");
    }

    [Fact]
    public void Batch_normalisation_folds_into_the_convolution_exactly()
    {
        var model = ResidualBlock(3, opset: 8);
        var folded = Int8Quantization.FoldBatchNorm(model, "block");
        Assert.DoesNotContain(ModelProto.Parser.ParseFrom(folded).Graph.Node, n => n.OpType == "BatchNormalization");
        using var reference = new InferenceSession(model);
        using var foldedSession = new InferenceSession(folded);
        var x = Input(new Random(9));
        var gap = Run(reference, x).Zip(Run(foldedSession, x), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(gap <= 1e-5, $"max |folded − original| {gap:E2}");
    }

    [Fact]
    public void An_opset_8_model_is_raised_to_13_with_pad_taking_its_pads_as_inputs()
    {
        var model = ResidualBlock(5, opset: 8);
        var (ranges, _) = Calibrate(model, 5, 4);
        var result = ModelProto.Parser.ParseFrom(Int8Quantization.Quantize(Int8Quantization.FoldBatchNorm(model, "block"), ranges, new Int8QuantizationOptions(), "block").Model);

        Assert.Equal(13, result.OpsetImport.Single(o => o.Domain.Length == 0).Version);
        Assert.Contains(result.OpsetImport, o => o.Domain == "com.microsoft");
        var pad = result.Graph.Node.Single(n => n.OpType == "Pad");
        Assert.Equal(3, pad.Input.Count);
        Assert.DoesNotContain(pad.Attribute, a => a.Name is "pads" or "value");
    }

    [Fact]
    public void An_old_model_with_an_op_whose_meaning_changed_is_refused_before_calibration_naming_the_op()
    {
        var b = new B();
        b.Graph.Input.Add(B.ValueInfo("x", TfDataType.Float32, [1, 1, 4, 4]));
        var scales = b.AddInitializer("scales", ConstTensor.Float([4], [1, 1, 2, 2]));
        b.AddNodeWithOutputs("Upsample", "up", ["x", scales], ["y"]);
        b.Graph.Output.Add(B.ValueInfo("y", TfDataType.Float32, null));
        var model = Model(b, opset: 8);

        var e = Assert.Throws<ModelImportException>(() => Int8Quantization.EnsureQuantizable(model, "old"));
        Assert.Contains("Upsample", e.Message, StringComparison.Ordinal);
        Assert.Contains("opset 8", e.Message, StringComparison.Ordinal);
    }

    /// <summary>x → Pad → Conv 3×3 → BN → ReLU; x → Conv 1×1; Add → ReLU → global pool → Flatten ("pooled").</summary>
    private static byte[] ResidualBlock(int seed, long opset)
    {
        var random = new Random(seed);
        float[] Values(int n, float scale) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale)];
        var b = new B();
        b.Graph.Input.Add(B.ValueInfo("x", TfDataType.Float32, [1, 2, Side, Side]));
        b.AddNodeWithOutputs("Pad", "pad", ["x"], ["padded"], B.Attr("pads", 0L, 0L, 1L, 1L, 0L, 0L, 1L, 1L), B.Attr("mode", "constant"), B.Attr("value", 0f));
        var w = b.AddInitializer("w", ConstTensor.Float([4, 2, 3, 3], Values(72, 0.5f)));
        var bias = b.AddInitializer("b", ConstTensor.Float([4], Values(4, 0.1f)));
        b.AddNodeWithOutputs("Conv", "conv", ["padded", w, bias], ["conv"], B.Attr("kernel_shape", 3L, 3L));
        var gamma = b.AddInitializer("gamma", ConstTensor.Float([4], [.. Values(4, 0.5f).Select(v => 1 + v)]));
        var beta = b.AddInitializer("beta", ConstTensor.Float([4], Values(4, 0.2f)));
        var mean = b.AddInitializer("mean", ConstTensor.Float([4], Values(4, 0.3f)));
        var variance = b.AddInitializer("var", ConstTensor.Float([4], [.. Values(4, 0.5f).Select(v => 1 + v)]));
        b.AddNodeWithOutputs("BatchNormalization", "bn", ["conv", gamma, beta, mean, variance], ["bn"], B.Attr("epsilon", 1e-5f));
        b.AddNodeWithOutputs("Relu", "relu1", ["bn"], ["relu1"]);
        var shortcut = b.AddInitializer("ws", ConstTensor.Float([4, 2, 1, 1], Values(8, 0.7f)));
        b.AddNodeWithOutputs("Conv", "shortcut", ["x", shortcut], ["shortcut"], B.Attr("kernel_shape", 1L, 1L));
        b.AddNodeWithOutputs("Add", "add", ["relu1", "shortcut"], ["sum"]);
        b.AddNodeWithOutputs("Relu", "relu2", ["sum"], ["relu2"]);
        b.AddNodeWithOutputs("GlobalAveragePool", "pool", ["relu2"], ["pool"]);
        b.AddNodeWithOutputs("Flatten", "flatten", ["pool"], ["pooled"]);
        b.Graph.Output.Add(B.ValueInfo("pooled", TfDataType.Float32, null));
        return Model(b, opset);
    }

    private static byte[] Model(B b, long opset)
    {
        var model = new ModelProto { IrVersion = 4, Graph = b.Graph, ProducerName = "test" };
        b.Graph.Name = "test";
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }

    /// <summary>Ranges of every tensor the quantiser asks for, and of the input, over random inputs.</summary>
    private static (Dictionary<string, TensorRange> Ranges, int Inputs) Calibrate(byte[] model, int seed, int inputs)
    {
        var folded = Int8Quantization.FoldBatchNorm(model, "block");
        var tensors = Int8Quantization.CalibrationTensors(folded, "block");
        using var session = new InferenceSession(OnnxGraphOutputs.WithOutputs(folded, tensors, "block"));
        var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        var random = new Random(seed);
        void Update(string name, ReadOnlySpan<float> v)
        {
            var (min, max) = (System.Numerics.Tensors.TensorPrimitives.Min(v), System.Numerics.Tensors.TensorPrimitives.Max(v));
            ranges[name] = ranges.TryGetValue(name, out var r) ? r.Union(min, max) : new TensorRange(min, max);
        }

        for (var i = 0; i < inputs; i++)
        {
            var x = Input(random);
            Update("x", x);
            using var value = OrtValue.CreateTensorValueFromMemory(x, [1, 2, Side, Side]);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, ["x"], [value], tensors);
            for (var t = 0; t < tensors.Count; t++)
            {
                Update(tensors[t], outputs[t].GetTensorDataAsSpan<float>());
            }
        }

        return (ranges, inputs);
    }

    private static float[] Input(Random random) => [.. Enumerable.Range(0, 2 * Side * Side).Select(_ => (float)((random.NextDouble() * 2) - 1))];

    private static float[] Run(InferenceSession session, float[] x)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(x, [1, 2, Side, Side]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [value], [session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
