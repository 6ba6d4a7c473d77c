using System.Text.Json;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Cli.Tests;

/// <summary>`mien skin` on several inputs: a folder of real photos measured one by one in capture order, skipped entries named, the highest exit code.</summary>
[Collection(CliCollection.Name)]
public sealed class SkinInputsCommandTests(RealModels models) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-skin-many-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_folder_of_photos_is_measured_photo_by_photo_in_capture_order_with_a_combined_summary()
    {
        var photos = Path.Combine(_dir, "photos");
        Directory.CreateDirectory(photos);
        // Name order is the reverse of capture (file-time) order; re-encoded, so no EXIF date decides instead.
        foreach (var (from, name) in new[] { (models.GroupPhotos[3], "a-later.jpg"), (models.GroupPhotos[0], "b-earlier.jpg") })
        {
            using var image = Cv2.ImRead(from, ImreadModes.Color);
            Cv2.ImWrite(Path.Combine(photos, name), image);
        }

        File.SetLastWriteTimeUtc(Path.Combine(photos, "a-later.jpg"), new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        File.SetLastWriteTimeUtc(Path.Combine(photos, "b-earlier.jpg"), new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.WriteAllText(Path.Combine(photos, "notes.txt"), "not a photo");
        var output = Path.Combine(_dir, "out");

        var (code, stdout, stderr) = await InProcessMien.RunAsync("skin", photos, "-o", output, "--offline");

        Assert.True(code == 1, $"exit {code} (a skipped folder entry is a problem found): {stderr}{stdout}");
        Assert.Contains("notes.txt: not an image or video file (.txt) (skipped)", stderr, StringComparison.Ordinal);
        using var combined = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "skin-combined.json")));
        var inputs = combined.RootElement.GetProperty("inputs").EnumerateArray().ToArray();
        Assert.Equal(["b-earlier.jpg", "a-later.jpg", Path.Combine(photos, "notes.txt")], inputs.Select(i => i.GetProperty("input").GetString()));
        Assert.Equal("file-time", inputs[0].GetProperty("captureTimeSource").GetString());
        Assert.Equal("skipped", inputs[2].GetProperty("status").GetString());
        foreach (var (name, folder) in new[] { ("b-earlier.jpg", "b-earlier"), ("a-later.jpg", "a-later") })
        {
            using var skin = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, folder, "skin.json")));
            Assert.Equal(name, skin.RootElement.GetProperty("input").GetString());
            Assert.NotEmpty(skin.RootElement.GetProperty("faces").EnumerateArray());
        }

        Assert.Equal("measured", inputs[1].GetProperty("status").GetString());
        Assert.True(inputs[1].GetProperty("facesMeasured").GetInt32() >= 1);
    }

    [Fact]
    public async Task A_missing_input_among_good_ones_is_skipped_with_its_reason_and_exits_3()
    {
        var output = Path.Combine(_dir, "out2");
        var missing = Path.Combine(_dir, "no-such-photo.jpg");

        var (code, stdout, stderr) = await InProcessMien.RunAsync("skin", models.GroupPhotos[3], missing, "-o", output, "--offline");

        Assert.True(code == 3, $"exit {code}: {stderr}{stdout}");
        Assert.Contains($"{missing}: no such file or folder (skipped)", stderr, StringComparison.Ordinal);
        var measured = Path.Combine(output, Path.GetFileNameWithoutExtension(models.GroupPhotos[3]), "skin.json");
        Assert.True(File.Exists(measured), "the good input is still measured");
    }
}
