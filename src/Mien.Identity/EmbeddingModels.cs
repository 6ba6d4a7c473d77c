namespace Mien.Identity;

/// <summary>How 8-bit RGB pixels are mapped to a model's input values.</summary>
public enum PixelRange
{
    /// <summary>v / 255 (how Human feeds mobilefacenet).</summary>
    ZeroToOne,

    /// <summary>v / 127.5 − 1.</summary>
    MinusOneToOne,

    /// <summary>v as it is (how Human feeds faceres).</summary>
    ZeroTo255,

    /// <summary>(v − 127.5) / 128, the InsightFace/ArcFace convention MobileFaceNet ports usually train with.</summary>
    ArcFace,
}

/// <summary>One embedding model of the manifest: its input side, descriptor output and the defaults measured in docs/identity.md.</summary>
/// <param name="ModelId">The manifest id.</param>
/// <param name="InputSize">Side of the square RGB input.</param>
/// <param name="OutputName">The descriptor output.</param>
/// <param name="Dimensions">Descriptor length.</param>
/// <param name="Range">Default pixel range (chosen by measured same/different-person separation).</param>
/// <param name="CropScale">Default crop side relative to the mesh's extent in the eye-aligned frame.</param>
public sealed record EmbeddingModel(string ModelId, int InputSize, string OutputName, int Dimensions, PixelRange Range, float CropScale)
{
    /// <summary>
    /// MobileFaceNet (becauseofAI MobileFace via Human): 112×112, 192-d. Best measured setting: [0, 1] as Human feeds
    /// it, on a loose crop (1.8× the mesh extent); the ArcFace convention and tight crops separate people worse. Its
    /// descriptors share one large component (every cosine similarity measured lies within 0.9997–1.0), so thresholds
    /// on it are fragile (docs/identity.md).
    /// </summary>
    public static EmbeddingModel MobileFaceNet { get; } = new("mobilefacenet", 112, "embeddings", 192, PixelRange.ZeroToOne, 1.8f);

    /// <summary>
    /// HSE FaceRes (Savchenko's MobileNet age/gender/identity network via Human): 224×224, 1024-d global pooling.
    /// Best measured setting: raw [0, 255] pixels as Human feeds it (every scaled range collapses it: EER 18–38 %
    /// instead of 1–3 %), crop 1.2× the mesh extent (docs/identity.md).
    /// </summary>
    public static EmbeddingModel FaceRes { get; } = new("faceres", 224, "global_pooling/Mean", 1024, PixelRange.ZeroTo255, 1.2f);

    /// <summary>The models that can embed faces, by manifest id.</summary>
    public static IReadOnlyList<EmbeddingModel> All { get; } = [MobileFaceNet, FaceRes];

    /// <summary>The model with manifest id <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentException">No embedding model has that id.</exception>
    public static EmbeddingModel ById(string id)
    {
        foreach (var m in All)
        {
            if (string.Equals(m.ModelId, id, StringComparison.OrdinalIgnoreCase))
            {
                return m;
            }
        }

        throw new ArgumentException($"embedding model '{id}' is unknown (known: {string.Join(", ", All.Select(m => m.ModelId))})", nameof(id));
    }
}
