using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mien.Physiology.Asymmetry;
using Mien.Results;

namespace Mien.Physiology.Tests;

/// <summary>The asymmetry geometry on an exactly symmetric synthetic face: pose invariance, known droops, baseline and trend logic.</summary>
public sealed class AsymmetryGeometryTests
{
    /// <summary>
    /// A mirror-symmetric face (face height 1, eye corners ±0.25 at y = 0, +x towards the subject's left) with the points
    /// the meter reads; the left point of each pair mirrors the right one.
    /// </summary>
    internal static Vector3[] SymmetricFace()
    {
        var p = new Vector3[468];
        void Pair(int right, int left, float x, float y, float z)
        {
            p[right] = new Vector3(-x, y, z);
            p[left] = new Vector3(x, y, z);
        }

        p[10] = new Vector3(0, -0.45f, -0.05f);
        p[152] = new Vector3(0, 0.55f, -0.02f);
        Pair(33, 263, 0.25f, 0, 0.08f);
        Pair(133, 362, 0.08f, 0, 0.04f);
        Pair(160, 387, 0.19f, -0.03f, 0.05f);
        Pair(144, 373, 0.19f, 0.02f, 0.05f);
        Pair(158, 385, 0.13f, -0.03f, 0.04f);
        Pair(153, 380, 0.13f, 0.02f, 0.04f);
        Pair(159, 386, 0.16f, -0.035f, 0.045f);
        Pair(145, 374, 0.16f, 0.022f, 0.045f);
        Pair(70, 300, 0.28f, -0.09f, 0.08f);
        Pair(63, 293, 0.24f, -0.11f, 0.06f);
        Pair(105, 334, 0.19f, -0.12f, 0.05f);
        Pair(66, 296, 0.14f, -0.12f, 0.04f);
        Pair(107, 336, 0.08f, -0.11f, 0.03f);
        Pair(61, 291, 0.15f, 0.36f, 0.05f);
        Pair(98, 327, 0.06f, 0.24f, 0.0f);
        return p;
    }

    /// <summary>Poses the face: rotation (yaw, pitch, roll in degrees), scale in pixels per face height, offset.</summary>
    internal static Point3[] Posed(Vector3[] face, float yaw, float pitch, float roll, float scale = 200)
    {
        var rotation = Matrix4x4.CreateFromYawPitchRoll(yaw * MathF.PI / 180, pitch * MathF.PI / 180, roll * MathF.PI / 180);
        var mesh = new Point3[face.Length];
        for (var i = 0; i < face.Length; i++)
        {
            var v = Vector3.Transform(face[i], rotation) * scale;
            mesh[i] = new Point3(v.X + 320, v.Y + 240, v.Z);
        }

        return mesh;
    }

    [Property(MaxTest = 200)]
    public Property Symmetric_face_measures_zero_at_any_pose_and_scale(NormalFloat yaw, NormalFloat pitch, NormalFloat roll)
    {
        float Clamp(NormalFloat f, float limit) => Math.Clamp((float)f.Get, -1, 1) * limit;
        var m = AsymmetryMeter.Measure(Posed(SymmetricFace(), Clamp(yaw, 40), Clamp(pitch, 30), Clamp(roll, 45), 50 + Math.Abs(Clamp(yaw, 300))))!.Value;
        return (Math.Abs(m.MouthCorner) < 1e-3 && Math.Abs(m.EyeAperture) < 1e-3 && Math.Abs(m.Brow) < 1e-3 && Math.Abs(m.Nasolabial) < 1e-3).Label(m.ToString());
    }

    [Theory]
    [InlineData(2, 0, 0)]
    [InlineData(4, 20, -10)]
    [InlineData(6, -20, 15)]
    public void Droop_of_the_left_mouth_corner_is_measured_in_percent_of_face_height_at_any_pose(float percent, float yaw, float roll)
    {
        var face = SymmetricFace();
        face[291] += new Vector3(0, percent / 100f, 0);
        var m = AsymmetryMeter.Measure(Posed(face, yaw, 0, roll))!.Value;
        Assert.Equal(percent, m.MouthCorner, 1);
        Assert.Equal(0, m.Brow, 3);
    }

    [Fact]
    public void Tracker_learns_a_baseline_then_flags_only_a_change_beyond_the_margin()
    {
        var tracker = new AsymmetryTracker(new AsymmetryOptions { Baseline = TimeSpan.FromSeconds(10), TrendWindow = TimeSpan.FromSeconds(10) });
        var random = new Random(3);
        var trends = new List<AsymmetryTrend>();
        for (var i = 0; i <= 25 * 40; i++)
        {
            var t = i / 25.0;
            var face = SymmetricFace();

            // Mesh noise of 0.3 % of face height on the mouth corners; from 20 s on, the left corner droops by 4 %, then (30 s) by 1 %.
            var droop = t < 20 ? 0 : t < 30 ? 0.04f : 0.01f;
            face[61] += new Vector3(0, 0.003f * (float)SyntheticPulse.Gaussian(random), 0);
            face[291] += new Vector3(0, droop + (0.003f * (float)SyntheticPulse.Gaussian(random)), 0);
            tracker.Update(TimeSpan.FromSeconds(t), Posed(face, 5, 0, 0), new HeadPose(5, 0, 0), trends);
        }

        var mouth = trends.Where(x => x.Index == "mouth-corner").ToArray();
        Assert.Equal(4, mouth.Length); // baseline 0–10 s, then 10–20, 20–30, 30–40
        Assert.Null(mouth[0].Baseline);
        Assert.False(mouth[1].Changed, "no change: " + mouth[1]);
        Assert.True(mouth[2].Changed, "4 % droop: " + mouth[2]);
        Assert.InRange(mouth[2].Mean, 3.5, 4.5);
        Assert.False(mouth[3].Changed, "1 % is inside the 1.5 % noise margin: " + mouth[3]);
        Assert.True(mouth[3].Low > mouth[3].Baseline, "the interval still shows the 1 % shift: " + mouth[3]);
    }

    [Fact]
    public void Frames_turned_beyond_the_limit_are_marked_unreliable_and_left_out_of_trends()
    {
        var tracker = new AsymmetryTracker();
        var trends = new List<AsymmetryTrend>();
        var frame = tracker.Update(TimeSpan.Zero, Posed(SymmetricFace(), 35, 0, 0), new HeadPose(35, 0, 0), trends);
        Assert.NotNull(frame);
        Assert.False(frame.Reliable);
    }
}
