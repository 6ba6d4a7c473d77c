using System.Buffers.Binary;

namespace Mien.Media;

/// <summary>
/// An encoded still image's format and dimensions, read from its first bytes without decoding any pixels, so an
/// image that would need gigabytes once decoded (a "pixel bomb": a 3 MB PNG declaring 32000×32000) is refused
/// before the decoder allocates anything.
/// </summary>
/// <param name="Format">"jpeg", "png", "bmp", "webp", "tiff" or "pnm".</param>
/// <param name="Width">Width in pixels as the header declares it.</param>
/// <param name="Height">Height in pixels as the header declares it.</param>
public readonly record struct ImageHeader(string Format, long Width, long Height)
{
    /// <summary>Pixels the decoded image would have.</summary>
    public long Pixels => Width * Height;

    /// <summary>
    /// The still-image format <paramref name="data"/> starts with (by magic bytes, regardless of any file name),
    /// or null. Besides the formats <see cref="TryRead"/> measures this names "gif", "heif" and "avif" (stills that
    /// only FFmpeg decodes).
    /// </summary>
    public static string? Sniff(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "jpeg";
        }

        if (data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "png";
        }

        if (data.Length >= 14 && data.StartsWith("BM"u8))
        {
            return "bmp";
        }

        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
        {
            return "webp";
        }

        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8) || data.StartsWith("II+\0"u8) || data.StartsWith("MM\0+"u8))
        {
            return "tiff";
        }

        if (data.Length >= 3 && data[0] == 'P' && data[1] is >= (byte)'1' and <= (byte)'7' && IsSpace(data[2]))
        {
            return "pnm";
        }

        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8))
        {
            return "gif";
        }

        // ISO-BMFF: [size]["ftyp"][major brand]: HEIF/AVIF stills are photos even though FFmpeg opens them like video.
        if (data.Length >= 12 && data[4..8].SequenceEqual("ftyp"u8))
        {
            var brand = data[8..12];
            if (brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("mif1"u8) || brand.SequenceEqual("heim"u8) || brand.SequenceEqual("heis"u8))
            {
                return "heif";
            }

            if (brand.SequenceEqual("avif"u8))
            {
                return "avif";
            }
        }

        return null;
    }

    /// <summary>Reads the header of a JPEG, PNG, BMP, WebP, TIFF or PNM (PBM/PGM/PPM/PAM) image.</summary>
    /// <param name="data">The file's bytes (the whole file, or at least its header).</param>
    /// <param name="header">The format and declared size.</param>
    /// <param name="problem">Why the header cannot be read, when the method returns false.</param>
    public static bool TryRead(ReadOnlySpan<byte> data, out ImageHeader header, out string problem)
    {
        header = default;
        var format = Sniff(data);
        (long W, long H)? size;
        try
        {
            size = format switch
            {
                "jpeg" => Jpeg(data),
                "png" => Png(data),
                "bmp" => Bmp(data),
                "webp" => WebP(data),
                "tiff" => Tiff(data),
                "pnm" => Pnm(data),
                _ => null,
            };
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            size = null; // a field points past the data: truncated header
        }

        if (format is null or "gif" or "heif" or "avif")
        {
            problem = format is null
                ? "is not a decodable image: its first bytes match no JPEG, PNG, BMP, WebP, TIFF or PNM header"
                : $"is a {format.ToUpperInvariant()} image, which the image decoder does not read";
            return false;
        }

        if (size is not { } s)
        {
            problem = $"has a damaged or truncated {format.ToUpperInvariant()} header (no image size found)";
            return false;
        }

        if (s.W <= 0 || s.H <= 0)
        {
            problem = $"declares an empty {s.W}x{s.H} {format.ToUpperInvariant()} image";
            return false;
        }

        header = new ImageHeader(format, s.W, s.H);
        problem = "";
        return true;
    }

    private static (long, long)? Png(ReadOnlySpan<byte> d)
    {
        // Signature, then the IHDR chunk: length 13, "IHDR", width and height as big-endian u32.
        return d.Length >= 24 && d[12..16].SequenceEqual("IHDR"u8)
            ? (BinaryPrimitives.ReadUInt32BigEndian(d[16..]), BinaryPrimitives.ReadUInt32BigEndian(d[20..]))
            : null;
    }

    private static (long, long)? Jpeg(ReadOnlySpan<byte> d)
    {
        // Walk the marker segments up to the first start-of-frame (SOF0–SOF15 except DHT C4, JPG C8, DAC CC).
        var i = 2;
        while (i + 4 <= d.Length)
        {
            if (d[i] != 0xFF)
            {
                return null;
            }

            var marker = d[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }

            if (marker is 0xD8 or 0x01 or >= 0xD0 and <= 0xD7)
            {
                i += 2; // markers without a length
                continue;
            }

            if (marker is 0xD9 or 0xDA)
            {
                return null; // end of image or start of scan before any frame header
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(d[(i + 2)..]);
            if (length < 2)
            {
                return null;
            }

            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                // SOF: length(2) precision(1) height(2) width(2)
                return i + 9 <= d.Length ? (BinaryPrimitives.ReadUInt16BigEndian(d[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(d[(i + 5)..])) : null;
            }

            i += 2 + length;
        }

        return null;
    }

    private static (long, long)? Bmp(ReadOnlySpan<byte> d)
    {
        var dib = BinaryPrimitives.ReadUInt32LittleEndian(d[14..]);
        if (dib == 12)
        {
            return (BinaryPrimitives.ReadUInt16LittleEndian(d[18..]), BinaryPrimitives.ReadUInt16LittleEndian(d[20..]));
        }

        // BITMAPINFOHEADER and later: signed 32-bit width and height (negative height = top-down rows).
        return dib is >= 16 and <= 1024
            ? (BinaryPrimitives.ReadInt32LittleEndian(d[18..]), Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(d[22..])))
            : null;
    }

    private static (long, long)? WebP(ReadOnlySpan<byte> d)
    {
        var chunk = d[12..16];
        if (chunk.SequenceEqual("VP8X"u8))
        {
            // Extended: canvas width−1 and height−1 as 24-bit little-endian at 24 and 27.
            return (1 + (d[24] | (d[25] << 8) | (d[26] << 16)), 1 + (d[27] | (d[28] << 8) | (d[29] << 16)));
        }

        if (chunk.SequenceEqual("VP8L"u8))
        {
            // Lossless: signature 0x2F, then width−1 and height−1 in 14 bits each.
            if (d[20] != 0x2F)
            {
                return null;
            }

            var bits = BinaryPrimitives.ReadUInt32LittleEndian(d[21..]);
            return (1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF));
        }

        if (chunk.SequenceEqual("VP8 "u8))
        {
            // Lossy: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height.
            return d[23] == 0x9D && d[24] == 0x01 && d[25] == 0x2A
                ? (BinaryPrimitives.ReadUInt16LittleEndian(d[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(d[28..]) & 0x3FFF)
                : null;
        }

        return null;
    }

    private static (long, long)? Tiff(ReadOnlySpan<byte> d)
    {
        var little = d[0] == 'I';
        var big = U(d, little, 2, 2) == 43;
        // First IFD: classic TIFF has a 2-byte entry count and 12-byte entries; BigTIFF 8 and 20.
        var ifd = big ? U(d, little, 8, 8) : U(d, little, 4, 4);
        if (ifd < 8 || ifd >= (ulong)d.Length)
        {
            return null;
        }

        var at = (int)ifd;
        var count = big ? U(d, little, at, 8) : U(d, little, at, 2);
        var entrySize = big ? 20 : 12;
        at += big ? 8 : 2;
        long width = 0, height = 0;
        for (ulong e = 0; e < count && e < 4096 && at + entrySize <= d.Length; e++, at += entrySize)
        {
            var tag = U(d, little, at, 2);
            var type = U(d, little, at + 2, 2);
            var valueAt = at + (big ? 12 : 8);
            // SHORT (3) values sit left-justified in the value field; LONG (4) and LONG8 (16) fill it.
            var value = type switch { 3 => (long)U(d, little, valueAt, 2), 4 => (long)U(d, little, valueAt, 4), 16 => (long)Math.Min(U(d, little, valueAt, 8), (ulong)long.MaxValue), _ => -1 };
            if (tag == 256)
            {
                width = value;
            }
            else if (tag == 257)
            {
                height = value;
            }
        }

        return width != 0 && height != 0 ? (width, height) : null;
    }

    private static ulong U(ReadOnlySpan<byte> d, bool little, int at, int bytes) => bytes switch
    {
        2 => little ? BinaryPrimitives.ReadUInt16LittleEndian(d[at..]) : BinaryPrimitives.ReadUInt16BigEndian(d[at..]),
        4 => little ? BinaryPrimitives.ReadUInt32LittleEndian(d[at..]) : BinaryPrimitives.ReadUInt32BigEndian(d[at..]),
        _ => little ? BinaryPrimitives.ReadUInt64LittleEndian(d[at..]) : BinaryPrimitives.ReadUInt64BigEndian(d[at..]),
    };

    private static (long, long)? Pnm(ReadOnlySpan<byte> d)
    {
        if (d[1] == '7')
        {
            // PAM: "WIDTH n" and "HEIGHT n" lines before ENDHDR.
            var text = System.Text.Encoding.ASCII.GetString(d[..Math.Min(d.Length, 1024)]);
            long w = 0, h = 0;
            foreach (var line in text.Split('\n'))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[0] == "WIDTH" && long.TryParse(parts[1], out var value))
                {
                    w = value;
                }
                else if (parts.Length == 2 && parts[0] == "HEIGHT" && long.TryParse(parts[1], out value))
                {
                    h = value;
                }
                else if (parts.Length > 0 && parts[0] == "ENDHDR")
                {
                    break;
                }
            }

            return w != 0 && h != 0 ? (w, h) : null;
        }

        // P1–P6: whitespace-separated width and height after the magic; '#' starts a comment to the end of the line.
        var i = 2;
        Span<long> numbers = stackalloc long[2];
        for (var n = 0; n < 2; n++)
        {
            while (i < d.Length && (IsSpace(d[i]) || d[i] == '#'))
            {
                if (d[i] == '#')
                {
                    while (i < d.Length && d[i] != '\n')
                    {
                        i++;
                    }
                }
                else
                {
                    i++;
                }
            }

            long value = 0;
            var digits = 0;
            while (i < d.Length && d[i] is >= (byte)'0' and <= (byte)'9' && digits < 12)
            {
                value = (value * 10) + (d[i++] - '0');
                digits++;
            }

            if (digits == 0)
            {
                return null;
            }

            numbers[n] = value;
        }

        return (numbers[0], numbers[1]);
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';
}
