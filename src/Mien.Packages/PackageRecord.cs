using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mien.Packages;

/// <summary>
/// What was extracted for one package version: written last, after every listed file is in place,
/// so a version directory without a readable record is an unfinished entry and is redone.
/// </summary>
internal sealed record PackageRecord(
    int Schema,
    string Name,
    string Version,
    string Integrity,
    IReadOnlyDictionary<string, RecordedFile> Files)
{
    public const int CurrentSchema = 1;

    /// <summary>Whether this record describes exactly <paramref name="spec"/> (same tarball integrity).</summary>
    public bool Describes(NpmPackageSpec spec) =>
        Schema == CurrentSchema
        && string.Equals(Name, spec.Name, StringComparison.Ordinal)
        && string.Equals(Version, spec.Version, StringComparison.Ordinal)
        && string.Equals(Integrity, spec.Integrity, StringComparison.Ordinal);

    /// <summary>The record at <paramref name="path"/>, or <see langword="null"/> when it is missing or unreadable.</summary>
    public static PackageRecord? TryRead(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, PackageRecordJsonContext.Default.PackageRecord) is { Files: not null } record ? record : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the record to a temporary file beside <paramref name="path"/> and renames it over the old one.</summary>
    public void WriteAtomically(string path)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, this, PackageRecordJsonContext.Default.PackageRecord);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}

/// <summary>One extracted file: its size and lower-case hex SHA-256.</summary>
internal sealed record RecordedFile(long Size, string Sha256)
{
    /// <summary>Hashes the file at <paramref name="path"/>.</summary>
    public static RecordedFile Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var hash = SHA256.HashData(stream);
        return new RecordedFile(stream.Length, Convert.ToHexStringLower(hash));
    }

    /// <summary>
    /// <see langword="null"/> when the file at <paramref name="path"/> has this size and hash,
    /// otherwise what is wrong with it.
    /// </summary>
    public string? Check(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return "is missing";
        }

        if (info.Length != Size)
        {
            return $"has {info.Length} bytes, {Size} were extracted (corrupted or changed since)";
        }

        var actual = Of(path);
        return string.Equals(actual.Sha256, Sha256, StringComparison.Ordinal)
            ? null
            : $"has SHA-256 {actual.Sha256}, {Sha256} was extracted (corrupted or changed since)";
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PackageRecord))]
internal sealed partial class PackageRecordJsonContext : JsonSerializerContext;
