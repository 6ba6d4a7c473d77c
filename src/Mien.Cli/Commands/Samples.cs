using Mien.Packages;

namespace Mien.Cli.Commands;

/// <summary>
/// Real, openly licensed sample media fetched from the npm registry through the same verified store as
/// the models (integrity-checked tarball, SHA-256 per file), so the demo needs no files from elsewhere.
/// </summary>
internal static class Samples
{
    /// <summary>@vladmandic/face-api (MIT): six group photos (1920 px wide, several faces each).</summary>
    public static readonly NpmPackageSpec FaceApi = new(
        "@vladmandic/face-api", "1.7.15", "sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw==");

    public static readonly IReadOnlyDictionary<string, string> FaceApiPhotos = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["demo/sample1.jpg"] = "8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51",
        ["demo/sample2.jpg"] = "7d2b60ae6f13bf30f422e04df87451081a02c83de469056f25afb44b7000c691",
        ["demo/sample3.jpg"] = "8eb081c9efb14370fa94d9feab9e5fbeafd19a627491853a80c2bf67f7ffa936",
        ["demo/sample4.jpg"] = "729efa5923061d40eb4ed5f267a18cc7b8ba6f852bb2757b16d8b7e4937476fc",
        ["demo/sample5.jpg"] = "6d45095ebb182d8f975c0790e0e4eefd86fbb40609cf4b271776d92e12662938",
        ["demo/sample6.jpg"] = "9baad80f9d5e306fb9b8c0913d44445f1e95848df317530efb03d0934c57ba87",
    };

    /// <summary>Downloads (once) and returns the local paths of the sample photos, each checked against its SHA-256.</summary>
    public static async Task<IReadOnlyList<string>> PhotosAsync(CliStore store, CancellationToken ct)
    {
        var dir = await store.Packages.EnsureFilesAsync(FaceApi, [.. FaceApiPhotos.Keys], null, ct);
        var paths = new List<string>();
        foreach (var (file, sha) in FaceApiPhotos)
        {
            var path = Path.Combine(dir, file);
            await using var stream = File.OpenRead(path);
            var actual = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stream, ct));
            if (actual != sha)
            {
                throw new PackageStoreException($"{FaceApi}: {file} has SHA-256 {actual}, expected {sha}; run `mien models verify` or delete {dir}.");
            }

            paths.Add(path);
        }

        return paths;
    }
}
