using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;


namespace Mien.Skin.Tests;

/// <summary>Validation (d): region masks drawn over real faces (HELEN test images) for a person to look at.</summary>
[Collection(SkinCollection.Name)]
public sealed class OverlayTests(SkinFaces faces, ITestOutputHelper output)
{
    [Fact]
    public async Task Region_masks_lie_inside_the_face_and_overlays_are_written()
    {
        var paths = new List<string> { faces.Models.GroupPhotos[3] };
        if (SharedData.Find("landmarks/helen_test") is { } helen)
        {
            paths.AddRange(Directory.GetFiles(helen, "*.jpg").Order(StringComparer.Ordinal).Take(6));
        }

        var dir = Path.Combine(Path.GetTempPath(), "mien-skin-overlays");
        Directory.CreateDirectory(dir);
        using var analyzer = new SkinAnalyzer();
        foreach (var path in paths)
        {
            var (image, face) = await faces.LargestFaceAsync(path);
            using (image)
            {
                var result = analyzer.Analyze(image, face.Landmarks, face.Pose);
                using var before = image.Clone();
                SkinOverlay.Draw(image, face.Landmarks!, result);
                var file = Path.Combine(dir, Path.GetFileNameWithoutExtension(path) + ".png");
                Cv2.ImWrite(file, image);
                output.WriteLine($"{file}: {string.Join(", ", result.Regions.Select(r => $"{r.Region} {r.UsablePixels}/{r.PolygonPixels}"))} {string.Join("; ", result.Quality.Reasons)}");

                // The overlay changes pixels only inside the face's box (plus its labels just above it).
                using var diff = new Mat();
                Cv2.Absdiff(image, before, diff);
                using var grey = diff.CvtColor(ColorConversionCodes.BGR2GRAY);
                var changed = Cv2.BoundingRect(grey);
                var box = face.Box;
                Assert.True(changed.Width > 0);
                Assert.InRange(changed.Left, box.X - (0.3 * box.Width), box.X + box.Width);
                Assert.InRange(changed.Bottom, box.Y, box.Y + (1.3 * box.Height));
            }
        }
    }
}
