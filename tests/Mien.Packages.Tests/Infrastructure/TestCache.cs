namespace Mien.Packages.Tests.Infrastructure;

/// <summary>A private temporary directory per test, holding the cache (and room around it to prove nothing escapes).</summary>
internal sealed class TestCache : IDisposable
{
    public TestCache()
    {
        Root = Path.Combine(Path.GetTempPath(), $"mien-packages-tests-{Guid.NewGuid():N}");
        CacheDirectory = Path.Combine(Root, "cache");
        Directory.CreateDirectory(CacheDirectory);
    }

    public string Root { get; }

    public string CacheDirectory { get; }

    public string TempDirectory => Path.Combine(CacheDirectory, "npm", "tmp");

    public NpmStoreOptions Options(Uri registry, bool offline = false) =>
        new() { CacheDirectory = CacheDirectory, Registry = registry, Offline = offline };

    /// <summary>Every file under <see cref="Root"/>, relative to it, '/'-separated.</summary>
    public IReadOnlyList<string> AllFiles() =>
        [.. Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)];

    /// <summary>Asserts that nothing of <paramref name="spec"/> is visible in the cache and no temporary was left behind.</summary>
    public void AssertNoEntry(NpmStoreOptions options, NpmPackageSpec spec)
    {
        using var store = new NpmPackageStore(options);
        Assert.False(store.IsCached(spec, ["package.json"]));
        Assert.False(Directory.Exists(store.PackageDirectory(spec)), $"{store.PackageDirectory(spec)} exists");
        Assert.DoesNotContain(AllFiles(), file => file.EndsWith(".tgz", StringComparison.Ordinal) || file.EndsWith("record.json", StringComparison.Ordinal));
        Assert.Empty(Directory.Exists(TempDirectory) ? Directory.EnumerateFileSystemEntries(TempDirectory) : []);
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
