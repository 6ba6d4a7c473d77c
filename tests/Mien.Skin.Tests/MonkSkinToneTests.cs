using Mien.Testing;
using OpenCvSharp;


namespace Mien.Skin.Tests;

/// <summary>Validation (a): the Monk swatches, embedded and rendered, land on their own MST index.</summary>
[Collection(SkinCollection.Name)]
public sealed class MonkSkinToneTests(SkinFaces faces)
{
    [Fact]
    public void Every_swatch_colour_is_nearest_to_itself_and_the_likeliest_by_a_margin()
    {
        for (var i = 0; i < 10; i++)
        {
            var (index, confidence) = MonkSkinTone.Nearest(MonkSkinTone.Lab[i]);
            Assert.Equal(i + 1, index);
            Assert.True(confidence > 1f / 3, $"MST {i + 1}: confidence {confidence}");
        }
    }

    [SharedDataFact("skintone/mst_swatches")]
    public void Embedded_hex_values_match_the_official_swatch_images()
    {
        var dir = SharedData.Require("skintone/mst_swatches");

        for (var i = 1; i <= 10; i++)
        {
            using var png = Cv2.ImRead(Path.Combine(dir, $"MST_{i}.png"), ImreadModes.Color);
            var centre = png.At<Vec3b>(png.Rows / 2, png.Cols / 2);
            var rgb = Convert.FromHexString(MonkSkinTone.Hex[i - 1].AsSpan(1));
            Assert.InRange(Math.Abs(centre.Item2 - rgb[0]), 0, 2);
            Assert.InRange(Math.Abs(centre.Item1 - rgb[1]), 0, 2);
            Assert.InRange(Math.Abs(centre.Item0 - rgb[2]), 0, 2);
        }
    }

    /// <summary>Each swatch painted over a real face's whole frame with camera-like noise (σ = 3 codes) and read back through the analyser.</summary>
    [Fact]
    public async Task Synthetic_swatch_patches_on_a_face_mesh_land_on_the_right_monk_index()
    {
        var (image, face) = await faces.LargestFaceAsync(faces.Models.GroupPhotos[3]);
        var (rows, cols) = (image.Rows, image.Cols);
        image.Dispose();
        var options = new SkinAnalyzerOptions { Illumination = IlluminationNormalization.None, MinLightness = 0, MaxLightness = 100, MinSharpness = 0, MaxClippedFraction = 1, MinSkinChroma = 0 };
        using var analyzer = new SkinAnalyzer(options);
        using var noise = new Mat(rows, cols, MatType.CV_16SC3);
        for (var i = 0; i < 10; i++)
        {
            var rgb = Convert.FromHexString(MonkSkinTone.Hex[i].AsSpan(1));
            using var patch = new Mat(noise.Rows, noise.Cols, MatType.CV_16SC3, new Scalar(rgb[2], rgb[1], rgb[0]));
            Cv2.Randn(noise, Scalar.All(0), Scalar.All(3));
            using var sum = new Mat();
            Cv2.Add(patch, noise, sum);
            using var frame = new Mat();
            sum.ConvertTo(frame, MatType.CV_8UC3);

            var result = analyzer.Analyze(frame, face.Landmarks, face.Pose);

            Assert.NotEmpty(result.Regions);
            Assert.All(result.Regions, r => Assert.Equal(i + 1, r.Tone?.Monk));
            Assert.Equal(i + 1, result.Face?.Tone.Monk);
        }
    }
}
