using Mien.Accuracy.CkPlus;
using Mien.Expressions;
using Mien.Models;
using Mien.Testing;

namespace Mien.Accuracy.Tests;

/// <summary>The real detection, mesh, iris and emotion models, loaded once for the whole test class collection.</summary>
public sealed class AccuracyModels : IAsyncLifetime, IDisposable
{
    private readonly RealModels _real = new();
    private OnnxModel[] _models = [];

    public StillFaces Faces { get; private set; } = null!;

    public EmotionEmbedder Embedder { get; private set; } = null!;

    /// <summary>The npm package store the models came from (for tests that need another package).</summary>
    public Mien.Packages.NpmPackageStore Packages => _real.Packages;

    public async Task InitializeAsync()
    {
        var ids = StillFaces.ModelIds.Append(EmotionClassifier.ModelId).ToArray();
        var artifacts = new List<ModelArtifact>();
        foreach (var id in ids)
        {
            artifacts.Add(await _real.Store.EnsureAsync(id));
        }

        _models = [.. artifacts.Take(3).Select(a => OnnxModel.Load(a))];
        Faces = new StillFaces(_models[0], _models[1], _models[2]);
        Embedder = new EmotionEmbedder(artifacts[3]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Faces?.Dispose();
        Embedder?.Dispose();
        foreach (var m in _models)
        {
            m.Dispose();
        }

        _real.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class AccuracyCollection : ICollectionFixture<AccuracyModels>
{
    public const string Name = "accuracy models";
}
