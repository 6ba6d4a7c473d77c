using System.Numerics;
using Mien.Faces.Geometry;
using Mien.Results;

namespace Mien.Faces.Tests.Geometry;

/// <summary>Gaze from iris positions on synthetic faces (real faces: <see cref="RealFaceGeometryTests"/>).</summary>
public sealed class GazeEstimatorTests
{
    private const float ToRadians = MathF.PI / 180;

    [Fact]
    public void No_iris_points_no_gaze()
    {
        var mesh = CanonicalFace.Mesh(default, iris: false);

        Assert.Null(GazeEstimator.Estimate(mesh));
        Assert.Null(GazeEstimator.EstimateInHead(mesh));
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(20, 0, 0)]
    [InlineData(0, -15, 0)]
    [InlineData(-25, 10, 8)]
    [InlineData(30, 20, -15)]
    public void Eyes_at_rest_look_where_the_head_points(float yaw, float pitch, float roll)
    {
        // The canonical model's irises, carried along with the head.
        var mesh = CanonicalFace.Mesh(new HeadPose(yaw, pitch, roll));

        var gaze = GazeEstimator.Estimate(mesh)!.Value;
        var inHead = GazeEstimator.EstimateInHead(mesh)!.Value;

        // The canonical irises sit 0.01 cm above their eye's corner midpoint: about 0.6° of eye pitch.
        Assert.Equal(yaw, gaze.Yaw, 1f);
        Assert.Equal(pitch, gaze.Pitch, 1f);
        Assert.Equal(0, inHead.Yaw, 1f);
        Assert.Equal(0, inHead.Pitch, 1f);
    }

    [Theory]
    [InlineData(0, 0, 0, 15, 0)]
    [InlineData(0, 0, 0, 0, -10)]
    [InlineData(20, -10, 5, 10, 5)]
    [InlineData(-30, 15, -10, 25, -20)]
    [InlineData(25, 0, 0, -25, 0)]
    public void Eyes_turned_in_the_head_are_recovered_exactly(float yaw, float pitch, float roll, float eyeYaw, float eyePitch)
    {
        var pose = new HeadPose(yaw, pitch, roll);
        var inHead = new Vector3(MathF.Cos(eyePitch * ToRadians) * MathF.Sin(eyeYaw * ToRadians), -MathF.Sin(eyePitch * ToRadians), -MathF.Cos(eyePitch * ToRadians) * MathF.Cos(eyeYaw * ToRadians));
        var direction = CanonicalFace.Rotate(inHead, pose);
        var mesh = WithIrises(CanonicalFace.Mesh(pose), pose, direction);

        var found = GazeEstimator.EstimateInHead(mesh)!.Value;
        var gaze = GazeEstimator.Estimate(mesh)!.Value;

        Assert.Equal(eyeYaw, found.Yaw, 0.05f);
        Assert.Equal(eyePitch, found.Pitch, 0.05f);
        Assert.Equal(MathF.Atan2(direction.X, -direction.Z) / ToRadians, gaze.Yaw, 0.05f);
        Assert.Equal(MathF.Atan2(-direction.Y, MathF.Sqrt((direction.X * direction.X) + (direction.Z * direction.Z))) / ToRadians, gaze.Pitch, 0.05f);
    }

    [Fact]
    public void Moving_the_irises_right_raises_yaw_and_moving_them_up_raises_pitch()
    {
        var previousYaw = float.NegativeInfinity;
        var previousPitch = float.NegativeInfinity;
        for (var shift = -6; shift <= 6; shift++)
        {
            var mesh = CanonicalFace.Mesh(new HeadPose(10, -5, 3));
            var right = Shifted(mesh, shift, 0);
            var up = Shifted(mesh, 0, -shift);

            var yaw = GazeEstimator.Estimate(right)!.Value.Yaw;
            var pitch = GazeEstimator.Estimate(up)!.Value.Pitch;

            Assert.True(yaw > previousYaw + 1, $"iris shift {shift} px: yaw {yaw} after {previousYaw}");
            Assert.True(pitch > previousPitch + 1, $"iris shift {shift} px up: pitch {pitch} after {previousPitch}");
            (previousYaw, previousPitch) = (yaw, pitch);
        }
    }

    [Fact]
    public void Irises_appended_left_first_are_paired_with_the_nearer_eye()
    {
        var mesh = Shifted(CanonicalFace.Mesh(new HeadPose(-15, 5, 0)), 3, -2);
        var swapped = (Point3[])mesh.Clone();
        for (var k = 0; k < 5; k++)
        {
            (swapped[468 + k], swapped[473 + k]) = (mesh[473 + k], mesh[468 + k]);
        }

        Assert.Equal(GazeEstimator.Estimate(mesh), GazeEstimator.Estimate(swapped));
    }

    [Fact]
    public void An_iris_off_the_eyeball_is_clamped_to_80_degrees()
    {
        var gaze = GazeEstimator.EstimateInHead(Shifted(CanonicalFace.Mesh(default), 500, 0))!.Value;

        Assert.InRange(gaze.Yaw, 79f, 80.01f);
    }

    /// <summary>Places both iris centres where the documented eyeball model puts them for a gaze direction (frame axes).</summary>
    private static Point3[] WithIrises(Point3[] mesh, HeadPose pose, Vector3 direction)
    {
        var headZ = CanonicalFace.Rotate(Vector3.UnitZ, pose);
        foreach (var (outer, inner, iris) in new[] { (33, 133, 468), (263, 362, 473) })
        {
            var a = new Vector3(mesh[outer].X, mesh[outer].Y, mesh[outer].Z);
            var b = new Vector3(mesh[inner].X, mesh[inner].Y, mesh[inner].Z);
            var radius = 0.4f * Vector3.Distance(a, b);
            var centre = ((a + b) / 2) + (0.66f * radius * headZ);
            var p = centre + (radius * direction);
            mesh[iris] = new Point3(p.X, p.Y, p.Z);
        }

        return mesh;
    }

    private static Point3[] Shifted(Point3[] original, float dx, float dy)
    {
        var mesh = (Point3[])original.Clone();
        foreach (var i in new[] { 468, 473 })
        {
            mesh[i] = mesh[i] with { X = mesh[i].X + dx, Y = mesh[i].Y + dy };
        }

        return mesh;
    }
}
