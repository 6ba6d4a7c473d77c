using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mien.Models;

/// <summary>
/// A user-supplied (or Mien-trained) ONNX expression model, declared by a JSON file beside it: the input (name, shape,
/// layout, colour, value range), the output (name, probabilities or logits), the labels in output order and an
/// optional SHA-256 of the ONNX file. <c>mien train expression</c> writes one (<c>model.json</c>); a lab writes one for
/// its own model (see docs/accuracy.md). Loaded through the same <see cref="OnnxModel"/> path as every other model.
/// </summary>
/// <param name="Id">Model id shown in reports.</param>
/// <param name="OnnxPath">Absolute path of the ONNX file.</param>
/// <param name="Sha256">Expected SHA-256 of the ONNX file (hex), or null to accept it as it is.</param>
/// <param name="Input">Input declaration (NHWC or NCHW; grey, rgb or bgr; range).</param>
/// <param name="OutputName">Output tensor name.</param>
/// <param name="OutputIsLogits">True when the output is logits (a softmax is applied), false for probabilities.</param>
/// <param name="Labels">Class names in output order (lower case; "happy", "angry"… are accepted for Mien's classes).</param>
public sealed record ExpressionModelSpec(string Id, string OnnxPath, string? Sha256, ModelInputSpec Input, string OutputName, bool OutputIsLogits, IReadOnlyList<string> Labels)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads and checks a declaration; the ONNX path inside it is relative to the JSON file.</summary>
    /// <exception cref="ModelStoreException">The file is missing, malformed, or declares something Mien cannot feed.</exception>
    public static ExpressionModelSpec Load(string jsonPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(jsonPath);
        var full = Path.GetFullPath(jsonPath);
        Document doc;
        try
        {
            doc = JsonSerializer.Deserialize<Document>(File.ReadAllText(full), JsonOptions) ?? throw new JsonException("empty document");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ModelStoreException(Path.GetFileName(full), $"cannot read the expression model declaration '{full}': {e.Message}", e);
        }

        var id = string.IsNullOrWhiteSpace(doc.Id) ? Path.GetFileNameWithoutExtension(full) : doc.Id;
        string Problem(string what) => $"expression model declaration '{full}': {what}";
        if (string.IsNullOrWhiteSpace(doc.Onnx))
        {
            throw new ModelStoreException(id, Problem("\"onnx\" (the model file, relative to the declaration) is missing"));
        }

        var onnx = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, doc.Onnx));
        if (!File.Exists(onnx))
        {
            throw new ModelStoreException(id, Problem($"the model file '{onnx}' does not exist"));
        }

        var input = doc.Input ?? throw new ModelStoreException(id, Problem("\"input\" is missing"));
        if (string.IsNullOrEmpty(input.Name) || input.Shape is not { Count: 4 })
        {
            throw new ModelStoreException(id, Problem("\"input\" needs a name and a 4-D shape (N×H×W×C for NHWC, N×C×H×W for NCHW; N may be -1)"));
        }

        var nchw = string.Equals(input.Layout, "NCHW", StringComparison.OrdinalIgnoreCase);
        if (!nchw && !string.Equals(input.Layout, "NHWC", StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelStoreException(id, Problem($"input layout '{input.Layout}' must be NHWC or NCHW"));
        }

        var (h, w, c) = nchw ? (input.Shape[2], input.Shape[3], input.Shape[1]) : (input.Shape[1], input.Shape[2], input.Shape[3]);
        var colour = (input.Colour ?? "").ToLowerInvariant();
        if (h is < 8 or > 1024 || h != w)
        {
            throw new ModelStoreException(id, Problem($"input is {h}×{w}; Mien feeds square face crops of 8–1024 pixels"));
        }

        if (!((colour == "grey" && c == 1) || (colour is "rgb" or "bgr" && c == 3)))
        {
            throw new ModelStoreException(id, Problem($"colour '{input.Colour}' with {c} channel(s): use grey with 1 channel, or rgb/bgr with 3"));
        }

        if (input.Range is not { Count: 2 } range || !(range[1] > range[0]) || !float.IsFinite(range[0]) || !float.IsFinite(range[1]))
        {
            throw new ModelStoreException(id, Problem("input \"range\" must be [low, high] with low < high, e.g. [-1, 1], [0, 1] or [0, 255]"));
        }

        var labels = doc.Labels ?? [];
        if (labels.Count < 2 || labels.Distinct(StringComparer.OrdinalIgnoreCase).Count() != labels.Count)
        {
            throw new ModelStoreException(id, Problem("\"labels\" must list at least two distinct class names in output order"));
        }

        var kind = (doc.Output?.Kind ?? "probabilities").ToLowerInvariant();
        if (kind is not ("probabilities" or "logits"))
        {
            throw new ModelStoreException(id, Problem($"output kind '{doc.Output?.Kind}' must be probabilities or logits"));
        }

        if (string.IsNullOrEmpty(doc.Output?.Name))
        {
            throw new ModelStoreException(id, Problem("\"output\" needs the name of the output tensor"));
        }

        var spec = new ModelInputSpec(input.Name, "float32", [-1, .. input.Shape.Skip(1)], nchw ? "NCHW" : "NHWC", colour, [range[0], range[1]]);
        return new ExpressionModelSpec(id, onnx, string.IsNullOrWhiteSpace(doc.Sha256) ? null : doc.Sha256, spec, doc.Output.Name, kind == "logits", [.. labels.Select(l => l.ToLowerInvariant())]);
    }

    /// <summary>Input side in pixels.</summary>
    public int Side => Input.Layout == "NCHW" ? Input.Shape[2] : Input.Shape[1];

    /// <summary>
    /// The artifact <see cref="OnnxModel.Load"/> takes: a descriptor built from the declaration, with the file's
    /// SHA-256 (checked against the declared one, so a swapped or damaged file fails here).
    /// </summary>
    /// <exception cref="ModelStoreException">The file's SHA-256 differs from the declared one.</exception>
    public ModelArtifact ToArtifact()
    {
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(OnnxPath)));
        if (Sha256 is not null && !string.Equals(actual, Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelStoreException(Id, $"'{OnnxPath}' has SHA-256 {actual}, its declaration expects {Sha256}: the file was changed or replaced");
        }

        var descriptor = new ModelDescriptor(Id, "user", "expression (user-supplied ONNX)", [], "float32", Input, [new ModelOutputSpec(OutputName, "float32", [-1, Labels.Count])]);
        return new ModelArtifact(descriptor, OnnxPath, new Dictionary<string, int>(), actual);
    }

    private sealed record Document(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("onnx")] string? Onnx,
        [property: JsonPropertyName("sha256")] string? Sha256,
        [property: JsonPropertyName("input")] InputDocument? Input,
        [property: JsonPropertyName("output")] OutputDocument? Output,
        [property: JsonPropertyName("labels")] List<string>? Labels);

    private sealed record InputDocument(string Name, List<int>? Shape, string? Layout, string? Colour, List<float>? Range);

    private sealed record OutputDocument(string? Name, string? Kind);
}
