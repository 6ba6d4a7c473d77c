using Mien.Results;

namespace Mien.Faces.Geometry;

/// <summary>Named areas of the face. Right and left are the subject's sides (see <see cref="MeshIndices"/>).</summary>
public enum FaceRegion
{
    /// <summary>The whole face outline (MediaPipe's FACEMESH_FACE_OVAL).</summary>
    FaceOval,

    /// <summary>Skin between the brows and the top of the mesh.</summary>
    Forehead,

    /// <summary>The subject's right eyebrow.</summary>
    RightBrow,

    /// <summary>The subject's left eyebrow.</summary>
    LeftBrow,

    /// <summary>The subject's right eye opening (lid margins).</summary>
    RightEye,

    /// <summary>The subject's left eye opening (lid margins).</summary>
    LeftEye,

    /// <summary>The nose from the bridge between the eyes to the nostrils.</summary>
    Nose,

    /// <summary>The subject's right cheek: below the eye, beside the nose, above the mouth corner.</summary>
    RightCheek,

    /// <summary>The subject's left cheek.</summary>
    LeftCheek,

    /// <summary>The lips (outer lip contour, MediaPipe's FACEMESH_LIPS outer ring).</summary>
    Mouth,

    /// <summary>Chin below the lower lip, down to the bottom of the face oval.</summary>
    Chin,
}

/// <summary>
/// Closed polygons over the face mesh, as index rings: each ring lists its vertices once, in order, clockwise on
/// screen for an unmirrored upright face (positive shoelace area with y down); the edge from the last vertex back
/// to the first closes it.
/// </summary>
/// <remarks>
/// <para>From MediaPipe's published connection sets (<c>mediapipe/python/solutions/face_mesh_connections.py</c>),
/// each set's edges chained into one ring: <see cref="FaceRegion.FaceOval"/> (FACEMESH_FACE_OVAL),
/// <see cref="FaceRegion.RightEye"/>/<see cref="FaceRegion.LeftEye"/> (FACEMESH_RIGHT_EYE/LEFT_EYE),
/// <see cref="FaceRegion.RightBrow"/>/<see cref="FaceRegion.LeftBrow"/> (FACEMESH_RIGHT_EYEBROW/LEFT_EYEBROW: upper
/// edge one way, lower edge back) and <see cref="FaceRegion.Mouth"/> (the outer ring of FACEMESH_LIPS).</para>
/// <para>MediaPipe defines no forehead, cheeks or chin, and its FACEMESH_NOSE covers only the lower nose, so Mien
/// builds these from mesh vertices, sharing edges with their neighbours instead of overlapping them, and checked
/// them drawn over real faces:</para>
/// <list type="bullet">
/// <item><see cref="FaceRegion.Forehead"/>: along the brows' upper edges (without their outer ends 70/300) and the
/// glabella (9), up to the top of the face oval (103…10…332), which lies at or just below the hairline on an
/// uncovered forehead. Its lower-outer corners (104, 333) stay inside the oval's temple points (54, 284), where
/// hair often reaches down. A fringe still covers it; skin measures should check the pixels.</item>
/// <item><see cref="FaceRegion.Nose"/>: from the bridge between the eyes (168) down the nose's side walls to the
/// alar creases and round under the nostrils (2).</item>
/// <item><see cref="FaceRegion.RightCheek"/>/<see cref="FaceRegion.LeftCheek"/>: the cheek's apple, below the
/// second ring under the lower lid (117…120), beside the nose wall (100, 142), above the nasolabial area (36, 206,
/// 216) and closed laterally through 207 and 50. They touch neither eye, nose nor mouth. The outer row
/// (116, 123, 147, 187) is left out on purpose: on a face turned by 15° it already lies on the far side's
/// silhouette, and a cheek polygon reaching it took in background.</item>
/// <item><see cref="FaceRegion.Chin"/>: from the fold below the lower lip (83, 18, 313) down to the bottom of the
/// oval (148, 152, 377).</item>
/// </list>
/// <para>Left-side rings are the exact mirrors of the right-side ones in MediaPipe's canonical face model,
/// reversed to keep the winding. On a turned face the far side's regions are foreshortened and may be partly
/// hidden (the mesh covers occluded skin too), and the oval stops being the outline: its side points lie at the
/// ears and, in the image, rotate inside the far cheek, brow and eye (on the group photos from about 15° of yaw).</para>
/// </remarks>
public static class FaceRegions
{
    private static readonly int[] FaceOvalRing =
    [
        10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
        152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
    ];

