using System.Text.Json;
using Mien.Testing;

namespace Mien.Cli.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliCollection : ICollectionFixture<RealModels>
{
    public const string Name = "cli (console is process-wide)";
}

/// <summary>The `mien` commands run in-process: exit codes, messages and files, with the real models and samples.</summary>
[Collection(CliCollection.Name)]
public sealed class CliTests(RealModels models) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Code, string Out, string Err)> Mien(params string[] args) => InProcessMien.RunAsync(args);

    [Fact]
    public async Task Analyze_writes_faces_summary_report_and_annotated_images_for_real_photos()
    {
        var output = Path.Combine(_dir, "out");
        var (code, stdout, _) = await Mien("analyze", models.GroupPhotos[0], models.GroupPhotos[4], "-o", output, "--offline");

        Assert.Equal(0, code);
        foreach (var (name, faces) in new[] { ("sample1", 3), ("sample5", 5) })
        {
            var folder = Path.Combine(output, name);
            var lines = File.ReadAllLines(Path.Combine(folder, "faces.jsonl")).Where(l => l.Contains("\"type\":\"face\"", StringComparison.Ordinal)).ToArray();
            Assert.Equal(faces, lines.Length);
            using var first = JsonDocument.Parse(lines[0]);
            Assert.Equal(7, first.RootElement.GetProperty("expression").EnumerateObject().Count());
            Assert.True(first.RootElement.TryGetProperty("pose", out _));
            // Exports are anonymised unless faces are asked for (issue 11).
            Assert.True(File.Exists(Path.Combine(folder, "anonymized.jpg")));
            Assert.Equal(faces + 1, File.ReadAllLines(Path.Combine(folder, "faces.csv")).Length);
            // A photo's report is laid out for a still: faces, no time charts (issue 18).
            var report = File.ReadAllText(Path.Combine(folder, "report.html"));
            Assert.Contains("still image", report, StringComparison.Ordinal);
            Assert.DoesNotContain("<svg", report, StringComparison.Ordinal);
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
            Assert.Contains("not measurements of what anyone feels", summary.RootElement.GetProperty("disclaimer").GetString(), StringComparison.Ordinal);
        }

        Assert.Contains("sample5.jpg", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_tracks_the_face_of_a_real_video_with_one_id_and_writes_every_output()
    {
        var output = Path.Combine(_dir, "out");
        var clip = await Media.Samples.SampleMedia.FaceVideosAsync(models.Packages);
        var (code, _, stderr) = await Mien("analyze", clip[2], "-o", output, "--offline");

        Assert.Equal(0, code);
        // The progress line's last state is the end of the clip, also when piped (it used to stop at its last 10-second mark).
        var progress = stderr.Split('\r', '\n').Where(l => l.StartsWith("cap13_edit2.mp4: ", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(progress);
        Assert.Contains(" 100 %, ", progress[^1], StringComparison.Ordinal);
        var folder = Path.Combine(output, "cap13_edit2");
        var lines = File.ReadAllLines(Path.Combine(folder, "faces.jsonl"));
        var faces = lines.Where(l => l.Contains("\"type\":\"face\"", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.True(faces.Length > 100, $"{faces.Length} face lines");
        Assert.All(faces, f => Assert.Equal(1, f.GetProperty("track").GetInt32()));
        var times = faces.Select(f => f.GetProperty("time").GetDouble()).ToArray();
        Assert.True(times.Zip(times.Skip(1)).All(p => p.Second > p.First), "timestamps increase");
        Assert.Contains(lines, l => l.Contains("track-started", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("track-ended", StringComparison.Ordinal));
        Assert.True(new FileInfo(Path.Combine(folder, "anonymized.mp4")).Length > 10_000);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        Assert.True(summary.RootElement.GetProperty("anonymized").GetBoolean());
        Assert.Equal(1, summary.RootElement.GetProperty("tracks").GetArrayLength());
    }

    [Fact]
    public async Task Faces_are_shown_in_exports_only_when_asked()
    {
        var output = Path.Combine(_dir, "shown");
        var (code, _, _) = await Mien("analyze", models.GroupPhotos[0], "-o", output, "--offline", "--show-faces");

        Assert.Equal(0, code);
        var folder = Path.Combine(output, "sample1");
        Assert.True(File.Exists(Path.Combine(folder, "annotated.jpg")));
        Assert.False(File.Exists(Path.Combine(folder, "anonymized.jpg")));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        Assert.False(summary.RootElement.GetProperty("anonymized").GetBoolean());
    }

    [Fact]
    public async Task A_bad_file_among_good_ones_is_reported_and_the_others_still_written()
    {
        var empty = Path.Combine(_dir, "empty.jpg");
        File.WriteAllBytes(empty, []);
        var output = Path.Combine(_dir, "out");

        var (code, _, stderr) = await Mien("analyze", empty, models.GroupPhotos[0], "-o", output, "--offline");

        Assert.Equal(3, code);
        Assert.Contains("empty.jpg: file is empty", stderr, StringComparison.Ordinal);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "sample1", "faces.jsonl")).Count(l => l.Contains("\"type\":\"face\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Only_unreadable_input_exits_with_the_bad_input_code()
    {
        var text = Path.Combine(_dir, "notes.png");
        File.WriteAllText(text, "not an image");

        var (code, _, stderr) = await Mien("analyze", text, "-o", Path.Combine(_dir, "out"), "--offline");

        Assert.Equal(3, code);
        Assert.Contains("not a decodable image", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsupported_file_type_is_named()
    {
        var video = Path.Combine(_dir, "clip.xyz");
        File.WriteAllText(video, "data");

        var (code, _, stderr) = await Mien("analyze", video, "-o", Path.Combine(_dir, "out"), "--offline");

        Assert.Equal(3, code);
        Assert.Contains("clip.xyz", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_option_is_a_usage_error()
    {
        var (code, _, stderr) = await Mien("analyze", "--frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("--frobnicate", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_detector_option_names_it()
    {
        var (code, _, stderr) = await Mien("analyze", models.GroupPhotos[0], "--min-score", "2", "--offline");
        Assert.Equal(2, code);
        Assert.Contains("--min-score", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_list_and_verify_cover_every_model()
    {
        var (listCode, list, _) = await Mien("models", "list");
        var (verifyCode, verify, _) = await Mien("models", "verify");

        Assert.Equal(0, listCode);
        Assert.Equal(0, verifyCode);
        foreach (var id in models.Store.Manifest.Models.Select(m => m.Id))
        {
            Assert.Contains(id, list, StringComparison.Ordinal);
            Assert.Contains($"{id,-18} ok", verify, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Models_path_prints_the_cached_onnx_file()
    {
        var (code, stdout, _) = await Mien("models", "path", "emotion");
        Assert.Equal(0, code);
        Assert.True(File.Exists(stdout.Trim()), stdout);
    }

    [Fact]
    public async Task Unknown_model_id_lists_the_known_ones()
    {
        var (code, _, stderr) = await Mien("models", "verify", "emotions");
        Assert.Equal(2, code);
        Assert.Contains("Known models", stderr, StringComparison.Ordinal);
    }
}
