using System.Security.Cryptography;
using Mien.Packages;


namespace Mien.Body.Tests;

/// <summary>
/// Real images with visible upper bodies, pinned like <c>Mien.Media.Samples.SampleMedia</c>: npm tarball by
/// registry integrity, then each file by SHA-256. Test data only: the product never needs them.
/// </summary>
internal static class BodySamples
{
    /// <summary>npm <c>@vladmandic/human</c> 3.3.6 (MIT): its README assets.</summary>
    public static NpmPackageSpec Human { get; } = new(
        "@vladmandic/human", "3.3.6", "sha512-Nr5mPfq1gQ+uKeXY5uM3Fj8UxvF5CEh2s6txM5wRThqaW0mF9huooOuZSrT8hhGho0hGaXLFdAwfD/2+teCv6A==");

    /// <summary><c>assets/samples.jpg</c>: a collage of Human's demo photos (people with heads and shoulders visible).</summary>
    public const string Collage = "assets/samples.jpg";

    private static readonly Dictionary<string, string> Files = new(StringComparer.Ordinal)
    {
        [Collage] = "cc08cc353cbb38beb0ac32a0900a92e78a3656acb477212ac360e3da6331bb9e",
    };

    /// <summary>Downloads (once) and returns the local path of <paramref name="file"/>, checked against its SHA-256.</summary>
    public static async Task<string> FetchAsync(NpmPackageStore store, string file)
    {
        var dir = await store.EnsureFilesAsync(Human, [.. Files.Keys]);
        var path = Path.Combine(dir, file);
        var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(File.OpenRead(path)));
        Assert.Equal(Files[file], actual);
        return path;
    }
}
