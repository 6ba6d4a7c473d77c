using System.Runtime.InteropServices;
using Google.Protobuf;

namespace Mien.ModelImport.Onnx;

/// <summary>The range a float tensor took over the calibration inputs.</summary>
/// <param name="Min">Smallest value seen.</param>
/// <param name="Max">Largest value seen.</param>
public readonly record struct TensorRange(float Min, float Max)
{
    /// <summary>The union of two ranges.</summary>
    public TensorRange Union(float min, float max) => new(Math.Min(Min, min), Math.Max(Max, max));
}

/// <summary>Options of <see cref="Int8Quantization.Quantize"/>.</summary>
public sealed record Int8QuantizationOptions
{
    /// <summary>
    /// Quantise weights to 7 bits (±63) instead of 8 (±127). CPUs without VNNI multiply uint8 × int8 pairs into 16-bit
    /// sums that can saturate at full range; 7-bit weights cannot. Costs a little accuracy where VNNI exists.
    /// </summary>
    public bool ReduceRange { get; init; }
}

/// <summary>What <see cref="Int8Quantization.Quantize"/> produced.</summary>
/// <param name="Model">The quantised model (serialised ONNX).</param>
/// <param name="QuantizedNodes">Nodes now computed in 8-bit integers, by op type (after fusion: a Conv with its ReLU counts once).</param>
/// <param name="FloatNodes">Nodes left in float, by op type.</param>
public sealed record Int8QuantizationResult(byte[] Model, IReadOnlyDictionary<string, int> QuantizedNodes, IReadOnlyDictionary<string, int> FloatNodes);

/// <summary>
/// Static int8 post-training quantisation of a CNN in ONNX's operator-oriented form, written by hand so that exactly
/// the layers that pay are quantised and every other node keeps running in float:
/// <list type="bullet">
/// <item>BatchNormalization after a convolution is folded into its weights first (<see cref="FoldBatchNorm"/>);</item>
/// <item>Conv → QLinearConv (uint8 activations, int8 weights per output channel, int32 bias), Add → QLinearAdd
/// (com.microsoft, ONNX Runtime's CPU kernel), MaxPool on uint8;</item>
/// <item>GlobalAveragePool stays float on its dequantised input: a mean's calibrated range is narrow, so an unseen
/// input pushes it past the range and a uint8 output would clip it (seen in the property test); in float it is exact
/// and costs next to nothing on a final feature map;</item>
/// <item>a ReLU that alone follows a Conv or Add is absorbed: the output's zero point is 0, so requantisation clamps
/// negatives to 0, which is what the ReLU did;</item>
/// <item>activations are uint8 with scale and zero point from the calibration ranges (min/max, always spanning 0);
/// a float consumer gets a DequantizeLinear, inserted once per tensor.</item>
/// </list>
/// Calibration is the caller's: run <see cref="FoldBatchNorm"/>'s model with <see cref="CalibrationTensors"/> exposed
/// (see <see cref="OnnxGraphOutputs"/>) over representative inputs, and pass each tensor's range.
/// </summary>
public static partial class Int8Quantization
{
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>
    /// The model with every BatchNormalization that alone consumes a Conv's output folded into that Conv's weights and
    /// bias (exact in inference mode), so the pair becomes one convolution a QLinearConv can replace.
    /// </summary>
    /// <exception cref="ModelImportException">The bytes are not an ONNX model.</exception>
    public static byte[] FoldBatchNorm(byte[] model, string modelName)
    {
        var proto = Parse(model, modelName);
        var graph = proto.Graph;
        var initialisers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var consumers = Consumers(graph);
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var removed = new HashSet<NodeProto>();
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv").ToArray())
        {
            var y = conv.Output[0];
            if (outputs.Contains(y) || !consumers.TryGetValue(y, out var users) || users.Count != 1 || users[0] is not { OpType: "BatchNormalization" } bn
                || bn.Output.Count != 1 || bn.Input[0] != y || !initialisers.TryGetValue(conv.Input[1], out var w)
                || bn.Input.Skip(1).Any(i => !initialisers.ContainsKey(i)) || (conv.Input.Count > 2 && !initialisers.ContainsKey(conv.Input[2])))
            {
                continue;
            }

            var epsilon = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            var (gamma, beta, mean, variance) = (Floats(initialisers[bn.Input[1]]), Floats(initialisers[bn.Input[2]]), Floats(initialisers[bn.Input[3]]), Floats(initialisers[bn.Input[4]]));
            var weights = Floats(w);
            var m = (int)w.Dims[0];
            var per = weights.Length / m;
            var bias = conv.Input.Count > 2 ? Floats(initialisers[conv.Input[2]]) : new float[m];
            var newWeights = new float[weights.Length];
            var newBias = new float[m];
            for (var o = 0; o < m; o++)
            {
                var k = gamma[o] / MathF.Sqrt(variance[o] + epsilon);
                for (var i = 0; i < per; i++)
                {
                    newWeights[(o * per) + i] = weights[(o * per) + i] * k;
                }

                newBias[o] = ((bias[o] - mean[o]) * k) + beta[o];
            }

            // New initialisers, so a weight shared with another node is left as it was.
            var wName = Unique(initialisers, conv.Input[1] + "/bn_folded");
            var bName = Unique(initialisers, conv.Output[0] + "/bn_folded_bias");
            initialisers[wName] = Tensor(wName, TensorProto.Types.DataType.Float, [.. w.Dims], MemoryMarshal.AsBytes(newWeights.AsSpan()));
            initialisers[bName] = Tensor(bName, TensorProto.Types.DataType.Float, [m], MemoryMarshal.AsBytes(newBias.AsSpan()));
            graph.Initializer.Add(initialisers[wName]);
            graph.Initializer.Add(initialisers[bName]);
            conv.Input[1] = wName;
            if (conv.Input.Count > 2)
            {
                conv.Input[2] = bName;
            }
            else
            {
                conv.Input.Add(bName);
            }

            conv.Output[0] = bn.Output[0];
            removed.Add(bn);
        }

        var kept = graph.Node.Where(n => !removed.Contains(n)).ToArray();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        DropUnusedInitialisers(graph);
        return proto.ToByteArray();
    }

