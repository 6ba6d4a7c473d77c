namespace Mien.Packages;

/// <summary>
/// Where one package version lives in the cache.
/// </summary>
/// <remarks>
/// <code>
/// &lt;cache&gt;/npm/tarballs/@scope/pkg-1.2.3.tgz            verified tarball, kept for offline use
/// &lt;cache&gt;/npm/packages/@scope/pkg/1.2.3/files/...       extracted files (what EnsureFilesAsync returns)
/// &lt;cache&gt;/npm/packages/@scope/pkg/1.2.3/record.json     hashes of the extracted files, written last
/// &lt;cache&gt;/npm/packages/@scope/pkg/1.2.3/.lock           held (FileShare.None) while writing this version
/// &lt;cache&gt;/npm/tmp/                                       downloads and extractions in progress
/// </code>
/// Everything is written under <c>tmp/</c> first and renamed into place, so tarballs and files appear whole;
/// a file counts as cached only once <c>record.json</c> lists it.
/// </remarks>
internal sealed class CacheLayout
{
    public CacheLayout(string cacheDirectory, NpmPackageSpec spec)
    {
        var npm = Path.Combine(cacheDirectory, "npm");
        var nameSegments = spec.Name.Split('/');
        var scope = nameSegments.Length == 2 ? nameSegments[0] : null;

        TarballPath = scope is null
            ? Path.Combine(npm, "tarballs", spec.TarballFileName)
            : Path.Combine(npm, "tarballs", scope, spec.TarballFileName);
        VersionDirectory = Path.Combine([npm, "packages", .. nameSegments, spec.Version]);
        FilesDirectory = Path.Combine(VersionDirectory, "files");
        RecordPath = Path.Combine(VersionDirectory, "record.json");
        LockPath = Path.Combine(VersionDirectory, ".lock");
        TempDirectory = Path.Combine(npm, "tmp");
    }

    public string TarballPath { get; }

    public string VersionDirectory { get; }

    public string FilesDirectory { get; }

    public string RecordPath { get; }

    public string LockPath { get; }

    public string TempDirectory { get; }

    /// <summary>Full path of a (normalised) package file in the extracted directory.</summary>
    public string FilePath(string packagePath) => Path.Combine(FilesDirectory, packagePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>A fresh path under <see cref="TempDirectory"/>, on the same file system as the cache so it can be renamed into place.</summary>
    public string NewTempPath(string suffix)
    {
        Directory.CreateDirectory(TempDirectory);
        return Path.Combine(TempDirectory, $"{Guid.NewGuid():N}{suffix}");
    }
}
