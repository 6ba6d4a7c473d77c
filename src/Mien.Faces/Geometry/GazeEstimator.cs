using System.Numerics;
using Mien.Results;

namespace Mien.Faces.Geometry;

/// <summary>
/// Gaze from the iris centres of a 478-point mesh: each eye's rotation in the head from where its iris sits
/// between the eye corners, combined with the head's rotation into a direction relative to the camera.
/// </summary>
/// <remarks>
/// <para>Eyeball model, in the head's frame (<see cref="HeadPoseEstimator"/>): the eye's centre c is the midpoint
/// of its corners and its width w their 3D distance. The iris centre moves on a sphere of radius
/// r = <see cref="EyeballRadiusRatio"/>·w (an adult eyeball's 12 mm over a 28–30 mm eye opening) whose centre
/// lies <see cref="EyeballDepthRatio"/>·r behind c, so that looking straight ahead puts the iris 0.34·r in front
/// of c, as in MediaPipe's canonical face model with irises.</para>
/// <para>Only the iris's image position is used, not its z: the iris model's depth has its own origin and is
/// not comparable with the mesh's. With an orthographic camera the image offset of the iris from the eyeball
/// centre, (iris′ − c′)/r − δ·z′ (z′: the image projection of the head's z axis), is the gaze direction's x and
/// y; its z follows from unit length, towards the camera.</para>
/// <para>Both eyes' directions are averaged. The iris centres are paired with the eye whose centre is nearer,
/// so a mesh that appends the irises in TF.js's order (left first) still gives the right answer.</para>
/// </remarks>
public static class GazeEstimator
{
    /// <summary>Eyeball radius over corner-to-corner eye width (0.4).</summary>
    public const float EyeballRadiusRatio = 0.4f;

    /// <summary>Depth of the eyeball centre behind the corner midpoint, over the eyeball radius (0.66; from the canonical model: 1 − 0.3607 / 1.0623).</summary>
    public const float EyeballDepthRatio = 0.66f;

    private const float Degrees = 180f / MathF.PI;

    /// <summary>Gaze relative to the camera axis, or null when the mesh has no iris points (468 points).</summary>
    public static Gaze? Estimate(ReadOnlySpan<Point3> mesh) =>
        TryDirection(mesh, out var direction, out _) ? ToGaze(direction) : null;

    /// <summary>The eyes' rotation relative to the head's forward direction (signs as in <see cref="Gaze"/>, in the head's frame), or null without iris points.</summary>
    public static Gaze? EstimateInHead(ReadOnlySpan<Point3> mesh)
    {
        if (!TryDirection(mesh, out var direction, out var axes))
        {
            return null;
        }

        return ToGaze(new Vector3(Vector3.Dot(direction, axes.X), Vector3.Dot(direction, axes.Y), Vector3.Dot(direction, axes.Z)));
    }

    /// <summary>Mean gaze direction of both eyes in frame coordinates (unit vector, towards the camera: z &lt; 0).</summary>
    private static bool TryDirection(ReadOnlySpan<Point3> mesh, out Vector3 direction, out FaceAxes axes)
    {
        if (mesh.Length < MeshIndices.WithIrisCount)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(mesh.Length, MeshIndices.FaceCount, nameof(mesh) + ".Length");
            direction = default;
            axes = default;
            return false;
        }

        axes = HeadPoseEstimator.Axes(mesh);
        var (rightIris, leftIris) = (mesh[MeshIndices.RightIrisCenter], mesh[MeshIndices.LeftIrisCenter]);
        var rightCentre = Midpoint(mesh[MeshIndices.RightEyeOuter], mesh[MeshIndices.RightEyeInner]);
        var leftCentre = Midpoint(mesh[MeshIndices.LeftEyeOuter], mesh[MeshIndices.LeftEyeInner]);
        if (Distance2(rightIris, rightCentre) + Distance2(leftIris, leftCentre) > Distance2(rightIris, leftCentre) + Distance2(leftIris, rightCentre))
        {
            (rightIris, leftIris) = (leftIris, rightIris);
        }

        var right = EyeDirection(mesh[MeshIndices.RightEyeOuter], mesh[MeshIndices.RightEyeInner], rightIris, axes.Z);
        var left = EyeDirection(mesh[MeshIndices.LeftEyeOuter], mesh[MeshIndices.LeftEyeInner], leftIris, axes.Z);
        direction = Vector3.Normalize(right + left);
        return true;
    }

    /// <summary>
    /// One eye's unit gaze direction in frame coordinates. With an orthographic camera the image offset of the
    /// iris from the eyeball centre, over r, is exactly the direction's x and y; z follows from unit length.
    /// </summary>
    /// <param name="corner1">One eye corner.</param>
    /// <param name="corner2">The other eye corner.</param>
    /// <param name="iris">The iris centre (its z is not used).</param>
    /// <param name="headZ">The head's z axis (into the head) in frame coordinates.</param>
    internal static Vector3 EyeDirection(Point3 corner1, Point3 corner2, Point3 iris, Vector3 headZ)
    {
        var radius = EyeballRadiusRatio * MeshDistance.Between(corner1, corner2);
        if (!(radius > 0))
        {
            return -headZ;
        }

        var centre = Midpoint(corner1, corner2);

        // Eyeball centre E = c + δ·r·z; iris = E + r·g, so (iris′ − c′) / r − δ·z′ = g′.
        var g = (new Vector2(iris.X - centre.X, iris.Y - centre.Y) / radius) - (EyeballDepthRatio * new Vector2(headZ.X, headZ.Y));
        var lateral = g.LengthSquared();
        if (lateral > MaxLateral)
        {
            // The iris is off the modelled sphere (a bad iris point or an extreme rotation): clamp to 80° off the camera axis.
            g *= MathF.Sqrt(MaxLateral / lateral);
            lateral = MaxLateral;
        }

        return new Vector3(g.X, g.Y, -MathF.Sqrt(1 - lateral));
    }

    private static readonly float MaxLateral = MathF.Pow(MathF.Sin(80f / Degrees), 2);

    private static Gaze ToGaze(Vector3 direction) => new(
        MathF.Atan2(direction.X, -direction.Z) * Degrees,
        MathF.Atan2(-direction.Y, MathF.Sqrt((direction.X * direction.X) + (direction.Z * direction.Z))) * Degrees);

    private static Point3 Midpoint(Point3 a, Point3 b) => new((a.X + b.X) / 2, (a.Y + b.Y) / 2, (a.Z + b.Z) / 2);

    private static float Distance2(Point3 a, Point3 b) => ((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y));
}
