using System.Globalization;
using Mien.Pipeline;
using Mien.Physiology.Asymmetry;
using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Physiology.Tests;

/// <summary>
/// How much of a one-sided mouth-corner droop warped into real faces the index recovers with the image's evidence (the
/// shipped index) and from the mesh alone, where the mesh's shortfall goes (mesh displacement of each corner over the
/// warp's), and, for the mesh alone, a gain fitted on franck's frames and the odd HELEN test faces, validated on the even
/// HELEN faces, the Pexels clip and single_face. Writes asymmetry-calibration.txt beside the test assembly. Asserts that
/// the image-based index recovers 0.6–1.4 of the droop on the HELEN faces, which no setting was chosen on.
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class AsymmetryCalibrationMeasurement(RealModels models, ITestOutputHelper output)
{
    [BenchmarkFact("asymmetry-calibration.txt beside the test assembly (needs ../shared landmarks/helen_test)")]
    public async Task Droop_recovery_gain_fitted_on_some_faces_holds_on_others()
    {
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Identity = null, Expressions = false, Affect = null, KeepLandmarks = true, ConfirmFrames = 1 });
        var faces = await AsymmetryFaceTests.FacesForCalibration(models);
        var helen = Directory.GetFiles(SharedData.Require("landmarks/helen_test"), "*.jpg").Order(StringComparer.Ordinal).ToList();
        for (var i = 0; i < helen.Count; i++)
        {
            faces.Add(($"helen{(i % 2 == 0 ? "-even" : "-odd")}/{Path.GetFileNameWithoutExtension(helen[i])}", Cv2.ImRead(helen[i], ImreadModes.Color)));
        }

        var lines = new List<string>();
        void Log(string line)
        {
            lines.Add(line);
            output.WriteLine(line);
        }

        var samples = new List<(string Name, double Droop, double Change, double Left, double Right, double ImageChange, bool FromImage)>();
        var skipped = 0;
        foreach (var (name, image) in faces)
        {
            using (image)
            {
                // Large photos are scaled to 800 px wide (faces of 150–300 px, like the videos'): keeps the warp cheap.
                using var scaled = image.Width > 800 ? image.Resize(new Size(800, image.Height * 800 / image.Width)) : image.Clone();
                pipeline.Reset();
                var first = pipeline.Analyze(scaled, 0, TimeSpan.Zero).Faces.FirstOrDefault();
                var mesh = AsymmetryFaceTests.MeshOf(pipeline, scaled);
                if (mesh is null || first?.Pose is not { } pose || Math.Abs(pose.Yaw) > 15 || Math.Abs(pose.Pitch) > 15 || Math.Abs(pose.Roll) > 15)
                {
                    skipped++;
                    continue;
                }

                var before = AsymmetryMeter.Measure(mesh)!.Value;
                var beforeImage = AsymmetryMeter.Measure(mesh, PhysiologyCostMeasurement.View(scaled))!.Value;
                var height = Math.Abs(mesh[152].Y - mesh[10].Y);
                foreach (var percent in new[] { 2.0, 4.0, 6.0 })
                {
                    var pixels = percent / 100 * height;
                    using var warped = AsymmetryFaceTests.DroopOf(scaled, mesh, (float)pixels);
                    if (AsymmetryFaceTests.MeshOf(pipeline, warped) is not { } after)
                    {
                        continue;
                    }

                    var change = AsymmetryMeter.Measure(after)!.Value.MouthCorner - before.MouthCorner;
                    var withImage = AsymmetryMeter.Measure(after, PhysiologyCostMeasurement.View(warped))!.Value;
                    samples.Add((name, percent, change, (after[291].Y - mesh[291].Y) / pixels, (after[61].Y - mesh[61].Y) / pixels, withImage.MouthCorner - beforeImage.MouthCorner, withImage.MouthFromImage && beforeImage.MouthFromImage));
                }
            }
        }

        static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        Log($"faces used: {samples.Select(s => s.Name).Distinct().Count()} ({skipped} skipped: no face, or |yaw|, |pitch| or |roll| > 15°)");
        Log($"mesh displacement over the warp's: warped left corner (291) {F(samples.Average(s => s.Left))}, unwarped right corner (61) {F(samples.Average(s => s.Right))}");
        foreach (var group in samples.GroupBy(s => s.Name.Split('/')[0].Split('@')[0]))
        {
            Log($"{group.Key}: {group.Select(s => s.Name).Distinct().Count()} faces, mesh alone: raw recovery (index change / droop) mean {F(group.Average(s => s.Change / s.Droop))}, by droop {string.Join(", ", group.GroupBy(s => s.Droop).Select(g => $"{g.Key:0} %: {F(g.Average(s => s.Change))} %"))}");
            var evidence = group.Where(s => s.FromImage).ToList();
            if (evidence.Count == 0)
            {
                Log($"{group.Key}: no warp matched with image evidence");
                continue;
            }

            var ratios = evidence.Select(s => s.ImageChange / s.Droop).Order().ToList();
            Log($"{group.Key}: with image evidence ({evidence.Count} of {group.Count()} warps matched on both frames): recovery mean {F(ratios.Average())}, median {F(ratios[ratios.Count / 2])}, 10th–90th percentile {F(ratios[ratios.Count / 10])}–{F(ratios[ratios.Count * 9 / 10])}, by droop {string.Join(", ", evidence.GroupBy(s => s.Droop).Select(g => $"{g.Key:0} %: {F(g.Average(s => s.ImageChange))} %"))}; within ±1 % of the droop: {evidence.Count(s => Math.Abs(s.ImageChange - s.Droop) <= 1) * 100 / evidence.Count} %");
        }

        var helenImage = samples.Where(s => s.Name.StartsWith("helen", StringComparison.Ordinal) && s.FromImage).ToList();

        var fit = samples.Where(s => s.Name.StartsWith("franck", StringComparison.Ordinal) || s.Name.StartsWith("helen-odd", StringComparison.Ordinal)).ToList();
        var validate = samples.Except(fit).ToList();
        var gain = fit.Sum(s => s.Droop * s.Droop) / fit.Sum(s => s.Droop * s.Change); // least squares of droop ≈ gain × change
        Log($"gain fitted on {fit.Count} warps (franck + odd HELEN): {F(gain)}");
        double recovery = 0;
        foreach (var (label, set) in new[] { ("fit", fit), ("validation", validate) })
        {
            var errors = set.Select(s => (gain * s.Change) - s.Droop).ToList();
            var rms = Math.Sqrt(errors.Average(e => e * e));
            recovery = set.Average(s => gain * s.Change / s.Droop);
            Log($"{label} ({set.Count} warps): calibrated recovery {F(recovery)} (1 = exact), by droop {string.Join(", ", set.GroupBy(s => s.Droop).Select(g => $"{g.Key:0} % → {F(g.Average(s => gain * s.Change))} %"))}; RMS error {F(rms)} % of face height; within ±1.5 %: {errors.Count(e => Math.Abs(e) <= 1.5) * 100 / errors.Count} %");
        }

        File.WriteAllLines(Path.Combine(AppContext.BaseDirectory, "asymmetry-calibration.txt"), lines);
        Assert.True(validate.Count >= 30, $"only {validate.Count} validation warps");
        Assert.InRange(recovery, 0.6, 1.4);
        Assert.True(helenImage.Count >= 100, $"only {helenImage.Count} HELEN warps with image evidence");
        Assert.InRange(helenImage.Average(s => s.ImageChange / s.Droop), 0.6, 1.4);
    }
}
