using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Mien.Media;

namespace Mien.Sessions;

/// <summary>One photo or video to measure skin on, as its own session.</summary>
/// <param name="Path">The file.</param>
/// <param name="Name">Its file name (what outputs call it; never a local path).</param>
/// <param name="CaptureTime">When it was taken: EXIF DateTimeOriginal when the file has it, else the file's modification time.</param>
/// <param name="FromExif">Whether <paramref name="CaptureTime"/> came from EXIF (else from the file system, which a copy may have reset).</param>
public sealed record SkinInput(string Path, string Name, DateTimeOffset CaptureTime, bool FromExif);

/// <summary>An input that was left out, and why.</summary>
/// <param name="Spec">The path as given (or the folder entry).</param>
/// <param name="Reason">What is wrong with it.</param>
/// <param name="Named">True when the user named it directly (a missing file), false for an entry found in a folder.</param>
public sealed record SkinInputProblem(string Spec, string Reason, bool Named);

/// <summary>The inputs of one `mien skin` run in the order they are measured, and what was left out.</summary>
/// <param name="Inputs">Files to measure, ordered by capture time, then by name.</param>
/// <param name="Skipped">Entries left out, with reasons.</param>
public sealed record SkinInputList(IReadOnlyList<SkinInput> Inputs, IReadOnlyList<SkinInputProblem> Skipped);

/// <summary>
/// Expands `mien skin`'s arguments — files and folders of photos or videos — into one input per file. A folder contributes
/// its images and videos (not its sub-folders; hidden files are ignored; other files are listed as skipped). Inputs are
/// ordered by capture time (EXIF DateTimeOriginal, else the modification time), then by name, so a subject's profile
/// receives them in the order they were taken.
/// </summary>
public static class SkinInputs
{
    private static readonly HashSet<string> VideoExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv", ".3gp", ".ts", ".mts",
    };

    /// <summary>Expands <paramref name="specs"/> (files and folders).</summary>
    public static SkinInputList Expand(IReadOnlyList<string> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var inputs = new List<SkinInput>();
        var skipped = new List<SkinInputProblem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            if (File.Exists(spec))
            {
                Add(spec);
            }
            else if (Directory.Exists(spec))
            {
                var found = 0;
                foreach (var entry in Directory.EnumerateFiles(spec).Order(StringComparer.Ordinal))
                {
                    var name = System.IO.Path.GetFileName(entry);
                    if (name.StartsWith('.'))
                    {
                        continue;
                    }

                    var extension = System.IO.Path.GetExtension(entry);
                    if (StillImage.Extensions.Contains(extension) || VideoExtensions.Contains(extension))
                    {
                        Add(entry);
                        found++;
                    }
                    else
                    {
                        skipped.Add(new SkinInputProblem(entry, $"not an image or video file ({(extension.Length > 0 ? extension : "no extension")})", false));
                    }
                }

                if (found == 0)
                {
                    skipped.Add(new SkinInputProblem(spec, "folder has no image or video files", true));
                }
            }
            else
            {
                skipped.Add(new SkinInputProblem(spec, "no such file or folder", true));
            }
        }

        inputs.Sort((a, b) => a.CaptureTime != b.CaptureTime ? a.CaptureTime.CompareTo(b.CaptureTime) : string.CompareOrdinal(a.Name, b.Name));
        return new SkinInputList(inputs, skipped);

        void Add(string path)
        {
            if (!seen.Add(System.IO.Path.GetFullPath(path)))
            {
                return; // the same file named twice (or a file inside a folder also named) is measured once
            }

            var exif = ExifCaptureTime.Read(path);
            inputs.Add(new SkinInput(path, System.IO.Path.GetFileName(path), exif ?? new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero), exif is not null));
        }
    }
}

/// <summary>
/// Reads when a JPEG photo was taken from its EXIF block (DateTimeOriginal, else DateTime; OffsetTimeOriginal when the
/// camera wrote one, else the time is taken as UTC). Reads at most the first 128 KB; anything malformed gives null.
/// </summary>
public static class ExifCaptureTime
{
    private const int MaxBytes = 128 * 1024;

    /// <summary>The capture time of the photo at <paramref name="path"/>, or null (not a JPEG, no EXIF, unreadable).</summary>
    public static DateTimeOffset? Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            var buffer = new byte[(int)Math.Min(MaxBytes, stream.Length)];
            stream.ReadExactly(buffer);
            return Parse(buffer);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The capture time in the JPEG bytes <paramref name="jpeg"/>, or null.</summary>
    public static DateTimeOffset? Parse(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            return null;
        }

