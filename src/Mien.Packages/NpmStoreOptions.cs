namespace Mien.Packages;

/// <summary>
/// Settings of an <see cref="NpmPackageStore"/>.
/// </summary>
/// <remarks>
/// <para>
/// A new instance holds fixed defaults that read nothing from the machine except the home directory:
/// <see cref="CacheDirectory"/> = <c>~/.cache/mien</c>, <see cref="Registry"/> = <c>https://registry.npmjs.org/</c>,
/// <see cref="Offline"/> = <see langword="false"/>, <see cref="Timeout"/> = 10 minutes.
/// </para>
/// <para>
/// <see cref="FromEnvironment()"/> is what applications use: it resolves the cache directory from
/// <c>MIEN_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/mien</c>, else <c>~/.cache/mien</c>; and the registry from
/// <c>MIEN_NPM_REGISTRY</c>, else <c>npm_config_registry</c>, else the <c>registry=</c> line of <c>~/.npmrc</c>,
/// else <c>https://registry.npmjs.org/</c>.
/// </para>
/// </remarks>
public sealed class NpmStoreOptions
{
    /// <summary>The public npm registry.</summary>
    public static readonly Uri DefaultRegistry = new("https://registry.npmjs.org/");

    /// <summary>The default for <see cref="Timeout"/>: 10 minutes (a 150 MB tarball on a slow link).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The largest accepted <see cref="Timeout"/>: one day.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>
    /// Absolute path of the cache root. Tarballs go to <c>npm/tarballs/</c> and extracted files to <c>npm/packages/</c> under it.
    /// Default <c>~/.cache/mien</c>; see <see cref="FromEnvironment()"/> for the environment variables.
    /// </summary>
    public string CacheDirectory { get; set; } = DefaultCacheDirectory(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>
    /// Base address of the npm registry (<c>http</c> or <c>https</c>; every download is checked against its integrity,
    /// so a plain-HTTP mirror cannot alter the files). Default <c>https://registry.npmjs.org/</c>.
    /// </summary>
    public Uri Registry { get; set; } = DefaultRegistry;

    /// <summary>When <see langword="true"/>, the store never touches the network and serves cached files only. Default <see langword="false"/>.</summary>
    public bool Offline { get; set; }

    /// <summary>
    /// The longest one <see cref="NpmPackageStore.EnsureFilesAsync"/> call may spend waiting for another process's
    /// lock on the package and downloading its tarball. Greater than zero and at most one day; default 10 minutes.
    /// </summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>
    /// Options resolved from the environment variables <c>MIEN_CACHE_DIR</c>, <c>XDG_CACHE_HOME</c>,
    /// <c>MIEN_NPM_REGISTRY</c>, <c>npm_config_registry</c> and the user's <c>~/.npmrc</c>.
    /// </summary>
    public static NpmStoreOptions FromEnvironment() =>
        FromEnvironment(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>Testable core of <see cref="FromEnvironment()"/>: the environment and the home directory are injected.</summary>
    internal static NpmStoreOptions FromEnvironment(Func<string, string?> getEnvironmentVariable, string homeDirectory)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        ArgumentNullException.ThrowIfNull(homeDirectory);

        var options = new NpmStoreOptions { CacheDirectory = DefaultCacheDirectory(homeDirectory) };

        if (NonEmpty(getEnvironmentVariable("MIEN_CACHE_DIR")) is { } cache)
        {
            options.CacheDirectory = cache;
        }
        else if (NonEmpty(getEnvironmentVariable("XDG_CACHE_HOME")) is { } xdg)
        {
            options.CacheDirectory = Path.Combine(xdg, "mien");
        }

        // npm reads its config variables case-insensitively; both spellings are common in CI files.
        var registry = NonEmpty(getEnvironmentVariable("MIEN_NPM_REGISTRY"))
            ?? NonEmpty(getEnvironmentVariable("npm_config_registry"))
            ?? NonEmpty(getEnvironmentVariable("NPM_CONFIG_REGISTRY"))
            ?? NpmrcFile.ReadRegistry(Path.Combine(homeDirectory, ".npmrc"), getEnvironmentVariable);
        if (registry is not null)
        {
            options.Registry = ParseRegistry(registry);
        }

        return options;
    }

    /// <summary>
    /// Checks every option; throws <see cref="ArgumentException"/> naming the option, its value and the constraint.
    /// </summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(CacheDirectory) || !Path.IsPathFullyQualified(CacheDirectory))
        {
            throw new ArgumentException(
                $"{nameof(NpmStoreOptions)}.{nameof(CacheDirectory)} is '{CacheDirectory}'; it must be an absolute path (set MIEN_CACHE_DIR to one).",
                nameof(CacheDirectory));
        }

        if (Registry is null
            || !Registry.IsAbsoluteUri
            || (Registry.Scheme != Uri.UriSchemeHttps && Registry.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(Registry.Query)
            || !string.IsNullOrEmpty(Registry.Fragment))
        {
            throw new ArgumentException(
                $"{nameof(NpmStoreOptions)}.{nameof(Registry)} is '{Registry?.OriginalString}'; it must be an absolute http:// or https:// address without query or fragment, e.g. https://registry.npmjs.org/.",
                nameof(Registry));
        }

        if (Timeout <= TimeSpan.Zero || Timeout > MaxTimeout)
        {
            throw new ArgumentException(
                $"{nameof(NpmStoreOptions)}.{nameof(Timeout)} is {Timeout}; it must be greater than zero and at most {MaxTimeout}.",
                nameof(Timeout));
        }
    }

    /// <summary>A snapshot of these options with the registry ending in '/', so relative tarball paths resolve under it.</summary>
    internal NpmStoreOptions Normalized()
    {
        Validate();
        var registry = Registry.AbsoluteUri.EndsWith('/') ? Registry : new Uri(Registry.AbsoluteUri + "/");
        return new NpmStoreOptions
        {
            CacheDirectory = Path.GetFullPath(CacheDirectory),
            Registry = registry,
            Offline = Offline,
            Timeout = Timeout,
        };
    }

    private static string DefaultCacheDirectory(string homeDirectory) => Path.Combine(homeDirectory, ".cache", "mien");

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Uri ParseRegistry(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? uri
            : throw new ArgumentException(
                $"{nameof(NpmStoreOptions)}.{nameof(Registry)} is '{value}' (from MIEN_NPM_REGISTRY, npm_config_registry or ~/.npmrc); it must be an absolute http:// or https:// address.",
                nameof(Registry));
}
