namespace Mien.Skin;

/// <summary>
/// Redness that does not follow pigmentation. The erythema index EI = 100·log10(R/G) rises with melanin as well as
/// with blood (melanin absorbs green more than red), so on its own it calls darker skin "red". Here the EI a skin of
/// the same lightness is expected to have is subtracted: the expectation is the EI of the Monk Skin Tone swatches
/// (Google's scale of skin colours without visible redness), interpolated linearly in L* between the swatches and
/// held flat beyond the lightest and darkest. The result is in EI units: 0 is as red as the scale's skin of that
/// lightness, +10 is about a 25 % higher red/green ratio.
/// </summary>
public static class SkinRedness
{
    // (L*, EI) of MST 1…10 sorted by L*, from MonkSkinTone's published sRGB values.
    private static readonly (float L, float Ei)[] Curve = BuildCurve();

    /// <summary>The erythema index expected for skin of lightness <paramref name="lightness"/> (L*).</summary>
    public static float Expected(float lightness)
    {
        if (!float.IsFinite(lightness))
        {
            return float.NaN;
        }

        if (lightness <= Curve[0].L)
        {
            return Curve[0].Ei;
        }

        for (var i = 1; i < Curve.Length; i++)
        {
            if (lightness <= Curve[i].L)
            {
                var t = (lightness - Curve[i - 1].L) / (Curve[i].L - Curve[i - 1].L);
                return Curve[i - 1].Ei + (t * (Curve[i].Ei - Curve[i - 1].Ei));
            }
        }

        return Curve[^1].Ei;
    }

    /// <summary>Erythema index <paramref name="erythemaIndex"/> minus the one expected at <paramref name="lightness"/>; null when either is not finite.</summary>
    public static float? Relative(float lightness, float erythemaIndex)
    {
        var expected = Expected(lightness);
        return float.IsFinite(expected) && float.IsFinite(erythemaIndex) ? erythemaIndex - expected : null;
    }

    private static (float L, float Ei)[] BuildCurve()
    {
        var points = new List<(float L, float Ei)>();
        foreach (var hex in MonkSkinTone.Hex)
        {
            var rgb = Convert.FromHexString(hex.AsSpan(1));
            var lab = CieLab.FromSrgb(rgb[0], rgb[1], rgb[2]);
            points.Add((lab.L, 100 * MathF.Log10(CieLab.Linear(rgb[0]) / CieLab.Linear(rgb[1]))));
        }

        // MST 2 is a little darker than MST 3; sorting keeps the interpolation well defined.
        return [.. points.OrderBy(p => p.L)];
    }
}
