using System.Buffers.Binary;

namespace Mien.Voice.Tests;

/// <summary>Writes real samples back out in every WAV encoding the reader claims to support (test helper).</summary>
internal static class WavWriter
{
    public static byte[] Write(float[] mono, int rate, int bits, bool isFloat, int channels = 1, bool extensible = false)
    {
        var bytes = bits / 8;
        var fmtSize = extensible ? 40 : 16;
        var data = new byte[mono.Length * channels * bytes];
        for (var i = 0; i < mono.Length; i++)
        {
            for (var c = 0; c < channels; c++)
            {
                // Multichannel: even/odd channels carry ±5 % so the mix-down must average them back.
                var v = channels == 1 ? mono[i] : mono[i] * (c % 2 == 0 ? 1.05f : 0.95f);
                var at = ((i * channels) + c) * bytes;
                var span = data.AsSpan(at, bytes);
                switch (isFloat, bits)
                {
                    case (true, 32): BinaryPrimitives.WriteSingleLittleEndian(span, v); break;
                    case (true, 64): BinaryPrimitives.WriteDoubleLittleEndian(span, v); break;
                    case (false, 8): span[0] = (byte)Math.Clamp(MathF.Round((v * 128) + 128), 0, 255); break;
                    case (false, 16): BinaryPrimitives.WriteInt16LittleEndian(span, (short)Math.Clamp(MathF.Round(v * 32768), -32768, 32767)); break;
                    case (false, 24):
                        var s24 = (int)Math.Clamp(Math.Round(v * 8388608.0), -8388608, 8388607);
                        span[0] = (byte)s24; span[1] = (byte)(s24 >> 8); span[2] = (byte)(s24 >> 16); break;
                    default: BinaryPrimitives.WriteInt32LittleEndian(span, (int)Math.Clamp(Math.Round(v * 2147483648.0), int.MinValue, int.MaxValue)); break;
                }
            }
        }

        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write("RIFF"u8);
        w.Write(4 + 8 + fmtSize + 8 + 8 + data.Length + 8 + 4);
        w.Write("WAVE"u8);
        w.Write("fmt "u8);
        w.Write(fmtSize);
        w.Write((ushort)(extensible ? 0xFFFE : isFloat ? 3 : 1));
        w.Write((ushort)channels);
        w.Write(rate);
        w.Write(rate * channels * bytes);
        w.Write((ushort)(channels * bytes));
        w.Write((ushort)bits);
        if (extensible)
        {
            w.Write((ushort)22);
            w.Write((ushort)bits);
            w.Write(channels == 1 ? 4 : 3);
            w.Write((ushort)(isFloat ? 3 : 1));
            w.Write(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 });
        }

        // An unknown chunk before the data, as real files have (LIST/INFO), which the reader must skip.
        w.Write("LIST"u8);
        w.Write(4);
        w.Write("INFO"u8);
        w.Write("data"u8);
        w.Write(data.Length);
        w.Write(data);
        return ms.ToArray();
    }
}
