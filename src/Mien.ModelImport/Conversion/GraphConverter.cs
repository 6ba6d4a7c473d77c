using Mien.ModelImport.Onnx;
using Mien.ModelImport.Tfjs;
using static Mien.ModelImport.Onnx.OnnxGraphBuilder;

namespace Mien.ModelImport.Conversion;

/// <summary>
/// Compiles one TF.js GraphDef into an ONNX graph. Each TF op has a mapper (one partial file per op
/// family); values carry their layout so that convolutional trunks stay NCHW and transposes appear only
/// where the graph leaves image layout (flatten, reshape, dense heads).
/// </summary>
internal sealed partial class GraphConverter
{
    internal const int Opset = 17;

    private static readonly int[] ToNchw = [0, 3, 1, 2];
    private static readonly int[] ToNhwc = [0, 2, 3, 1];

    /// <summary>For a native NHWC axis, its position in NCHW.</summary>
    private static readonly int[] NchwPositionOf = [0, 2, 3, 1];

    private readonly TfjsGraphModel _model;
    private readonly OnnxGraphBuilder _b = new();
    private readonly Dictionary<string, TfValue> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TfNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Action<TfNode>> _mappers;
    private TfNode? _current;

    public GraphConverter(TfjsGraphModel model)
    {
        _model = model;
        foreach (var n in model.Nodes)
        {
            _nodes[n.Name] = n;
        }

        _mappers = new Dictionary<string, Action<TfNode>>(StringComparer.Ordinal);
        RegisterConvolution();
        RegisterElementwise();
        RegisterShape();
        RegisterReduction();
    }

    /// <summary>TF ops this converter maps.</summary>
    public IReadOnlyCollection<string> SupportedOps => _mappers.Keys;

    public ConvertedGraph Convert()
    {
        var inputs = new List<(string Name, TfDataType Type, int[]? Shape)>();
        foreach (var n in _model.Nodes)
        {
            if (n.Op == "Placeholder")
            {
                TfDataType type;
                try
                {
                    type = TfDataTypes.Parse(n.GetTypeName("dtype") ?? "DT_FLOAT", "the graph input");
                }
                catch (FormatException e)
                {
                    throw new ModelImportException(_model.Name, e.Message, n.Name, n.Op, e);
                }

                var shape = n.GetShape("shape");
                _b.Reserve(n.Name);
                _values[Key(n.Name)] = new TfValue(n.Name, type, shape, Layout.Native);
                _b.Graph.Input.Add(ValueInfo(n.Name, type, shape));
                inputs.Add((n.Name, type, shape));
            }
        }

        if (inputs.Count == 0)
        {
            throw Error("the graph has no Placeholder input");
        }

        var outputs = ResolveOutputs();
        foreach (var (name, _) in outputs)
        {
            if (!_b.Reserve(name))
            {
                throw Error($"output name '{name}' is also an input name");
            }
        }

        foreach (var node in TopologicalOrder(outputs.Select(o => o.Tensor)))
        {
            _current = node;
            if (node.Op is "Placeholder")
            {
                continue;
            }

            if (node.Op is "Const")
            {
                DefineConstant(node);
                continue;
            }

            if (!_mappers.TryGetValue(node.Op, out var map))
            {
                throw new ModelImportException(_model.Name,
                    $"op '{node.Op}' is not supported by Mien's TF.js importer (supported: {string.Join(", ", _mappers.Keys.Order(StringComparer.Ordinal))})",
                    node.Name, node.Op);
            }

            try
            {
                map(node);
            }
            catch (ModelImportException)
            {
                throw;
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or OverflowException or KeyNotFoundException or IndexOutOfRangeException)
            {
                throw new ModelImportException(_model.Name, e.Message, node.Name, node.Op, e);
            }
        }

        _current = null;
        var outputInfo = new List<(string Name, TfDataType Type, int[]? Shape)>();
        foreach (var (name, tensor) in outputs)
        {
            var v = Value(tensor);
            var native = Native(v);
            _b.AddNodeWithOutputs("Identity", name, [native], [name]);
            _b.Graph.Output.Add(ValueInfo(name, v.DType, v.Shape));
            outputInfo.Add((name, v.DType, v.Shape));
        }

        _b.Graph.Name = _model.Name;
        return new ConvertedGraph(_b.Graph, inputs, outputInfo);
    }

    /// <summary>Graph outputs: the signature's outputs (named by signature key) or else the leaf nodes.</summary>
    private List<(string Name, string Tensor)> ResolveOutputs()
    {
        var result = new List<(string, string)>();
        if (_model.SignatureOutputs.Count > 0)
        {
            foreach (var (key, tensor) in _model.SignatureOutputs)
            {
                result.Add((key, tensor));
            }

            return result;
        }

        var consumed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in _model.Nodes)
        {
            foreach (var i in n.Inputs)
            {
                consumed.Add(NodeName(i));
            }
        }

        foreach (var n in _model.Nodes)
        {
            if (!consumed.Contains(n.Name) && n.Op is not ("Const" or "Placeholder" or "NoOp"))
            {
                result.Add((n.Name, n.Name));
            }
        }

        if (result.Count == 0)
        {
            throw Error("the graph has no outputs");
        }

