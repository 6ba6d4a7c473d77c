using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Mien.ModelImport.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Mien.Training.Expressions;

/// <summary>
/// A TorchSharp network that <em>is</em> an ONNX graph: it runs the graph's nodes with TorchSharp ops, holds the graph's
/// weight initialisers as trainable parameters, and writes the same graph back with the trained values. So fine-tuning
/// an imported model (Human's mini-Xception), training a network authored as ONNX from scratch, and exporting either
/// for ONNX Runtime share one path, and export cannot drift from the training graph: only initialiser bytes change.
/// </summary>
/// <remarks>
/// The subset of ONNX covered is what Mien's importer emits for CNN classifiers plus BatchNormalization (trained with
/// batch statistics, its running statistics updated as PyTorch does). Any other op fails at construction, naming it.
/// </remarks>
internal sealed class OnnxGraphNet : nn.Module<Tensor, Tensor>
{
    /// <summary>Ops this interpreter runs.</summary>
    public static readonly IReadOnlySet<string> SupportedOps = new HashSet<string>(StringComparer.Ordinal)
    {
        "Transpose", "Conv", "Relu", "Clip", "LeakyRelu", "Sigmoid", "Add", "Sub", "Mul", "Div", "MaxPool", "AveragePool",
        "GlobalAveragePool", "ReduceMean", "Softmax", "Identity", "Reshape", "Flatten", "Gemm", "MatMul", "BatchNormalization",
        "Dropout", "Concat",
    };

    private readonly ModelProto _model;
    private readonly Dictionary<string, TorchSharp.Modules.Parameter> _weights = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _int64s = new(StringComparer.Ordinal);
    private readonly string _input;
    private readonly string _output;

    static OnnxGraphNet() => LibTorchCompatibility.EnsureLoadable();

    /// <summary>Wraps <paramref name="model"/> (kept, and copied on export).</summary>
    /// <exception cref="TrainingDataException">The graph has an op outside <see cref="SupportedOps"/>, or not one input and one output.</exception>
    public OnnxGraphNet(ModelProto model)
        : base(nameof(OnnxGraphNet))
    {
        _model = model;
        var graph = model.Graph;
        var unsupported = graph.Node.Select(n => n.OpType).Where(op => !SupportedOps.Contains(op)).Distinct().ToArray();
        if (unsupported.Length > 0)
        {
            throw new TrainingDataException($"the ONNX graph uses op(s) the trainer cannot run: {string.Join(", ", unsupported)} (supported: {string.Join(", ", SupportedOps)})");
        }

        var initialisers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initialisers.Contains(i.Name)).ToArray();
        if (inputs.Length != 1 || graph.Output.Count != 1)
        {
            throw new TrainingDataException($"the trainer needs a graph with one image input and one output; this one has {inputs.Length} input(s) and {graph.Output.Count} output(s)");
        }

        _input = inputs[0].Name;
        _output = graph.Output[0].Name;
        var statistics = graph.Node.Where(n => n.OpType == "BatchNormalization").SelectMany(n => n.Input.Skip(3)).ToHashSet(StringComparer.Ordinal);
        var index = 0;
        foreach (var init in graph.Initializer)
        {
            if (init.DataType == (int)TensorProto.Types.DataType.Int64)
            {
                _int64s[init.Name] = ReadInt64(init);
                continue;
            }

            if (init.DataType != (int)TensorProto.Types.DataType.Float)
            {
                throw new TrainingDataException($"initialiser '{init.Name}' has ONNX data type {init.DataType}; the trainer reads float32 and int64 only");
            }

            var values = ReadFloats(init);
            var tensor = torch.tensor(values, [.. init.Dims]);
            // Weights and biases learn; scalars (e.g. a temperature) and BatchNorm's running statistics do not.
            if (!statistics.Contains(init.Name) && values.Length > 1)
            {
                var parameter = new TorchSharp.Modules.Parameter(tensor, requires_grad: true);
                _weights[init.Name] = parameter;
                register_parameter(string.Create(CultureInfo.InvariantCulture, $"p{index++}"), parameter);
            }
            else
            {
                _constants[init.Name] = tensor;
                register_buffer(string.Create(CultureInfo.InvariantCulture, $"b{index++}"), tensor);
            }
        }

