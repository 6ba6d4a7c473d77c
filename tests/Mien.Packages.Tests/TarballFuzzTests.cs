using System.Formats.Tar;
using System.IO.Compression;
using FsCheck;
using FsCheck.Fluent;
using Mien.Corpus;

namespace Mien.Packages.Tests;

/// <summary>
/// Byte-level fuzzing of the tarball extractor: mutations of the tar stream (re-compressed, so they reach the tar
/// reader rather than stopping at gzip's checksum) and of the gzip bytes. Every case extracts or fails with a
/// <see cref="PackageStoreException"/>, and nothing is ever written outside the target folder.
/// MIEN_FUZZ_ITERATIONS=100000 runs a long campaign.
/// </summary>
public sealed class TarballFuzzTests : IDisposable
{
    private static readonly NpmPackageSpec Spec = new("mien-fuzz", "1.0.0", "sha512-AAAA");
    private readonly string _root = Directory.CreateTempSubdirectory("mien-tar-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static byte[] Tar()
    {
        using var ms = new MemoryStream();
        using (var writer = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, size) in new[] { ("package/package.json", 40), ("package/models/a.json", 300), ("package/models/a.bin", 2000) })
            {
                var data = new byte[size];
                new Random(size).NextBytes(data);
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }

            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "package/models/link.bin") { LinkName = "../../../etc/passwd" });
        }

        return ms.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private bool ExtractsOrRefuses(byte[] tarball, int seed)
    {
        var target = Path.Combine(_root, $"t{seed}", "out");
        Directory.CreateDirectory(target);
        try
        {
            var limits = new ExtractionLimits(1 << 20, 16 << 20);
            TarballExtractor.ExtractAsync(new MemoryStream(tarball), "fuzz.tgz", Spec, ["models/a.json", "models/a.bin"], target, limits, CancellationToken.None).GetAwaiter().GetResult();
            return true;
        }
        catch (PackageStoreException)
        {
            return true;
        }
        finally
        {
            // Whatever happened, only the target folder may have gained files.
            var outside = Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!).Where(e => e != target).ToArray();
            Directory.Delete(Path.GetDirectoryName(target)!, recursive: true);
            Assert.True(outside.Length == 0, $"seed {seed} wrote outside the target: {string.Join(", ", outside)}");
        }
    }

    [Fact]
    public void Mutated_tar_stream_extracts_or_gets_a_package_store_exception()
    {
        var tar = Tar();
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), s => ExtractsOrRefuses(Gzip(ByteMutator.Mutate(tar, s)), s))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(ByteMutator.Iterations(1000)));
    }

    [Fact]
    public void Mutated_gzip_bytes_extract_or_get_a_package_store_exception()
    {
        var tgz = Gzip(Tar());
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), s => ExtractsOrRefuses(ByteMutator.Mutate(tgz, s), s))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(ByteMutator.Iterations(1000)));
    }

    [Fact]
    public async Task Fuzz_seed_is_a_tarball_the_extractor_accepts()
    {
        // Otherwise every mutation would exercise only the error path.
        var target = Path.Combine(_root, "seed");
        var files = await TarballExtractor.ExtractAsync(new MemoryStream(Gzip(Tar())), "seed.tgz", Spec, ["models/a.json", "models/a.bin"], target, ExtractionLimits.Default, CancellationToken.None);
        Assert.Equal(2000, files["models/a.bin"].Size);
    }

    /// <summary>
    /// Seeds whose archives made System.Formats.Tar throw OverflowException (PAX timestamp, numeric size) or
    /// InvalidOperationException (oversized PAX header) past the extractor before it mapped them.
    /// </summary>
    [Theory]
    [InlineData(1358417807)]
    [InlineData(696770365)]
    [InlineData(1666420619)]
    [InlineData(1654687698)]
    public void Fuzz_finds_stay_fixed(int seed)
    {
        Assert.True(ExtractsOrRefuses(Gzip(ByteMutator.Mutate(Tar(), seed)), seed));
        Assert.True(ExtractsOrRefuses(ByteMutator.Mutate(Gzip(Tar()), seed), seed));
    }
}
