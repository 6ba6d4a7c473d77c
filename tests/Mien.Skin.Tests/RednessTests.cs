using Mien.Results;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Skin.Tests;

/// <summary>Issue 18 item 2: redness suggestions must follow redness, not pigmentation, across the Monk scale.</summary>
[Collection(SkinCollection.Name)]
public sealed class RednessTests(SkinFaces faces, ITestOutputHelper output)
{
    /// <summary>
    /// The suggestions for a whole frame painted in MST swatch <paramref name="index"/> (0-based) with σ = 3 code
    /// noise, its green channel's linear value times <paramref name="greenGain"/> (blood absorbs green: a flush lowers
    /// green, and the lightest swatches have no red headroom left).
    /// </summary>
    private static IReadOnlyList<SkinSuggestion> Suggest(SkinAnalyzer analyzer, FaceObservation face, int rows, int cols, int index, float greenGain, out SkinSummary summary)
    {
        var rgb = Convert.FromHexString(MonkSkinTone.Hex[index].AsSpan(1));
        var green = (byte)Math.Clamp(Math.Round(255 * CieLab.Encode(CieLab.Linear(rgb[1]) * greenGain)), 0, 255);
        using var patch = new Mat(rows, cols, MatType.CV_16SC3, new Scalar(rgb[2], green, rgb[0]));
        using var noise = new Mat(rows, cols, MatType.CV_16SC3);
        new RNG((ulong)(index + 1)).Fill(noise, DistributionType.Normal, Scalar.All(0), Scalar.All(3));
        using var sum = new Mat();
        Cv2.Add(patch, noise, sum);
        using var frame = new Mat();
        sum.ConvertTo(frame, MatType.CV_8UC3);
        var aggregator = new SkinAggregator();
        aggregator.Add(TimeSpan.Zero, analyzer.Analyze(frame, face.Landmarks, face.Pose));
        summary = aggregator.Summarise();
        return SkinRecommendations.For(summary);
    }

    [Fact]
    public async Task Redness_suggestions_fire_on_added_redness_at_every_monk_tone_and_never_on_pigmentation_alone()
    {
        var (image, face) = await faces.LargestFaceAsync(faces.Models.GroupPhotos[3]);
        var (rows, cols) = (image.Rows, image.Cols);
        image.Dispose();
        var options = new SkinAnalyzerOptions { Illumination = IlluminationNormalization.None, MinLightness = 0, MaxLightness = 100, MinSharpness = 0, MaxClippedFraction = 1, MinSkinChroma = 0 };
        using var analyzer = new SkinAnalyzer(options);
        for (var i = 0; i < 10; i++)
        {
            var plain = Suggest(analyzer, face, rows, cols, i, 1f, out var plainSummary);
            var flushed = Suggest(analyzer, face, rows, cols, i, 0.75f, out var flushedSummary);
            output.WriteLine($"MST {i + 1}: EI {plainSummary.Get(SkinMetric.ErythemaIndex)?.Value:F1} → {flushedSummary.Get(SkinMetric.ErythemaIndex)?.Value:F1}, relative redness {plainSummary.Get(SkinMetric.RelativeRedness)?.Value:F1} → {flushedSummary.Get(SkinMetric.RelativeRedness)?.Value:F1}");

            Assert.DoesNotContain(plain, s => s.Metric == SkinMetric.RelativeRedness);
            Assert.Contains(flushed, s => s.Metric == SkinMetric.RelativeRedness && s.Text.Contains("comparatively red", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(94f)]
    [InlineData(60f)]
    [InlineData(30f)]
    public void Relative_redness_is_zero_on_the_monk_scale_and_rises_one_for_one_with_the_erythema_index(float lightness)
    {
        var expected = SkinRedness.Expected(lightness);

        Assert.Equal(0f, SkinRedness.Relative(lightness, expected)!.Value, 3);
        Assert.Equal(10f, SkinRedness.Relative(lightness, expected + 10)!.Value, 3);
        Assert.Null(SkinRedness.Relative(float.NaN, 12));
    }
}
