using System.Buffers.Binary;

namespace Mien.Corpus;

/// <summary>
/// Deterministic byte-level mutations of a real file, the kind that break parsers: flipped bits, "interesting"
/// values written over length and size fields (0, −1, 2³¹−1, one past the file), truncation, duplicated and
/// spliced ranges, inserted junk. The same seed always gives the same bytes, so a failing case is reproduced from
/// its seed alone. Linked into the fuzz tests of each parser's test project (tools/corpus is not a project).
/// </summary>
internal static class ByteMutator
{
    private static readonly uint[] Interesting = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];

    /// <summary>Iterations of a fuzz test: <c>MIEN_FUZZ_ITERATIONS</c> for a long run, else <paramref name="ciDefault"/>.</summary>
    public static int Iterations(int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("MIEN_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : ciDefault;

    /// <summary>A mutated copy of <paramref name="seedFile"/>: 1–6 mutations chosen by <paramref name="seed"/>.</summary>
    public static byte[] Mutate(ReadOnlySpan<byte> seedFile, int seed)
    {
        var rng = new Random(seed);
        var data = new List<byte>(seedFile.Length + 64);
        data.AddRange(seedFile);
        var count = 1 + rng.Next(6);
        Span<byte> word = stackalloc byte[4];
        for (var m = 0; m < count && data.Count > 0; m++)
        {
            // Most parsers read their header first: aim half the mutations at the first 64 bytes.
            var at = rng.Next(2) == 0 ? rng.Next(Math.Min(64, data.Count)) : rng.Next(data.Count);
            switch (rng.Next(8))
            {
                case 0:
                    data[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    data[at] = (byte)Interesting[rng.Next(Interesting.Length)];
                    break;
                case 2:
                    // A 16/32-bit field overwritten with an extreme or off-by-one value, either byte order.
                    var value = rng.Next(4) == 0 ? (uint)(seedFile.Length + rng.Next(-2, 3)) : Interesting[rng.Next(Interesting.Length)];
                    if (rng.Next(2) == 0)
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(word, value);
                    }
                    else
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(word, value);
                    }

                    var width = rng.Next(2) == 0 ? 2 : 4;
                    for (var k = 0; k < width && at + k < data.Count; k++)
                    {
                        data[at + k] = word[rng.Next(2) == 0 ? k : 4 - width + k];
                    }

                    break;
                case 3:
                    data.RemoveRange(at, data.Count - at); // truncate
                    break;
                case 4:
                    var length = Math.Min(data.Count - at, 1 + rng.Next(256));
                    data.InsertRange(rng.Next(data.Count), data.GetRange(at, length)); // duplicate a range elsewhere
                    break;
                case 5:
                    var junk = new byte[1 + rng.Next(32)];
                    rng.NextBytes(junk);
                    data.InsertRange(at, junk);
                    break;
                case 6:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + rng.Next(64)));
                    break;
                default:
                    var fill = (byte)Interesting[rng.Next(Interesting.Length)];
                    for (var k = at; k < Math.Min(data.Count, at + 1 + rng.Next(4096)); k++)
                    {
                        data[k] = fill;
                    }

                    break;
            }
        }

        return [.. data];
    }
}
