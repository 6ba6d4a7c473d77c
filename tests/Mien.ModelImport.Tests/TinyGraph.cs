using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Mien.ModelImport.Tfjs;

namespace Mien.ModelImport.Tests;

/// <summary>
/// Builds a small TF.js graph model in memory: model.json in the JSON form the TF.js converter writes
/// (GraphDef nodes with attrs such as <c>{"list":{"i":["1","2","2","1"]}}</c>), and one weight shard that
/// holds every Const in manifest order.
/// </summary>
internal sealed class TinyGraph
{
    public const string ShardPath = "group1-shard1of1.bin";

    private readonly JsonArray _nodes = [];
    private readonly JsonArray _weights = [];
    private readonly List<byte> _shard = [];

    public TinyGraph(string modelName = "tiny")
    {
        ModelName = modelName;
    }

    public string ModelName { get; }

    /// <summary>Bytes the shard holds; tests cut it short to simulate an incomplete download.</summary>
    public int ShardLength => _shard.Count;

    /// <summary>Signature outputs (key → tensor), written to model.json when any are set.</summary>
    public List<KeyValuePair<string, string>> SignatureOutputs { get; } = [];

    /// <summary>A Placeholder; -1 marks a dynamic dim.</summary>
    public string Input(string name, int[] shape, string dtype = "DT_FLOAT") =>
        Node(name, "Placeholder", [], ("dtype", TfAttr.Type(dtype)), ("shape", TfAttr.Shape(shape)));

    public string Const(string name, int[] shape, params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return ConstRaw(name, shape, "float32", bytes);
    }

    public string Const(string name, Nd<float> value) => Const(name, value.Shape, value.Data);

    public string ConstInt(string name, int[] shape, params int[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return ConstRaw(name, shape, "int32", bytes);
    }

    /// <summary>A Const whose weight bytes are given as stored (for quantised and half-precision weights).</summary>
    public string ConstRaw(string name, int[] shape, string dtype, byte[] bytes, JsonObject? quantization = null)
    {
        var weight = new JsonObject
        {
            ["name"] = name,
            ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]),
            ["dtype"] = dtype,
        };
        if (quantization is not null)
        {
            weight["quantization"] = quantization;
        }

        _weights.Add(weight);
        _shard.AddRange(bytes);
        var tfType = dtype == "int32" ? "DT_INT32" : dtype == "bool" ? "DT_BOOL" : "DT_FLOAT";
        return Node(name, "Const", [], ("dtype", TfAttr.Type(tfType)));
    }

    /// <summary>A Const node with no manifest entry (a broken model).</summary>
    public string ConstWithoutWeights(string name) => Node(name, "Const", [], ("dtype", TfAttr.Type("DT_FLOAT")));

    public string Node(string name, string op, string[] inputs, params (string Key, JsonNode Value)[] attrs)
    {
        var attr = new JsonObject();
        foreach (var (key, value) in attrs)
        {
            attr[key] = value;
        }

        _nodes.Add(new JsonObject
        {
            ["name"] = name,
            ["op"] = op,
            ["input"] = new JsonArray([.. inputs.Select(i => (JsonNode)i)]),
            ["attr"] = attr,
        });
        return name;
    }

    public byte[] ModelJson()
    {
        var root = new JsonObject
        {
            ["format"] = "graph-model",
            ["generatedBy"] = "2.x",
            ["convertedBy"] = "TinyGraph (Mien.ModelImport.Tests)",
            ["modelTopology"] = new JsonObject { ["node"] = _nodes.DeepClone(), ["versions"] = new JsonObject { ["producer"] = 1395 } },
            ["weightsManifest"] = new JsonArray(new JsonObject
            {
                ["paths"] = new JsonArray(ShardPath),
                ["weights"] = _weights.DeepClone(),
            }),
        };
        if (SignatureOutputs.Count > 0)
        {
            var outputs = new JsonObject();
            foreach (var (key, tensor) in SignatureOutputs)
            {
                outputs[key] = new JsonObject { ["name"] = tensor };
            }

            root["signature"] = new JsonObject { ["outputs"] = outputs };
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    /// <summary>The weight shard's bytes.</summary>
    public byte[] ShardBytes() => [.. _shard];

    /// <summary>Parses the model as TF.js would load it; <paramref name="shardLength"/> truncates the shard.</summary>
    public TfjsGraphModel Parse(int? shardLength = null)
    {
        var shard = _shard.ToArray();
        if (shardLength is { } n)
        {
            shard = shard[..n];
        }

        return TfjsGraphModel.Parse(ModelName, ModelJson(), path =>
            path == ShardPath ? shard : throw new FileNotFoundException($"no shard '{path}' in the test model"));
    }
}

/// <summary>TF.js JSON forms of GraphDef attribute values.</summary>
internal static class TfAttr
{
    public static JsonNode Ints(params long[] values) =>
        new JsonObject { ["list"] = new JsonObject { ["i"] = new JsonArray([.. values.Select(v => (JsonNode)v.ToString(CultureInfo.InvariantCulture))]) } };

    public static JsonNode Int(long value) => new JsonObject { ["i"] = value.ToString(CultureInfo.InvariantCulture) };

    public static JsonNode Str(string value) => new JsonObject { ["s"] = Base64(value) };

    public static JsonNode Strs(params string[] values) =>
        new JsonObject { ["list"] = new JsonObject { ["s"] = new JsonArray([.. values.Select(v => (JsonNode)Base64(v))]) } };

    public static JsonNode Bool(bool value) => new JsonObject { ["b"] = value };

    public static JsonNode Float(float value) => new JsonObject { ["f"] = value };

    public static JsonNode Type(string tfType) => new JsonObject { ["type"] = tfType };

    public static JsonNode Shape(params int[] dims) =>
        new JsonObject
        {
            ["shape"] = new JsonObject
            {
                ["dim"] = new JsonArray([.. dims.Select(d => (JsonNode)new JsonObject { ["size"] = d.ToString(CultureInfo.InvariantCulture) })]),
            },
        };

    private static string Base64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
}

/// <summary>Common attribute sets, so tests read like the TF.js converter's output.</summary>
internal static class TfAttrs
{
    public static (string, JsonNode) T(string type = "DT_FLOAT") => ("T", TfAttr.Type(type));

    public static (string, JsonNode) Strides(int h, int w) => ("strides", TfAttr.Ints(1, h, w, 1));

    public static (string, JsonNode) Dilations(int h, int w) => ("dilations", TfAttr.Ints(1, h, w, 1));

    public static (string, JsonNode) KSize(int h, int w) => ("ksize", TfAttr.Ints(1, h, w, 1));

    public static (string, JsonNode) Padding(string mode) => ("padding", TfAttr.Str(mode));

    public static (string, JsonNode) DataFormat() => ("data_format", TfAttr.Str("NHWC"));

    public static (string, JsonNode) FusedOps(params string[] ops) => ("fused_ops", TfAttr.Strs(ops));

    public static (string, JsonNode) NumArgs(int n) => ("num_args", TfAttr.Int(n));

    public static (string, JsonNode) KeepDims(bool keep) => ("keep_dims", TfAttr.Bool(keep));
}
