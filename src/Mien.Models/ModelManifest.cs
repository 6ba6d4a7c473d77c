using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mien.Models;

/// <summary>The models Mien uses and where they come from (an embedded, versioned manifest).</summary>
public sealed class ModelManifest
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    private readonly Dictionary<string, ModelDescriptor> _byId;

    private ModelManifest(IReadOnlyDictionary<string, ModelPackage> packages, IReadOnlyList<ModelDescriptor> models)
    {
        Packages = packages;
        Models = models;
        _byId = models.ToDictionary(m => m.Id, StringComparer.Ordinal);
    }

    /// <summary>Registry packages, by the key models refer to.</summary>
    public IReadOnlyDictionary<string, ModelPackage> Packages { get; }

    /// <summary>All models, in manifest order.</summary>
    public IReadOnlyList<ModelDescriptor> Models { get; }

    /// <summary>The manifest built into Mien.</summary>
    public static ModelManifest Default { get; } = LoadEmbedded();

    /// <summary>The model with <paramref name="id"/>; throws with the list of known ids otherwise.</summary>
    public ModelDescriptor Get(string id) =>
        _byId.TryGetValue(id, out var m)
            ? m
            : throw new KeyNotFoundException($"Unknown model '{id}'. Known models: {string.Join(", ", _byId.Keys)}.");

    /// <summary>Whether a model with <paramref name="id"/> exists.</summary>
    public bool Contains(string id) => _byId.ContainsKey(id);

    /// <summary>Parses a manifest document (for tests and alternative model sets).</summary>
    public static ModelManifest Parse(string json)
    {
        var doc = JsonSerializer.Deserialize<ManifestDocument>(json, JsonOptions)
            ?? throw new FormatException("model manifest is empty");
        foreach (var m in doc.Models)
        {
            if (!doc.Packages.ContainsKey(m.Package))
            {
                throw new FormatException($"model '{m.Id}' refers to unknown package '{m.Package}'");
            }

            if (m.Files.Count == 0 || !m.Files[0].Path.EndsWith(".json", StringComparison.Ordinal))
            {
                throw new FormatException($"model '{m.Id}' must list its model.json first");
            }
        }

        return new ModelManifest(doc.Packages, doc.Models);
    }

    private static ModelManifest LoadEmbedded()
    {
        using var stream = typeof(ModelManifest).Assembly.GetManifestResourceStream("Mien.Models.models.manifest.json")
            ?? throw new InvalidOperationException("the embedded model manifest is missing from Mien.Models");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    private sealed record ManifestDocument(
        [property: JsonPropertyName("packages")] Dictionary<string, ModelPackage> Packages,
        [property: JsonPropertyName("models")] List<ModelDescriptor> Models);
}

/// <summary>An npm registry package that holds model files.</summary>
/// <param name="Name">npm package name.</param>
/// <param name="Version">Exact version.</param>
/// <param name="Integrity">The registry's dist.integrity of the tarball ("sha512-…").</param>
/// <param name="License">SPDX licence of the package.</param>
public sealed record ModelPackage(string Name, string Version, string Integrity, string License);

/// <summary>One model: its source files, purpose and interface.</summary>
public sealed record ModelDescriptor(
    string Id,
    string Package,
    string Purpose,
    IReadOnlyList<ModelFile> Files,
    string Weights,
    ModelInputSpec Input,
    IReadOnlyList<ModelOutputSpec> Outputs);

/// <summary>A file inside the package, with its expected SHA-256 (hex).</summary>
public sealed record ModelFile(string Path, string Sha256);

/// <summary>The model input and how images are prepared for it.</summary>
/// <param name="Name">Input tensor name.</param>
/// <param name="Type">Element type (float32 or int32).</param>
/// <param name="Shape">NHWC shape; -1 = any batch size.</param>
/// <param name="Layout">Always NHWC for TF.js models.</param>
/// <param name="Colour">rgb or grey.</param>
/// <param name="Range">Value range pixels are mapped to ([0,1], [-1,1] or [0,255]).</param>
public sealed record ModelInputSpec(string Name, string Type, IReadOnlyList<int> Shape, string Layout, string Colour, IReadOnlyList<float> Range);

/// <summary>A model output.</summary>
public sealed record ModelOutputSpec(string Name, string Type, IReadOnlyList<int> Shape);
