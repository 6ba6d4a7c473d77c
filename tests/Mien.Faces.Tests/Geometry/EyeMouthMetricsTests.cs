using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mien.Faces.Geometry;
using Mien.Results;

namespace Mien.Faces.Tests.Geometry;

/// <summary>Eye aspect ratio and mouth opening: exact values on hand-made meshes, invariance on posed faces.</summary>
public sealed class EyeMouthMetricsTests
{
    [Fact]
    public void Eye_aspect_ratio_is_the_mean_lid_distance_over_the_eye_width()
    {
        var mesh = new Point3[468];

        // Right eye 30 px wide, lids 10 and 8 px apart: (10 + 8) / (2 · 30).
        mesh[33] = new(100, 50, 0);
        mesh[133] = new(130, 50, 0);
        (mesh[160], mesh[144]) = (new(110, 45, 0), new(110, 55, 0));
        (mesh[158], mesh[153]) = (new(120, 46, 0), new(120, 54, 0));

        // Left eye 40 px wide in depth-tilted 3D (3-4-5 triangles): lids 6 and 4 apart.
        mesh[362] = new(200, 50, 0);
        mesh[263] = new(232, 50, 24);
        (mesh[385], mesh[380]) = (new(210, 47, 5), new(210, 53, 5));
        (mesh[387], mesh[373]) = (new(220, 48, 9), new(220, 52, 9));

        Assert.Equal(0.3f, EyeMetrics.RightAspectRatio(mesh), 6);
        Assert.Equal(0.125f, EyeMetrics.LeftAspectRatio(mesh), 6);
    }

    [Fact]
    public void Mouth_opening_is_the_mean_inner_lip_gap_over_the_corner_distance()
    {
        var mesh = new Point3[468];
        (mesh[61], mesh[291]) = (new(100, 200, 0), new(150, 200, 0));
        (mesh[82], mesh[87]) = (new(118, 195, 0), new(118, 203, 0));
        (mesh[13], mesh[14]) = (new(125, 194, 0), new(125, 206, 0));
        (mesh[312], mesh[317]) = (new(132, 195, 0), new(132, 205, 0));

        Assert.Equal(0.2f, MouthMetrics.Opening(mesh), 6);   // (8 + 12 + 10) / 3 / 50

        (mesh[82], mesh[87], mesh[13], mesh[14], mesh[312], mesh[317]) = (mesh[87], mesh[87], mesh[14], mesh[14], mesh[317], mesh[317]);
        Assert.Equal(0f, MouthMetrics.Opening(mesh));
    }

    [Fact]
    public void The_canonical_face_has_open_eyes_and_a_nearly_closed_mouth()
    {
        var mesh = CanonicalFace.Mesh(default);

        Assert.InRange(EyeMetrics.RightAspectRatio(mesh), 0.22f, 0.24f);
        Assert.Equal(EyeMetrics.RightAspectRatio(mesh), EyeMetrics.LeftAspectRatio(mesh), 5);
        Assert.InRange(MouthMetrics.Opening(mesh), 0.1f, 0.13f);
    }

    [Property(MaxTest = 300)]
    public Property Ratios_do_not_change_with_scale_position_or_pose() =>
        Prop.ForAll(
            Gen.Choose(-40, 40).Three().ToArbitrary(),
            // Faces of realistic size (scale 5–200) anywhere in a frame: a sub-pixel face 2000 px from the
            // origin would test float32 cancellation, not the ratios.
            Gen.Choose(20, 800).ToArbitrary(),
            Gen.Choose(-2000, 2000).Two().ToArbitrary(),
            (angles, scale, shift) =>
            {
                var reference = CanonicalFace.Mesh(default, 10, 0, 0);
                var moved = CanonicalFace.Mesh(new HeadPose(angles.Item1, angles.Item2, angles.Item3), scale / 4f, shift.Item1, shift.Item2);
                return (Close(EyeMetrics.RightAspectRatio(reference), EyeMetrics.RightAspectRatio(moved))
                    && Close(EyeMetrics.LeftAspectRatio(reference), EyeMetrics.LeftAspectRatio(moved))
                    && Close(MouthMetrics.Opening(reference), MouthMetrics.Opening(moved))).ToProperty();
            });

    private static bool Close(float a, float b) => Math.Abs(a - b) <= 1e-3f * Math.Max(1, Math.Abs(a));
}
