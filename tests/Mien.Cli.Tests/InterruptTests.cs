using Mien.Testing;

namespace Mien.Cli.Tests;

/// <summary>
/// Ctrl+C and SIGTERM sent to a real `mien` process mid-run: one handler, its own exit code, no crash. Each test waits
/// for a progress line on stderr before signalling, so the signal lands in the middle of the work.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class InterruptTests(RealModels models) : IDisposable
{
    // Enough crops that an evaluation runs for seconds after its first progress line (10 %).
    private const int Images = 3000;

    private readonly string _dir = Directory.CreateTempSubdirectory("mien-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private MienProcess StartEvaluation()
    {
        Assert.NotNull(models.Artifacts["emotion"]);   // cached, so the child can run --offline
        var set = FaceCrops.SmileSet(Path.Combine(_dir, "set"), Images);
        return MienProcess.Start(["eval", set, "--crops", "-o", Path.Combine(_dir, "report.json"), "--offline"]);
    }

    private static bool IsProgress(string line) => line.StartsWith("eval: ", StringComparison.Ordinal) && line.Contains('%', StringComparison.Ordinal);

    private static void AssertNoCrash(string stderr)
    {
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_c_mid_run_stops_cleanly_with_the_interrupted_code()
    {
        using var mien = StartEvaluation();
        await mien.WaitForErrorLineAsync(IsProgress);

        mien.Signal("INT");
        var (code, _, stderr) = await mien.WaitForExitAsync();

        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("mien: interrupted", stderr, StringComparison.Ordinal);
        AssertNoCrash(stderr);
        Assert.DoesNotContain("eval: 3000/3000", stderr, StringComparison.Ordinal);   // it stopped rather than finishing
        Assert.False(File.Exists(Path.Combine(_dir, "report.json")));                  // no report of a partial set
    }

    [Fact]
    public async Task Sigterm_mid_run_stops_cleanly_with_the_terminated_code()
    {
        using var mien = StartEvaluation();
        await mien.WaitForErrorLineAsync(IsProgress);

        mien.Signal("TERM");
        var (code, _, stderr) = await mien.WaitForExitAsync();

        Assert.Equal(ExitCodes.Terminated, code);
        Assert.Contains("mien: terminating", stderr, StringComparison.Ordinal);
        AssertNoCrash(stderr);
    }

    /// <summary>analyze on franck.mp4: stopping completes the outputs (summary, report), which takes a moment.</summary>
    private async Task<(MienProcess Process, string Output)> StartAnalyzeAsync()
    {
        var franck = (await Mien.Media.Samples.SampleMedia.FaceVideosAsync(models.Packages))[0];
        var output = Path.Combine(_dir, "analyze");
        var process = MienProcess.Start(["analyze", franck, "-o", output, "--offline", "--no-video", "--no-voice"]);
        await process.WaitForErrorLineAsync(line => line.StartsWith("franck.mp4: ", StringComparison.Ordinal));
        return (process, Path.Combine(output, "franck"));
    }

    [Fact]
    public async Task Ctrl_c_on_analyze_keeps_every_complete_frame_and_a_summary_and_report_that_say_interrupted()
    {
        var (mien, folder) = await StartAnalyzeAsync();
        using (mien)
        {
            mien.Signal("INT");
            var (code, stdout, stderr) = await mien.WaitForExitAsync();

            Assert.Equal(ExitCodes.Interrupted, code);
            AssertNoCrash(stderr);
            Assert.Contains("(interrupted)", stdout, StringComparison.Ordinal);
        }

        var lines = File.ReadAllLines(Path.Combine(folder, "faces.jsonl"));
        Assert.All(lines, l => System.Text.Json.JsonDocument.Parse(l).Dispose());
        var summary = File.ReadAllText(Path.Combine(folder, "summary.json"));
        Assert.Contains("interrupted after", summary, StringComparison.Ordinal);
        Assert.Contains("interrupted after", File.ReadAllText(Path.Combine(folder, "report.html")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_signal_while_stopping_aborts_at_once_with_its_own_code()
    {
        var (mien, _) = await StartAnalyzeAsync();
        using var owned = mien;

        // Stopped, the process holds both signals pending and receives them together when continued: the second one
        // reaches the handler while the first is still being acted on, whatever the machine's speed.
        mien.Signal("STOP");
        mien.Signal("INT");
        mien.Signal("TERM");
        mien.Signal("CONT");
        var (code, _, stderr) = await mien.WaitForExitAsync();

        Assert.Equal(ExitCodes.Aborted, code);
        Assert.Contains("mien: aborted", stderr, StringComparison.Ordinal);
        AssertNoCrash(stderr);
    }

    [Fact]
    public async Task Ctrl_c_before_any_work_starts_does_not_crash()
    {
        // The reported crash: a signal in the first second, while models load, hit a disposed token source.
        Assert.NotNull(models.Artifacts["emotion"]);
        var set = FaceCrops.SmileSet(Path.Combine(_dir, "set"), 10);
        using var mien = MienProcess.Start(["eval", set, "--crops", "-o", Path.Combine(_dir, "report.json"), "--offline"]);
        await mien.WaitForErrorLineAsync(line => line.StartsWith("eval: 10 image(s)", StringComparison.Ordinal));

        mien.Signal("INT");
        var (code, _, stderr) = await mien.WaitForExitAsync();

        // Ten images may all be done before the signal lands: then the run is complete, and reports so.
        Assert.True(code is ExitCodes.Interrupted or ExitCodes.Ok, $"exit {code}: {stderr}");
        AssertNoCrash(stderr);
    }
}
