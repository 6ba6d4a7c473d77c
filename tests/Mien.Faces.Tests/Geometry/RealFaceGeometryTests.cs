using System.Globalization;
using System.Numerics;
using Mien.Faces.Detection;
using Mien.Faces.Geometry;
using Mien.Faces.Mesh;
using Mien.Media;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Faces.Tests.Geometry;

/// <summary>
/// Pose, eye and mouth measures, gaze and face regions on real meshes of real faces: the golden 192×192 crop
/// (facemesh run directly on it, also rotated and mirrored) and the face-api group photos (detector, mesh and iris).
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class RealFaceGeometryTests(RealModels models, ITestOutputHelper output) : IDisposable
{
    private static readonly string OverlayFolder = Path.Combine(Path.GetTempPath(), "mien-geometry");
    private static readonly Lock GroupLock = new();
    private static List<(string Name, Point3[] Mesh)>? s_group;

    private readonly GoldenFaceMesh _facemesh = new(models);

    public void Dispose() => _facemesh.Dispose();

    /// <summary>The golden face's mesh (optionally of a transformed crop), from an eye-aligned crop as the product runs it.</summary>
    private Point3[] GoldenMesh(Func<Mat, Mat>? transform = null)
    {
        using var crop = GoldenFaceMesh.LoadCrop();
        using var input = transform is null ? crop.Clone() : transform(crop);
        return _facemesh.RunAligned(input);
    }

    private static string Format(HeadPose p) => string.Create(CultureInfo.InvariantCulture, $"yaw {p.Yaw:F1}°, pitch {p.Pitch:F1}°, roll {p.Roll:F1}°");

    [Fact]
    public void The_golden_face_is_turned_to_the_image_left_and_seen_from_above()
    {
        var mesh = GoldenMesh();
        var pose = HeadPoseEstimator.Estimate(mesh);
        using var crop = GoldenFaceMesh.LoadCrop();
        var (raw, flag) = _facemesh.Run(crop);
        output.WriteLine($"golden face: {Format(pose)} (facemesh on the unaligned crop, flag {flag:F2}: {Format(HeadPoseEstimator.Estimate(raw))})");

        // Evidence from the image alone: the nose tip lies left of the outer eye corners' midpoint (turned to the image
        // left), and lower between eye line and chin than in the canonical face (0.31): the face is seen from above.
        var (right, left, nose, chin) = (mesh[MeshIndices.RightEyeOuter], mesh[MeshIndices.LeftEyeOuter], mesh[MeshIndices.NoseTip], mesh[MeshIndices.Chin]);
        var eyeLine = MathF.Atan2(left.Y - right.Y, left.X - right.X) * 180 / MathF.PI;
        var eyesY = (right.Y + left.Y) / 2;
        var noseDrop = (nose.Y - eyesY) / (chin.Y - eyesY);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"eye line {eyeLine:F1}°, nose tip {nose.X - ((right.X + left.X) / 2):F1} px from the eyes' midpoint, nose drop {noseDrop:F2}"));

        Assert.True(nose.X < ((right.X + left.X) / 2) - 5);
        Assert.InRange(pose.Yaw, -25f, -8f);
        Assert.True(noseDrop > 0.33f);
        Assert.InRange(pose.Pitch, -20f, -4f);
        Assert.Equal(eyeLine, pose.Roll, 4f);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(-15)]
    public void Rotating_the_crop_in_the_image_adds_the_same_roll(float clockwise)
    {
        var upright = HeadPoseEstimator.Estimate(GoldenMesh());
        var rotated = HeadPoseEstimator.Estimate(GoldenMesh(crop => GoldenFaceMesh.Rotated(crop, clockwise)));

        // Rotating the image turns the head about the camera axis. For a face that is not frontal that also moves
        // yaw and pitch a little (they are measured about the camera's axes): the expected pose is the composition.
        var expected = RotatedInImage(upright, clockwise);
        output.WriteLine($"upright {Format(upright)}; rotated {clockwise}° clockwise: {Format(rotated)}; expected {Format(expected)}");

        Assert.Equal(clockwise, rotated.Roll - upright.Roll, 3f);
        Assert.Equal(expected.Roll, rotated.Roll, 3f);
        Assert.Equal(expected.Yaw, rotated.Yaw, 3f);
        Assert.Equal(expected.Pitch, rotated.Pitch, 3f);
    }

    /// <summary>A pose after the image is rotated clockwise by some degrees, with the conventions of <see cref="HeadPose"/> written out.</summary>
    private static HeadPose RotatedInImage(HeadPose pose, float clockwise)
    {
        var (s, c) = MathF.SinCos(clockwise * MathF.PI / 180);
        Vector3 Axis(Vector3 unit)
        {
            var v = CanonicalFace.Rotate(unit, pose);
            return new Vector3((v.X * c) - (v.Y * s), (v.X * s) + (v.Y * c), v.Z);
        }

        var (x, y, z) = (Axis(Vector3.UnitX), Axis(Vector3.UnitY), Axis(Vector3.UnitZ));
        const float Degrees = 180 / MathF.PI;
        return new HeadPose(MathF.Atan2(-z.X, z.Z) * Degrees, MathF.Asin(z.Y) * Degrees, MathF.Atan2(x.Y, y.Y) * Degrees);
    }

    [Fact]
    public void Mirroring_the_crop_flips_yaw_and_roll_and_keeps_pitch()
    {
        var pose = HeadPoseEstimator.Estimate(GoldenMesh());
        var mirrored = HeadPoseEstimator.Estimate(GoldenMesh(GoldenFaceMesh.Mirrored));
        output.WriteLine($"golden {Format(pose)}; mirrored {Format(mirrored)}");

        Assert.Equal(-pose.Yaw, mirrored.Yaw, 2f);
        Assert.Equal(-pose.Roll, mirrored.Roll, 2f);
        Assert.Equal(pose.Pitch, mirrored.Pitch, 2f);
    }

    [Fact]
    public void The_smiling_golden_face_has_open_eyes_and_parted_lips()
    {
        var mesh = GoldenMesh();
        var (right, left, mouth) = (EyeMetrics.RightAspectRatio(mesh), EyeMetrics.LeftAspectRatio(mesh), MouthMetrics.Opening(mesh));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"EAR right {right:F3}, left {left:F3}; mouth opening {mouth:F3}"));

        Assert.InRange(right, 0.2f, 0.4f);
        Assert.InRange(left, 0.2f, 0.4f);
        Assert.InRange(mouth, 0.02f, 0.3f);
    }

    [Fact]
    public void Regions_are_simple_separate_polygons_in_anatomical_order()
    {
        var meshes = RealMeshes(maxYaw: 30, maxPitch: 30);
        output.WriteLine($"{meshes.Count} real meshes with |yaw|, |pitch| ≤ 30°: {string.Join(", ", meshes.Select(m => m.Name))}");
        Assert.True(meshes.Count >= 15);
        foreach (var (name, mesh) in meshes)
        {
            RegionChecks.AssertSound(mesh, name);
        }
    }

    [Fact]
    public void Near_frontal_faces_have_every_region_inside_the_face_oval()
    {
        // The oval's side points lie at the ears: once the head turns, they rotate behind the far cheek, brow and eye
        // in the image, so the oval is a face outline only for faces seen nearly from the front.
        var meshes = RealMeshes(maxYaw: 15, maxPitch: 20);
        output.WriteLine($"{meshes.Count} real meshes with |yaw| ≤ 15°, |pitch| ≤ 20°: {string.Join(", ", meshes.Select(m => m.Name))}");
        Assert.True(meshes.Count >= 6);
        foreach (var (name, mesh) in meshes)
        {
            RegionChecks.AssertInsideOval(mesh, name);
        }
    }

    private List<(string Name, Point3[] Mesh)> RealMeshes(float maxYaw, float maxPitch)
    {
        var candidates = new List<(string Name, Point3[] Mesh)>
        {
            ("golden", GoldenMesh()),
            ("golden rotated 15° clockwise", GoldenMesh(crop => GoldenFaceMesh.Rotated(crop, 15))),
            ("golden rotated 15° anticlockwise", GoldenMesh(crop => GoldenFaceMesh.Rotated(crop, -15))),
            ("golden mirrored", GoldenMesh(GoldenFaceMesh.Mirrored)),
        };
        candidates.AddRange(GroupMeshes(models));
        return candidates.Where(m =>
        {
            var pose = HeadPoseEstimator.Estimate(m.Mesh);
            return Math.Abs(pose.Yaw) <= maxYaw && Math.Abs(pose.Pitch) <= maxPitch;
        }).ToList();
    }

    [Fact]
    public void Group_photo_subjects_look_nearer_the_camera_than_their_heads_point()
    {
        // Most people in the group photos look into the lens while their heads are turned or tilted: eyes make up the difference.
        var head = new List<double>();
        var gaze = new List<double>();
        foreach (var (name, mesh) in GroupMeshes(models))
        {
            var pose = HeadPoseEstimator.Estimate(mesh);
            var g = GazeEstimator.Estimate(mesh)!.Value;
            head.Add(OffAxis(pose.Yaw, pose.Pitch));
            gaze.Add(OffAxis(g.Yaw, g.Pitch));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: head {Format(pose)}; gaze yaw {g.Yaw:F1}°, pitch {g.Pitch:F1}°"));
        }

        var (medianHead, medianGaze) = (Median(head), Median(gaze));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median angle off the camera axis: head {medianHead:F1}°, gaze {medianGaze:F1}°"));
        Assert.True(head.Count >= 15);
        Assert.True(medianGaze < 0.6 * medianHead);
        Assert.True(medianGaze < 12);
    }

    [Fact]
    public void Region_overlays_are_written_for_inspection()
    {
        Directory.CreateDirectory(OverlayFolder);
        using (var crop = GoldenFaceMesh.LoadCrop())
        {
            var mesh = GoldenMesh();
            using var big = new Mat();
            Cv2.Resize(crop, big, new Size(crop.Width * 4, crop.Height * 4), 0, 0, InterpolationFlags.Cubic);
            RegionChecks.Draw(big, mesh, 0, 0, 4);
            Assert.True(big.SaveImage(Path.Combine(OverlayFolder, "regions-golden.png")));
        }

        var photo = models.GroupPhotos[0];
        using var image = StillImage.Load(photo);
        foreach (var (name, mesh) in GroupMeshes(models).Where(m => m.Name.StartsWith(Path.GetFileName(photo), StringComparison.Ordinal)))
        {
            RegionChecks.Draw(image, mesh, 0, 0, 1);
        }

        Assert.True(image.SaveImage(Path.Combine(OverlayFolder, "regions-" + Path.GetFileNameWithoutExtension(photo) + ".png")));
        output.WriteLine("overlays in " + OverlayFolder);
    }

    private static double OffAxis(float yaw, float pitch) =>
        Math.Acos(Math.Cos(yaw * Math.PI / 180) * Math.Cos(pitch * Math.PI / 180)) * 180 / Math.PI;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>478-point meshes of every face in the group photos (computed once per test run).</summary>
    private static List<(string Name, Point3[] Mesh)> GroupMeshes(RealModels models)
    {
        lock (GroupLock)
        {
            if (s_group is null)
            {
                using var blaze = models.Load("blazeface-back");
                using var detector = new BlazeFaceDetector(blaze);
                using var meshModel = models.Load(FaceMeshEstimator.MeshModelId);
                using var irisModel = models.Load(FaceMeshEstimator.IrisModelId);
                using var estimator = new FaceMeshEstimator(meshModel, irisModel);
                var list = new List<(string, Point3[])>();
                foreach (var photo in models.GroupPhotos)
                {
                    using var image = StillImage.Load(photo);
                    var faces = detector.Detect(image);
                    for (var i = 0; i < faces.Count; i++)
                    {
                        var mesh = estimator.Estimate(image, FaceRoi.FromDetection(faces[i]));
                        Assert.NotNull(mesh);
                        list.Add(($"{Path.GetFileName(photo)} face {i}", mesh.Points));
                    }
                }

                s_group = list;
            }

            return s_group;
        }
    }
}

