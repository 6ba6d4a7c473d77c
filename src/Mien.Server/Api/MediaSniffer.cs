namespace Mien.Server.Api;

/// <summary>Identifies an upload by its first bytes, never by its name or declared content type.</summary>
internal static class MediaSniffer
{
    /// <summary>"mp4", "matroska", "avi", "mpegts", "jpeg", "png", or null when the content is none of them.</summary>
    public static string? Identify(string path)
    {
        Span<byte> head = stackalloc byte[512];
        int n;
        using (var file = File.OpenRead(path))
        {
            n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        return Identify(head[..n]);
    }

    /// <summary>The container of <paramref name="b"/>, the first bytes of a file.</summary>
    public static string? Identify(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 12 && b.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return "mp4";
        }

        if (b.Length >= 4 && b[0] == 0x1A && b[1] == 0x45 && b[2] == 0xDF && b[3] == 0xA3)
        {
            return "matroska";
        }

        if (b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b.Slice(8, 4).SequenceEqual("AVI "u8))
        {
            return "avi";
        }

        // MPEG transport stream: sync byte 0x47 every 188 bytes.
        if (b.Length >= 377 && b[0] == 0x47 && b[188] == 0x47 && b[376] == 0x47)
        {
            return "mpegts";
        }

        if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        {
            return "jpeg";
        }

        if (b.Length >= 8 && b[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "png";
        }

        return null;
    }
}
