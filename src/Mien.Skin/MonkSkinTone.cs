using Mien.Results;

namespace Mien.Skin;

/// <summary>
/// The Monk Skin Tone scale (Google, CC-BY 4.0): ten reference swatches, matched in CIELAB.
/// </summary>
/// <remarks>
/// The swatch sRGB values are Google's published MST hex codes (checked against the official swatch PNGs in a
/// test). Matching is nearest swatch by CIE76 ΔE*ab; the confidence is the Gaussian-kernel share of the chosen
/// swatch, exp(−ΔE²/2σ²) normalised over all ten with σ = 6 ΔE (about half the median gap between neighbouring
/// swatches, 12 ΔE), so a colour midway between two swatches gets about 0.5 and a colour on a swatch close to 1.
/// It says how clearly one swatch fits, not how accurate the camera colour is.
/// </remarks>
public static class MonkSkinTone
{
    private const float Sigma = 6f;

    /// <summary>sRGB hex codes of MST 1…10.</summary>
    public static IReadOnlyList<string> Hex { get; } = ["#f6ede4", "#f3e7db", "#f7ead0", "#eadaba", "#d7bd96", "#a07e56", "#825c43", "#604134", "#3a312a", "#292420"];

    /// <summary>CIELAB of MST 1…10 (index 0 is MST 1).</summary>
    public static IReadOnlyList<LabColor> Lab { get; } = [.. Hex.Select(ToLab)];

    /// <summary>The nearest MST index (1–10) to <paramref name="color"/> and its confidence in (0, 1].</summary>
    public static (int Index, float Confidence) Nearest(LabColor color)
    {
        Span<float> weights = stackalloc float[10];
        var best = 0;
        var bestDistance = float.MaxValue;
        for (var i = 0; i < 10; i++)
        {
            var d = color.DeltaE(Lab[i]);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = i;
            }

            weights[i] = d;
        }

        // Relative to the best distance so the exponentials never all underflow far from the scale.
        float sum = 0;
        for (var i = 0; i < 10; i++)
        {
            var excess = (weights[i] * weights[i]) - (bestDistance * bestDistance);
            weights[i] = MathF.Exp(-excess / (2 * Sigma * Sigma));
            sum += weights[i];
        }

        return (best + 1, weights[best] / sum);
    }

    private static LabColor ToLab(string hex)
    {
        var rgb = Convert.FromHexString(hex.AsSpan(1));
        return CieLab.FromSrgb(rgb[0], rgb[1], rgb[2]);
    }
}
