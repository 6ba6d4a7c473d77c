using System.Globalization;
using System.Text;
using Mien.Media;
using Mien.Media.Samples;
using Mien.Pipeline;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Affect.Tests;

/// <summary>
/// Action units on real faces through the real pipeline. There is no AU ground truth here, so the checks are the
/// FACS prototypes: labelled FER2013 expressions must move the AUs their prototype names (happiness AU6+AU12,
/// surprise AU1+AU2+AU25/26) against neutral faces, and AU45 must be high exactly when the pipeline's blink detector
/// sees a blink on a real talking head.
/// </summary>
public sealed class ActionUnitTests(RealModels models, ITestOutputHelper output) : IClassFixture<RealModels>
{
    private const int PerClass = 120;

    [SharedDataFact("fer2013/public_test")]
    public async Task Labelled_expressions_move_their_prototype_action_units_against_neutral_faces()
    {
        var root = SharedData.Require("fer2013/public_test");

        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Identity = null, KeepLandmarks = true, ConfirmFrames = 1 });
        string[] classes = ["neutral", "happiness", "surprise", "anger", "sadness", "disgust", "fear"];
        var measures = new Dictionary<string, List<float[]>>();
        foreach (var label in classes)
        {
            measures[label] = [];
            foreach (var file in Directory.GetFiles(Path.Combine(root, label)).Order(StringComparer.Ordinal).Take(PerClass))
            {
                using var image = StillImage.Load(file);
                using var padded = new Mat();
                var pad = image.Width / 2;
                Cv2.CopyMakeBorder(image, padded, pad, pad, pad, pad, BorderTypes.Constant, new Scalar(128, 128, 128));
                pipeline.Reset();
                var face = pipeline.Analyze(padded, 0, TimeSpan.Zero).Faces.FirstOrDefault();
                if (face?.Landmarks is { } landmarks && face.Pose is { } pose && Math.Abs(pose.Yaw) < 25 && Math.Abs(pose.Pitch) < 25)
                {
                    var m = new float[ActionUnitEstimator.MeasureCount];
                    ActionUnitEstimator.Measure(landmarks, m);
                    measures[label].Add(m);
                }
            }
        }

        // Population neutral baseline: the per-measure median over the neutral faces.
        var baseline = new float[ActionUnitEstimator.MeasureCount];
        for (var k = 0; k < baseline.Length; k++)
        {
            var v = measures["neutral"].Select(m => m[k]).Order().ToArray();
            baseline[k] = v[v.Length / 2];
        }

        var mean = new Dictionary<string, float[]>();
        var table = new StringBuilder("| class | faces | " + string.Join(" | ", ActionUnits.Codes) + " |\n|---|---:|" + string.Concat(Enumerable.Repeat("---:|", 16)) + "\n");
        foreach (var label in classes)
        {
            var sum = new float[16];
            foreach (var m in measures[label])
            {
                var au = new float[16];
                ActionUnitEstimator.Score(m, baseline, au);
                for (var i = 0; i < 16; i++)
                {
                    sum[i] += au[i] / measures[label].Count;
                }
            }

            mean[label] = sum;
            table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {measures[label].Count} | {string.Join(" | ", sum.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))} |"));
        }

        output.WriteLine(table.ToString());
        var dir = Path.Combine(Repository.Root, "out", "affect");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "au-by-class.md"), table.ToString());

        float Au(string label, string code) => mean[label][ActionUnits.Codes.ToList().IndexOf(code)];
        Assert.True(measures["neutral"].Count > PerClass / 2 && measures["happiness"].Count > PerClass / 2, "too few faces meshed");
        Assert.True(Au("happiness", "AU12") > Au("neutral", "AU12") + 0.5f, $"AU12 happy {Au("happiness", "AU12"):F2} vs neutral {Au("neutral", "AU12"):F2}");
        Assert.True(Au("happiness", "AU06") > Au("neutral", "AU06") + 0.3f, $"AU06 happy {Au("happiness", "AU06"):F2} vs neutral {Au("neutral", "AU06"):F2}");
        Assert.True(Au("surprise", "AU26") + Au("surprise", "AU25") > Au("neutral", "AU26") + Au("neutral", "AU25") + 0.5f, "jaw/lips in surprise");
        Assert.True(Au("surprise", "AU01") + Au("surprise", "AU02") > Au("neutral", "AU01") + Au("neutral", "AU02") + 0.3f, "brows in surprise");
    }

    [Fact]
    public async Task Blink_action_unit_is_high_during_detected_blinks_and_low_otherwise()
    {
        var franck = (await SampleMedia.FaceVideosAsync(models.Packages))[0];
        var frames = await VideoSeries.MainTrackAsync(models, franck, TimeSpan.FromSeconds(30));
        var estimator = new ActionUnitEstimator();
        var inBlink = new List<float>();
        var open = new List<float>();
        foreach (var f in frames)
        {
            if (f.Face.Landmarks is not { } landmarks || f.Face.Eyes is not { } eyes)
            {
                continue;
            }

            var au = estimator.Update(f.Time, landmarks, f.Face.Pose);
            if (!au.BaselineReady)
            {
                continue;
            }

            (eyes.InBlink ? inBlink : open).Add(au["AU45"]);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"AU45 mean in {inBlink.Count} blink frames {inBlink.Average():F2}, in {open.Count} other frames {open.Average():F2}"));
        Assert.True(inBlink.Count >= 5, $"only {inBlink.Count} blink frames in 30 s");
        Assert.True(inBlink.Average() >= 2, $"AU45 during blinks {inBlink.Average():F2}");
        Assert.True(open.Average() <= 0.5, $"AU45 outside blinks {open.Average():F2}");
    }

    [Fact]
    public async Task Measures_ignore_where_the_face_is_its_size_and_its_rotation()
    {
        var franck = (await SampleMedia.FaceVideosAsync(models.Packages))[0];
        var frames = await VideoSeries.MainTrackAsync(models, franck, TimeSpan.FromSeconds(30));
        var random = new Random(7);
        foreach (var f in frames.Where((_, i) => i % 50 == 0))
        {
            var mesh = f.Face.Landmarks!;
            var reference = new float[ActionUnitEstimator.MeasureCount];
            ActionUnitEstimator.Measure(mesh, reference);

            // A rigid 3-D rotation (up to 30° about each axis), a scale and a shift of the whole mesh.
            var rotation = System.Numerics.Matrix4x4.CreateFromYawPitchRoll(
                (float)(random.NextDouble() - 0.5), (float)(random.NextDouble() - 0.5), (float)(random.NextDouble() - 0.5));
            var scale = 0.5f + (float)random.NextDouble() * 2;
            var shift = new System.Numerics.Vector3(random.Next(-300, 300), random.Next(-300, 300), random.Next(-50, 50));
            var moved = mesh.Select(p => System.Numerics.Vector3.Transform(new System.Numerics.Vector3(p.X, p.Y, p.Z), rotation) * scale + shift)
                .Select(v => new Point3(v.X, v.Y, v.Z)).ToArray();
            var measured = new float[ActionUnitEstimator.MeasureCount];
            ActionUnitEstimator.Measure(moved, measured);
            for (var k = 0; k < measured.Length; k++)
            {
                Assert.True(Math.Abs(measured[k] - reference[k]) < 1e-3, $"measure M{k + 1}: {measured[k]} vs {reference[k]}");
            }

            // A face compared with itself shows no action.
            var au = new float[16];
            ActionUnitEstimator.Score(reference, reference, au);
            Assert.All(au, v => Assert.Equal(0, v));
        }
    }

    [Fact]
    public async Task Baseline_learns_only_from_frontal_neutral_frames()
    {
        var franck = (await SampleMedia.FaceVideosAsync(models.Packages))[0];
        var frames = await VideoSeries.MainTrackAsync(models, franck, TimeSpan.FromSeconds(30));
        var estimator = new ActionUnitEstimator();
        foreach (var f in frames.Take(40))
        {
            Assert.False(estimator.Update(f.Time, f.Face.Landmarks!, new HeadPose(45, 0, 0)).BaselineReady);
            estimator.Update(f.Time, f.Face.Landmarks!, new HeadPose(0, 0, 0), neutralProbability: 0.1f);
        }

        Assert.Equal(0, estimator.BaselineFrames);
        ActionUnits last = null!;
        foreach (var f in frames.Take(40))
        {
            last = estimator.Update(f.Time, f.Face.Landmarks!, new HeadPose(0, 0, 0), neutralProbability: 0.9f);
        }

        Assert.Equal(40, estimator.BaselineFrames);
        Assert.True(last.BaselineReady);
    }
}
