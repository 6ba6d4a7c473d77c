using Mien.Results;

namespace Mien.Skin;

/// <summary>
/// Exact sRGB (IEC 61966-2-1) → CIE XYZ → CIELAB (D65) in float maths, and the ITA° skin-tone angle. Not OpenCV's
/// 8-bit Lab, which quantises L* to 100/255 and a*, b* to whole units and is not exact.
/// </summary>
public static class CieLab
{
    // D65 reference white (CIE 1931 2°), Y = 1.
    private const float Xn = 0.95047f;
    private const float Zn = 1.08883f;
    private const float Epsilon = 216f / 24389f;
    private const float Kappa = 24389f / 27f;

    private static readonly float[] LinearTable = BuildLinearTable();

    /// <summary>Linear-light value of an 8-bit sRGB code (exact formula, tabulated).</summary>
    public static float Linear(byte code) => LinearTable[code];

    /// <summary>Linear-light value of an sRGB value in [0, 1].</summary>
    public static float Linearise(float srgb) =>
        srgb <= 0.04045f ? srgb / 12.92f : MathF.Pow((srgb + 0.055f) / 1.055f, 2.4f);

    /// <summary>sRGB value in [0, 1] of a linear-light value (clamped to [0, 1]).</summary>
    public static float Encode(float linear)
    {
        linear = Math.Clamp(linear, 0f, 1f);
        return linear <= 0.0031308f ? linear * 12.92f : (1.055f * MathF.Pow(linear, 1f / 2.4f)) - 0.055f;
    }

    /// <summary>CIELAB of an 8-bit sRGB colour.</summary>
    public static LabColor FromSrgb(byte r, byte g, byte b) => FromLinear(Linear(r), Linear(g), Linear(b));

    /// <summary>CIELAB of linear-light sRGB primaries (values may exceed 1 after normalisation).</summary>
    public static LabColor FromLinear(float r, float g, float b)
    {
        // IEC 61966-2-1 matrix (sRGB primaries, D65).
        var x = ((0.4124564f * r) + (0.3575761f * g) + (0.1804375f * b)) / Xn;
        var y = (0.2126729f * r) + (0.7151522f * g) + (0.0721750f * b);
        var z = ((0.0193339f * r) + (0.1191920f * g) + (0.9503041f * b)) / Zn;
        float fx = F(x), fy = F(y), fz = F(z);
        return new LabColor((116f * fy) - 16f, 500f * (fx - fy), 200f * (fy - fz));
    }

    /// <summary>ITA° = atan2(L* − 50, b*) in degrees: the atan((L*−50)/b*) of Chardon et al. without division by zero.</summary>
    public static float Ita(float l, float b) => MathF.Atan2(l - 50f, b) * (180f / MathF.PI);

    /// <summary>The Chardon category of an ITA° value.</summary>
    public static ItaCategory Category(float ita) => ita switch
    {
        > 55f => ItaCategory.VeryLight,
        > 41f => ItaCategory.Light,
        > 28f => ItaCategory.Intermediate,
        > 10f => ItaCategory.Tan,
        > -30f => ItaCategory.Brown,
        _ => ItaCategory.Dark,
    };

    private static float F(float t) => t > Epsilon ? MathF.Cbrt(t) : ((Kappa * t) + 16f) / 116f;

    private static float[] BuildLinearTable()
    {
        var table = new float[256];
        for (var i = 0; i < 256; i++)
        {
            table[i] = Linearise(i / 255f);
        }

        return table;
    }
}