/// <summary>Structural checks and drawing of <see cref="FaceRegions"/> on a real mesh (OpenCV only in tests).</summary>
internal static class RegionChecks
{
    private static readonly FaceRegion[] Inner = FaceRegions.All.Where(r => r != FaceRegion.FaceOval).ToArray();

    public static void AssertSound(Point3[] mesh, string name)
    {
        var polygons = FaceRegions.All.ToDictionary(r => r, r => FaceRegions.Polygon(mesh, r));
        var ovalArea = SignedArea(polygons[FaceRegion.FaceOval]);
        foreach (var region in FaceRegions.All)
        {
            var polygon = polygons[region];
            var area = SignedArea(polygon);
            Assert.True(Math.Sign(area) == Math.Sign(ovalArea) && Math.Abs(area) > 0.002 * Math.Abs(ovalArea), $"{name}: {region} has area {area:F1} (oval {ovalArea:F1})");
            Assert.True(IsSimple(polygon), $"{name}: {region} crosses itself");
        }

        // Rasterised at about 800 px across; each inner region shrunk by a pixel so that shared edges do not count as overlap.
        var bounds = Bounds(polygons[FaceRegion.FaceOval]);
        var scale = 800 / Math.Max(bounds.Width, bounds.Height);
        var size = new Size((int)(bounds.Width * scale) + 40, (int)(bounds.Height * scale) + 40);
        var masks = Inner.ToDictionary(r => r, r => Mask(polygons[r], bounds, scale, size, shrink: true));
        try
        {
            using var both = new Mat();
            foreach (var a in Inner)
            {
                var areaA = Cv2.CountNonZero(masks[a]);
                foreach (var b in Inner.Where(b => b > a))
                {
                    Cv2.BitwiseAnd(masks[a], masks[b], both);
                    var overlap = Cv2.CountNonZero(both);
                    Assert.True(overlap <= 0.005 * Math.Min(areaA, Cv2.CountNonZero(masks[b])), $"{name}: {a} and {b} overlap by {overlap} px");
                }
            }
        }
        finally
        {
            foreach (var m in masks.Values)
            {
                m.Dispose();
            }
        }

        // Anatomical order along the face's own axes (eye line across, forehead-to-chin down), so rotation and mirroring do not matter.
        var (r33, l263, top, bottom) = (mesh[MeshIndices.RightEyeOuter], mesh[MeshIndices.LeftEyeOuter], mesh[MeshIndices.ForeheadTop], mesh[MeshIndices.Chin]);
        var across = Vector2.Normalize(new Vector2(l263.X - r33.X, l263.Y - r33.Y));
        var down = Vector2.Normalize(new Vector2(bottom.X - top.X, bottom.Y - top.Y));
        float Along(FaceRegion r, Vector2 axis) => polygons[r].Average(p => (p.X * axis.X) + (p.Y * axis.Y));
        void Order(Vector2 axis, string axisName, params FaceRegion[] regions)
        {
            for (var i = 1; i < regions.Length; i++)
            {
                Assert.True(Along(regions[i - 1], axis) < Along(regions[i], axis), $"{name}: {regions[i - 1]} should come before {regions[i]} {axisName}");
            }
        }

        Order(down, "downwards", FaceRegion.Forehead, FaceRegion.RightBrow, FaceRegion.RightEye, FaceRegion.RightCheek, FaceRegion.Mouth, FaceRegion.Chin);
        Order(down, "downwards", FaceRegion.Forehead, FaceRegion.LeftBrow, FaceRegion.LeftEye, FaceRegion.LeftCheek, FaceRegion.Mouth, FaceRegion.Chin);
        Order(down, "downwards", FaceRegion.RightEye, FaceRegion.Nose, FaceRegion.Mouth);
        Order(across, "from the subject's right to left", FaceRegion.RightEye, FaceRegion.Nose, FaceRegion.LeftEye);
        Order(across, "from the subject's right to left", FaceRegion.RightCheek, FaceRegion.Nose, FaceRegion.LeftCheek);
        Order(across, "from the subject's right to left", FaceRegion.RightCheek, FaceRegion.Mouth, FaceRegion.LeftCheek);
        Order(across, "from the subject's right to left", FaceRegion.RightBrow, FaceRegion.Forehead, FaceRegion.LeftBrow);
    }

