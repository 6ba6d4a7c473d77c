using System.Numerics;
using Mien.Results;

namespace Mien.Faces.Tests.Geometry;

/// <summary>
/// A rigid synthetic face: the points Mien's geometry uses, from MediaPipe's canonical face model
/// (mediapipe/modules/face_geometry/data/face_model_with_iris.obj, Apache-2.0; model axes x to the image's right,
/// y up, z towards the viewer, in cm), posed with the conventions of <see cref="HeadPose"/> written out here
/// independently of the code under test, then scaled and placed in a frame.
/// </summary>
internal static class CanonicalFace
{
    private static readonly (int Index, float X, float Y, float Z)[] Vertices =
    [
        (1, 0.000000f, -1.126865f, 7.475604f),
        (10, 0.000000f, 8.261778f, 4.481535f),
        (152, 0.000000f, -9.403378f, 4.264492f),
        (33, -4.445859f, 2.663991f, 3.173422f),
        (133, -1.856432f, 2.585245f, 3.757904f),
        (263, 4.445859f, 2.663991f, 3.173422f),
        (362, 1.856432f, 2.585245f, 3.757904f),
        (160, -3.670075f, 2.927714f, 3.724325f),
        (144, -3.670075f, 2.360153f, 3.635230f),
        (158, -2.724032f, 2.961810f, 3.871767f),
        (153, -2.724032f, 2.315802f, 3.777151f),
        (385, 2.724032f, 2.961810f, 3.871767f),
        (380, 2.724032f, 2.315802f, 3.777151f),
        (387, 3.670075f, 2.927714f, 3.724325f),
        (373, 3.670075f, 2.360153f, 3.635230f),
        (13, 0.000000f, -3.994436f, 5.219482f),
        (14, 0.000000f, -4.542400f, 5.404754f),
        (82, -0.533422f, -3.993222f, 5.138202f),
        (87, -0.583218f, -4.517982f, 5.339869f),
        (312, 0.533422f, -3.993222f, 5.138202f),
        (317, 0.583218f, -4.517982f, 5.339869f),
        (61, -2.456206f, -4.342621f, 4.283884f),
        (291, 2.456206f, -4.342621f, 4.283884f),
        (78, -2.153084f, -4.276322f, 4.038093f),
        (308, 2.153084f, -4.276322f, 4.038093f),
        (168, 0.000000f, 3.271027f, 5.236015f),
        (468, -3.18175f, 2.635786f, 3.826339f),
        (473, 3.181751f, 2.635786f, 3.826339f),
    ];

    /// <summary>The face in frame pixels at <paramref name="pose"/>: <paramref name="scale"/> px per cm, head centre at (cx, cy).</summary>
    public static Point3[] Mesh(HeadPose pose, float scale = 12, float cx = 320, float cy = 240, bool iris = true)
    {
        var mesh = new Point3[iris ? 478 : 468];
        var centre = new Point3(cx, cy, 0);
        Array.Fill(mesh, centre);
        foreach (var (index, x, y, z) in Vertices)
        {
            if (index < mesh.Length)
            {
                mesh[index] = Place(new Vector3(x, y, z), pose, scale, cx, cy);
            }
        }

        return mesh;
    }

    /// <summary>A model point (model axes) in frame pixels.</summary>
    public static Point3 Place(Vector3 model, HeadPose pose, float scale, float cx, float cy)
    {
        var p = Rotate(new Vector3(model.X, -model.Y, -model.Z) * scale, pose);
        return new Point3(p.X + cx, p.Y + cy, p.Z);
    }

    /// <summary>
    /// Rotates a vector in frame axes (x right, y down, z away) by a head pose: roll about the view axis
    /// (clockwise on screen), then pitch (face up), then yaw (face towards the image's right).
    /// </summary>
    public static Vector3 Rotate(Vector3 p, HeadPose pose)
    {
        const float ToRadians = MathF.PI / 180;
        var (sr, cr) = MathF.SinCos(pose.Roll * ToRadians);
        p = new Vector3((p.X * cr) - (p.Y * sr), (p.X * sr) + (p.Y * cr), p.Z);
        var (sp, cp) = MathF.SinCos(-pose.Pitch * ToRadians);
        p = new Vector3(p.X, (p.Y * cp) - (p.Z * sp), (p.Y * sp) + (p.Z * cp));
        var (sy, cy) = MathF.SinCos(-pose.Yaw * ToRadians);
        return new Vector3((p.X * cy) + (p.Z * sy), p.Y, (-p.X * sy) + (p.Z * cy));
    }
}
