using Mien.Packages;

namespace Mien.Voice.Tests;

/// <summary>A missing VAD model says how to go on: without voice, or fetch it.</summary>
public sealed class VadModelTests
{
    [Fact]
    public async Task A_missing_model_offline_suggests_no_voice_and_the_fetch_command()
    {
        var empty = Path.Combine(Path.GetTempPath(), $"mien-vad-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(empty);
        try
        {
            var options = NpmStoreOptions.FromEnvironment();
            options.CacheDirectory = empty;
            options.Offline = true;
            using var store = new NpmPackageStore(options);
            Assert.False(SileroVadModel.IsCached(store));
            Assert.NotEmpty(SileroVadModel.Verify(store));
            var e = await Assert.ThrowsAsync<PackageStoreException>(() => VoiceAnalyzer.CreateAsync(store));
            Assert.Contains("--no-voice", e.Message, StringComparison.Ordinal);
            Assert.Contains($"mien models fetch {SileroVadModel.Id}", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}