    public static void AssertInsideOval(Point3[] mesh, string name)
    {
        var oval = FaceRegions.Polygon(mesh, FaceRegion.FaceOval);
        var bounds = Bounds(oval);
        var scale = 800 / Math.Max(bounds.Width, bounds.Height);
        var size = new Size((int)(bounds.Width * scale) + 40, (int)(bounds.Height * scale) + 40);
        using var ovalMask = Mask(oval, bounds, scale, size, shrink: false);
        using var outside = new Mat();
        foreach (var region in Inner)
        {
            using var mask = Mask(FaceRegions.Polygon(mesh, region), bounds, scale, size, shrink: true);
            Cv2.Subtract(mask, ovalMask, outside);
            var (area, outer) = (Cv2.CountNonZero(mask), Cv2.CountNonZero(outside));
            Assert.True(outer <= 0.01 * area, $"{name}: {outer} of {area} px of {region} lie outside the face oval");
        }
    }

    public static void Draw(Mat image, Point3[] mesh, float originX, float originY, float scale)
    {
        foreach (var region in FaceRegions.All)
        {
            var color = region switch
            {
                FaceRegion.FaceOval => Scalar.White,
                FaceRegion.Forehead => Scalar.Yellow,
                FaceRegion.RightBrow or FaceRegion.LeftBrow => Scalar.Orange,
                FaceRegion.RightEye or FaceRegion.LeftEye => Scalar.Cyan,
                FaceRegion.Nose => Scalar.Magenta,
                FaceRegion.RightCheek or FaceRegion.LeftCheek => Scalar.Lime,
                FaceRegion.Mouth => Scalar.Red,
                _ => Scalar.Blue,
            };
            var points = FaceRegions.Polygon(mesh, region).Select(p => new Point((p.X - originX) * scale, (p.Y - originY) * scale)).ToArray();
            Cv2.Polylines(image, [points], true, color, 1, LineTypes.AntiAlias);
        }
    }

