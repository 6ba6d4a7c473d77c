using System.Text.Json;
using Mien.Packages.Tests.Infrastructure;

namespace Mien.Packages.Tests;

/// <summary>One check against the real npm registry, run only with <c>MIEN_ONLINE_TESTS=1</c>.</summary>
public sealed class OnlineRegistryTests
{
    // `npm view is-number@7.0.0 dist.integrity`
    private static readonly NpmPackageSpec IsNumber = new(
        "is-number",
        "7.0.0",
        "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==");

    [OnlineFact]
    public async Task RealRegistry_ServesAVerifiedPackageJsonOfIsNumber()
    {
        using var cache = new TestCache();
        using var store = new NpmPackageStore(cache.Options(NpmStoreOptions.DefaultRegistry));
        var progress = new RecordingProgress();

        var directory = await store.EnsureFilesAsync(IsNumber, ["package.json"], progress);

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "package.json")));
        Assert.Equal("is-number", manifest.RootElement.GetProperty("name").GetString());
        Assert.Equal("7.0.0", manifest.RootElement.GetProperty("version").GetString());
        Assert.NotEmpty(progress.Reports);
        Assert.True(store.Verify(IsNumber, ["package.json"]).Ok);
    }
}
