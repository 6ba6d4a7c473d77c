namespace Mien.Models;

/// <summary>
/// The mulberry32 generator used by Mien's TF.js reference script (tools/reference), so C# can rebuild
/// the exact seeded-noise inputs of the golden files and the benchmarks feed both runtimes the same data.
/// </summary>
internal static class SeededNoise
{
    /// <summary>Fills <paramref name="values"/> with low + (high - low) * u, computed in double then rounded to float, as the reference does.</summary>
    public static void Fill(Span<float> values, uint seed, double low, double high)
    {
        var state = seed;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(low + ((high - low) * Next(ref state)));
        }
    }

    /// <summary>Fills <paramref name="values"/> with floor(u * 256): byte-valued pixels for int32-input models.</summary>
    public static void FillBytes(Span<int> values, uint seed)
    {
        var state = seed;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (int)Math.Floor(Next(ref state) * 256);
        }
    }

    /// <summary>One mulberry32 step: a uniform double in [0, 1).</summary>
    public static double Next(ref uint state)
    {
        unchecked
        {
            state += 0x6D2B79F5u;
            var t = state;
            t = (t ^ (t >> 15)) * (1 | t);
            t = (t + ((t ^ (t >> 7)) * (61 | t))) ^ t;
            return (t ^ (t >> 14)) / 4294967296.0;
        }
    }
}
