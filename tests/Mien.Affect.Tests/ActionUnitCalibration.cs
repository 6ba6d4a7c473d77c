using System.Globalization;
using System.Text;
using Mien.Media;
using Mien.Pipeline;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Affect.Tests;

/// <summary>
/// The data behind the action unit calibration (docs/action-units.md): the 16 geometric measures of FER2013
/// <em>train</em> faces of each class and of the CK+ development faces (odd subjects), measured by the real pipeline.
/// The population neutral is the per-measure median of the neutral train faces; each AU's scale is the 97.5th
/// percentile of its raw deviation over the faces of the classes whose FACS prototype contains it. Run with
/// MIEN_AU_CALIBRATE=1 to measure (a few minutes) and print the constants; without it the test checks that the
/// shipped constants match the measures cached in out/affect/au-measures.csv when that file exists.
/// </summary>
public sealed class ActionUnitCalibration(RealModels models, ITestOutputHelper output) : IClassFixture<RealModels>
{
    /// <summary>Faces per FER2013 class (the first in name order; disgust has 436).</summary>
    private const int PerClass = 400;

    private static string MeasuresFile => Path.Combine(Repository.Root, "out", "affect", "au-measures.csv");

    /// <summary>One measured face.</summary>
    internal sealed record Face(string Set, string Label, string File, float[] Measures);

    [Fact]
    public async Task Shipped_population_neutral_and_scales_match_the_labelled_faces()
    {
        if (Environment.GetEnvironmentVariable("MIEN_AU_CALIBRATE") == "1")
        {
            await CollectAsync();
        }

        if (!File.Exists(MeasuresFile))
        {
            output.WriteLine($"SKIPPED: {MeasuresFile} not measured (run with MIEN_AU_CALIBRATE=1 and ../shared/data present)");
            return;
        }

        var faces = Read(MeasuresFile);
        var fit = ActionUnitFit.Fit(faces);
        output.WriteLine(fit.Describe());
        var dir = Path.GetDirectoryName(MeasuresFile)!;
        await File.WriteAllTextAsync(Path.Combine(dir, "au-calibration.md"), fit.Describe());

        for (var k = 0; k < ActionUnitEstimator.MeasureCount; k++)
        {
            Assert.True(Math.Abs(fit.Neutral[k] - ActionUnitCalibrationConstants.PopulationNeutral[k]) < 2e-3,
                $"population neutral M{k + 1}: fitted {fit.Neutral[k]:F4}, shipped {ActionUnitCalibrationConstants.PopulationNeutral[k]:F4}");
        }

        Assert.True(Math.Abs(fit.NoseLift - ActionUnitCalibrationConstants.NoseLift) < 0.01, $"NoseLift fitted {fit.NoseLift:F3}");
        Assert.True(Math.Abs(fit.UpperLipLift - ActionUnitCalibrationConstants.UpperLipLift) < 0.01, $"UpperLipLift fitted {fit.UpperLipLift:F3}");
        Assert.True(Math.Abs(fit.LidCheek - ActionUnitCalibrationConstants.LidCheek) < 0.01, $"LidCheek fitted {fit.LidCheek:F3}");
        for (var a = 0; a < ActionUnits.Codes.Count; a++)
        {
            var shipped = ActionUnitCalibrationConstants.Scales[a];
            Assert.True(Math.Abs(fit.Scales[a] - shipped) <= 0.05 * shipped,
                $"{ActionUnits.Codes[a]} scale: fitted {fit.Scales[a]:F3}, shipped {shipped:F3}");
        }
    }

    private async Task CollectAsync()
    {
        var fer = SharedData.Find("fer2013/train");
        var ck = SharedData.Find("ckplus48_dev");
        Assert.NotNull(fer);
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Identity = null, KeepLandmarks = true, Stills = true, Affect = null });
        var rows = new StringBuilder("set,label,file,yaw,pitch," + string.Join(",", Enumerable.Range(1, ActionUnitEstimator.MeasureCount).Select(i => $"M{i}")) + "\n");
        var files = new List<(string Set, string Label, string Path)>();
        foreach (var label in Directory.GetDirectories(fer!).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            files.AddRange(Directory.GetFiles(Path.Combine(fer!, label!)).Order(StringComparer.Ordinal).Take(PerClass).Select(f => ("fer2013-train", label!, f)));
        }

        if (ck is not null)
        {
            foreach (var label in Directory.GetDirectories(ck).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                files.AddRange(Directory.GetFiles(Path.Combine(ck, label!)).Order(StringComparer.Ordinal).Select(f => ("ckplus-dev", label!, f)));
            }
        }

        var m = new float[ActionUnitEstimator.MeasureCount];
        var index = 0L;
        foreach (var (set, label, path) in files)
        {
            using var image = StillImage.Load(path);
            using var padded = new Mat();
            var pad = image.Width / 2;
            Cv2.CopyMakeBorder(image, padded, pad, pad, pad, pad, BorderTypes.Constant, new Scalar(128, 128, 128));
            var face = pipeline.Analyze(padded, index, TimeSpan.FromSeconds(index));
            index++;
            if (face.Faces.FirstOrDefault() is not { Landmarks: { } landmarks, Pose: { } pose })
            {
                continue;
            }

            ActionUnitEstimator.Measure(landmarks, m);
            rows.Append(CultureInfo.InvariantCulture, $"{set},{label},{Path.GetFileName(path)},{pose.Yaw:F2},{pose.Pitch:F2},");
            rows.AppendLine(string.Join(",", m.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(MeasuresFile)!);
        await File.WriteAllTextAsync(MeasuresFile, rows.ToString());
    }

    internal static List<(Face Face, float Yaw, float Pitch)> ReadWithPose(string path)
    {
        var list = new List<(Face, float, float)>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var c = line.Split(',');
            var m = c.Skip(5).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            list.Add((new Face(c[0], c[1], c[2], m), float.Parse(c[3], CultureInfo.InvariantCulture), float.Parse(c[4], CultureInfo.InvariantCulture)));
        }

        return list;
    }

    /// <summary>Near-frontal faces only (|yaw|, |pitch| &lt; 25°), as the estimator's baseline uses.</summary>
    internal static List<Face> Read(string path) =>
        [.. ReadWithPose(path).Where(r => Math.Abs(r.Yaw) < 25 && Math.Abs(r.Pitch) < 25).Select(r => r.Face)];
}
