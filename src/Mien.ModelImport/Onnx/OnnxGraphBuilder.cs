using System.Runtime.InteropServices;
using Google.Protobuf;
using Mien.ModelImport.Tfjs;

namespace Mien.ModelImport.Onnx;

/// <summary>Accumulates nodes and initializers of one ONNX graph, keeping tensor names unique.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _int64Cache = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new();

    /// <summary>Reserves a name that must stay exactly as given (graph inputs and outputs).</summary>
    public bool Reserve(string name) => _names.Add(name);

    /// <summary>A tensor name derived from <paramref name="hint"/> that no other tensor has.</summary>
    public string Unique(string hint)
    {
        if (_names.Add(hint))
        {
            return hint;
        }

        for (var i = 1; ; i++)
        {
            var candidate = $"{hint}__{i}";
            if (_names.Add(candidate))
            {
                return candidate;
            }
        }
    }

    public string AddInitializer(string hint, ConstTensor t)
    {
        var name = Unique(hint);
        var tensor = new TensorProto { Name = name, DataType = t.DType.OnnxElementType() };
        foreach (var d in t.Shape)
        {
            tensor.Dims.Add(d);
        }

        tensor.RawData = t.DType switch
        {
            TfDataType.Float32 => ByteString.CopyFrom(MemoryMarshal.AsBytes(t.Floats.AsSpan())),
            TfDataType.Int32 => ByteString.CopyFrom(MemoryMarshal.AsBytes(t.Ints.AsSpan())),
            TfDataType.Int64 => ByteString.CopyFrom(MemoryMarshal.AsBytes(t.Longs.AsSpan())),
            _ => ByteString.CopyFrom(Array.ConvertAll(t.Bools!, b => b ? (byte)1 : (byte)0)),
        };
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A 1-D int64 initializer (shapes, axes, pads); identical vectors are shared.</summary>
    public string Int64s(string hint, params long[] values)
    {
        var key = string.Join(',', values);
        if (_int64Cache.TryGetValue(key, out var existing))
        {
            return existing;
        }

        var name = AddInitializer(hint, ConstTensor.Long([values.Length], values));
        _int64Cache[key] = name;
        return name;
    }

    public string FloatScalar(string hint, float value) => AddInitializer(hint, ConstTensor.Float([], [value]));

    /// <summary>Adds a node and returns its output names.</summary>
    public string[] AddNode(string opType, string nameHint, IReadOnlyList<string> inputs, int outputCount, params AttributeProto[] attributes)
    {
        var outputs = new string[outputCount];
        for (var i = 0; i < outputCount; i++)
        {
            outputs[i] = Unique(outputCount == 1 ? nameHint : $"{nameHint}:{i}");
        }

        AddNodeWithOutputs(opType, nameHint, inputs, outputs, attributes);
        return outputs;
    }

    public string Add(string opType, string nameHint, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        AddNode(opType, nameHint, inputs, 1, attributes)[0];

    public void AddNodeWithOutputs(string opType, string nameHint, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{nameHint}/{opType}#{Graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
    }

    public static AttributeProto Attr(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attr(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Attr(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Attr(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static ValueInfoProto ValueInfo(string name, TfDataType type, int[]? shape)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = type.OnnxElementType() };
        if (shape is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            for (var i = 0; i < shape.Length; i++)
            {
                tensorType.Shape.Dim.Add(shape[i] >= 0
                    ? new TensorShapeProto.Types.Dimension { DimValue = shape[i] }
                    : new TensorShapeProto.Types.Dimension { DimParam = i == 0 ? "batch" : $"{name}_d{i}" });
            }
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
