namespace Mien.Voice;

/// <summary>
/// Band-limited rational resampling (polyphase windowed sinc, Kaiser β = 8.6, 16 zero crossings per side): the
/// low-pass sits at 0.92 × the lower Nyquist, so 48 → 16 kHz removes everything above ~7.4 kHz before decimating
/// (stop-band attenuation ≈ 80 dB) instead of aliasing it.
/// </summary>
internal static class Resampler
{
    private const int ZeroCrossings = 16;
    private const double Rolloff = 0.92;
    private const double KaiserBeta = 8.6;

    public static float[] Resample(ReadOnlySpan<float> input, int fromRate, int toRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(toRate, 1);
        if (fromRate == toRate)
        {
            return input.ToArray();
        }

        var (up, down, half, table) = Plan(fromRate, toRate);
        var taps = 2 * half;

        var outLength = (int)((long)input.Length * up / down);
        var output = new float[outLength];
        for (var n = 0; n < outLength; n++)
        {
            var pos = (long)n * down;
            var baseIndex = (int)(pos / up);
            var phase = (int)(pos % up);
            var kernel = table.AsSpan(phase * taps, taps);
            var first = baseIndex - half + 1;
            if (first >= 0 && first + taps <= input.Length)
            {
                output[n] = System.Numerics.Tensors.TensorPrimitives.Dot(kernel, input.Slice(first, taps));
                continue;
            }

            // Edges: samples outside the clip count as silence.
            var sum = 0f;
            for (var j = 0; j < taps; j++)
            {
                var k = first + j;
                if ((uint)k < (uint)input.Length)
                {
                    sum += kernel[j] * input[k];
                }
            }

            output[n] = sum;
        }

        return output;
    }

    /// <summary>
    /// The filter for <paramref name="fromRate"/> → <paramref name="toRate"/>: L output samples per M input samples,
    /// the kernel's half length in input samples, and the polyphase table (L rows of 2·half taps).
    /// </summary>
    internal static (int Up, int Down, int Half, float[] Table) Plan(int fromRate, int toRate)
    {
        var g = Gcd(fromRate, toRate);
        var up = toRate / g;    // L: output samples per …
        var down = fromRate / g; // M: … input samples
        var cutoff = Rolloff * Math.Min(1.0, (double)up / down); // in cycles per input sample × 2 (fraction of input Nyquist)
        var half = (int)Math.Ceiling(ZeroCrossings / cutoff);
        return (up, down, half, BuildTable(up, half, cutoff));
    }

    /// <summary>Output samples per input sample's worth of phases (L of L/M), for rate checks before building a table.</summary>
    internal static int Phases(int fromRate, int toRate) => toRate / Gcd(fromRate, toRate);

    /// <summary>Row p holds h(p/L + half − 1 − j) for j = 0 … 2·half−1: the weights of input samples base−half+1 … base+half.</summary>
    private static float[] BuildTable(int phases, int half, double cutoff)
    {
        var taps = 2 * half;
        var table = new float[phases * taps];
        var i0Beta = BesselI0(KaiserBeta);
        for (var p = 0; p < phases; p++)
        {
            var frac = (double)p / phases;
            for (var j = 0; j < taps; j++)
            {
                // Distance (input samples) from the output instant to input sample base − half + 1 + j.
                var t = frac + half - 1 - j;
                var x = t / half;
                var window = Math.Abs(x) >= 1 ? 0 : BesselI0(KaiserBeta * Math.Sqrt(1 - (x * x))) / i0Beta;
                table[(p * taps) + j] = (float)(cutoff * Sinc(cutoff * t) * window);
            }
        }

        return table;
    }

    private static double Sinc(double x) => Math.Abs(x) < 1e-12 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    private static double BesselI0(double x)
    {
        double sum = 1, term = 1, half = x / 2;
        for (var k = 1; k < 50; k++)
        {
            term *= half / k;
            var sq = term * term;
            sum += sq;
            if (sq < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }

    internal static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
