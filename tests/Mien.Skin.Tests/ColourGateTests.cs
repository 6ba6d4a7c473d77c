using OpenCvSharp;

namespace Mien.Skin.Tests;

/// <summary>Issue 14 item 11: a greyscale or nearly greyscale photo has no skin tone to report.</summary>
[Collection(SkinCollection.Name)]
public sealed class ColourGateTests(SkinFaces faces)
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    public async Task A_greyscale_or_nearly_greyscale_photo_is_refused_as_greyscale_instead_of_given_a_tone(double saturation)
    {
        var (image, face) = await faces.LargestFaceAsync(faces.Models.GroupPhotos[3]);
        using var _ = image;
        using var grey = image.CvtColor(ColorConversionCodes.BGR2GRAY).CvtColor(ColorConversionCodes.GRAY2BGR);
        using var faded = new Mat();
        Cv2.AddWeighted(image, saturation, grey, 1 - saturation, 0, faded);
        using var analyzer = new SkinAnalyzer();
        Assert.True(analyzer.Analyze(image, face.Landmarks, face.Pose).Quality.IsUsable, "the colour original should be measured");

        var result = analyzer.Analyze(faded, face.Landmarks, face.Pose);

        Assert.True(result.Face is null, $"measured ITA {result.Face?.Tone.Ita:F1}° on a photo with {saturation:P0} of its colour");
        Assert.False(result.Quality.IsUsable);
        var reason = Assert.Single(result.Quality.Reasons, r => r.Code == "greyscale");
        Assert.Contains("no colour", reason.Message, StringComparison.Ordinal);
    }
}
