using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mien.Faces.Geometry;
using Mien.Results;

namespace Mien.Faces.Tests.Geometry;

/// <summary>Head pose on synthetic rigid faces (MediaPipe's canonical face, posed and projected).</summary>
public sealed class HeadPoseTests
{
    [Fact]
    public void The_canonical_face_looking_at_the_camera_has_zero_pose()
    {
        var pose = HeadPoseEstimator.Estimate(CanonicalFace.Mesh(default));

        Assert.Equal(0, pose.Yaw, 0.01f);
        Assert.Equal(0, pose.Pitch, 0.01f);
        Assert.Equal(0, pose.Roll, 0.01f);
    }

    [Fact]
    public void Positive_yaw_turns_the_nose_towards_the_image_right()
    {
        var mesh = CanonicalFace.Mesh(new HeadPose(20, 0, 0));
        var eyesMidX = (mesh[MeshIndices.RightEyeOuter].X + mesh[MeshIndices.LeftEyeOuter].X) / 2;

        Assert.True(mesh[MeshIndices.NoseTip].X > eyesMidX + 5);
        Assert.Equal(20, HeadPoseEstimator.Estimate(mesh).Yaw, 0.01f);
    }

    [Fact]
    public void Positive_pitch_tilts_the_face_up()
    {
        var level = CanonicalFace.Mesh(default);
        var up = CanonicalFace.Mesh(new HeadPose(0, 20, 0));

        // The nose tip, in front of the head centre, rises in the image; the chin comes forward (nearer).
        Assert.True(up[MeshIndices.NoseTip].Y < level[MeshIndices.NoseTip].Y - 5);
        Assert.True(up[MeshIndices.Chin].Z < level[MeshIndices.Chin].Z - 5);
        Assert.Equal(20, HeadPoseEstimator.Estimate(up).Pitch, 0.01f);
    }

    [Fact]
    public void Positive_roll_rotates_the_face_clockwise_in_the_image()
    {
        var mesh = CanonicalFace.Mesh(new HeadPose(0, 0, 20));
        var right = mesh[MeshIndices.RightEyeOuter];
        var left = mesh[MeshIndices.LeftEyeOuter];

        // Clockwise on screen (y down): the eye line slopes down towards the image's right by the roll angle.
        Assert.Equal(20, MathF.Atan2(left.Y - right.Y, left.X - right.X) * 180 / MathF.PI, 0.01f);
        Assert.Equal(20, HeadPoseEstimator.Estimate(mesh).Roll, 0.01f);
    }

    private static Arbitrary<HeadPose> Poses() =>
        (from yaw in Gen.Choose(-4000, 4000)
         from pitch in Gen.Choose(-4000, 4000)
         from roll in Gen.Choose(-4000, 4000)
         select new HeadPose(yaw / 100f, pitch / 100f, roll / 100f)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Any_pose_within_40_degrees_is_recovered_within_1_degree() =>
        Prop.ForAll(Poses(), Gen.Choose(2, 60).ToArbitrary(), Gen.Choose(-500, 2500).ToArbitrary(), (pose, scale, shift) =>
        {
            var found = HeadPoseEstimator.Estimate(CanonicalFace.Mesh(pose, scale, shift, shift / 2f));
            return (Math.Abs(found.Yaw - pose.Yaw) < 1 && Math.Abs(found.Pitch - pose.Pitch) < 1 && Math.Abs(found.Roll - pose.Roll) < 1)
                .Label($"expected {pose}, found {found}");
        });

    [Property(MaxTest = 200)]
    public Property Pose_to_axes_and_back_is_the_identity() =>
        Prop.ForAll(Poses(), pose =>
        {
            var back = HeadPoseEstimator.ToPose(HeadPoseEstimator.FromPose(pose));
            return (Math.Abs(back.Yaw - pose.Yaw) < 1e-3 && Math.Abs(back.Pitch - pose.Pitch) < 1e-3 && Math.Abs(back.Roll - pose.Roll) < 1e-3)
                .Label($"{pose} → {back}");
        });

    [Fact]
    public void A_mesh_without_a_face_shape_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HeadPoseEstimator.Estimate(new Point3[100]));
        Assert.Throws<ArgumentException>(() => HeadPoseEstimator.Estimate(new Point3[468]));
    }
}
