namespace Mien.Results;

/// <summary>A CIELAB colour (D65 white, 2° observer): L* in [0, 100], a* green(−)…red(+), b* blue(−)…yellow(+).</summary>
/// <param name="L">Lightness L*.</param>
/// <param name="A">a*: positive is redder.</param>
/// <param name="B">b*: positive is yellower.</param>
public readonly record struct LabColor(float L, float A, float B)
{
    /// <summary>Chroma C*ab = √(a*² + b*²).</summary>
    public float Chroma => MathF.Sqrt((A * A) + (B * B));

    /// <summary>Individual typology angle in degrees: atan2(L* − 50, b*) · 180/π (Chardon et al. 1991).</summary>
    public float Ita => MathF.Atan2(L - 50, B) * (180 / MathF.PI);

    /// <summary>CIE76 colour difference ΔE*ab to <paramref name="other"/>.</summary>
    public float DeltaE(LabColor other)
    {
        float dl = L - other.L, da = A - other.A, db = B - other.B;
        return MathF.Sqrt((dl * dl) + (da * da) + (db * db));
    }
}

/// <summary>ITA° categories of Chardon et al. (1991), as used in dermatology and cosmetics.</summary>
public enum ItaCategory
{
    /// <summary>ITA° &gt; 55.</summary>
    VeryLight,

    /// <summary>41 &lt; ITA° ≤ 55.</summary>
    Light,

    /// <summary>28 &lt; ITA° ≤ 41.</summary>
    Intermediate,

    /// <summary>10 &lt; ITA° ≤ 28.</summary>
    Tan,

    /// <summary>−30 &lt; ITA° ≤ 10.</summary>
    Brown,

    /// <summary>ITA° ≤ −30.</summary>
    Dark,
}
