using Mien.Testing;
using Mien.Voice;

namespace Mien.Cli.Tests;

/// <summary>`mien models` covers the Silero VAD as well as the imported models; problems are worded for users.</summary>
[Collection(CliCollection.Name)]
public sealed class ModelsCommandTests(RealModels models)
{
    [Fact]
    public async Task List_fetch_verify_and_path_include_the_voice_activity_model()
    {
        // The shared cache: fetch it (a no-op once cached), then every command knows it.
        var (fetchCode, fetched, fetchError) = await InProcessMien.RunAsync("models", "fetch", SileroVadModel.Id);
        Assert.True(fetchCode == ExitCodes.Ok, fetchError);
        Assert.Contains(SileroVadModel.Id, fetched, StringComparison.Ordinal);

        var (listCode, list, _) = await InProcessMien.RunAsync("models", "list");
        Assert.Equal(ExitCodes.Ok, listCode);
        var row = list.Split('\n').Single(l => l.Contains(SileroVadModel.Id, StringComparison.Ordinal));
        Assert.Contains("yes", row, StringComparison.Ordinal);

        var (verifyCode, verify, _) = await InProcessMien.RunAsync("models", "verify");
        Assert.Equal(ExitCodes.Ok, verifyCode);
        Assert.Contains($"{SileroVadModel.Id,-18} ok", verify, StringComparison.Ordinal);
        foreach (var id in models.Store.Manifest.Models.Select(m => m.Id))
        {
            Assert.Contains($"{id,-18} ok", verify, StringComparison.Ordinal);
        }

        var (pathCode, path, _) = await InProcessMien.RunAsync("models", "path", SileroVadModel.Id);
        Assert.Equal(ExitCodes.Ok, pathCode);
        Assert.True(File.Exists(path.Trim()), path);
    }

    [Fact]
    public async Task Verify_of_an_empty_cache_fails_names_the_missing_vad_and_says_what_to_run()
    {
        var empty = Path.Combine(Path.GetTempPath(), $"mien-empty-cache-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(empty);
        var previous = Environment.GetEnvironmentVariable("MIEN_CACHE_DIR");
        Environment.SetEnvironmentVariable("MIEN_CACHE_DIR", empty);
        try
        {
            var (code, output, _) = await InProcessMien.RunAsync("models", "verify", SileroVadModel.Id);
            Assert.Equal(ExitCodes.ProblemsFound, code);
            Assert.Contains(SileroVadModel.Id, output, StringComparison.Ordinal);
            Assert.Contains("mien models fetch", output, StringComparison.Ordinal);
            Assert.DoesNotContain("EnsureFilesAsync", output, StringComparison.Ordinal);

            (code, output, _) = await InProcessMien.RunAsync("models", "verify", "emotion");
            Assert.Equal(ExitCodes.ProblemsFound, code);
            Assert.DoesNotContain("EnsureFilesAsync", output, StringComparison.Ordinal);

            (code, output, _) = await InProcessMien.RunAsync("models", "list");
            Assert.Equal(ExitCodes.Ok, code);
            Assert.DoesNotContain("yes", output.Split('\n').Single(l => l.Contains(SileroVadModel.Id, StringComparison.Ordinal)), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("MIEN_CACHE_DIR", previous);
            Directory.Delete(empty, recursive: true);
        }
    }
}
