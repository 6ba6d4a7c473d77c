using System.Security.Cryptography;
using Mien.Packages;

namespace Mien.Voice;

/// <summary>
/// The Silero VAD v5 network (MIT) as shipped in npm <c>@ricky0123/vad-web</c> 0.0.31 (ISC): fetched through the
/// verified npm store (registry sha512 integrity of the tarball, then SHA-256 of the file), cached, offline once cached.
/// </summary>
public static class SileroVadModel
{
    /// <summary>The pinned package.</summary>
    public static NpmPackageSpec Package { get; } = new(
        "@ricky0123/vad-web", "0.0.31", "sha512-ePVq8TvB21sdHSxVMZOEIf9JVa7MAYpaIaNXeGgsPOiMCN8xbPCdF2LS5aYj7VRR3ZxzutedgV9ZplV65IA1Fg==");

    /// <summary>Path of the model inside the package.</summary>
    public const string File = "dist/silero_vad_v5.onnx";

    /// <summary>SHA-256 of <see cref="File"/> (2,327,524 bytes).</summary>
    public const string Sha256 = "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f";

    /// <summary>Downloads (once) and returns the local path of the ONNX file, checked against <see cref="Sha256"/>.</summary>
    /// <exception cref="PackageStoreException">It could not be fetched, or the cached file is corrupt.</exception>
    public static async Task<string> EnsureAsync(NpmPackageStore store, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var dir = await store.EnsureFilesAsync(Package, [File], progress, cancellationToken).ConfigureAwait(false);
        var path = Path.Combine(dir, File);
        byte[] hash;
        await using (var stream = System.IO.File.OpenRead(path))
        {
            hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        var actual = Convert.ToHexStringLower(hash);
        if (actual != Sha256)
        {
            throw new PackageStoreException($"{Package}: '{File}' has SHA-256 {actual}, expected {Sha256}; the cache at '{dir}' is corrupt (delete it to fetch again).");
        }

        return path;
    }
}