        var at = 2;
        while (at + 4 <= jpeg.Length && jpeg[at] == 0xFF)
        {
            var marker = jpeg[at + 1];
            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(at + 2)..]);
            if (marker is 0xDA or 0xD9 || length < 2 || at + 2 + length > jpeg.Length)
            {
                return null; // image data or the end before any EXIF
            }

            var segment = jpeg.Slice(at + 4, length - 2);
            if (marker == 0xE1 && segment.Length > 14 && segment[..6].SequenceEqual("Exif\0\0"u8))
            {
                return FromTiff(segment[6..]);
            }

            at += 2 + length;
        }

        return null;
    }

    private static DateTimeOffset? FromTiff(ReadOnlySpan<byte> tiff)
    {
        bool little;
        if (tiff[..2].SequenceEqual("II"u8))
        {
            little = true;
        }
        else if (tiff[..2].SequenceEqual("MM"u8))
        {
            little = false;
        }
        else
        {
            return null;
        }

        string? dateTime = null, original = null, offset = null;
        uint exifIfd = 0;
        foreach (var (tag, entry) in Entries(tiff, U32(tiff, 4, little), little))
        {
            if (tag == 0x0132)
            {
                dateTime = Ascii(tiff, entry, little);
            }
            else if (tag == 0x8769)
            {
                exifIfd = U32(tiff, entry + 8, little);
            }
        }

        if (exifIfd != 0)
        {
            foreach (var (tag, entry) in Entries(tiff, exifIfd, little))
            {
                if (tag == 0x9003)
                {
                    original = Ascii(tiff, entry, little);
                }
                else if (tag == 0x9011)
                {
                    offset = Ascii(tiff, entry, little);
                }
            }
        }

        var text = original ?? dateTime;
        if (text is null || !DateTime.TryParseExact(text.Trim(), "yyyy:MM:dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return null;
        }

        var zone = TimeSpan.Zero;
        if (offset?.Trim() is { Length: 6 } o && o[0] is '+' or '-'
            && TimeSpan.TryParseExact(o[1..], @"hh\:mm", CultureInfo.InvariantCulture, out var z) && z <= TimeSpan.FromHours(14))
        {
            zone = o[0] == '-' ? -z : z;
        }

        return new DateTimeOffset(local, zone);
    }

    // The entries of one IFD (12 bytes each: tag, type, count, value or offset), as (tag, offset of the entry).
    private static List<(ushort Tag, uint Entry)> Entries(ReadOnlySpan<byte> tiff, uint ifd, bool little)
    {
        var entries = new List<(ushort, uint)>();
        if (ifd == 0 || ifd + 2 > tiff.Length)
        {
            return entries;
        }

        var count = U16(tiff, ifd, little);
        for (var i = 0u; i < count; i++)
        {
            var entry = ifd + 2 + (12 * i);
            if (entry + 12 > tiff.Length)
            {
                break;
            }

            entries.Add((U16(tiff, entry, little), entry));
        }

        return entries;
    }

    // An ASCII value: count bytes, inline when ≤ 4, else at the offset.
    private static string? Ascii(ReadOnlySpan<byte> tiff, uint entry, bool little)
    {
        if (U16(tiff, entry + 2, little) != 2)
        {
            return null;
        }

        var count = U32(tiff, entry + 4, little);
        var at = count <= 4 ? entry + 8 : U32(tiff, entry + 8, little);
        if (count == 0 || count > 64 || at + count > tiff.Length)
        {
            return null;
        }

        return Encoding.ASCII.GetString(tiff.Slice((int)at, (int)count)).TrimEnd('\0');
    }

    private static ushort U16(ReadOnlySpan<byte> b, uint at, bool little) =>
        at + 2 > b.Length ? (ushort)0 : little ? BinaryPrimitives.ReadUInt16LittleEndian(b[(int)at..]) : BinaryPrimitives.ReadUInt16BigEndian(b[(int)at..]);

    private static uint U32(ReadOnlySpan<byte> b, uint at, bool little) =>
        at + 4 > b.Length ? 0 : little ? BinaryPrimitives.ReadUInt32LittleEndian(b[(int)at..]) : BinaryPrimitives.ReadUInt32BigEndian(b[(int)at..]);
}