    private static double SignedArea(FacePoint[] p)
    {
        double sum = 0;
        for (var i = 0; i < p.Length; i++)
        {
            var q = p[(i + 1) % p.Length];
            sum += ((double)p[i].X * q.Y) - ((double)q.X * p[i].Y);
        }

        return sum / 2;
    }

    private static bool IsSimple(FacePoint[] p)
    {
        var n = p.Length;
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 2; j < n; j++)
            {
                if ((j + 1) % n == i)
                {
                    continue;
                }

                if (Cross(p[i], p[(i + 1) % n], p[j], p[(j + 1) % n]))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool Cross(FacePoint a, FacePoint b, FacePoint c, FacePoint d)
    {
        static double Side(FacePoint o, FacePoint p, FacePoint q) => ((double)(p.X - o.X) * (q.Y - o.Y)) - ((double)(p.Y - o.Y) * (q.X - o.X));
        return Side(a, b, c) * Side(a, b, d) < 0 && Side(c, d, a) * Side(c, d, b) < 0;
    }

    private static Rect2f Bounds(FacePoint[] p)
    {
        var (minX, minY) = (p.Min(q => q.X), p.Min(q => q.Y));
        return new Rect2f(minX, minY, p.Max(q => q.X) - minX, p.Max(q => q.Y) - minY);
    }

    private static Mat Mask(FacePoint[] polygon, Rect2f bounds, float scale, Size size, bool shrink)
    {
        var mask = new Mat(size, MatType.CV_8UC1, Scalar.Black);
        var points = polygon.Select(p => new Point(((p.X - bounds.X) * scale) + 20, ((p.Y - bounds.Y) * scale) + 20)).ToArray();
        Cv2.FillPoly(mask, [points], Scalar.White);
        if (shrink)
        {
            Cv2.Erode(mask, mask, null);
        }

        return mask;
    }
}
