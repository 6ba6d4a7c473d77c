using Mien.Packages;

using Mien.Media.Samples;
using Mien.Models;
using Xunit;

namespace Mien.Testing;

/// <summary>
/// The real models, fetched once per test run through the product's own verified store (npm registry
/// on first use, the user cache afterwards) and imported with the current importer build.
/// </summary>
public sealed class RealModels : IAsyncLifetime, IDisposable
{
    private readonly NpmPackageStore _packages;

    public RealModels()
    {
        Options = NpmStoreOptions.FromEnvironment();
        _packages = new NpmPackageStore(Options);
        Store = new ModelStore(_packages, Options.CacheDirectory);
    }

    public NpmStoreOptions Options { get; }

    public ModelStore Store { get; }

    public NpmPackageStore Packages => _packages;

    public Dictionary<string, ModelArtifact> Artifacts { get; } = new(StringComparer.Ordinal);

    /// <summary>Local paths of the face-api group photos (real faces, several per photo).</summary>
    public IReadOnlyList<string> GroupPhotos { get; private set; } = [];

    public async Task InitializeAsync()
    {
        foreach (var m in Store.Manifest.Models)
        {
            Artifacts[m.Id] = await Store.EnsureAsync(m.Id);
        }

        GroupPhotos = await SampleMedia.GroupPhotosAsync(_packages);
    }

    /// <summary>Loads a model with default inference options; the caller disposes it.</summary>
    public OnnxModel Load(string id) => OnnxModel.Load(Artifacts[id]);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _packages.Dispose();
}

/// <summary>Paths inside the repository (golden files live in tests/golden).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    public static string Golden(params string[] parts) => Path.Combine([Root, "tests", "golden", .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mien.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Mien.slnx) not found above " + AppContext.BaseDirectory);
    }
}
