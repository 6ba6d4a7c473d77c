using System.Buffers.Binary;
using System.Text.Json;

namespace Mien.ModelImport.Tfjs;

/// <summary>
/// A TensorFlow.js graph model read into memory: the GraphDef nodes of model.json and its decoded weights.
/// </summary>
public sealed class TfjsGraphModel
{
    private TfjsGraphModel(string name, List<TfNode> nodes, Dictionary<string, ConstTensor> weights,
        List<KeyValuePair<string, string>> signatureInputs, List<KeyValuePair<string, string>> signatureOutputs)
    {
        Name = name;
        Nodes = nodes;
        Weights = weights;
        SignatureInputs = signatureInputs;
        SignatureOutputs = signatureOutputs;
    }

    /// <summary>The model's name, used in error messages (usually the model id).</summary>
    public string Name { get; }

    internal IReadOnlyList<TfNode> Nodes { get; }

    internal IReadOnlyDictionary<string, ConstTensor> Weights { get; }

    /// <summary>(signature key, tensor name) pairs of the model's signature inputs, if it has a signature.</summary>
    internal IReadOnlyList<KeyValuePair<string, string>> SignatureInputs { get; }

    /// <summary>(signature key, tensor name) pairs of the model's signature outputs, if it has a signature.</summary>
    internal IReadOnlyList<KeyValuePair<string, string>> SignatureOutputs { get; }