    private static readonly int[] ForeheadRing =
    [
        10, 338, 297, 332, 333, 293, 334, 296, 336, 9, 107, 66, 105, 63, 104, 103, 67, 109,
    ];

    private static readonly int[] RightBrowRing = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46];

    private static readonly int[] LeftBrowRing = [300, 276, 283, 282, 295, 285, 336, 296, 334, 293];

    private static readonly int[] RightEyeRing = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7];

    private static readonly int[] LeftEyeRing = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466];

    private static readonly int[] NoseRing =
    [
        168, 351, 419, 456, 420, 360, 279, 358, 327, 326, 2, 97, 98, 129, 49, 131, 198, 236, 196, 122,
    ];

    private static readonly int[] RightCheekRing = [117, 118, 119, 120, 100, 142, 36, 206, 216, 207, 50];

    private static readonly int[] LeftCheekRing = [346, 280, 427, 436, 426, 266, 371, 329, 349, 348, 347];

    private static readonly int[] MouthRing = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146];

    private static readonly int[] ChinRing = [18, 313, 406, 418, 262, 369, 400, 377, 152, 148, 176, 140, 32, 194, 182, 83];

    /// <summary>Every region, in declaration order.</summary>
    public static IReadOnlyList<FaceRegion> All { get; } = Array.AsReadOnly(Enum.GetValues<FaceRegion>());

    /// <summary>The mesh indices of <paramref name="region"/>'s ring (all below <see cref="MeshIndices.FaceCount"/>).</summary>
    public static ReadOnlySpan<int> Indices(FaceRegion region) => Ring(region);

    /// <summary>The polygon of <paramref name="region"/> in the mesh's pixels (z dropped).</summary>
    public static FacePoint[] Polygon(IReadOnlyList<Point3> mesh, FaceRegion region)
    {
        var ring = Ring(region);
        var polygon = new FacePoint[ring.Length];
        Polygon(mesh, region, polygon);
        return polygon;
    }

    /// <summary>Writes the polygon of <paramref name="region"/> into <paramref name="destination"/>; returns the vertex count.</summary>
    public static int Polygon(IReadOnlyList<Point3> mesh, FaceRegion region, Span<FacePoint> destination)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentOutOfRangeException.ThrowIfLessThan(mesh.Count, MeshIndices.FaceCount, nameof(mesh) + ".Count");
        var ring = Ring(region);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, ring.Length, nameof(destination) + ".Length");
        for (var i = 0; i < ring.Length; i++)
        {
            var p = mesh[ring[i]];
            destination[i] = new FacePoint(p.X, p.Y);
        }

        return ring.Length;
    }

    private static int[] Ring(FaceRegion region) => region switch
    {
        FaceRegion.FaceOval => FaceOvalRing,
        FaceRegion.Forehead => ForeheadRing,
        FaceRegion.RightBrow => RightBrowRing,
        FaceRegion.LeftBrow => LeftBrowRing,
        FaceRegion.RightEye => RightEyeRing,
        FaceRegion.LeftEye => LeftEyeRing,
        FaceRegion.Nose => NoseRing,
        FaceRegion.RightCheek => RightCheekRing,
        FaceRegion.LeftCheek => LeftCheekRing,
        FaceRegion.Mouth => MouthRing,
        FaceRegion.Chin => ChinRing,
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, "not a FaceRegion"),
    };
}
