using FsCheck;
using FsCheck.Xunit;
using Mien.Results;

namespace Mien.Affect.Tests;

public sealed class FaceReliabilityTests
{
    [Property(MaxTest = 300)]
    public bool Is_within_unit_range_and_never_rises_as_the_head_turns(NormalFloat score, NormalFloat mesh, NormalFloat yaw, NormalFloat pitch)
    {
        var s = (float)score.Get;
        var m = (float)mesh.Get;
        var near = new HeadPose((float)yaw.Get, (float)pitch.Get, 0);
        var far = new HeadPose((float)yaw.Get * 2, (float)pitch.Get * 2, 0);
        var r1 = FaceReliability.Estimate(s, m, near);
        var r2 = FaceReliability.Estimate(s, m, far);
        return r1 is >= 0 and <= 1 && r2 <= r1 + 1e-6f;
    }

    [Fact]
    public void A_clear_frontal_face_is_trusted_and_a_profile_or_lost_mesh_is_not()
    {
        Assert.Equal(1, FaceReliability.Estimate(0.9f, 0.95f, new HeadPose(5, 3, 10)));
        Assert.Equal(0, FaceReliability.Estimate(0.9f, 0.95f, new HeadPose(70, 0, 0)));
        Assert.Equal(0, FaceReliability.Estimate(0.9f, 0.2f, null));
        Assert.Equal(0.5f, FaceReliability.Estimate(0.9f, 0.95f, null, 0.5f), 5);
        Assert.Equal(0, FaceReliability.Estimate(float.NaN, 0.95f, null));
    }
}
