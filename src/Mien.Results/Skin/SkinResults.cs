namespace Mien.Results;

/// <summary>Skin areas measured on the face. Right and left are the subject's sides.</summary>
public enum SkinRegion
{
    /// <summary>Forehead between brows and the top of the mesh (hair and fringe removed by the skin-colour model).</summary>
    Forehead,

    /// <summary>The subject's right cheek apple.</summary>
    RightCheek,

    /// <summary>The subject's left cheek apple.</summary>
    LeftCheek,

    /// <summary>The nose (nostrils removed by the skin-colour model).</summary>
    Nose,

    /// <summary>Chin below the lower-lip fold.</summary>
    Chin,

    /// <summary>The subject's right infra-orbital skin: below the lower lashes, above the cheek.</summary>
    RightUnderEye,

    /// <summary>The subject's left infra-orbital skin.</summary>
    LeftUnderEye,
}

/// <summary>Why a frame or a region was not measured: a stable machine code and a sentence for people.</summary>
/// <param name="Code">Machine code, e.g. <c>face-too-small</c>.</param>
/// <param name="Message">Human sentence with the measured value and the limit, e.g. "face is 38 px wide, needs ≥ 80".</param>
public sealed record SkinIssue(string Code, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>Frame-level quality of one face's skin measurement.</summary>
/// <param name="IsUsable">True when the face-level numbers can be trusted (no blocking reason).</param>
/// <param name="Reasons">Why not (empty when usable).</param>
/// <param name="Weight">Weight in [0, 1] for aggregation over frames (0 when unusable): sharpness × pose × usable-skin share.</param>
/// <param name="FaceWidthPx">Face width in frame pixels (mesh points 234–454).</param>
/// <param name="Sharpness">RMS of the Laplacian of L* on face skin at the canonical scale (L* units); below 0.2 counts as blurred.</param>
/// <param name="MedianLightness">Median L* of face skin before illumination normalisation.</param>
/// <param name="ClippedFraction">Share of face-skin pixels with a channel at 250 or more (or 5 or less) before normalisation.</param>
/// <param name="UsableSkinFraction">Share of the regions' polygon pixels kept by the skin-colour model.</param>
/// <param name="Colour">What set the colours of the measurement (null when the frame was refused before the illuminant was estimated).</param>
public sealed record SkinQuality(
    bool IsUsable,
    IReadOnlyList<SkinIssue> Reasons,
    float Weight,
    float FaceWidthPx,
    float Sharpness,
    float MedianLightness,
    float ClippedFraction,
    float UsableSkinFraction,
    SkinColourCorrection? Colour = null);

/// <summary>What the colours of a skin measurement were referenced to.</summary>
public enum SkinColourReference
{
    /// <summary>The whites of the eyes: exposure and any per-channel colour cast removed.</summary>
    EyeWhites,

    /// <summary>The camera's own exposure and white balance, kept because no reference could be trusted (or normalisation is off): a colour cast of the light moves the tone.</summary>
    Camera,
}

/// <summary>
/// How one frame's skin colours were normalised — the difference between a colour-constant tone and the camera's.
/// </summary>
/// <param name="Reference">Eye whites or the camera's colours.</param>
/// <param name="Note">Why the camera's colours were kept, with the measured value and the limit (null with the eye whites).</param>
/// <param name="Exposure">Gain that brought the whites of the eyes to the reference white (1 with the camera's colours).</param>
/// <param name="RedCast">Red cast the whites showed relative to green and to a typical sclera (×; 1 = none, 1 with the camera's colours).</param>
/// <param name="BlueCast">Blue cast, the same way.</param>
public sealed record SkinColourCorrection(SkinColourReference Reference, string? Note, float Exposure, float RedCast, float BlueCast)
{
    /// <summary>The camera's colours kept, and why.</summary>
    public static SkinColourCorrection Camera(string note) => new(SkinColourReference.Camera, note, 1, 1, 1);
}

/// <summary>Colour and tone of a skin area (after illumination normalisation).</summary>
/// <param name="Median">Per-channel median L*, a*, b*.</param>
/// <param name="Mean">Mean L*, a*, b*.</param>
/// <param name="Ita">ITA° of the median colour (degrees).</param>
/// <param name="Category">Chardon category of <paramref name="Ita"/>.</param>
/// <param name="Monk">Nearest Monk Skin Tone (1–10) of the median colour.</param>
/// <param name="MonkConfidence">Kernel share of that swatch in (0, 1] (see Mien.Skin.MonkSkinTone).</param>
public sealed record SkinTone(LabColor Median, LabColor Mean, float Ita, ItaCategory Category, int Monk, float MonkConfidence);

/// <summary>
/// Measurements of one region in one frame. Values are null when the region is unusable (<see cref="Issue"/> says why).
/// Units: see <c>docs/skin.md</c>; the canonical scale is 64 px between the eye centres (≈ 1 px per mm).
/// </summary>
/// <param name="Region">Which area.</param>
/// <param name="PolygonPixels">Pixels inside the mesh polygon after removing eyes, brows and lips (canonical scale).</param>
/// <param name="UsablePixels">Pixels kept for colour statistics (skin-colour model, no highlights, no clipping).</param>
/// <param name="Issue">Why the region was not measured, or null.</param>
/// <param name="Tone">CIELAB statistics, ITA° and Monk tone.</param>
/// <param name="Roughness">RMS of L* minus its Gaussian (σ = 2 px) blur over usable pixels (L* units).</param>
/// <param name="LineDensity">Share of usable pixels (%) on dark line-like valleys (Hessian ridge filter, σ = 1.5 px; horizontal only on the forehead).</param>
/// <param name="ErythemaIndex">100 · log10(R̄/Ḡ) of mean linear red and green (Dawson/Diffey-style erythema index, relative units).</param>
/// <param name="SpotCount">Dark or red blobs of 3–150 px (≈ mm²) at least 7 L* darker or 7 a* redder than their surroundings.</param>
/// <param name="SpotAreaPercent">Their area as % of the polygon pixels.</param>
/// <param name="ShineFraction">Specular-highlight pixels as % of polygon pixels (bright and desaturated relative to the face).</param>
public sealed record SkinRegionMeasurement(
    SkinRegion Region,
    int PolygonPixels,
    int UsablePixels,
    SkinIssue? Issue,
    SkinTone? Tone,
    float? Roughness,
    float? LineDensity,
    float? ErythemaIndex,
    int? SpotCount,
    float? SpotAreaPercent,
    float? ShineFraction);

/// <summary>Face-level values of one frame, pooled over the usable regions (under-eyes only in <see cref="UnderEyeDarkness"/>).</summary>
/// <param name="Tone">Tone of the pooled forehead, cheek, nose and chin pixels.</param>
/// <param name="Roughness">Pooled roughness (L* units).</param>
/// <param name="ForeheadLineDensity">Forehead horizontal line density (%), null when the forehead is unusable.</param>
/// <param name="UnderEyeLineDensity">Mean under-eye line density (%), null when neither under-eye is usable.</param>
/// <param name="ErythemaIndex">Pooled erythema index.</param>
/// <param name="SpotCount">Spots over all usable regions.</param>
/// <param name="SpotAreaPercent">Spot area as % of the usable regions' polygon pixels.</param>
/// <param name="ShineFraction">Highlight pixels as % of polygon pixels.</param>
/// <param name="UnderEyeDarkness">Median L* of the cheek minus that of the under-eye on the same side, averaged over usable sides (L*; positive = darker under the eyes).</param>
public sealed record SkinFaceMeasurement(
    SkinTone Tone,
    float Roughness,
    float? ForeheadLineDensity,
    float? UnderEyeLineDensity,
    float ErythemaIndex,
    int SpotCount,
    float SpotAreaPercent,
    float ShineFraction,
    float? UnderEyeDarkness);

/// <summary>One face's skin analysis in one frame. <see cref="Face"/> is null when <see cref="SkinQuality.IsUsable"/> is false.</summary>
/// <param name="Quality">Usable or not, and why.</param>
/// <param name="Regions">Per-region measurements (empty when the face could not be located).</param>
/// <param name="Face">Face-level values, or null.</param>
public sealed record SkinFrame(SkinQuality Quality, IReadOnlyList<SkinRegionMeasurement> Regions, SkinFaceMeasurement? Face);
