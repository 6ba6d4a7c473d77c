namespace Mien.Physiology.Pulse;

/// <summary>The dominant frequency of a pulse signal and how much it stands out.</summary>
/// <param name="Frequency">Peak frequency, Hz (refined to 0.001 Hz).</param>
/// <param name="SnrDb">Power within ±0.1 Hz of the peak and ±0.2 Hz of its first harmonic over the power elsewhere in the band, dB (de Haan and Jeanne 2013).</param>
internal readonly record struct SpectralPeak(double Frequency, double SnrDb);

/// <summary>
/// Power spectrum of a short window on a dense frequency grid (Goertzel at each frequency: equivalent to a heavily
/// zero-padded DFT, without the FFT's power-of-two sizes or allocations), restricted to the pulse band.
/// </summary>
internal static class PulseSpectrum
{
    /// <summary>Coarse grid step, Hz (0.6 beats per minute).</summary>
    public const double CoarseStep = 0.01;

    /// <summary>Frequencies the coarse grid has for a band.</summary>
    public static int GridSize(double low, double high) => (int)Math.Floor(((high - low) / CoarseStep) + 1e-9) + 1;

    /// <summary>
    /// The peak of <paramref name="signal"/>'s Hann-windowed power spectrum within [<paramref name="low"/>, <paramref name="high"/>] Hz,
    /// or null when the signal has no power there. <paramref name="windowed"/> holds signal.Length values, <paramref name="powers"/> <see cref="GridSize"/> values.
    /// </summary>
    public static SpectralPeak? Peak(ReadOnlySpan<double> signal, double sampleRate, double low, double high, Span<double> windowed, Span<double> powers)
    {
        var n = signal.Length;
        if (n < 8)
        {
            return null;
        }

        for (var i = 0; i < n; i++)
        {
            windowed[i] = signal[i] * (0.5 - (0.5 * Math.Cos(2 * Math.PI * i / (n - 1))));
        }

        var w = windowed[..n];
        var bins = GridSize(low, high);
        var best = -1;
        double total = 0;
        for (var k = 0; k < bins; k++)
        {
            powers[k] = Power(w, (low + (k * CoarseStep)) / sampleRate);
            total += powers[k];
            if (best < 0 || powers[k] > powers[best])
            {
                best = k;
            }
        }

        if (!(total > 0) || !(powers[best] > 0))
        {
            return null;
        }

        // Refine between the neighbouring coarse frequencies.
        var f0 = low + (best * CoarseStep);
        var refined = f0;
        var refinedPower = powers[best];
        for (var d = -10; d <= 10; d++)
        {
            var f = f0 + (d * CoarseStep / 10);
            if (f < low || f > high || d == 0)
            {
                continue;
            }

            var p = Power(w, f / sampleRate);
            if (p > refinedPower)
            {
                (refined, refinedPower) = (f, p);
            }
        }

        double signalPower = 0, noisePower = 0;
        for (var k = 0; k < bins; k++)
        {
            var f = low + (k * CoarseStep);
            if (Math.Abs(f - refined) <= 0.1 || Math.Abs(f - (2 * refined)) <= 0.2)
            {
                signalPower += powers[k];
            }
            else
            {
                noisePower += powers[k];
            }
        }

        var snr = noisePower > 0 ? 10 * Math.Log10(signalPower / noisePower) : 60;
        return new SpectralPeak(refined, snr);
    }

    /// <summary>|DFT|² of <paramref name="x"/> at <paramref name="cyclesPerSample"/> (Goertzel).</summary>
    internal static double Power(ReadOnlySpan<double> x, double cyclesPerSample)
    {
        var coeff = 2 * Math.Cos(2 * Math.PI * cyclesPerSample);
        double s1 = 0, s2 = 0;
        foreach (var v in x)
        {
            var s0 = v + (coeff * s1) - s2;
            s2 = s1;
            s1 = s0;
        }

        return Math.Max(0, (s1 * s1) + (s2 * s2) - (coeff * s1 * s2));
    }
}
