using System.Buffers.Binary;

namespace Mien.Voice;

/// <summary>
/// RIFF/WAVE parser: PCM 8 (unsigned), 16, 24 and 32-bit integer, IEEE float 32/64-bit, and WAVE_FORMAT_EXTENSIBLE
/// wrapping either, any channel count up to 32 (mixed down to mono by averaging). RF64 and compressed WAV codecs
/// (ADPCM, µ-law …) are rejected with a clear message.
/// </summary>
internal static class WavReader
{
    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;

    public static bool LooksLikeWav(string path)
    {
        Span<byte> head = stackalloc byte[12];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, 12, throwOnEndOfStream: false) == 12
            && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8);
    }

    public static DecodedAudio Read(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > int.MaxValue)
        {
            throw new AudioException(path, $"WAV file of {info.Length} bytes is larger than the 2 GB RIFF limit (RF64 is not supported).");
        }

        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses a whole WAV file held in memory.</summary>
    public static DecodedAudio Parse(ReadOnlySpan<byte> file, string source)
    {
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file[8..12].SequenceEqual("WAVE"u8))
        {
            throw new AudioException(source, "not a RIFF/WAVE file (the first 12 bytes are not 'RIFF….WAVE').");
        }

        Format? format = null;
        var offset = 12;
        while (offset + 8 <= file.Length)
        {
            var id = file.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(file.Slice(offset + 4, 4));
            var body = offset + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + size > file.Length)
                {
                    throw new AudioException(source, $"the 'fmt ' chunk is {size} bytes long, {(size < 16 ? "below the 16 bytes it needs" : "past the end of the file (truncated)")}.");
                }

                format = ParseFormat(file.Slice(body, (int)size), source);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format is not { } f)
                {
                    throw new AudioException(source, "the 'data' chunk comes before any 'fmt ' chunk; the file is corrupt.");
                }

                var available = file.Length - body;
                long length = size;
                if (size is 0 or uint.MaxValue)
                {
                    // Streaming writers leave the size unset; the audio runs to the end of the file.
                    length = available;
                }
                else if (size > available)
                {
                    throw new AudioException(source, $"truncated: the 'data' chunk declares {size} bytes of audio but only {available} follow.");
                }

                return Decode(file.Slice(body, (int)length), f, source);
            }

            // Chunks are word-aligned; a size running past the end ends the walk (found by fuzzing: the old int
            // arithmetic wrapped to a negative offset).
            var next = body + (long)size + (size & 1);
            if (next > file.Length)
            {
                break;
            }

            offset = (int)next;
        }

        throw new AudioException(source, format is null ? "no 'fmt ' chunk: not a usable WAV file." : "no 'data' chunk: the file holds no audio (truncated?).");
    }

    private static Format ParseFormat(ReadOnlySpan<byte> fmt, string source)
    {
        var tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        var blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        if (tag == FormatExtensible)
        {
            if (fmt.Length < 40)
            {
                throw new AudioException(source, $"WAVE_FORMAT_EXTENSIBLE header is {fmt.Length} bytes, expected 40.");
            }

            // The sub-format GUID starts with the ordinary format tag (KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT).
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }

        if (tag is not (FormatPcm or FormatFloat))
        {
            throw new AudioException(source, $"unsupported WAV encoding (format tag 0x{tag:X4}); only PCM and IEEE float WAV are read. Convert it, or use FLAC/MP3.");
        }

        if (channels is 0 or > 32)
        {
            throw new AudioException(source, $"absurd channel count {channels} (1–32 supported).");
        }

        if (rate is < 1000 or > 768_000)
        {
            throw new AudioException(source, $"absurd sample rate {rate} Hz (1 kHz–768 kHz supported).");
        }

        var valid = tag == FormatFloat ? bits is 32 or 64 : bits is 8 or 16 or 24 or 32;
        if (!valid)
        {
            throw new AudioException(source, $"unsupported {(tag == FormatFloat ? "float" : "PCM")} sample size of {bits} bits.");
        }

        var bytes = bits / 8;
        if (blockAlign != bytes * channels)
        {
            throw new AudioException(source, $"block align {blockAlign} does not match {channels} channel(s) × {bytes} bytes; the header is corrupt.");
        }

        return new Format(tag == FormatFloat, channels, (int)rate, bytes);
    }

    private static DecodedAudio Decode(ReadOnlySpan<byte> data, Format f, string source)
    {
        var frame = f.Bytes * f.Channels;
        var frames = data.Length / frame;
        if (frames == 0)
        {
            throw new AudioException(source, "the 'data' chunk holds no complete sample frame.");
        }

        var mono = new float[frames];
        var scale = 1f / f.Channels;
        for (var i = 0; i < frames; i++)
        {
            var sum = 0f;
            var at = i * frame;
            for (var c = 0; c < f.Channels; c++, at += f.Bytes)
            {
                sum += Sample(data.Slice(at, f.Bytes), f);
            }

            mono[i] = sum * scale;
        }

        return new DecodedAudio(mono, f.Rate, f.Channels, TimeSpan.Zero);
    }

    private static float Sample(ReadOnlySpan<byte> s, Format f) => (f.Float, f.Bytes) switch
    {
        (true, 4) => BinaryPrimitives.ReadSingleLittleEndian(s),
        (true, _) => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
        (false, 1) => (s[0] - 128) / 128f,
        (false, 2) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
        (false, 3) => ((s[0] << 8) | (s[1] << 16) | (s[2] << 24)) / 2147483648f,
        _ => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648f,
    };

    private readonly record struct Format(bool Float, int Channels, int Rate, int Bytes);
}
