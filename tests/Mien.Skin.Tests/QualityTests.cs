using OpenCvSharp;


namespace Mien.Skin.Tests;

/// <summary>Bad inputs give "insufficient quality" with reasons instead of numbers.</summary>
[Collection(SkinCollection.Name)]
public sealed class QualityTests(SkinFaces faces)
{
    private async Task<(Mat Image, Mien.Results.FaceObservation Face)> SampleAsync() => await faces.LargestFaceAsync(faces.Models.GroupPhotos[3]);

    [Fact]
    public async Task A_good_face_is_usable_with_every_region_measured()
    {
        var (image, face) = await SampleAsync();
        using var _ = image;
        using var analyzer = new SkinAnalyzer();

        var result = analyzer.Analyze(image, face.Landmarks, face.Pose);

        Assert.True(result.Quality.IsUsable, string.Join("; ", result.Quality.Reasons));
        Assert.NotNull(result.Face);
        Assert.Equal(7, result.Regions.Count);
        Assert.All(result.Regions, r => Assert.True(r.UsablePixels <= r.PolygonPixels));
        Assert.Contains(result.Regions, r => r.Issue is null && r.Tone is not null);
        Assert.InRange(result.Face.Tone.Median.L, 20, 95);
    }

    [Fact]
    public void No_face_gives_the_no_face_reason()
    {
        using var grey = new Mat(360, 640, MatType.CV_8UC3, Scalar.All(128));
        using var analyzer = new SkinAnalyzer();

        var result = analyzer.Analyze(grey, null, null);

        Assert.False(result.Quality.IsUsable);
        Assert.Equal("no-face", Assert.Single(result.Quality.Reasons).Code);
        Assert.Null(result.Face);
        Assert.Empty(result.Regions);
    }

    [Theory]
    [InlineData(0.06f, "too-dark")]
    [InlineData(4f, "clipped")]
    public async Task Dark_and_overexposed_frames_are_rejected_with_the_reason(float gain, string code)
    {
        var (image, face) = await SampleAsync();
        using var _ = image;
        using var lit = Synthetic.Relight(image, gain, 1, (1, 1, 1));
        using var analyzer = new SkinAnalyzer();

        var result = analyzer.Analyze(lit, face.Landmarks, face.Pose);

        Assert.False(result.Quality.IsUsable);
        Assert.Contains(result.Quality.Reasons, r => r.Code == code);
        Assert.Null(result.Face);
    }

    [Fact]
    public async Task A_tiny_face_is_rejected_as_too_small_with_its_width()
    {
        var (image, face) = await SampleAsync();
        using var _ = image;
        using var small = image.Resize(new Size(image.Width / 5, image.Height / 5), 0, 0, InterpolationFlags.Area);
        var landmarks = face.Landmarks!.Select(p => new Mien.Results.Point3(p.X / 5, p.Y / 5, p.Z / 5)).ToArray();
        using var analyzer = new SkinAnalyzer();

        var result = analyzer.Analyze(small, landmarks, face.Pose);

        var reason = Assert.Single(result.Quality.Reasons);
        Assert.Equal("face-too-small", reason.Code);
        Assert.Contains("needs ≥ 80", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Blurring_a_face_lowers_its_sharpness_below_the_gate()
    {
        var (image, face) = await SampleAsync();
        using var _ = image;
        using var blurred = image.GaussianBlur(new Size(0, 0), 12);
        using var analyzer = new SkinAnalyzer();
        var sharp = analyzer.Analyze(image, face.Landmarks, face.Pose);
        using var strict = new SkinAnalyzer(new SkinAnalyzerOptions { MinSharpness = 0.75f * sharp.Quality.Sharpness });

        var result = strict.Analyze(blurred, face.Landmarks, face.Pose);

        Assert.True(result.Quality.Sharpness < 0.75f * sharp.Quality.Sharpness, $"sharpness {sharp.Quality.Sharpness:F2} → {result.Quality.Sharpness:F2}");
        Assert.False(result.Quality.IsUsable);
    }

    [Fact]
    public async Task A_turned_head_is_rejected_on_pose()
    {
        var (image, face) = await SampleAsync();
        using var _ = image;
        using var analyzer = new SkinAnalyzer();

        var result = analyzer.Analyze(image, face.Landmarks, new Mien.Results.HeadPose(40, 0, 0));

        Assert.Equal("pose", Assert.Single(result.Quality.Reasons).Code);
    }
}
