using Mien.Results;

namespace Mien.Accuracy.Landmarks;

/// <summary>
/// Which of MediaPipe's 468 face-mesh vertices stand for each of the 68 points of the 300-W / iBUG (dlib) scheme.
/// </summary>
/// <remarks>
/// <para>Source: the correspondence published by Peizhi Yan (github.com/PeizhiYan/Mediapipe_2_Dlib_Landmarks,
/// <c>mp2dlib.py</c>, 2024), which picks for every 68-scheme point the mesh vertex (or the midpoint of two) lying on the
/// same anatomical feature in MediaPipe's canonical face model (mediapipe/modules/face_geometry/data). We checked it
/// against the mesh topology Mien already relies on: 33/133 and 362/263 are the eye corners the iris model refines,
/// 61/291 the mouth corners, 13/14 the inner-lip midpoints, 70…107 and 300…336 the brow rows (upper edge), 152 the
/// chin tip, 234/454 the widest points of the face oval.</para>
/// <para>Scheme points are 0-based here (the 300-W files number them 1–68): 0–16 jaw line (image left to right),
/// 17–21 and 22–26 brows, 27–30 nose bridge, 31–35 nostrils, 36–41 and 42–47 eyes (outer corner first, clockwise),
/// 48–59 outer lip, 60–67 inner lip.</para>
/// <para>Known convention differences, which no vertex choice removes: 300-W's jaw points are the visible silhouette
/// of the face (they slide with head yaw), while mesh vertices are fixed on the surface; 300-W's brow points follow the
/// brow's middle line, the mesh's 70…107 row its upper edge; 300-W's inner-lip corners (60, 64) are the mouth corners
/// themselves. We therefore also report the error without the 17 jaw points (the common "51-point" protocol).</para>
/// </remarks>
public static class MeshTo68
{
    /// <summary>Mesh vertices per 68-scheme point (one vertex, or two whose midpoint is used).</summary>
    public static IReadOnlyList<int[]> Correspondence { get; } =
    [
        // Jaw line 0–16 (image left = subject's right).
        [127], [234], [93], [132, 58], [58, 172], [136], [150], [176], [152], [400], [379], [365], [397, 288], [361], [323], [454], [356],

        // Brows 17–21 (subject's right), 22–26 (subject's left).
        [70], [63], [105], [66], [107],
        [336], [296], [334], [293], [300],

        // Nose bridge 27–30, nostrils 31–35.
        [168, 6], [197, 195], [5], [4],
        [75], [97], [2], [326], [305],

        // Eyes 36–41 (subject's right: outer, upper ×2, inner, lower ×2), 42–47 (subject's left: inner, upper ×2, outer, lower ×2).
        [33], [160], [158], [133], [153], [144],
        [362], [385], [387], [263], [373], [380],

        // Outer lip 48–59 (left corner, upper lip to the right corner, lower lip back).
        [61], [39], [37], [0], [267], [269], [291], [321], [314], [17], [84], [91],

        // Inner lip 60–67.
        [78], [82], [13], [312], [308], [317], [14], [87],
    ];

    /// <summary>First jaw point and count (0–16): the face silhouette in the 300-W convention.</summary>
    public const int JawCount = 17;

    /// <summary>Outer corner of the subject's right eye (image left) and of the left eye: inter-ocular normalisation.</summary>
    public const int RightEyeOuter = 36;

    /// <summary>Outer corner of the subject's left eye (image right).</summary>
    public const int LeftEyeOuter = 45;

    /// <summary>The 68 scheme points of a mesh (468 or 478 points, image pixels).</summary>
    /// <exception cref="ArgumentException">Fewer than 468 mesh points.</exception>
    public static Point2[] Map(IReadOnlyList<Point3> mesh)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        if (mesh.Count < 468)
        {
            throw new ArgumentException($"a face mesh has 468 or 478 points, got {mesh.Count}", nameof(mesh));
        }

        var result = new Point2[Pts68.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var vertices = Correspondence[i];
            double x = 0, y = 0;
            foreach (var v in vertices)
            {
                x += mesh[v].X;
                y += mesh[v].Y;
            }

            result[i] = new Point2(x / vertices.Length, y / vertices.Length);
        }

        return result;
    }
}
