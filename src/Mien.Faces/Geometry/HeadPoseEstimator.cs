using System.Numerics;
using Mien.Results;

namespace Mien.Faces.Geometry;

/// <summary>
/// Head pose from the face mesh alone (no camera model): an orthonormal face frame built from four mesh
/// points, turned into yaw, pitch and roll with <see cref="HeadPose"/>'s sign conventions.
/// </summary>
/// <remarks>
/// <para>Frame (frame pixels: x right, y down, z away from the camera): the face's x axis runs from the right
/// eye's outer corner (33) to the left eye's (263); its y axis from the top of the forehead (10) to the chin
/// (152), made orthogonal to x; z = x × y points into the head, so the face looks along −z.</para>
/// <para>Zero is MediaPipe's canonical face model looking straight into the camera. In that model the
/// forehead-to-chin line is not quite parallel to the image plane (the forehead top is 0.217 units further
/// forward over 17.67 units of height), so the measured frame is first rotated back by that 0.70° about x.</para>
/// <para>Angles are intrinsic yaw, then pitch, then roll: the rotation from the straight-ahead face is
/// R = R<sub>yaw</sub> · R<sub>pitch</sub> · R<sub>roll</sub>, so yaw and pitch alone decide where the face points
/// (yaw = atan2(−z.x, z.z), pitch = asin(z.y)) and roll is the remaining turn about that direction
/// (atan2(x.y, y.y), equal to the eye line's angle in the image when yaw and pitch are zero).</para>
/// <para>The mesh's z must be in the same scale as x and y (as <see cref="Point3"/> states); a z scaled
/// differently biases yaw and pitch, not roll. The depth is only as good as the mesh: facemesh run on a crop whose
/// eyes are not level (outside its training condition) returns a different depth; on a real face rolled by 25°
/// that moved pitch by 9°. Mien's <c>FaceMeshEstimator</c> levels the crop, and then rotating the image by ±15°
/// changed the measured pose as the rotation predicts, within 1°.</para>
/// </remarks>
public static class HeadPoseEstimator
{
    /// <summary>Forward tilt of the canonical model's forehead-to-chin line (radians): atan2(4.481535 − 4.264492, 8.261778 + 9.403378).</summary>
    private static readonly float CanonicalTilt = MathF.Atan2(4.481535f - 4.264492f, 8.261778f + 9.403378f);

    private const float Degrees = 180f / MathF.PI;

    /// <summary>Head pose in degrees of a 468- or 478-point mesh.</summary>
    /// <exception cref="ArgumentException">The mesh has fewer than 468 points or its eye corners or forehead and chin coincide.</exception>
    public static HeadPose Estimate(ReadOnlySpan<Point3> mesh)
    {
        var axes = Axes(mesh);
        return ToPose(axes);
    }

    /// <summary>The head's axes in frame coordinates (unit vectors: x to the subject's left, y down the face, z into the head).</summary>
    internal static FaceAxes Axes(ReadOnlySpan<Point3> mesh)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mesh.Length, MeshIndices.FaceCount, nameof(mesh) + ".Length");
        var across = ToVector(mesh[MeshIndices.LeftEyeOuter]) - ToVector(mesh[MeshIndices.RightEyeOuter]);
        var down = ToVector(mesh[MeshIndices.Chin]) - ToVector(mesh[MeshIndices.ForeheadTop]);
        var acrossLength = across.Length();
        if (!(acrossLength > 0))
        {
            throw new ArgumentException("the eye corners 33 and 263 coincide (or are not finite): not a face mesh", nameof(mesh));
        }

        var x = across / acrossLength;
        var y = down - (Vector3.Dot(down, x) * x);
        var yLength = y.Length();
        if (!(yLength > 1e-6f * acrossLength))
        {
            throw new ArgumentException("forehead (10) and chin (152) lie on the eye line: not a face mesh", nameof(mesh));
        }

        y /= yLength;
        var z = Vector3.Cross(x, y);

        // Undo the canonical model's tilt: R_head = M · Rx(−tilt).
        var (sin, cos) = MathF.SinCos(CanonicalTilt);
        return new FaceAxes(x, (cos * y) - (sin * z), (sin * y) + (cos * z));
    }

    /// <summary>Yaw, pitch, roll (degrees) of a head rotation given by its axes.</summary>
    internal static HeadPose ToPose(FaceAxes axes)
    {
        var (x, y, z) = (axes.X, axes.Y, axes.Z);
        var yaw = MathF.Atan2(-z.X, z.Z);
        var pitch = MathF.Asin(Math.Clamp(z.Y, -1f, 1f));
        var roll = MathF.Atan2(x.Y, y.Y);
        return new HeadPose(yaw * Degrees, pitch * Degrees, roll * Degrees);
    }

    /// <summary>The head axes of a pose: R = Ry(−yaw) · Rx(−pitch) · Rz(roll) in frame coordinates (the inverse of <see cref="ToPose"/>).</summary>
    internal static FaceAxes FromPose(HeadPose pose)
    {
        var rotation = Rotation(pose);
        return new FaceAxes(
            new Vector3(rotation.M11, rotation.M21, rotation.M31),
            new Vector3(rotation.M12, rotation.M22, rotation.M32),
            new Vector3(rotation.M13, rotation.M23, rotation.M33));
    }

    /// <summary>The rotation of a pose as a matrix acting on column vectors (M·v); face axes are its columns.</summary>
    internal static Matrix4x4 Rotation(HeadPose pose)
    {
        var (sy, cy) = MathF.SinCos(-pose.Yaw / Degrees);
        var (sp, cp) = MathF.SinCos(-pose.Pitch / Degrees);
        var (sr, cr) = MathF.SinCos(pose.Roll / Degrees);

        // Entries written row by row for column vectors; Matrix4x4's * is the plain matrix product.
        var ry = new Matrix4x4(cy, 0, sy, 0, 0, 1, 0, 0, -sy, 0, cy, 0, 0, 0, 0, 1);
        var rx = new Matrix4x4(1, 0, 0, 0, 0, cp, -sp, 0, 0, sp, cp, 0, 0, 0, 0, 1);
        var rz = new Matrix4x4(cr, -sr, 0, 0, sr, cr, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
        return ry * rx * rz;
    }

    private static Vector3 ToVector(Point3 p) => new(p.X, p.Y, p.Z);
}

/// <summary>The head's axes in frame coordinates: <paramref name="X"/> to the subject's left, <paramref name="Y"/> down the face, <paramref name="Z"/> into the head (the face looks along −Z).</summary>
internal readonly record struct FaceAxes(Vector3 X, Vector3 Y, Vector3 Z);
