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

    /// <summary>The id `mien models` lists, fetches and verifies it under.</summary>
    public const string Id = "silero-vad";

    /// <summary>What the model estimates, for listings.</summary>
    public const string Purpose = "voice activity (speech vs not) per 32 ms window; needed by voice analysis";

    /// <summary>Its input, for listings: 512 samples of 16 kHz mono audio plus 64 of context, and the recurrent state.</summary>
    public const string InputDescription = "input [1x576] float32 16 kHz mono, state [2x1x128], sr";

    /// <summary>Licence of the package and of the model.</summary>
    public const string License = "ISC; model MIT";

    /// <summary>Path of the model inside the package.</summary>
    public const string File = "dist/silero_vad_v5.onnx";

    /// <summary>SHA-256 of <see cref="File"/> (2,327,524 bytes).</summary>
    public const string Sha256 = "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f";

    /// <summary>Downloads (once) and returns the local path of the ONNX file, checked against <see cref="Sha256"/>.</summary>
    /// <exception cref="PackageStoreException">It could not be fetched, or the cached file is corrupt.</exception>
    public static async Task<string> EnsureAsync(NpmPackageStore store, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        string dir;
        try
        {
            dir = await store.EnsureFilesAsync(Package, [File], progress, cancellationToken).ConfigureAwait(false);
        }
        catch (PackageStoreException e)
        {
            // Voice is optional in analysis: say how to go on without it, and how to fetch it.
            throw new PackageStoreException(
                $"the voice activity model ({Id}, {Package.Name}@{Package.Version}) is not available: {e.Message} " +
                $"Analyse without voice with `--no-voice`, or fetch it with `mien models fetch {Id}` when online.", e);
        }

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

    /// <summary>Whether the model is cached and intact (no network).</summary>
    public static bool IsCached(NpmPackageStore store) => Verify(store).Count == 0;

    /// <summary>Re-hashes the cached model (no network); empty when it is present and intact, otherwise the problems.</summary>
    public static IReadOnlyList<string> Verify(NpmPackageStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var problems = new List<string>(store.Verify(Package, [File]).Problems);
        if (problems.Count > 0)
        {
            return problems;
        }

        var path = Path.Combine(store.PackageDirectory(Package), File);
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != Sha256)
            {
                problems.Add($"'{File}' of {Package} at {path} has SHA-256 {actual}, expected {Sha256}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"'{File}' of {Package} at {path} cannot be read ({e.Message})");
        }

        return problems;
    }
}
