namespace Mien.Skin;

/// <summary>How colours are normalised for illumination before CIELAB statistics (see <c>docs/skin.md</c>).</summary>
public enum IlluminationNormalization
{
    /// <summary>Camera colours as they are (for calibrated set-ups with fixed exposure and white balance, and synthetic tests).</summary>
    None,

    /// <summary>
    /// Exposure and the light's colour from the whites of the eyes, a reference that belongs to the face: one gain
    /// per channel brings the lit sclera to a reference white. Nothing outside the face is looked at, so the
    /// backdrop cannot change the result. When the whites cannot be measured the camera's colours are kept (not
    /// guessed); when they say the correction would be large the frame is refused as <c>lighting</c>. The default.
    /// </summary>
    EyeWhites,
}

/// <summary>Settings of <see cref="SkinAnalyzer"/>: quality gates and the illumination normalisation. Defaults are documented in <c>docs/skin.md</c>.</summary>
public sealed record SkinAnalyzerOptions
{
    /// <summary>Illumination normalisation (default <see cref="IlluminationNormalization.EyeWhites"/>).</summary>
    public IlluminationNormalization Illumination { get; init; } = IlluminationNormalization.EyeWhites;

    /// <summary>Linear luminance the lit sclera is brought to (default 0.22: about the median over the development photos, so a typical photo is left as it is).</summary>
    public float ReferenceWhite { get; init; } = 0.22f;

    /// <summary>ln(R/G) of the reference white in linear light (default 0.15: about the median lit sclera in the development photos).</summary>
    public float WhiteLogRedGreen { get; init; } = 0.15f;

    /// <summary>ln(B/G) of the reference white in linear light (default −0.1).</summary>
    public float WhiteLogBlueGreen { get; init; } = -0.1f;

    /// <summary>Largest exposure correction, as a factor either way (default 2.5: about 1.3 stops); a face needing more is refused as <c>lighting</c>.</summary>
    public float MaxExposureCorrection { get; init; } = 2.5f;

    /// <summary>Largest correction of the light's colour, as a per-channel factor relative to green either way (default 1.5); a stronger cast is refused as <c>lighting</c>.</summary>
    public float MaxColourCorrection { get; init; } = 1.5f;

    /// <summary>Largest colour difference between the two eyes' whites, as a factor (default 1.25); beyond it they are not used as a reference.</summary>
    public float MaxEyeWhiteDisagreement { get; init; } = 1.25f;

    /// <summary>Smallest face width in the frame's own pixels (mesh 234–454) at which the eye whites are used (default 250): below it they are a few pixels blurred into the lids and their colour is the lids'.</summary>
    public float MinEyeWhiteFaceWidth { get; init; } = 250;

    /// <summary>Fewest eye-opening pixels outside the iris (canonical scale, ≈ mm²) for an eye's white to count (default 12).</summary>
    public int MinEyeWhitePixels { get; init; } = 12;

    /// <summary>Smallest median chroma C* of face skin before normalisation (default 4; skin in colour photos has about 8–30); below it the image is greyscale or nearly so and tone is refused as <c>greyscale</c>.</summary>
    public float MinSkinChroma { get; init; } = 4f;

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
        Check(Enum.IsDefined(Illumination), nameof(Illumination), Illumination, $"one of {string.Join(", ", Enum.GetNames<IlluminationNormalization>())}");
        Check(ReferenceWhite is > 0 and <= 1, nameof(ReferenceWhite), ReferenceWhite, "in (0, 1]");
        Check(MaxExposureCorrection is >= 1 and <= 16, nameof(MaxExposureCorrection), MaxExposureCorrection, "in [1, 16]");
        Check(MaxColourCorrection is >= 1 and <= 4, nameof(MaxColourCorrection), MaxColourCorrection, "in [1, 4]");
        Check(MaxEyeWhiteDisagreement is >= 1 and <= 4, nameof(MaxEyeWhiteDisagreement), MaxEyeWhiteDisagreement, "in [1, 4]");
        Check(MinEyeWhiteFaceWidth >= 0, nameof(MinEyeWhiteFaceWidth), MinEyeWhiteFaceWidth, "≥ 0");
        Check(MinEyeWhitePixels >= 1, nameof(MinEyeWhitePixels), MinEyeWhitePixels, "≥ 1");
        Check(MinSkinChroma is >= 0 and < 50, nameof(MinSkinChroma), MinSkinChroma, "in [0, 50)");
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