    /// <summary>
    /// The float tensors whose calibration ranges <see cref="Quantize"/> may use: the inputs and outputs of every
    /// node it can quantise (graph inputs excepted: their range comes from the input declaration).
    /// </summary>
    public static IReadOnlyList<string> CalibrationTensors(byte[] foldedModel, string modelName)
    {
        var graph = Parse(foldedModel, modelName).Graph;
        var produced = graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        var initialisers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node.Where(n => n.OpType is "Conv" or "Add" or "Relu" or "MaxPool"))
        {
            foreach (var t in node.Input.Take(node.OpType == "Conv" ? 1 : 2).Concat(node.Output.Take(1)))
            {
                if (produced.Contains(t) && !initialisers.Contains(t) && seen.Add(t))
                {
                    names.Add(t);
                }
            }
        }

        return names;
    }

    /// <summary>Checks, before any calibration is spent, that <see cref="Quantize"/> will accept the model.</summary>
    /// <exception cref="ModelImportException">The bytes are not ONNX, or the opset is under 10 and cannot be raised safely.</exception>
    public static void EnsureQuantizable(byte[] model, string modelName)
    {
        var proto = Parse(model, modelName);
        var opset = proto.OpsetImport.Where(o => o.Domain.Length == 0).Select(o => o.Version).DefaultIfEmpty(1).Max();
        if (opset < 10)
        {
            RaiseOpset(proto, modelName, opset);
        }
    }

    /// <summary>Quantises a model whose BatchNormalizations are folded (<see cref="FoldBatchNorm"/>).</summary>
    /// <param name="foldedModel">The float model.</param>
    /// <param name="ranges">Calibration range of each tensor in <see cref="CalibrationTensors"/>, and of each graph input.</param>
    /// <param name="options">Options.</param>
    /// <param name="modelName">Names the model in errors.</param>
    /// <exception cref="ModelImportException">The bytes are not an ONNX model, or its default-domain opset is under 10 (no QLinearConv).</exception>
    public static Int8QuantizationResult Quantize(byte[] foldedModel, IReadOnlyDictionary<string, TensorRange> ranges, Int8QuantizationOptions options, string modelName)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        ArgumentNullException.ThrowIfNull(options);
        var proto = Parse(foldedModel, modelName);
        var opset = proto.OpsetImport.Where(o => o.Domain.Length == 0).Select(o => o.Version).DefaultIfEmpty(1).Max();
        if (opset < 10)
        {
            opset = RaiseOpset(proto, modelName, opset);
        }

        var q = new Quantizer(proto.Graph, ranges, options, opset);
        q.Run();
        if (!proto.OpsetImport.Any(o => o.Domain == MicrosoftDomain))
        {
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        proto.DocString = (proto.DocString.Length > 0 ? proto.DocString + "\n" : "") + $"int8 post-training quantisation (Mien): uint8 activations, int8 per-channel weights{(options.ReduceRange ? " (7-bit)" : "")}.";
        return new Int8QuantizationResult(proto.ToByteArray(), q.Quantized, q.KeptFloat);
    }

    /// <summary>
    /// Raises an older model (e.g. a CNTK export at opset 8) to opset 13, which QLinearConv and uint8 MaxPool need —
    /// allowed only when every op means the same at both versions for the tensors it sees here.
    /// </summary>
    private static long RaiseOpset(ModelProto proto, string modelName, long opset)
    {
        const long Target = 13;
        if (opset < 7)
        {
            // Before opset 7, Add, Mul and Gemm broadcast by attribute: too different to carry over.
            throw new ModelImportException(modelName, $"default-domain opset {opset}; int8 quantisation needs 10 or later (QLinearConv), and models before opset 7 cannot be raised safely; re-export the model at opset 13.");
        }

        var graph = proto.Graph;
        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n, StringComparer.Ordinal);
        var initialisers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var unchanged = new HashSet<string>(StringComparer.Ordinal) { "Pad", "Conv", "Relu", "Add", "Sub", "Mul", "Div", "Transpose", "GlobalAveragePool", "Flatten", "Gemm", "Identity", "MaxPool", "AveragePool", "Concat", "LeakyRelu", "Sigmoid" };

        // Softmax before opset 13 flattens its input to 2-D at the axis; the same as the new per-axis softmax on 2-D input.
        bool TwoDimensional(string tensor) => producers.TryGetValue(tensor, out var p) && (p.OpType is "Gemm" or "Flatten"
            || (p.OpType is "Div" or "Mul" or "Add" or "Sub" && p.Input.Count == 2 && p.Input.Any(initialisers.Contains) && TwoDimensional(p.Input.First(i => !initialisers.Contains(i)))));
        // BatchNormalization is the same op from opset 9 to 13, and version 7 with spatial = 1 (its default) equals it.
        bool Blocks(NodeProto n) => n.Domain.Length == 0 && n.OpType switch
        {
            "Softmax" => !((n.Attribute.FirstOrDefault(a => a.Name == "axis")?.I ?? 1) is 1 or -1 && TwoDimensional(n.Input[0])),
            "BatchNormalization" => n.Attribute.Any(a => a.Name == "spatial" && a.I == 0),
            _ => !unchanged.Contains(n.OpType),
        };
        var blocking = graph.Node.Where(Blocks).Select(n => n.OpType).Distinct(StringComparer.Ordinal).ToArray();
        if (blocking.Length > 0)
        {
            throw new ModelImportException(modelName, $"default-domain opset {opset}; int8 quantisation needs 10 or later (QLinearConv), and {string.Join(", ", blocking)} may change meaning when the opset is raised; re-export the model at opset 13.");
        }

        // Pad moved its pads and constant value from attributes to inputs at opset 11.
        foreach (var pad in graph.Node.Where(n => n.Domain.Length == 0 && n.OpType == "Pad" && n.Input.Count == 1))
        {
            var pads = pad.Attribute.FirstOrDefault(a => a.Name == "pads")?.Ints.ToArray() ?? [];
            var value = pad.Attribute.FirstOrDefault(a => a.Name == "value")?.F ?? 0f;
            var padsName = Unique(graph, pad.Output[0] + "/pads");
            graph.Initializer.Add(Tensor(padsName, TensorProto.Types.DataType.Int64, [pads.Length], MemoryMarshal.AsBytes(pads.AsSpan())));
            var valueName = Unique(graph, pad.Output[0] + "/value");
            graph.Initializer.Add(Tensor(valueName, TensorProto.Types.DataType.Float, [], BitConverter.GetBytes(value)));
            pad.Input.Add(padsName);
            pad.Input.Add(valueName);
            var kept = pad.Attribute.Where(a => a.Name == "mode").ToArray();
            pad.Attribute.Clear();
            pad.Attribute.AddRange(kept);
        }

        foreach (var import in proto.OpsetImport.Where(o => o.Domain.Length == 0))
        {
            import.Version = Target;
        }

        proto.IrVersion = Math.Max(proto.IrVersion, 7);
        return Target;
    }

    private static ModelProto Parse(byte[] model, string modelName)
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            return ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelImportException(modelName, $"not an ONNX model ({e.Message}).", inner: e);
        }
    }

    private static Dictionary<string, List<NodeProto>> Consumers(GraphProto graph)
    {
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input.Where(i => i.Length > 0))
            {
                if (!consumers.TryGetValue(input, out var list))
                {
                    consumers[input] = list = [];
                }

                if (!list.Contains(node))
                {
                    list.Add(node);
                }
            }
        }

        return consumers;
    }

    private static float[] Floats(TensorProto t)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new InvalidOperationException($"initialiser '{t.Name}' is of ONNX type {t.DataType}, not float");
        }

        return t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : [.. t.FloatData];
    }

    private static TensorProto Tensor(string name, TensorProto.Types.DataType type, long[] dims, ReadOnlySpan<byte> raw)
    {
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        t.Dims.AddRange(dims);
        return t;
    }

    private static string Unique(Dictionary<string, TensorProto> taken, string hint)
    {
        var name = hint;
        for (var i = 1; taken.ContainsKey(name); i++)
        {
            name = $"{hint}__{i}";
        }

        return name;
    }

    private static string Unique(GraphProto graph, string hint)
    {
        var taken = graph.Node.SelectMany(n => n.Input.Concat(n.Output)).Concat(graph.Initializer.Select(i => i.Name)).ToHashSet(StringComparer.Ordinal);
        var name = hint;
        for (var i = 1; taken.Contains(name); i++)
        {
            name = $"{hint}__{i}";
        }

        return name;
    }

    private static void DropUnusedInitialisers(GraphProto graph)
    {
        var used = graph.Node.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        var dropped = graph.Initializer.Where(i => !used.Contains(i.Name)).Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var kept = graph.Initializer.Where(i => !dropped.Contains(i.Name)).ToArray();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(kept);

        // An initialiser also listed as a graph input (older exporters) goes with it; real inputs stay.
        foreach (var input in graph.Input.Where(i => dropped.Contains(i.Name)).ToArray())
        {
            graph.Input.Remove(input);
        }
    }
}