        LogitsName = FindLogits(graph);
    }

    /// <summary>The tensor that feeds the graph's final Softmax (the logits), or the output itself when there is none.</summary>
    public string LogitsName { get; }

    /// <summary>Number of trainable values.</summary>
    public long TrainableValues => _weights.Values.Sum(p => p.numel());

    /// <summary>The graph's input tensor name.</summary>
    public string InputName => _input;

    /// <summary>Reads an ONNX file.</summary>
    public static ModelProto Read(string path)
    {
        using var stream = File.OpenRead(path);
        return ModelProto.Parser.ParseFrom(stream);
    }

    /// <summary>Reads an ONNX file into a trainable network.</summary>
    public static OnnxGraphNet Load(string path) => new(Read(path));

    /// <summary>Logits (the final Softmax's input) for an input laid out as the graph declares it.</summary>
    public override Tensor forward(Tensor input) => Run(input, LogitsName);

    /// <summary>Runs the graph up to <paramref name="target"/>; intermediates belong to the caller's dispose scope.</summary>
    public Tensor Run(Tensor input, string target)
    {
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [_input] = input };
        foreach (var node in _model.Graph.Node)
        {
            var output = Apply(node, values);
            values[node.Output[0]] = output;
            if (node.Output[0] == target)
            {
                return output;
            }
        }

        return values.TryGetValue(target, out var t) ? t : throw new InvalidOperationException($"tensor '{target}' is not produced by the graph");
    }

    /// <summary>
    /// A copy of the graph with the current parameter and statistics values; with <paramref name="temperature"/> ≠ 1 the
    /// logits are divided by it before the final Softmax (temperature scaling), so ONNX Runtime gives calibrated probabilities.
    /// </summary>
    public ModelProto Export(float temperature = 1f, string? docString = null)
    {
        var copy = _model.Clone();
        foreach (var init in copy.Graph.Initializer)
        {
            Tensor? source = _weights.TryGetValue(init.Name, out var p) ? p : _constants.GetValueOrDefault(init.Name);
            if (source is null)
            {
                continue;
            }

            var values = source.detach().cpu().contiguous().data<float>().ToArray();
            init.FloatData.Clear();
            init.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        }

        if (temperature != 1f)
        {
            var softmax = copy.Graph.Node.Single(n => n.OpType == "Softmax" && n.Input[0] == LogitsName);
            var scaled = LogitsName + "/temperature_scaled";
            var t = new TensorProto { Name = LogitsName + "/temperature", DataType = (int)TensorProto.Types.DataType.Float };
            t.FloatData.Add(temperature);
            copy.Graph.Initializer.Add(t);
            var div = new NodeProto { OpType = "Div", Name = "temperature_scaling" };
            div.Input.Add(LogitsName);
            div.Input.Add(t.Name);
            div.Output.Add(scaled);
            copy.Graph.Node.Insert(copy.Graph.Node.IndexOf(softmax), div);
            softmax.Input[0] = scaled;
        }

        if (docString is not null)
        {
            copy.DocString = docString;
        }

        return copy;
    }

    /// <summary>Writes <see cref="Export"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public void Save(string path, float temperature = 1f, string? docString = null)
    {
        var bytes = Export(temperature, docString).ToByteArray();
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    private static string FindLogits(GraphProto graph)
    {
        var output = graph.Output[0].Name;
        var producers = graph.Node.ToDictionary(n => n.Output[0], StringComparer.Ordinal);
        var name = output;
        while (producers.TryGetValue(name, out var node) && node.OpType is "Identity" or "Softmax")
        {
            if (node.OpType == "Softmax")
            {
                return node.Input[0];
            }

            name = node.Input[0];
        }

        return output;
    }

    private Tensor Value(NodeProto node, int i, Dictionary<string, Tensor> values)
    {
        var name = node.Input[i];
        if (values.TryGetValue(name, out var v))
        {
            return v;
        }

        if (_weights.TryGetValue(name, out var p))
        {
            return p;
        }

        return _constants.TryGetValue(name, out var c) ? c : throw new InvalidOperationException($"node '{node.Name}' reads '{name}', which is neither computed yet nor a float initialiser");
    }

    private long[] Int64s(NodeProto node, int i) =>
        _int64s.TryGetValue(node.Input[i], out var v) ? v : throw new TrainingDataException($"node '{node.Name}' ({node.OpType}) needs constant int64 input '{node.Input[i]}'");

    private Tensor Apply(NodeProto node, Dictionary<string, Tensor> values)
    {
        Tensor X(int i) => Value(node, i, values);
        switch (node.OpType)
        {
            case "Identity":
            case "Dropout":
                return X(0).alias();
            case "Transpose":
                return X(0).permute(Ints(node, "perm") ?? throw new TrainingDataException($"Transpose '{node.Name}' without perm"));
            case "Relu":
                return X(0).relu();
            case "Sigmoid":
                return X(0).sigmoid();
            case "LeakyRelu":
                return nn.functional.leaky_relu(X(0), Float(node, "alpha", 0.01f));
            case "Clip":
                {
                    var min = node.Input.Count > 1 && node.Input[1].Length > 0 ? X(1).item<float>() : float.NegativeInfinity;
                    var max = node.Input.Count > 2 && node.Input[2].Length > 0 ? X(2).item<float>() : float.PositiveInfinity;
                    return X(0).clamp(min, max);
                }

            case "Add":
                return X(0).add(X(1));
            case "Sub":
                return X(0).sub(X(1));
            case "Mul":
                return X(0).mul(X(1));
            case "Div":
                return X(0).div(X(1));
            case "Softmax":
                return X(0).softmax(Int(node, "axis", -1));
            case "Concat":
                return torch.cat([.. Enumerable.Range(0, node.Input.Count).Select(X)], Int(node, "axis", 0));
            case "Conv":
                return Conv(node, X(0), X(1), node.Input.Count > 2 && node.Input[2].Length > 0 ? X(2) : null);
            case "MaxPool":
            case "AveragePool":
                return Pool(node, X(0));
            case "GlobalAveragePool":
                return X(0).mean([2, 3], keepdim: true);
            case "ReduceMean":
                {
                    var axes = Ints(node, "axes") ?? (node.Input.Count > 1 ? Int64s(node, 1) : [.. Enumerable.Range(0, (int)X(0).dim()).Select(i => (long)i)]);
                    return X(0).mean(axes, keepdim: Int(node, "keepdims", 1) != 0);
                }

            case "Reshape":
                {
                    var shape = (long[])Int64s(node, 1).Clone();
                    var input = X(0);
                    for (var i = 0; i < shape.Length; i++)
                    {
                        if (shape[i] == 0)
                        {
                            shape[i] = input.shape[i];
                        }
                    }

                    return input.reshape(shape);
                }

            case "Flatten":
                {
                    var axis = Int(node, "axis", 1);
                    return X(0).flatten(0, axis - 1).flatten(1);
                }

            case "MatMul":
                return X(0).matmul(X(1));
            case "Gemm":
                {
                    var a = Int(node, "transA", 0) != 0 ? X(0).t() : X(0);
                    var b = Int(node, "transB", 0) != 0 ? X(1).t() : X(1);
                    var y = a.matmul(b).mul(Float(node, "alpha", 1f));
                    return node.Input.Count > 2 ? y.add(X(2).mul(Float(node, "beta", 1f))) : y;
                }

            case "BatchNormalization":
                // Running statistics update in place (PyTorch's rule, momentum 1 − ONNX momentum) while training.
                return nn.functional.batch_norm(X(0), X(3), X(4), X(1), X(2), training, 1 - Float(node, "momentum", 0.9f), Float(node, "epsilon", 1e-5f));
            default:
                throw new TrainingDataException($"op {node.OpType} is not supported by the trainer");
        }
    }

    private static Tensor Conv(NodeProto node, Tensor x, Tensor w, Tensor? b)
    {
        var strides = Ints(node, "strides") ?? [1, 1];
        var dilations = Ints(node, "dilations") ?? [1, 1];
        var group = Int(node, "group", 1);
        if (Str(node, "auto_pad") is { } autoPad and not "NOTSET")
        {
            throw new TrainingDataException($"Conv '{node.Name}' uses auto_pad {autoPad}; the trainer needs explicit pads");
        }

        var (padded, symmetric) = Pad(x, Ints(node, "pads"), 0);
        // Kept in NCHW order: a permuted one-channel input looks channels-last to LibTorch, which then keeps every later
        // activation channels-last, and its channels-last 1×1 stride-2 convolution computed wrong values for batches > 1
        // (ResNet-18's layer-4 shortcut, 4×4 → 2×2; ONNX Runtime and batch 1 agreed). Contiguous outputs avoid that path.
        return nn.functional.conv2d(padded, w, b, strides, symmetric, dilations, group).contiguous();
    }

    private Tensor Pool(NodeProto node, Tensor x)
    {
        var kernel = Ints(node, "kernel_shape") ?? throw new TrainingDataException($"{node.OpType} '{node.Name}' without kernel_shape");
        var strides = Ints(node, "strides") ?? [1, 1];
        var max = node.OpType == "MaxPool";
        // Max pooling pads with −∞ (so padding never wins); ONNX average pooling excludes pads by default.
        var (padded, symmetric) = Pad(x, Ints(node, "pads"), max ? float.NegativeInfinity : 0);
        if (max)
        {
            return nn.functional.max_pool2d(padded, kernel, strides, symmetric, ceil_mode: Int(node, "ceil_mode", 0) != 0);
        }

        if (!ReferenceEquals(padded, x))
        {
            throw new TrainingDataException($"AveragePool '{node.Name}' with asymmetric pads is not supported by the trainer");
        }

        return nn.functional.avg_pool2d(x, kernel, strides, symmetric, ceil_mode: Int(node, "ceil_mode", 0) != 0, count_include_pad: Int(node, "count_include_pad", 0) != 0);
    }

    /// <summary>ONNX pads [top, left, bottom, right]: symmetric pads go to the op, asymmetric ones are applied here.</summary>
    private static (Tensor X, long[] Symmetric) Pad(Tensor x, long[]? pads, double value)
    {
        if (pads is null || pads.All(p => p == 0))
        {
            return (x, [0, 0]);
        }

        if (pads[0] == pads[2] && pads[1] == pads[3])
        {
            return (x, [pads[0], pads[1]]);
        }

        // torch's pad lists the last dimension first: left, right, top, bottom.
        return (nn.functional.pad(x, [pads[1], pads[3], pads[0], pads[2]], PaddingModes.Constant, value), [0, 0]);
    }

    private static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    internal static long[]? Ints(NodeProto node, string name) => Attribute(node, name) is { } a ? [.. a.Ints] : null;

    private static long Int(NodeProto node, string name, long fallback) => Attribute(node, name) is { } a ? a.I : fallback;

    private static float Float(NodeProto node, string name, float fallback) => Attribute(node, name) is { } a ? a.F : fallback;

    private static string? Str(NodeProto node, string name) => Attribute(node, name) is { } a ? a.S.ToStringUtf8() : null;

    internal static float[] ReadFloats(TensorProto t)
    {
        if (!t.RawData.IsEmpty)
        {
            return MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
        }

        return [.. t.FloatData];
    }

    private static long[] ReadInt64(TensorProto t)
    {
        if (!t.RawData.IsEmpty)
        {
            return MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray();
        }

        return [.. t.Int64Data];
    }
}
