using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mien.ModelImport.Tfjs;

/// <summary>One node of a TF GraphDef as TF.js serialises it in model.json.</summary>
internal sealed class TfNode
{
    public TfNode(string name, string op, string[] inputs, Dictionary<string, JsonElement> attr)
    {
        Name = name;
        Op = op;
        Inputs = inputs;
        Attr = attr;
    }

    public string Name { get; }

    public string Op { get; }

    /// <summary>Data inputs ("node" or "node:k"); control inputs ("^node") are dropped at parse time.</summary>
    public string[] Inputs { get; }

    public Dictionary<string, JsonElement> Attr { get; }

    public bool Has(string name) => Attr.ContainsKey(name);

    public long GetInt(string name, long fallback)
    {
        if (!Attr.TryGetValue(name, out var v) || !v.TryGetProperty("i", out var i))
        {
            return fallback;
        }

        return ParseLong(i);
    }

    public bool GetBool(string name, bool fallback) =>
        Attr.TryGetValue(name, out var v) && v.TryGetProperty("b", out var b) ? b.GetBoolean() : fallback;

    public float GetFloat(string name, float fallback)
    {
        if (!Attr.TryGetValue(name, out var v) || !v.TryGetProperty("f", out var f))
        {
            return fallback;
        }

        return f.ValueKind == JsonValueKind.String
            ? float.Parse(f.GetString()!, CultureInfo.InvariantCulture)
            : f.GetSingle();
    }

    public string? GetString(string name) =>
        Attr.TryGetValue(name, out var v) && v.TryGetProperty("s", out var s)
            ? Encoding.UTF8.GetString(s.GetBytesFromBase64())
            : null;

    public string? GetTypeName(string name) =>
        Attr.TryGetValue(name, out var v) && v.TryGetProperty("type", out var t) ? t.GetString() : null;

    public long[] GetInts(string name)
    {
        if (!Attr.TryGetValue(name, out var v) || !v.TryGetProperty("list", out var list) || !list.TryGetProperty("i", out var items))
        {
            return [];
        }

        var result = new long[items.GetArrayLength()];
        var k = 0;
        foreach (var item in items.EnumerateArray())
        {
            result[k++] = ParseLong(item);
        }

        return result;
    }

    public string[] GetStrings(string name)
    {
        if (!Attr.TryGetValue(name, out var v) || !v.TryGetProperty("list", out var list) || !list.TryGetProperty("s", out var items))
        {
            return [];
        }

        var result = new List<string>();
        foreach (var item in items.EnumerateArray())
        {
            result.Add(Encoding.UTF8.GetString(item.GetBytesFromBase64()));
        }

        return [.. result];
    }

    /// <summary>The static shape in a "shape" attribute (Placeholder); -1 marks unknown dims, null an unknown rank.</summary>
    public int[]? GetShape(string name)
    {
        if (!Attr.TryGetValue(name, out var v) || !v.TryGetProperty("shape", out var shape))
        {
            return null;
        }

        if (shape.TryGetProperty("unknownRank", out var ur) && ur.GetBoolean())
        {
            return null;
        }

        if (!shape.TryGetProperty("dim", out var dims))
        {
            return [];
        }

        var result = new List<int>();
        foreach (var d in dims.EnumerateArray())
        {
            result.Add(d.TryGetProperty("size", out var size) ? checked((int)ParseLong(size)) : -1);
        }

        return [.. result];
    }

    private static long ParseLong(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? long.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetInt64();
}
