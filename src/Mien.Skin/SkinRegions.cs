using Mien.Faces.Geometry;

using Mien.Results;

namespace Mien.Skin;

/// <summary>Mesh polygons of the skin regions and of the features cut out of them.</summary>
/// <remarks>
/// Forehead, cheeks, nose and chin are <see cref="FaceRegions"/>' rings. MediaPipe has no under-eye region; it is
/// the band between the second and fourth rings below each eye in MediaPipe's mesh annotations
/// (rightEyeLower1 25…112 without the corners, and rightEyeLower3 111…121), which keeps the lashes out and shares
/// its lower edge with the cheek ring (117…120). Left rings mirror the right ones.
/// </remarks>
internal static class SkinRegions
{
    private static readonly int[] RightUnderEyeRing = [25, 110, 24, 23, 22, 26, 112, 121, 120, 119, 118, 117, 111];

    private static readonly int[] LeftUnderEyeRing = [255, 339, 254, 253, 252, 256, 341, 350, 349, 348, 347, 346, 340];

    /// <summary>Features removed from every region (eyes, brows, lips).</summary>
    public static IReadOnlyList<FaceRegion> Excluded { get; } = [FaceRegion.RightEye, FaceRegion.LeftEye, FaceRegion.RightBrow, FaceRegion.LeftBrow, FaceRegion.Mouth];

    /// <summary>Every skin region, in enum order.</summary>
    public static IReadOnlyList<SkinRegion> All { get; } = Enum.GetValues<SkinRegion>();

    /// <summary>Regions pooled into face-level tone and texture (the under-eyes are darker by nature and reported apart).</summary>
    public static bool IsPooled(SkinRegion region) => region is not (SkinRegion.RightUnderEye or SkinRegion.LeftUnderEye);

    /// <summary>The mesh ring of <paramref name="region"/>.</summary>
    public static ReadOnlySpan<int> Ring(SkinRegion region) => region switch
    {
        SkinRegion.Forehead => FaceRegions.Indices(FaceRegion.Forehead),
        SkinRegion.RightCheek => FaceRegions.Indices(FaceRegion.RightCheek),
        SkinRegion.LeftCheek => FaceRegions.Indices(FaceRegion.LeftCheek),
        SkinRegion.Nose => FaceRegions.Indices(FaceRegion.Nose),
        SkinRegion.Chin => FaceRegions.Indices(FaceRegion.Chin),
        SkinRegion.RightUnderEye => RightUnderEyeRing,
        SkinRegion.LeftUnderEye => LeftUnderEyeRing,
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, "not a SkinRegion"),
    };

    /// <summary>Kebab-case name for files and JSON (e.g. <c>right-cheek</c>).</summary>
    public static string Name(SkinRegion region) => region switch
    {
        SkinRegion.Forehead => "forehead",
        SkinRegion.RightCheek => "right-cheek",
        SkinRegion.LeftCheek => "left-cheek",
        SkinRegion.Nose => "nose",
        SkinRegion.Chin => "chin",
        SkinRegion.RightUnderEye => "right-under-eye",
        SkinRegion.LeftUnderEye => "left-under-eye",
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, "not a SkinRegion"),
    };
}
