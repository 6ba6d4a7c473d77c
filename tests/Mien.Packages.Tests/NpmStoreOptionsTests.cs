using Mien.Packages.Tests.Infrastructure;

namespace Mien.Packages.Tests;

/// <summary>Where the cache and the registry come from, and what <see cref="NpmStoreOptions.Validate"/> refuses.</summary>
public sealed class NpmStoreOptionsTests
{
    [Fact]
    public void FromEnvironment_WithNothingSet_UsesTheHomeCacheAndThePublicRegistry()
    {
        using var home = new TestCache();

        var options = NpmStoreOptions.FromEnvironment(Environment(), home.Root);

        Assert.Equal(Path.Combine(home.Root, ".cache", "mien"), options.CacheDirectory);
        Assert.Equal(new Uri("https://registry.npmjs.org/"), options.Registry);
        Assert.False(options.Offline);
        Assert.Equal(TimeSpan.FromMinutes(10), options.Timeout);
        options.Validate();
    }

    [Fact]
    public void FromEnvironment_MienCacheDir_WinsOverXdgCacheHome()
    {
        using var home = new TestCache();

        var options = NpmStoreOptions.FromEnvironment(
            Environment(("MIEN_CACHE_DIR", "/srv/mien-cache"), ("XDG_CACHE_HOME", "/xdg")),
            home.Root);

        Assert.Equal("/srv/mien-cache", options.CacheDirectory);
    }

    [Fact]
    public void FromEnvironment_XdgCacheHome_GetsAMienSubdirectory()
    {
        using var home = new TestCache();

        var options = NpmStoreOptions.FromEnvironment(Environment(("XDG_CACHE_HOME", "/xdg")), home.Root);

        Assert.Equal(Path.Combine("/xdg", "mien"), options.CacheDirectory);
    }

    [Fact]
    public void FromEnvironment_MienNpmRegistry_WinsOverNpmConfigAndNpmrc()
    {
        using var home = new TestCache();
        File.WriteAllText(Path.Combine(home.Root, ".npmrc"), "registry=https://npmrc.example/\n");

        var options = NpmStoreOptions.FromEnvironment(
            Environment(("MIEN_NPM_REGISTRY", "https://mien.example/npm/"), ("npm_config_registry", "https://npm-config.example/")),
            home.Root);

        Assert.Equal(new Uri("https://mien.example/npm/"), options.Registry);
    }

    [Theory]
    [InlineData("npm_config_registry")]
    [InlineData("NPM_CONFIG_REGISTRY")]
    public void FromEnvironment_NpmConfigRegistry_WinsOverNpmrc(string variable)
    {
        using var home = new TestCache();
        File.WriteAllText(Path.Combine(home.Root, ".npmrc"), "registry=https://npmrc.example/\n");

        var options = NpmStoreOptions.FromEnvironment(Environment((variable, "https://npm-config.example/")), home.Root);

        Assert.Equal(new Uri("https://npm-config.example/"), options.Registry);
    }

    [Fact]
    public void FromEnvironment_RegistryLineOfNpmrc_IsUsedWithCommentsQuotesAndVariables()
    {
        using var home = new TestCache();
        File.WriteAllText(Path.Combine(home.Root, ".npmrc"), """
            ; registry=https://commented-out.example/
            # registry=https://also-commented.example/
            fund=false
            @vladmandic:registry=https://scoped.example/
            //mirror.example/:_authToken=secret
            registry = "https://${MIRROR_HOST}/npm/"
            """);

        var options = NpmStoreOptions.FromEnvironment(Environment(("MIRROR_HOST", "mirror.example")), home.Root);

        Assert.Equal(new Uri("https://mirror.example/npm/"), options.Registry);
    }

    [Fact]
    public void FromEnvironment_NpmrcWithoutRegistry_LeavesThePublicRegistry()
    {
        using var home = new TestCache();
        File.WriteAllText(Path.Combine(home.Root, ".npmrc"), "fund=false\naudit=false\n");

        var options = NpmStoreOptions.FromEnvironment(Environment(), home.Root);

        Assert.Equal(NpmStoreOptions.DefaultRegistry, options.Registry);
    }

    [Fact]
    public void NewOptions_ReadNoEnvironmentVariable()
    {
        var options = new NpmStoreOptions();

        Assert.Equal(NpmStoreOptions.DefaultRegistry, options.Registry);
        Assert.EndsWith(Path.Combine(".cache", "mien"), options.CacheDirectory, StringComparison.Ordinal);
        options.Validate();
    }

    [Theory]
    [InlineData("relative/cache", "https://registry.npmjs.org/", 60, "CacheDirectory", "'relative/cache'", "absolute path")]
    [InlineData("", "https://registry.npmjs.org/", 60, "CacheDirectory", "''", "absolute path")]
    [InlineData("/cache", "ftp://registry.example/", 60, "Registry", "'ftp://registry.example/'", "http:// or https://")]
    [InlineData("/cache", "https://registry.example/?token=1", 60, "Registry", "token=1", "without query")]
    [InlineData("/cache", "https://registry.npmjs.org/", 0, "Timeout", "00:00:00", "greater than zero")]
    [InlineData("/cache", "https://registry.npmjs.org/", 90_000, "Timeout", "1.01:00:00", "at most 1.00:00:00")]
    public void Validate_NamesTheOptionItsValueAndTheConstraint(string cache, string registry, int timeoutSeconds, string option, string value, string constraint)
    {
        var options = new NpmStoreOptions { CacheDirectory = cache, Registry = new Uri(registry), Timeout = TimeSpan.FromSeconds(timeoutSeconds) };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(option, error.ParamName);
        Assert.Contains($"NpmStoreOptions.{option}", error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
        Assert.Contains(constraint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Store_RejectsInvalidOptions()
    {
        var options = new NpmStoreOptions { CacheDirectory = "relative" };

        Assert.Throws<ArgumentException>(() => new NpmPackageStore(options));
    }

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return name => map.GetValueOrDefault(name);
    }
}
