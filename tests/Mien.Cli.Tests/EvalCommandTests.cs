using System.Text.Json;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Cli.Tests;

/// <summary>`mien eval` run in-process through the CLI's entry point, on real faces with the real models.</summary>
[Collection(CliCollection.Name)]
public sealed class EvalCommandTests(RealModels models) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-eval-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Code, string Out, string Err)> Mien(params string[] args) => InProcessMien.RunAsync(args);

    /// <summary>The golden face crop (tests/golden/inputs, a broad smile from face-api's sample3.jpg) as a PNG.</summary>
    private string SmileCrop(string relative)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var face = new Mat(64, 64, MatType.CV_8UC1);
        face.SetArray(File.ReadAllBytes(Repository.Golden("inputs", "face-64x64x1.u8")));
        Cv2.ImWrite(path, face);
        return path;
    }

    private string Folder(string name)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(path);
        return path;
    }

    private static JsonElement Report(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    [Fact]
    public async Task Crops_mode_scores_face_crops_and_notes_the_skipped_labels()
    {
        SmileCrop("set/happiness/smile.png");
        SmileCrop("set/contempt/smile.png");
        var json = Path.Combine(_dir, "report.json");

        var (code, stdout, stderr) = await Mien("eval", Path.Combine(_dir, "set"), "--crops", "-o", json, "--offline");

        Assert.Equal(0, code);
        Assert.Contains("accuracy 100.0%", stdout, StringComparison.Ordinal);
        Assert.Contains("skipped 1 image(s) labelled 'contempt'", stderr, StringComparison.Ordinal);
        var report = Report(json);
        Assert.Equal("crops", report.GetProperty("settings").GetProperty("mode").GetString());
        Assert.Equal("emotion", report.GetProperty("settings").GetProperty("models")[0].GetProperty("id").GetString());
        Assert.Equal(1, report.GetProperty("counts").GetProperty("skippedLabels").GetProperty("contempt").GetInt32());
        Assert.Equal(1.0, report.GetProperty("images").GetProperty("accuracy").GetDouble());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("images").GetProperty("classes")[0].GetProperty("f1").ValueKind);   // anger: no support, never predicted
    }

    [Fact]
    public async Task Detect_mode_finds_the_face_and_counts_a_faceless_image_as_no_face()
    {
        File.Copy(models.GroupPhotos[0], Path.Combine(Folder("set/happiness"), "sample1.jpg"));   // three smiling women
        using (var grey = new Mat(200, 200, MatType.CV_8UC3, Scalar.All(128)))
        {
            Cv2.ImWrite(Path.Combine(_dir, "set/happiness/grey.png"), grey);
        }

        var json = Path.Combine(_dir, "report.json");

        var (code, stdout, _) = await Mien("eval", Path.Combine(_dir, "set"), "-o", json, "--offline");

        Assert.Equal(0, code);
        Assert.Contains("no face", stdout, StringComparison.Ordinal);
        var report = Report(json);
        Assert.Equal(1, report.GetProperty("counts").GetProperty("noFace").GetInt32());
        var confusion = report.GetProperty("images").GetProperty("confusion");
        Assert.Equal("no face", confusion.GetProperty("columns")[7].GetString());
        var happiness = confusion.GetProperty("counts")[3].EnumerateArray().Select(c => c.GetInt32()).ToArray();
        Assert.Equal([0, 0, 0, 1, 0, 0, 0, 1], happiness);
        Assert.Equal(0.5, report.GetProperty("images").GetProperty("accuracy").GetDouble());
        Assert.Equal("blazeface-back", report.GetProperty("settings").GetProperty("detector").GetString());
    }

    [Fact]
    public async Task Unreadable_images_are_listed_and_the_others_still_scored()
    {
        SmileCrop("set/happiness/smile.png");
        File.WriteAllText(Path.Combine(_dir, "set/happiness/broken.png"), "not an image");
        var json = Path.Combine(_dir, "report.json");

        var (code, _, stderr) = await Mien("eval", Path.Combine(_dir, "set"), "--crops", "-o", json, "--offline");

        Assert.Equal(1, code);
        Assert.Contains("1 image(s) could not be read", stderr, StringComparison.Ordinal);
        Assert.Contains("broken.png: is not a decodable image", stderr, StringComparison.Ordinal);
        var report = Report(json);
        Assert.Equal(1, report.GetProperty("counts").GetProperty("scored").GetInt32());
        Assert.EndsWith("broken.png", report.GetProperty("unreadable")[0].GetProperty("path").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_unreadable_images_exit_with_the_bad_input_code()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "set/fear"));
        File.WriteAllBytes(Path.Combine(_dir, "set/fear/empty.jpg"), []);

        var (code, _, stderr) = await Mien("eval", Path.Combine(_dir, "set"), "--crops", "-o", Path.Combine(_dir, "r.json"), "--offline");

        Assert.Equal(3, code);
        Assert.Contains("empty.jpg: file is empty", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_folder_is_bad_input()
    {
        var (code, _, stderr) = await Mien("eval", Path.Combine(_dir, "absent"), "--offline");

        Assert.Equal(3, code);
        Assert.Contains("absent: folder not found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_folder_is_bad_input()
    {
        var (code, _, stderr) = await Mien("eval", Folder("empty"), "--offline");

        Assert.Equal(3, code);
        Assert.Contains("holds no label folders", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_with_no_known_label_is_bad_input_naming_the_labels()
    {
        SmileCrop("set/calm/smile.png");

        var (code, _, stderr) = await Mien("eval", Path.Combine(_dir, "set"), "--offline");

        Assert.Equal(3, code);
        Assert.Contains("(calm) is a class of the model", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--pad", "2", "--crops")]
    [InlineData("--crop-scale", "1.1", "--crops")]
    [InlineData("--pad", "0.5", "--flip")]
    [InlineData("--crop-shift", "0.9", "--flip")]
    [InlineData("--limit", "0", "--crops")]
    public async Task Invalid_or_misplaced_options_are_usage_errors_naming_the_option(string option, string value, string other)
    {
        SmileCrop("set/happiness/smile.png");

        var (code, _, stderr) = await Mien("eval", Path.Combine(_dir, "set"), option, value, other, "--offline");

        Assert.Equal(2, code);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ck_style_labels_csv_adds_per_sequence_scores()
    {
        SmileCrop("set/happiness/S001_001_01.png");
        SmileCrop("set/happiness/S001_001_02.png");
        SmileCrop("set/happiness/S003_002_01.png");
        File.WriteAllLines(Path.Combine(_dir, "set/labels.csv"),
        [
            "file,label,subject,sequence,frame",
            "happiness/S001_001_01.png,happiness,S001,001,1",
            "happiness/S001_001_02.png,happiness,S001,001,2",
            "happiness/S003_002_01.png,happiness,S003,002,1",
        ]);
        var json = Path.Combine(_dir, "report.json");

        var (code, stdout, _) = await Mien("eval", Path.Combine(_dir, "set"), "--crops", "--flip", "-o", json, "--offline");

        Assert.Equal(0, code);
        Assert.Contains("per sequence (2 sequences", stdout, StringComparison.Ordinal);
        var report = Report(json);
        Assert.True(report.GetProperty("settings").GetProperty("flip").GetBoolean());
        var sequences = report.GetProperty("sequences");
        Assert.Equal(2, sequences.GetProperty("metrics").GetProperty("total").GetInt32());
        Assert.Equal("S001/001", sequences.GetProperty("verdicts")[0].GetProperty("group").GetString());
    }

    [Fact]
    public async Task The_report_goes_to_out_eval_named_after_the_folder_by_default()
    {
        SmileCrop("work/my-set/happiness/smile.png");
        var cwd = Environment.CurrentDirectory;
        Environment.CurrentDirectory = Path.Combine(_dir, "work");
        try
        {
            var (code, stdout, _) = await Mien("eval", "my-set", "--crops", "--limit", "1", "--offline");

            Assert.Equal(0, code);
            Assert.True(File.Exists(Path.Combine(_dir, "work", "out", "eval", "my-set.json")), stdout);
        }
        finally
        {
            Environment.CurrentDirectory = cwd;
        }
    }
}
