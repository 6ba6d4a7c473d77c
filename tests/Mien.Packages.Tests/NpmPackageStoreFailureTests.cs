using System.Net;
using System.Net.Sockets;
using System.Text;
using Mien.Packages.Tests.Infrastructure;

namespace Mien.Packages.Tests;

/// <summary>Every way a fetch can fail: each gives one clear <see cref="PackageStoreException"/> and leaves no cache entry.</summary>
public sealed class NpmPackageStoreFailureTests
{
    [Fact]
    public async Task TamperedDownload_FailsTheIntegrityCheckAndCachesNothing()
    {
        var package = new SamplePackage(weightBytes: 64 * 1024);
        var tampered = (byte[])package.Tarball.Clone();
        tampered[tampered.Length / 2] ^= 0xFF;
        await using var registry = new LoopbackRegistry();
        registry.Serve(package.TarballPath, tampered);
        using var cache = new TestCache();
        var options = cache.Options(registry.BaseAddress);
        using var store = new NpmPackageStore(options);

        var error = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(package.Spec, ["package.json"]));

        Assert.Contains("Integrity check failed for mien-sample@1.0.0", error.Message, StringComparison.Ordinal);
        Assert.Contains("tampered or corrupted", error.Message, StringComparison.Ordinal);
        Assert.Contains(package.Spec.Integrity, error.Message, StringComparison.Ordinal);
        Assert.Contains(registry.BaseAddress + package.TarballPath[1..], error.Message, StringComparison.Ordinal);
        cache.AssertNoEntry(options, package.Spec);
    }

    [Fact]
    public async Task BodyShorterThanItsContentLength_FailsAsCutOffAndCachesNothing()
    {
        var package = new SamplePackage(weightBytes: 256 * 1024);
        await using var registry = new LoopbackRegistry();
        registry.ServeTruncated(package.TarballPath, package.Tarball, sentBytes: package.Tarball.Length / 3);
        using var cache = new TestCache();
        var options = cache.Options(registry.BaseAddress);
        using var store = new NpmPackageStore(options);

        var error = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(package.Spec, ["package.json"]));

        Assert.Contains("mien-sample@1.0.0", error.Message, StringComparison.Ordinal);
        Assert.Contains("was cut off", error.Message, StringComparison.Ordinal);
        Assert.Contains($"of {package.Tarball.Length} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("Try again", error.Message, StringComparison.Ordinal);
        cache.AssertNoEntry(options, package.Spec);
    }

    [Theory]
    [InlineData(404, "has no mien-sample@1.0.0")]
    [InlineData(403, "refused")]
    [InlineData(500, "usually temporary")]
    [InlineData(503, "usually temporary")]
    public async Task HttpErrorStatus_NamesTheStatusTheAddressAndWhatToDo(int status, string advice)
    {
        var package = new SamplePackage(weightBytes: 16);
        await using var registry = new LoopbackRegistry();
        registry.ServeStatus(package.TarballPath, status);
        using var cache = new TestCache();
        var options = cache.Options(registry.BaseAddress);
        using var store = new NpmPackageStore(options);

        var error = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(package.Spec, ["package.json"]));

        Assert.Contains($"answered {status} ", error.Message, StringComparison.Ordinal);
        Assert.Contains(advice, error.Message, StringComparison.Ordinal);
        Assert.Contains($"{registry.BaseAddress}mien-sample/-/mien-sample-1.0.0.tgz", error.Message, StringComparison.Ordinal);
        Assert.Contains("MIEN_NPM_REGISTRY", error.Message, StringComparison.Ordinal);
        cache.AssertNoEntry(options, package.Spec);
    }

    [Fact]
    public async Task UnreachableRegistry_SaysSoAndSuggestsAMirrorOrARunOnline()
    {
        var package = new SamplePackage(weightBytes: 16);
        using var cache = new TestCache();
        var options = cache.Options(new Uri($"http://127.0.0.1:{PortWithNothingListening()}/"));
        using var store = new NpmPackageStore(options);

        var error = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(package.Spec, ["package.json"]));

        Assert.Contains("Could not reach the npm registry", error.Message, StringComparison.Ordinal);
        Assert.Contains("mien-sample@1.0.0", error.Message, StringComparison.Ordinal);
        Assert.Contains("MIEN_NPM_REGISTRY", error.Message, StringComparison.Ordinal);
        Assert.Contains("run once where the registry is reachable", error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(error.InnerException);
        cache.AssertNoEntry(options, package.Spec);
    }

    [Fact]
    public async Task OfflineWithAnEmptyCache_FailsWithoutTouchingTheNetwork()
    {
        var package = new SamplePackage(weightBytes: 16);
        await using var registry = new LoopbackRegistry();
        registry.Serve(package.TarballPath, package.Tarball);
        using var cache = new TestCache();
        var options = cache.Options(registry.BaseAddress, offline: true);
        using var store = new NpmPackageStore(options);

        var error = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(package.Spec, ["package.json", "models/emotion.json"]));

        Assert.Contains("Offline mode", error.Message, StringComparison.Ordinal);
        Assert.Contains("'models/emotion.json', 'package.json' of mien-sample@1.0.0", error.Message, StringComparison.Ordinal);
        Assert.Contains("not in the cache at " + cache.CacheDirectory, error.Message, StringComparison.Ordinal);
        Assert.Contains("Run once with network access", error.Message, StringComparison.Ordinal);
        Assert.Empty(registry.Requests);
        cache.AssertNoEntry(options, package.Spec);
    }

    [Fact]
    public async Task RequestedFilesMissingFromThePackage_AreAllListedAndNothingIsExtracted()
    {
        var package = new SamplePackage(weightBytes: 16);
        await using var registry = new LoopbackRegistry();
        registry.Serve(package.TarballPath, package.Tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress));

        var error = await Assert.ThrowsAsync<PackageStoreException>(
            () => store.EnsureFilesAsync(package.Spec, ["models/emotion.json", "models/age.json", "package/package.json"]));

        Assert.Contains("mien-sample@1.0.0 lacks requested file(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("'models/age.json' (not in the package)", error.Message, StringComparison.Ordinal);
        Assert.Contains("'package/package.json' (not in the package)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'models/emotion.json'", error.Message, StringComparison.Ordinal);
        Assert.Contains("without the tarball's 'package/' folder", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(store.PackageDirectory(package.Spec)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache.TempDirectory));
    }

    [Fact]
    public async Task TraversalAndAbsoluteEntries_AreNeverWrittenAnywhere()
    {
        var tarball = new TestTarball()
            .Entry("package/../../evil", Encoding.UTF8.GetBytes("escaped"))
            .Entry("package/../../../../../../../../tmp/evil-absolute-climb", Encoding.UTF8.GetBytes("escaped"))
            .Entry("/evil-absolute", Encoding.UTF8.GetBytes("escaped"))
            .Entry("../evil-top", Encoding.UTF8.GetBytes("escaped"))
            .Entry("package/models/../../evil-inner", Encoding.UTF8.GetBytes("escaped"))
            .File("models/emotion.json", SamplePackage.Graph)
            .Build();
        var spec = new NpmPackageSpec("mien-hostile", "1.0.0", TestTarball.Sha512Integrity(tarball));
        await using var registry = new LoopbackRegistry();
        registry.Serve("/mien-hostile/-/mien-hostile-1.0.0.tgz", tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress));

        var directory = await store.EnsureFilesAsync(spec, ["models/emotion.json"]);
        var evilTop = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(spec, ["evil-top"]));

        Assert.Equal(SamplePackage.Graph, await File.ReadAllTextAsync(Path.Combine(directory, "models", "emotion.json")));
        Assert.Contains("'evil-top' (not in the package)", evilTop.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(cache.AllFiles(), file => file.Contains("evil", StringComparison.Ordinal));
        Assert.False(File.Exists("/evil-absolute"));
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "evil")));
        Assert.False(File.Exists("/tmp/evil-absolute-climb"));
    }

    [Theory]
    [InlineData(System.Formats.Tar.TarEntryType.SymbolicLink, "symbolic link")]
    [InlineData(System.Formats.Tar.TarEntryType.HardLink, "hard link")]
    public async Task LinkEntries_AreNotFollowedAndAreReportedAsMissing(System.Formats.Tar.TarEntryType type, string kind)
    {
        var tarball = new TestTarball()
            .Link("package/models/emotion.json", "/etc/passwd", type)
            .File("package.json", SamplePackage.Manifest)
            .Build();
        var spec = new NpmPackageSpec("mien-links", "1.0.0", TestTarball.Sha512Integrity(tarball));
        await using var registry = new LoopbackRegistry();
        registry.Serve("/mien-links/-/mien-links-1.0.0.tgz", tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress));

        var error = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(spec, ["models/emotion.json", "package.json"]));

        Assert.Contains($"'models/emotion.json' (is a {kind} to '/etc/passwd'; links are not extracted)", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(store.PackageDirectory(spec)));
    }

    [Fact]
    public async Task EntryLargerThanTheLimit_IsRejectedAsHostile()
    {
        var tarball = new TestTarball().Entry("package/models/huge.bin", new byte[4096]).Build();
        var spec = new NpmPackageSpec("mien-huge", "1.0.0", TestTarball.Sha512Integrity(tarball));
        await using var registry = new LoopbackRegistry();
        registry.Serve("/mien-huge/-/mien-huge-1.0.0.tgz", tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress)) { Limits = new ExtractionLimits(MaxEntryBytes: 1024, MaxArchiveBytes: 1 << 20) };

        var error = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(spec, ["models/huge.bin"]));

        Assert.Contains("'package/models/huge.bin' of mien-huge@1.0.0", error.Message, StringComparison.Ordinal);
        Assert.Contains("declares 4096 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("hostile", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(store.PackageDirectory(spec)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache.TempDirectory));
    }

    [Fact]
    public async Task ArchiveThatExpandsBeyondTheLimit_IsRejectedAsADecompressionBomb()
    {
        var tarball = new TestTarball()
            .Entry("package/padding.bin", new byte[2 << 20])
            .File("package.json", SamplePackage.Manifest)
            .Build();
        var spec = new NpmPackageSpec("mien-bomb", "1.0.0", TestTarball.Sha512Integrity(tarball));
        await using var registry = new LoopbackRegistry();
        registry.Serve("/mien-bomb/-/mien-bomb-1.0.0.tgz", tarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress)) { Limits = new ExtractionLimits(MaxEntryBytes: 4 << 20, MaxArchiveBytes: 1 << 20) };

        var error = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(spec, ["package.json"]));

        Assert.Contains("decompression bomb", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(store.PackageDirectory(spec)));
    }

    [Fact]
    public async Task PublishedFileThatIsNotAGzippedTar_IsReportedAsAnUnreadableArchive()
    {
        var notATarball = Encoding.UTF8.GetBytes("<html>captive portal</html>");
        var spec = new NpmPackageSpec("mien-html", "1.0.0", TestTarball.Sha512Integrity(notATarball));
        await using var registry = new LoopbackRegistry();
        registry.Serve("/mien-html/-/mien-html-1.0.0.tgz", notATarball);
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(registry.BaseAddress));

        var error = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(spec, ["package.json"]));

        Assert.Contains("is not a readable gzip'd tar archive", error.Message, StringComparison.Ordinal);
        Assert.Contains("mien-html@1.0.0", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(store.PackageDirectory(spec)));
    }

    [Fact]
    public async Task RegistryThatNeverAnswers_TimesOutWithAClearError()
    {
        var package = new SamplePackage(weightBytes: 16);
        await using var registry = new LoopbackRegistry();
        registry.ServeNothing(package.TarballPath, new TaskCompletionSource());
        using var cache = new TestCache();
        var options = cache.Options(registry.BaseAddress);
        options.Timeout = TimeSpan.FromMilliseconds(300);
        using var store = new NpmPackageStore(options);

        var error = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(package.Spec, ["package.json"]));

        Assert.Contains("mien-sample@1.0.0", error.Message, StringComparison.Ordinal);
        Assert.Contains("timed out after", error.Message, StringComparison.Ordinal);
        Assert.Contains("MIEN_NPM_REGISTRY", error.Message, StringComparison.Ordinal);
        cache.AssertNoEntry(options, package.Spec);
    }

    [Fact]
    public async Task PackageLockedByAnotherWriter_IsWaitedForAndNeverWrittenAround()
    {
        var package = new SamplePackage(weightBytes: 16);
        await using var registry = new LoopbackRegistry();
        registry.Serve(package.TarballPath, package.Tarball);
        using var cache = new TestCache();
        var options = cache.Options(registry.BaseAddress);
        options.Timeout = TimeSpan.FromMilliseconds(300);
        using var store = new NpmPackageStore(options);

        // The same lock another Mien process would hold while it writes this package.
        using (await PackageLock.AcquireAsync(new CacheLayout(cache.CacheDirectory, package.Spec).LockPath, CancellationToken.None))
        {
            var error = await Assert.ThrowsAsync<PackageStoreException>(() => store.EnsureFilesAsync(package.Spec, ["package.json"]));

            Assert.Contains("held the package lock", error.Message, StringComparison.Ordinal);
            Assert.Empty(registry.Requests);
        }

        // Once the lock is free the package is fetched; a store with a normal timeout, so a loaded machine (the
        // suite builds beside it) cannot turn the short wait above into a failed download here.
        options.Timeout = TimeSpan.FromSeconds(60);
        using var patient = new NpmPackageStore(options);
        await patient.EnsureFilesAsync(package.Spec, ["package.json"]);
        Assert.Single(registry.Requests);
    }

    [Fact]
    public async Task CallerCancellation_IsAnOperationCanceledException_NotAStoreError()
    {
        var package = new SamplePackage(weightBytes: 16);
        var requested = new TaskCompletionSource();
        await using var registry = new LoopbackRegistry();
        registry.ServeNothing(package.TarballPath, requested);
        using var cache = new TestCache();
        var options = cache.Options(registry.BaseAddress);
        using var store = new NpmPackageStore(options);
        using var cancellation = new CancellationTokenSource();

        var fetch = store.EnsureFilesAsync(package.Spec, ["package.json"], cancellationToken: cancellation.Token);
        await requested.Task;
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetch);
        cache.AssertNoEntry(options, package.Spec);
    }

    [Theory]
    [InlineData("../evil", "1.0.0", "package name")]
    [InlineData("@scope/../evil", "1.0.0", "package name")]
    [InlineData("Mien-Upper", "1.0.0", "package name")]
    [InlineData("mien-sample", "^1.0.0", "exact semantic version")]
    [InlineData("mien-sample", "latest", "exact semantic version")]
    public void InvalidPackageNamesAndVersions_AreRejectedBeforeAnyIO(string name, string version, string complaint)
    {
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(new Uri("http://127.0.0.1:9/"), offline: true));
        var spec = new NpmPackageSpec(name, version, new SamplePackage(weightBytes: 16).Spec.Integrity);

        var error = Assert.Throws<ArgumentException>(() => store.PackageDirectory(spec));

        Assert.Equal("spec", error.ParamName);
        Assert.Contains(complaint, error.Message, StringComparison.Ordinal);
        Assert.Empty(cache.AllFiles());
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("/etc/passwd")]
    [InlineData("models/../../evil")]
    [InlineData("models//emotion.json")]
    [InlineData("models\\emotion.json")]
    [InlineData("")]
    public async Task RequestedPathsOutsideThePackage_AreRejected(string file)
    {
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(new Uri("http://127.0.0.1:9/"), offline: true));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.EnsureFilesAsync(new SamplePackage(weightBytes: 16).Spec, [file]));

        Assert.Equal("files", error.ParamName);
        Assert.Contains("is not a path inside package mien-sample@1.0.0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("md5-1B2M2Y8AsgTpgAmY7PhCfg==", "unsupported hash algorithm (md5)")]
    [InlineData("sha512-tooShort", "not 64 bytes of base64")]
    [InlineData("", "is empty")]
    public void UnusableIntegrityStrings_AreRejectedWithWhatIsAccepted(string integrity, string complaint)
    {
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(new Uri("http://127.0.0.1:9/"), offline: true));

        var error = Assert.Throws<ArgumentException>(() => store.Verify(new NpmPackageSpec("mien-sample", "1.0.0", integrity), []));

        Assert.Contains(complaint, error.Message, StringComparison.Ordinal);
        Assert.Contains("mien-sample@1.0.0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MultiHashIntegrity_ChecksTheStrongestSupportedAlgorithm()
    {
        var package = new SamplePackage(weightBytes: 16);
        var spec = package.Spec with { Integrity = $"md5-1B2M2Y8AsgTpgAmY7PhCfg== sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk= {package.Spec.Integrity}" };

        var integrity = spec.Validate("spec");

        Assert.Equal("sha512", integrity.Prefix);
        Assert.Equal(package.Spec.Integrity, integrity.ExpectedText);
    }

    [Fact]
    public void NoSpaceLeftOnDevice_IsRecognisedAsDiskFull()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /dev/full is Linux's; the Windows codes are covered by the same check's constants.
        }

        var error = Assert.ThrowsAny<IOException>(() => File.WriteAllBytes("/dev/full", new byte[64 * 1024]));

        Assert.True(DiskFull.Is(error), $"{error.GetType()} HResult {error.HResult}: {error.Message}");
        Assert.True(DiskFull.Is(new InvalidOperationException("wrapped", error)));
        Assert.False(DiskFull.Is(new IOException("The process cannot access the file because it is being used by another process.", 11)));
    }

    private static int PortWithNothingListening()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
