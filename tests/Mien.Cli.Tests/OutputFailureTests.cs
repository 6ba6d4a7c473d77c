using System.Diagnostics;
using System.Text.Json;
using Mien.Testing;

namespace Mien.Cli.Tests;

/// <summary>
/// Outputs that cannot be written and inputs that cannot be read: one `mien:` line naming the path and the problem,
/// the documented exit code, no stack trace, and no half-written file. Real commands on real files; permissions are
/// tested in a child process without root's override of file modes.
/// </summary>
[Collection(CliCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OutputFailureTests(RealModels models) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-output-").FullName;

    public void Dispose()
    {
        foreach (var d in Directory.EnumerateDirectories(_dir, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Directory.Delete(_dir, recursive: true);
    }

    private string Set(int images = 2)
    {
        Assert.NotNull(models.Artifacts["emotion"]);
        return FaceCrops.SmileSet(Path.Combine(_dir, "set"), images);
    }

    private static void AssertOneLine(string stderr, string expected)
    {
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_output_naming_a_folder_writes_the_report_inside_it()
    {
        var set = Set();
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "reports")).FullName;

        var (code, stdout, stderr) = await InProcessMien.RunAsync("eval", set, "--crops", "-o", folder, "--offline");

        Assert.True(code == ExitCodes.Ok, stderr);
        var report = Path.Combine(folder, "set.json");
        Assert.Contains($"wrote {report}", stdout, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(2, json.RootElement.GetProperty("counts").GetProperty("scored").GetInt32());
    }

    [Fact]
    public async Task Eval_output_below_a_file_names_the_file_in_the_way_before_any_work()
    {
        var set = Set();
        var file = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(file, "x");

        var (code, stdout, stderr) = await InProcessMien.RunAsync("eval", set, "--crops", "-o", Path.Combine(file, "report.json"), "--offline");

        Assert.Equal(ExitCodes.Output, code);
        AssertOneLine(stderr, $"{file} is a file, not a folder");
        Assert.DoesNotContain("eval: 2 image(s)", stderr, StringComparison.Ordinal);   // refused before the evaluation ran
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task A_full_disk_is_an_output_failure_naming_the_file()
    {
        var set = Set();

        var (code, _, stderr) = await InProcessMien.RunAsync("eval", set, "--crops", "-o", "/dev/full", "--offline");

        Assert.Equal(ExitCodes.Output, code);
        AssertOneLine(stderr, "mien: /dev/full: no space left on device");
        Assert.Throws<IOException>(() => File.WriteAllText("/dev/full", "x"));   // still the device: written through, never replaced
    }

    [PrivilegedFact("mounts a 128 KiB tmpfs")]
    public async Task Analyze_on_a_disk_that_fills_ends_its_tables_at_a_whole_frame_writes_an_interrupted_summary_and_says_what_was_written()
    {
        // 128 KiB holds the first frames' JSONL, CSV and video, then fills in the middle of some write.
        var clip = (await Media.Samples.SampleMedia.FaceVideosAsync(models.Packages))[1];
        var mount = Directory.CreateDirectory(Path.Combine(_dir, "full")).FullName;
        Mount(mount, "128k");
        try
        {
            var (code, _, stderr) = await InProcessMien.RunAsync("analyze", clip, "-o", mount, "--offline", "--no-voice", "--no-body");

            Assert.Equal(ExitCodes.Output, code);
            AssertOneLine(stderr, "no space left on device");
            var folder = Path.Combine(mount, Path.GetFileNameWithoutExtension(clip));
            var jsonl = await File.ReadAllTextAsync(Path.Combine(folder, "faces.jsonl"));
            Assert.True(jsonl.Length == 0 || jsonl.EndsWith('\n'), "faces.jsonl ends inside a line");
            var lines = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var line in lines)
            {
                using var _ = JsonDocument.Parse(line);   // every line whole
            }

            // Whole frames: the last frame's faces are all there (one face per frame in this clip).
            if (File.Exists(Path.Combine(folder, "faces.csv")))
            {
                var rows = (await File.ReadAllTextAsync(Path.Combine(folder, "faces.csv"))).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                var width = rows[0].Split(',').Length;
                Assert.All(rows, r => Assert.Equal(width, r.Split(',').Length));
            }

            foreach (var video in Directory.GetFiles(folder, "*.mp4"))
            {
                using var capture = new OpenCvSharp.VideoCapture(video);
                Assert.True(capture.IsOpened() && capture.FrameCount > 0, $"{Path.GetFileName(video)} was left unplayable");
            }

            // The run ends with what it can: the folder's reserve leaves room for a summary marked as cut short by the disk.
            var summaryPath = Path.Combine(folder, "summary.json");
            Assert.True(File.Exists(summaryPath), $"no summary.json after the disk filled; stderr: {stderr}");
            using (var summary = JsonDocument.Parse(await File.ReadAllTextAsync(summaryPath)))
            {
                var problems = summary.RootElement.GetProperty("problems");
                Assert.StartsWith("interrupted: disk full — ", problems[0].GetString(), StringComparison.Ordinal);
                Assert.DoesNotContain(problems.EnumerateArray(), p => p.GetString()!.StartsWith("interrupted after ", StringComparison.Ordinal));   // it claimed frames the tables lost
                Assert.True(summary.RootElement.GetProperty("framesAnalysed").GetInt64() >= lines.Count(l => l.Contains("\"type\":\"face\"", StringComparison.Ordinal)));
            }

            // The console says precisely what was and was not written; nothing is left half-written or reserved.
            Assert.Contains($"mien: written in {folder}: faces.jsonl (", stderr, StringComparison.Ordinal);
            Assert.Contains("summary.json (marked \"interrupted\")", stderr, StringComparison.Ordinal);
            var report = Path.Combine(folder, "report.html");
            if (File.Exists(report))
            {
                Assert.EndsWith("</html>\n", await File.ReadAllTextAsync(report), StringComparison.Ordinal);
            }
            else
            {
                Assert.Matches(@"mien: not written: .*report\.html \(", stderr);
            }

            Assert.Empty(Directory.GetFiles(folder, "*.partial"));
            Assert.Empty(Directory.GetFiles(folder, ".mien-reserve"));
        }
        finally
        {
            using var umount = Process.Start("umount", [mount]);
            umount.WaitForExit();
        }
    }

    [PrivilegedFact("mounts a 16 KiB tmpfs")]
    public async Task A_disk_that_fills_during_the_write_leaves_no_half_report()
    {
        // A 16 KiB tmpfs takes the empty probe file but not a report of 200 images with their predictions.
        var mount = Directory.CreateDirectory(Path.Combine(_dir, "small")).FullName;
        Mount(mount);

        try
        {
            var set = Set(200);
            var report = Path.Combine(mount, "report.json");
            var (code, _, stderr) = await InProcessMien.RunAsync("eval", set, "--crops", "-o", report, "--offline");

            Assert.Equal(ExitCodes.Output, code);
            AssertOneLine(stderr, $"mien: {report}: no space left on device");
            Assert.Empty(Directory.GetFileSystemEntries(mount));   // neither the report nor its temporary file
        }
        finally
        {
            using var umount = Process.Start("umount", [mount]);
            umount.WaitForExit();
        }
    }

    [Fact]
    public async Task A_read_only_output_folder_is_an_output_failure()
    {
        var set = Set();
        var readOnly = Directory.CreateDirectory(Path.Combine(_dir, "ro")).FullName;
        File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var (code, _, stderr) = await MienProcess.RunAsync(["eval", set, "--crops", "-o", Path.Combine(readOnly, "report.json"), "--offline"], asUnprivileged: true);

        Assert.Equal(ExitCodes.Output, code);
        AssertOneLine(stderr, $"mien: {Path.Combine(readOnly, "report.json")}: permission denied");
    }

    [Fact]
    public async Task A_training_output_in_a_read_only_folder_is_refused_before_training()
    {
        var readOnly = Directory.CreateDirectory(Path.Combine(_dir, "ro")).FullName;
        File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var clips = Path.Combine(_dir, "clips.csv");
        File.WriteAllLines(clips, ["subject,clip,time_s,label,anger,disgust,fear,happiness,sadness,surprise,neutral", "a,1,0,happiness,0,0,0,1,0,0,0"]);

        var (code, _, stderr) = await MienProcess.RunAsync(["train", "temporal", clips, "-o", Path.Combine(readOnly, "t.gru")], asUnprivileged: true);

        Assert.Equal(ExitCodes.Output, code);
        AssertOneLine(stderr, "t.gru: permission denied");
    }

    [Fact]
    public async Task An_unreadable_input_folder_is_bad_input_naming_it()
    {
        var set = Set();
        var happiness = Path.Combine(set, "happiness");
        File.SetUnixFileMode(happiness, UnixFileMode.None);

        var (code, _, stderr) = await MienProcess.RunAsync(["eval", set, "--crops", "-o", Path.Combine(_dir, "r.json"), "--offline"], asUnprivileged: true);

        Assert.Equal(ExitCodes.BadInput, code);
        AssertOneLine(stderr, $"mien: {happiness}: permission denied");
    }

    private static void Mount(string folder, string size = "16k")
    {
        using var mount = Process.Start("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", folder]);
        mount.WaitForExit();
        Assert.True(mount.ExitCode == 0, "root could not mount a tmpfs (a container without CAP_SYS_ADMIN?)");
    }
}
