using Mien.Results;
using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Skin.Tests;

/// <summary>Issue 18 item 1: the backdrop must not change the skin tone of the face in front of it.</summary>
[Collection(SkinCollection.Name)]
public sealed class BackdropTests(SkinFaces faces, ITestOutputHelper output)
{
    /// <summary>The face-api sample photos and the first HELEN test faces (when the shared data is present).</summary>
    internal static IEnumerable<string> Photos(SkinFaces faces, int helenCount)
    {
        foreach (var path in faces.Models.GroupPhotos)
        {
            yield return path;
        }

        if (SharedData.Find("landmarks/helen_test") is { } helen)
        {
            foreach (var path in Directory.GetFiles(helen, "*.jpg").Order(StringComparer.Ordinal).Take(helenCount))
            {
                yield return path;
            }
        }
    }

    [Fact]
    public async Task The_same_face_on_white_grey_black_and_busy_backdrops_keeps_its_ita_within_3_degrees_and_its_monk_tone_within_one_step()
    {
        using var analyzer = new SkinAnalyzer();
        using var busy = Cv2.ImRead(faces.Models.GroupPhotos[0]);
        var checkedFaces = 0;
        // Four HELEN faces besides the group photos (16 cost 50 s of the suite, 8 about 30 s); SkinBenchmarks covers every HELEN test face.
        foreach (var path in Photos(faces, 4))
        {
            var (image, face) = await faces.LargestFaceAsync(path);
            using var _ = image;
            if (analyzer.Analyze(image, face.Landmarks, face.Pose).Face is not { } original)
            {
                continue;
            }

            checkedFaces++;
            foreach (var name in Backdrops.Names)
            {
                using var backdrop = Backdrops.Make(name, image.Size(), busy);
                using var composite = Backdrops.Composite(image, face.Landmarks!, backdrop);
                Check($"{Path.GetFileName(path)} cut out onto {name}", analyzer.Analyze(composite, face.Landmarks, face.Pose), original.Tone);

                using var wide = Backdrops.Make(name, new Size(2 * image.Width, 2 * image.Height), busy);
                var (bordered, mesh) = Backdrops.Border(image, face.Landmarks!, wide);
                using (bordered)
                {
                    Check($"{Path.GetFileName(path)} with a wide {name} border", analyzer.Analyze(bordered, mesh, face.Pose), original.Tone);
                }
            }
        }

        Assert.True(checkedFaces >= 3, $"only {checkedFaces} faces were usable on their own backdrop");
    }

    private void Check(string what, SkinFrame frame, SkinTone original)
    {
        Assert.True(frame.Face is not null, $"{what}: refused ({string.Join("; ", frame.Quality.Reasons)}) though the face alone was measured");
        var tone = frame.Face.Tone;
        output.WriteLine($"{what}: ITA {original.Ita:F1}° → {tone.Ita:F1}°, MST {original.Monk} → {tone.Monk}");
        Assert.True(Math.Abs(tone.Ita - original.Ita) <= 3f, $"{what}: ITA {original.Ita:F1}° became {tone.Ita:F1}°");
        Assert.InRange(tone.Monk, original.Monk - 1, original.Monk + 1);
    }
}
