using System.Numerics;
using Mien.Results;

namespace Mien.Physiology.Asymmetry;

/// <summary>Left/right indices of one mesh in the face's own frame, before any baseline.</summary>
/// <param name="MouthCorner">Left minus right mouth-corner depth below the eye line, % of face height.</param>
/// <param name="EyeAperture">Left minus right lid aperture over their mean, %.</param>
/// <param name="Brow">Left minus right brow height above the eye line, % of face height.</param>
/// <param name="Nasolabial">Left minus right alar-base-to-mouth-corner distance, % of face height.</param>
/// <param name="RightCorner">Right mouth corner in the face frame (x across, y down), face heights.</param>
/// <param name="LeftCorner">Left mouth corner in the face frame.</param>
internal readonly record struct AsymmetryMeasure(float MouthCorner, float EyeAperture, float Brow, float Nasolabial, Vector2 RightCorner, Vector2 LeftCorner);

/// <summary>
/// Pose-normalised left/right differences of the face mesh. The mesh is expressed in the face's own frame (x from the
/// right to the left outer eye corner, y from forehead top to chin made orthogonal to x, z = x × y; origin between the
/// eye corners; unit = face height 10–152), which undoes yaw, pitch and roll for a rigid face. Only points on or near
/// the eyes and the midline define the frame, so a drooping mouth corner does not tilt it.
/// </summary>
internal static class AsymmetryMeter
{
    private const int RightEyeOuter = 33, LeftEyeOuter = 263, ForeheadTop = 10, Chin = 152;
    private const int MouthRight = 61, MouthLeft = 291;
    private const int RightAlarBase = 98, LeftAlarBase = 327;

    // Upper and lower lid pairs (EyeMetrics' pairs) and brow upper edges, right side first then its mirror.
    private static readonly (int Upper, int Lower)[] RightLids = [(160, 144), (158, 153), (159, 145)];
    private static readonly (int Upper, int Lower)[] LeftLids = [(387, 373), (385, 380), (386, 374)];
    private static readonly int[] RightBrow = [70, 63, 105, 66, 107];
    private static readonly int[] LeftBrow = [300, 293, 334, 296, 336];

    public static AsymmetryMeasure? Measure(IReadOnlyList<Point3> mesh)
    {
        if (mesh.Count < 468)
        {
            return null;
        }

        var origin = (V(mesh[RightEyeOuter]) + V(mesh[LeftEyeOuter])) / 2;
        var across = V(mesh[LeftEyeOuter]) - V(mesh[RightEyeOuter]);
        var down = V(mesh[Chin]) - V(mesh[ForeheadTop]);
        var height = down.Length();
        if (!(across.Length() > 0) || !(height > 0))
        {
            return null;
        }

        var x = Vector3.Normalize(across);
        var y = down - (Vector3.Dot(down, x) * x);
        if (!(y.Length() > 1e-6f * height))
        {
            return null;
        }

        y = Vector3.Normalize(y);
        Vector2 Face(int i)
        {
            var d = V(mesh[i]) - origin;
            return new Vector2(Vector3.Dot(d, x), Vector3.Dot(d, y)) / height;
        }

        var right = Face(MouthRight);
        var left = Face(MouthLeft);
        float Aperture((int Upper, int Lower)[] lids, int outer, int inner)
        {
            float sum = 0;
            foreach (var (u, l) in lids)
            {
                sum += Vector3.Distance(V(mesh[u]), V(mesh[l]));
            }

            var width = Vector3.Distance(V(mesh[outer]), V(mesh[inner]));
            return width > 0 ? sum / lids.Length / width : 0;
        }

        float BrowHeight(int[] brow)
        {
            float sum = 0;
            foreach (var i in brow)
            {
                sum += Face(i).Y;
            }

            return -sum / brow.Length;
        }

        var apertureRight = Aperture(RightLids, RightEyeOuter, 133);
        var apertureLeft = Aperture(LeftLids, LeftEyeOuter, 362);
        var meanAperture = (apertureRight + apertureLeft) / 2;
        return new AsymmetryMeasure(
            100 * (left.Y - right.Y),
            meanAperture > 0 ? 100 * (apertureLeft - apertureRight) / meanAperture : 0,
            100 * (BrowHeight(LeftBrow) - BrowHeight(RightBrow)),
            100 * (Vector3.Distance(V(mesh[LeftAlarBase]), V(mesh[MouthLeft])) - Vector3.Distance(V(mesh[RightAlarBase]), V(mesh[MouthRight]))) / height,
            right,
            left);
    }

    private static Vector3 V(Point3 p) => new(p.X, p.Y, p.Z);
}