        return result;
    }

    private List<TfNode> TopologicalOrder(IEnumerable<string> outputTensors)
    {
        var order = new List<TfNode>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = visiting, 2 = done
        var stack = new Stack<(TfNode Node, int Next)>();
        foreach (var t in outputTensors)
        {
            var root = Node(NodeName(t), "graph output");
            if (state.ContainsKey(root.Name))
            {
                continue;
            }

            state[root.Name] = 1;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (next < node.Inputs.Length)
                {
                    stack.Push((node, next + 1));
                    var dep = Node(NodeName(node.Inputs[next]), $"input of '{node.Name}'");
                    if (!state.TryGetValue(dep.Name, out var s))
                    {
                        state[dep.Name] = 1;
                        stack.Push((dep, 0));
                    }
                    else if (s == 1)
                    {
                        throw new ModelImportException(_model.Name, "the graph has a cycle", dep.Name, dep.Op);
                    }
                }
                else
                {
                    state[node.Name] = 2;
                    order.Add(node);
                }
            }
        }

        return order;
    }

    private TfNode Node(string name, string context) =>
        _nodes.TryGetValue(name, out var n) ? n : throw Error($"{context} refers to missing node '{name}'");

    private void DefineConstant(TfNode node)
    {
        if (!_model.Weights.TryGetValue(node.Name, out var tensor))
        {
            throw new ModelImportException(_model.Name, "constant has no entry in the weights manifest", node.Name, node.Op);
        }

        _values[Key(node.Name)] = new TfValue(null, tensor.DType, tensor.Shape, Layout.Native, tensor);
    }

    internal static string NodeName(string input)
    {
        var colon = input.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? input : input[..colon];
    }

    internal static string Key(string input)
    {
        var colon = input.LastIndexOf(':');
        return colon < 0 ? input + ":0" : input;
    }

    private TfValue Value(string input) =>
        _values.TryGetValue(Key(input), out var v) ? v : throw Error($"tensor '{input}' has not been produced (unsupported multi-output use?)");

    private TfValue In(TfNode node, int index)
    {
        if (index >= node.Inputs.Length)
        {
            throw Error($"expects at least {index + 1} inputs, has {node.Inputs.Length}");
        }

        return Value(node.Inputs[index]);
    }

    private ConstTensor ConstIn(TfNode node, int index, string what)
    {
        var v = In(node, index);
        return v.Constant ?? throw Error($"{what} (input {index}) must be a constant; computed values are not supported here");
    }

    private void SetOutput(TfNode node, TfValue value, int index = 0) => _values[$"{node.Name}:{index}"] = value;

    private TfValue Output(TfNode node, string onnxName, TfDataType type, int[]? shape, Layout layout = Layout.Native, int index = 0)
    {
        var v = new TfValue(onnxName, type, shape, layout);
        SetOutput(node, v, index);
        return v;
    }

    private ModelImportException Error(string message) =>
        _current is null
            ? new ModelImportException(_model.Name, message)
            : new ModelImportException(_model.Name, message, _current.Name, _current.Op);

    /// <summary>The ONNX name of <paramref name="v"/> in TF's own layout, inserting a transpose if needed.</summary>
    private string Native(TfValue v)
    {
        if (v.NativeName is not null)
        {
            return v.NativeName;
        }

        if (v.Constant is not null)
        {
            v.NativeName = _b.AddInitializer(Hint(v), v.Constant);
        }
        else if (v.Layout == Layout.Native)
        {
            v.NativeName = v.OnnxName!;
        }
        else
        {
            v.NativeName = _b.Add("Transpose", v.OnnxName + "_nhwc", [v.OnnxName!], Attr("perm", [.. ToNhwc.Select(p => (long)p)]));
        }

        return v.NativeName;
    }

    /// <summary>The ONNX name of a rank-4 <paramref name="v"/> in NCHW layout.</summary>
    private string Nchw(TfValue v)
    {
        if (v.NchwName is not null)
        {
            return v.NchwName;
        }

        if (v.Rank != 4)
        {
            throw Error($"expected a 4-D image tensor, got shape {ShapeText(v.Shape)}");
        }

        if (v.Constant is not null)
        {
            v.NchwName = _b.AddInitializer(Hint(v) + "_nchw", v.Constant.Transpose(ToNchw));
        }
        else if (v.Layout == Layout.Nchw)
        {
            v.NchwName = v.OnnxName!;
        }
        else
        {
            v.NchwName = _b.Add("Transpose", v.OnnxName + "_nchw", [v.OnnxName!], Attr("perm", [.. ToNchw.Select(p => (long)p)]));
        }

        return v.NchwName;
    }

    private string Hint(TfValue v) => v.OnnxName ?? _current?.Name ?? "const";

    private string ConstName(TfNode node, int index)
    {
        var v = In(node, index);
        if (v.Constant is not null && v.NativeName is null)
        {
            v.NativeName = _b.AddInitializer(NodeName(node.Inputs[index]), v.Constant);
        }

        return Native(v);
    }

    internal static string ShapeText(int[]? shape) => shape is null ? "[?]" : $"[{string.Join(',', shape)}]";

    private static int[]? Nhwc(int[]? nchw) => nchw is null ? null : [nchw[0], nchw[2], nchw[3], nchw[1]];

    private static long NormalizeAxis(long axis, int rank, string what)
    {
        var a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
        {
            throw new InvalidOperationException($"{what} axis {axis} is out of range for rank {rank}");
        }

        return a;
    }
}

/// <summary>The result of <see cref="GraphConverter.Convert"/>.</summary>
internal sealed record ConvertedGraph(
    GraphProto Graph,
    IReadOnlyList<(string Name, TfDataType Type, int[]? Shape)> Inputs,
    IReadOnlyList<(string Name, TfDataType Type, int[]? Shape)> Outputs);
