using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Mien.Packages.Tests.Infrastructure;

/// <summary>Builds npm-style tarballs (gzip'd tar with a <c>package/</c> folder) in memory, the way <c>npm pack</c> lays them out.</summary>
internal sealed class TestTarball
{
    private readonly List<Func<TarEntry>> _entries = [];

    /// <summary>A regular file at <c>package/&lt;path&gt;</c>.</summary>
    public TestTarball File(string path, string content) => Entry($"package/{path}", Encoding.UTF8.GetBytes(content));

    /// <summary>A regular file with an exact, possibly hostile, entry name.</summary>
    public TestTarball Entry(string entryName, byte[] content)
    {
        _entries.Add(() => new PaxTarEntry(TarEntryType.RegularFile, entryName) { DataStream = new MemoryStream(content) });
        return this;
    }

    /// <summary>A link entry (symbolic or hard) with an exact entry name.</summary>
    public TestTarball Link(string entryName, string target, TarEntryType type = TarEntryType.SymbolicLink)
    {
        _entries.Add(() => new PaxTarEntry(type, entryName) { LinkName = target });
        return this;
    }

    public byte[] Build()
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                writer.WriteEntry(entry());
            }
        }

        return output.ToArray();
    }

    /// <summary>The registry's <c>dist.integrity</c> of <paramref name="bytes"/>.</summary>
    public static string Sha512Integrity(byte[] bytes) => $"sha512-{Convert.ToBase64String(SHA512.HashData(bytes))}";
}
