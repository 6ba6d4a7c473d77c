namespace Mien.Skin;

/// <summary>How colours are normalised for illumination before CIELAB statistics (see <c>docs/skin.md</c>).</summary>
public enum IlluminationNormalization
{
    /// <summary>Camera colours as they are (for calibrated set-ups and synthetic tests).</summary>
    None,

    /// <summary>
    /// Exposure and tone curve only: the frame's log-luminance mean and SD outside the face are brought to
    /// references by one gain and one power applied to all channels alike, so hue is left as the camera's white
    /// balance made it. The default: on real photos grey-world's cast estimate moved skin further than the casts it
    /// removed (see docs/skin.md).
    /// </summary>
    Exposure,

    /// <summary>
    /// Grey-world in linear light on the whole frame, using each channel's geometric mean: removes exposure gain
    /// and colour casts (any diagonal von Kries change) exactly, up to clipping.
    /// </summary>
    GreyWorld,

    /// <summary>
    /// <see cref="GreyWorld"/> plus a contrast (power-law) normalisation: the SD of log luminance is brought to a
    /// reference, which also removes tone-curve (gamma) changes.
    /// </summary>
    GreyWorldContrast,
}

/// <summary>Settings of <see cref="SkinAnalyzer"/>: quality gates and the illumination normalisation. Defaults are documented in <c>docs/skin.md</c>.</summary>
public sealed record SkinAnalyzerOptions
{
    /// <summary>Illumination normalisation (default <see cref="IlluminationNormalization.Exposure"/>).</summary>
    public IlluminationNormalization Illumination { get; init; } = IlluminationNormalization.Exposure;

    /// <summary>Geometric-mean linear grey the frame is normalised to (default 0.18, photographic middle grey).</summary>
    public float ReferenceGrey { get; init; } = 0.18f;

    /// <summary>SD of natural-log luminance the frame's contrast is normalised to: the interquartile range of the green channel's natural-log linear values outside the face (default 1.2).</summary>
    public float ReferenceLogContrast { get; init; } = 1.2f;

    /// <summary>Smallest face width in frame pixels (mesh 234–454) that is measured (default 80).</summary>
    public float MinFaceWidth { get; init; } = 80;

    /// <summary>Largest |yaw| in degrees (default 25).</summary>
    public float MaxYaw { get; init; } = 25;

    /// <summary>Largest |pitch| in degrees (default 20).</summary>
    public float MaxPitch { get; init; } = 20;

    /// <summary>Darkest acceptable median L* of face skin before normalisation (default 20).</summary>
    public float MinLightness { get; init; } = 20;

    /// <summary>Brightest acceptable median L* of face skin before normalisation (default 92).</summary>
    public float MaxLightness { get; init; } = 92;

    /// <summary>Largest share of clipped face-skin pixels (default 0.15).</summary>
    public float MaxClippedFraction { get; init; } = 0.15f;

    /// <summary>Smallest sharpness (RMS Laplacian of L* at the canonical scale, default 0.2).</summary>
    public float MinSharpness { get; init; } = 0.2f;

    /// <summary>Smallest usable share of the regions' polygon pixels before the face counts as occluded (default 0.4).</summary>
    public float MinUsableSkinFraction { get; init; } = 0.4f;

    /// <summary>Fewest usable pixels (canonical scale, ≈ mm²) for a region to be measured (default 120).</summary>
    public int MinRegionPixels { get; init; } = 120;

    /// <summary>Checks every value; the message names the option, the value and the constraint.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        Check(ReferenceGrey is > 0 and < 1, nameof(ReferenceGrey), ReferenceGrey, "in (0, 1)");
        Check(ReferenceLogContrast is > 0.1f and < 5, nameof(ReferenceLogContrast), ReferenceLogContrast, "in (0.1, 5)");
        Check(MinFaceWidth is >= 16 and <= 4096, nameof(MinFaceWidth), MinFaceWidth, "in [16, 4096]");
        Check(MaxYaw is > 0 and <= 90, nameof(MaxYaw), MaxYaw, "in (0, 90]");
        Check(MaxPitch is > 0 and <= 90, nameof(MaxPitch), MaxPitch, "in (0, 90]");
        Check(MinLightness >= 0 && MinLightness < MaxLightness && MaxLightness <= 100, nameof(MinLightness), MinLightness, $"in [0, {nameof(MaxLightness)}) and {nameof(MaxLightness)} ≤ 100");
        Check(MaxClippedFraction is >= 0 and <= 1, nameof(MaxClippedFraction), MaxClippedFraction, "in [0, 1]");
        Check(MinSharpness >= 0, nameof(MinSharpness), MinSharpness, "≥ 0");
        Check(MinUsableSkinFraction is >= 0 and <= 1, nameof(MinUsableSkinFraction), MinUsableSkinFraction, "in [0, 1]");
        Check(MinRegionPixels >= 1, nameof(MinRegionPixels), MinRegionPixels, "≥ 1");
    }

    private static void Check(bool ok, string name, object value, string constraint)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{nameof(SkinAnalyzerOptions)}.{name} = {value} must be {constraint}.");
        }
    }
}
