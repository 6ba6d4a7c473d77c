using System.Numerics;
using Mien.Physiology.Pulse;
using Mien.Results;

namespace Mien.Physiology.Asymmetry;

/// <summary>Left/right indices of one mesh in the face's own frame, before any baseline.</summary>
/// <param name="MouthCorner">Left minus right mouth-corner depth below the eye line, % of face height.</param>
/// <param name="EyeAperture">Left minus right lid aperture over their mean, %.</param>
/// <param name="Brow">Left minus right brow height above the eye line, % of face height.</param>
/// <param name="Nasolabial">Left minus right alar-base-to-mouth-corner distance, % of face height.</param>
/// <param name="RightCorner">Right mouth corner in the face frame (x across, y down), face heights.</param>
/// <param name="LeftCorner">Left mouth corner in the face frame.</param>
/// <param name="MouthFromImage">True when <paramref name="MouthCorner"/> includes the image's own evidence (<see cref="MirroredPatch"/>); false when it is the mesh's alone, which reads about a fifth of a real droop.</param>
/// <param name="BrowFromImage">True when <paramref name="Brow"/> includes the image's own evidence.</param>
internal readonly record struct AsymmetryMeasure(float MouthCorner, float EyeAperture, float Brow, float Nasolabial, Vector2 RightCorner, Vector2 LeftCorner, bool MouthFromImage = false, bool BrowFromImage = false);

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

    /// <summary>
    /// Mouth-corner patch (samples of 0.005 face heights): ±0.06 across, ±0.05 down, centred 0.02 outward of the
    /// corner so it holds the lip ends and the cheek the corner pulls (centred on the corner, half of it is lip that a
    /// droop tapering toward the midline moves less: recovery 0.80 instead of 0.85 on the warped faces); shifts up to ±0.06.
    /// </summary>
    private const int MouthHalfWidth = 12, MouthHalfHeight = 10, MouthSearch = 12, MouthOutward = 4;


    /// <summary>Brow patch centred on the mid-brow: ±0.05 across, ±0.04 down (brow edge and the skin above and below it).</summary>
    private const int BrowHalfWidth = 10, BrowHalfHeight = 8, BrowSearch = 10;

    private const int RightMidBrow = 105, LeftMidBrow = 334;

    /// <summary>Indices of the mesh alone (no pixels): the mouth-corner index reads about a fifth of a real one-sided droop.</summary>
    public static AsymmetryMeasure? Measure(IReadOnlyList<Point3> mesh) => Measure(mesh, default, false);

    /// <summary>
    /// Indices with image evidence: the mouth-corner and brow indices add the vertical shift between each left region
    /// and the mirrored right one (<see cref="MirroredPatch"/>) to the mesh's difference, so they follow what the image
    /// shows rather than the mesh's symmetric shape prior; where the match is not trusted the mesh's value stays and
    /// the measure says so.
    /// </summary>
    public static AsymmetryMeasure? Measure(IReadOnlyList<Point3> mesh, BgrImage image) => Measure(mesh, image, true);

    private static AsymmetryMeasure? Measure(IReadOnlyList<Point3> mesh, BgrImage image, bool refine)
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
        var mouth = 100 * (left.Y - right.Y);
        var brow = 100 * (BrowHeight(LeftBrow) - BrowHeight(RightBrow));
        bool mouthFromImage = false, browFromImage = false;
        if (refine)
        {
            var axes = new FaceAxes(x, y, height);
            var outward = MouthOutward * MirroredPatch.Step * height * x;
            if (MirroredPatch.VerticalShift(image, axes, V(mesh[MouthRight]) - outward, V(mesh[MouthLeft]) + outward, MouthHalfWidth, MouthHalfHeight, MouthSearch) is { } shift)
            {
                mouth += 100 * shift;
                mouthFromImage = true;
            }

            // Brow height is measured upwards: a left brow whose image lies lower reads lower.
            if (MirroredPatch.VerticalShift(image, axes, V(mesh[RightMidBrow]), V(mesh[LeftMidBrow]), BrowHalfWidth, BrowHalfHeight, BrowSearch) is { } browShift)
            {
                brow -= 100 * browShift;
                browFromImage = true;
            }
        }

        return new AsymmetryMeasure(
            mouth,
            meanAperture > 0 ? 100 * (apertureLeft - apertureRight) / meanAperture : 0,
            brow,
            100 * (Vector3.Distance(V(mesh[LeftAlarBase]), V(mesh[MouthLeft])) - Vector3.Distance(V(mesh[RightAlarBase]), V(mesh[MouthRight]))) / height,
            right,
            left,
            mouthFromImage,
            browFromImage);
    }

    private static Vector3 V(Point3 p) => new(p.X, p.Y, p.Z);
}