    /// <summary>Ops used by the graph, with counts (for diagnostics and coverage checks).</summary>
    public IReadOnlyDictionary<string, int> OpCounts
    {
        get
        {
            var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var n in Nodes)
            {
                counts[n.Op] = counts.GetValueOrDefault(n.Op) + 1;
            }

            return counts;
        }
    }

    /// <summary>Most elements of one weight (2^28, 1 GiB of float32): far above any TF.js model, far below an overflow.</summary>
    private const long MaxWeightElements = 1L << 28;

    /// <summary>Reads <c>model.json</c> and the weight shards it names from the same folder.</summary>
    public static TfjsGraphModel Load(string modelJsonPath, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelJsonPath);
        name ??= Path.GetFileNameWithoutExtension(modelJsonPath);
        byte[] json;
        try
        {
            json = File.ReadAllBytes(modelJsonPath);
        }
        catch (IOException e)
        {
            throw new ModelImportException(name, $"cannot read '{modelJsonPath}': {e.Message}", inner: e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ModelImportException(name, $"cannot read '{modelJsonPath}': {e.Message}", inner: e);
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(modelJsonPath))!;
        return Parse(name, json, shard =>
        {
            var path = Path.GetFullPath(Path.Combine(folder, shard));
            if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new ModelImportException(name, $"weight shard path '{shard}' leaves the model folder");
            }

            try
            {
                return File.ReadAllBytes(path);
            }
            catch (IOException e)
            {
                throw new ModelImportException(name, $"cannot read weight shard '{shard}': {e.Message}", inner: e);
            }
        });
    }

    /// <summary>Parses model.json bytes; <paramref name="readShard"/> returns the bytes of a weight shard by its manifest path.</summary>
    public static TfjsGraphModel Parse(string name, ReadOnlySpan<byte> modelJson, Func<string, byte[]> readShard)
    {
        ArgumentNullException.ThrowIfNull(readShard);
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(modelJson, new JsonReaderOptions { MaxDepth = 256 });
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new ModelImportException(name, $"model.json is not valid JSON ({e.Message})", inner: e);
        }

        using (doc)
        {
            try
            {
                return FromDocument(name, doc.RootElement, readShard);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // A structurally wrong model.json (missing or mistyped fields) is a malformed model, not a crash.
                throw new ModelImportException(name, $"model.json is malformed: {e.Message}", inner: e);
            }
        }
    }

    private static TfjsGraphModel FromDocument(string name, JsonElement root, Func<string, byte[]> readShard)
    {
        if (root.ValueKind != JsonValueKind.Object ||
            !root.TryGetProperty("modelTopology", out var topology) ||
            !topology.TryGetProperty("node", out var nodeArray) || nodeArray.ValueKind != JsonValueKind.Array)
        {
            throw new ModelImportException(name, "model.json has no modelTopology.node array: not a TF.js graph model (layers models are not supported)");
        }

        if (root.TryGetProperty("format", out var format) && format.GetString() is { } f && f != "graph-model")
        {
            throw new ModelImportException(name, $"model.json format is '{f}', expected 'graph-model'");
        }

        var nodes = new List<TfNode>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in nodeArray.EnumerateArray())
        {
            var nodeName = n.TryGetProperty("name", out var nn) ? nn.GetString() : null;
            var op = n.TryGetProperty("op", out var o) ? o.GetString() : null;
            if (string.IsNullOrEmpty(nodeName) || string.IsNullOrEmpty(op))
            {
                throw new ModelImportException(name, "a node has no name or op");
            }

            if (!seen.Add(nodeName))
            {
                throw new ModelImportException(name, "duplicate node name", nodeName, op);
            }

            var inputs = new List<string>();
            if (n.TryGetProperty("input", out var inArr))
            {
                foreach (var i in inArr.EnumerateArray())
                {
                    var s = i.GetString()!;
                    if (!s.StartsWith('^'))
                    {
                        inputs.Add(s);
                    }
                }
            }

            var attr = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            if (n.TryGetProperty("attr", out var attrObj))
            {
                foreach (var p in attrObj.EnumerateObject())
                {
                    attr[p.Name] = p.Value.Clone();
                }
            }

            nodes.Add(new TfNode(nodeName, op, [.. inputs], attr));
        }

        var weights = ReadWeights(name, root, readShard);
        return new TfjsGraphModel(name, nodes, weights, ReadSignature(root, "inputs"), ReadSignature(root, "outputs"));
    }

    private static List<KeyValuePair<string, string>> ReadSignature(JsonElement root, string kind)
    {
        var list = new List<KeyValuePair<string, string>>();
        if (root.TryGetProperty("signature", out var sig) && sig.ValueKind == JsonValueKind.Object &&
            sig.TryGetProperty(kind, out var entries) && entries.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in entries.EnumerateObject())
            {
                var tensor = p.Value.TryGetProperty("name", out var t) ? t.GetString() ?? p.Name : p.Name;
                list.Add(new(p.Name, tensor));
            }
        }

        return list;
    }

    private static Dictionary<string, ConstTensor> ReadWeights(string model, JsonElement root, Func<string, byte[]> readShard)
    {
        var weights = new Dictionary<string, ConstTensor>(StringComparer.Ordinal);
        if (!root.TryGetProperty("weightsManifest", out var manifest))
        {
            return weights;
        }

        foreach (var group in manifest.EnumerateArray())
        {
            // A group's shards are one byte stream cut into files; its weights follow each other in it.
            var buffers = new List<byte[]>();
            var total = 0L;
            foreach (var p in group.GetProperty("paths").EnumerateArray())
            {
                var bytes = readShard(p.GetString()!);
                buffers.Add(bytes);
                total += bytes.Length;
            }

            var data = new byte[total];
            var at = 0;
            foreach (var b in buffers)
            {
                b.CopyTo(data, at);
                at += b.Length;
            }

            var offset = 0L;
            foreach (var w in group.GetProperty("weights").EnumerateArray())
            {
                var wName = w.GetProperty("name").GetString()!;
                var shape = new List<int>();
                var elements = 1L;
                foreach (var d in w.GetProperty("shape").EnumerateArray())
                {
                    // Hostile or damaged manifests: a negative dimension or an element count no shard can hold is
                    // refused here, before any arithmetic overflows or a buffer is sized from it (found by fuzzing).
                    var dim = d.GetInt32();
                    elements = dim < 0 ? -1 : Math.Min(elements * dim, long.MaxValue / 16);
                    if (elements < 0 || elements > MaxWeightElements)
                    {
                        throw new ModelImportException(model, $"weight '{wName}' has shape [{string.Join(',', w.GetProperty("shape").EnumerateArray())}], {(elements < 0 ? "with a negative dimension" : $"over {MaxWeightElements} elements")}: the weights manifest is damaged");
                    }

                    shape.Add(dim);
                }

                var dtype = w.GetProperty("dtype").GetString()!;
                var count = ConstTensor.ElementCount(shape.ToArray());
                ConstTensor tensor;
                try
                {
                    tensor = w.TryGetProperty("quantization", out var q)
                        ? Dequantize(wName, [.. shape], dtype, count, q, data, ref offset)
                        : Decode(wName, [.. shape], dtype, count, data, ref offset);
                }
                catch (FormatException e)
                {
                    throw new ModelImportException(model, $"weight '{wName}': {e.Message}", inner: e);
                }

                weights[wName] = tensor;
            }
        }

        return weights;
    }

    private static ReadOnlySpan<byte> Take(string weight, byte[] data, ref long offset, long bytes)
    {
        if (offset + bytes > data.Length)
        {
            throw new FormatException($"weight data truncated: needs bytes {offset}..{offset + bytes} but the shards hold {data.Length} (is a .bin file incomplete?)");
        }

        var span = data.AsSpan((int)offset, (int)bytes);
        offset += bytes;
        return span;
    }

    private static ConstTensor Decode(string weight, int[] shape, string dtype, int count, byte[] data, ref long offset)
    {
        switch (dtype)
        {
            case "float32":
            {
                var src = Take(weight, data, ref offset, 4L * count);
                var values = new float[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                }

                return ConstTensor.Float(shape, values);
            }

            case "int32":
            {
                var src = Take(weight, data, ref offset, 4L * count);
                var values = new int[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]);
                }

                return ConstTensor.Int(shape, values);
            }

            case "bool":
            {
                var src = Take(weight, data, ref offset, count);
                var values = new bool[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = src[i] != 0;
                }

                return ConstTensor.Bool(shape, values);
            }

            default:
                throw new FormatException($"unsupported weight dtype '{dtype}'");
        }
    }

    private static ConstTensor Dequantize(string weight, int[] shape, string dtype, int count, JsonElement q, byte[] data, ref long offset)
    {
        var qType = q.GetProperty("dtype").GetString();
        var original = q.TryGetProperty("original_dtype", out var od) ? od.GetString() : dtype;
        float[] values;
        switch (qType)
        {
            case "float16":
            {
                var src = Take(weight, data, ref offset, 2L * count);
                values = new float[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(2 * i)..]);
                }

                break;
            }

            case "uint8" or "uint16":
            {
                // TF.js affine quantisation: value = q * scale + min, evaluated in float64 then stored as float32.
                var scale = q.GetProperty("scale").GetDouble();
                var min = q.GetProperty("min").GetDouble();
                var width = qType == "uint8" ? 1 : 2;
                var src = Take(weight, data, ref offset, (long)width * count);
                values = new float[count];
                for (var i = 0; i < count; i++)
                {
                    double raw = width == 1 ? src[i] : BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]);
                    values[i] = (float)((raw * scale) + min);
                }

                break;
            }

            default:
                throw new FormatException($"unsupported quantisation dtype '{qType}'");
        }

        if (original == "int32")
        {
            return ConstTensor.Int(shape, Array.ConvertAll(values, v => (int)Math.Floor(v + 0.5)) /* JS Math.round */);
        }

        return ConstTensor.Float(shape, values);
    }
}
