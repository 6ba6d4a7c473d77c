namespace Mien.Physiology.Pulse;

/// <summary>A second-order IIR section (RBJ audio-EQ cookbook), normalised so a0 = 1.</summary>
internal readonly record struct Biquad(double B0, double B1, double B2, double A1, double A2)
{
    /// <summary>Butterworth-style (Q = 1/√2) high-pass at <paramref name="cutoff"/> Hz.</summary>
    public static Biquad HighPass(double cutoff, double sampleRate)
    {
        var (w, alpha) = Prewarp(cutoff, sampleRate);
        var cos = Math.Cos(w);
        var a0 = 1 + alpha;
        return new Biquad((1 + cos) / 2 / a0, -(1 + cos) / a0, (1 + cos) / 2 / a0, -2 * cos / a0, (1 - alpha) / a0);
    }

    /// <summary>Butterworth-style (Q = 1/√2) low-pass at <paramref name="cutoff"/> Hz.</summary>
    public static Biquad LowPass(double cutoff, double sampleRate)
    {
        var (w, alpha) = Prewarp(cutoff, sampleRate);
        var cos = Math.Cos(w);
        var a0 = 1 + alpha;
        return new Biquad((1 - cos) / 2 / a0, (1 - cos) / a0, (1 - cos) / 2 / a0, -2 * cos / a0, (1 - alpha) / a0);
    }

    private static (double W, double Alpha) Prewarp(double cutoff, double sampleRate)
    {
        var w = 2 * Math.PI * cutoff / sampleRate;
        return (w, Math.Sin(w) / (2 * Math.Sqrt(0.5)));
    }

    /// <summary>Filters <paramref name="x"/> in place, forwards, starting from the steady state of its first value.</summary>
    public void Forward(Span<double> x)
    {
        if (x.IsEmpty)
        {
            return;
        }

        // Direct form II transposed, with the state a constant input x[0] would have settled to (no start-up step).
        var gain = (B0 + B1 + B2) / (1 + A1 + A2);
        var y0 = x[0] * gain;
        var s1 = y0 - (B0 * x[0]);
        var s2 = (B2 * x[0]) - (A2 * y0);
        for (var i = 0; i < x.Length; i++)
        {
            var input = x[i];
            var output = (B0 * input) + s1;
            s1 = (B1 * input) - (A1 * output) + s2;
            s2 = (B2 * input) - (A2 * output);
            x[i] = output;
        }
    }
}

/// <summary>Detrending and zero-phase band-pass filtering of short, uniformly sampled windows.</summary>
internal static class SignalFilters
{
    /// <summary>Subtracts the least-squares line from <paramref name="x"/>.</summary>
    public static void Detrend(Span<double> x)
    {
        var n = x.Length;
        if (n < 2)
        {
            if (n == 1)
            {
                x[0] = 0;
            }

            return;
        }

        double sumY = 0, sumIy = 0;
        for (var i = 0; i < n; i++)
        {
            sumY += x[i];
            sumIy += i * x[i];
        }

        var meanI = (n - 1) / 2.0;
        var meanY = sumY / n;
        var varI = ((double)n * n - 1) / 12.0;
        var slope = ((sumIy / n) - (meanI * meanY)) / varI;
        for (var i = 0; i < n; i++)
        {
            x[i] -= meanY + (slope * (i - meanI));
        }
    }

    /// <summary>
    /// Zero-phase band-pass (a high-pass and a low-pass biquad, run forwards and backwards: 4th-order magnitude, no phase
    /// shift). <paramref name="scratch"/> must hold <c>x.Length + 2·pad</c> values; the signal is extended at both ends by
    /// odd reflection over <c>pad</c> samples so the filters' start-up does not ring into the window.
    /// </summary>
    public static void BandPass(Span<double> x, double low, double high, double sampleRate, Span<double> scratch)
    {
        var n = x.Length;
        if (n < 4)
        {
            x.Clear();
            return;
        }

        var pad = Math.Min(n - 1, (int)Math.Ceiling(sampleRate / low));
        var total = n + (2 * pad);
        ArgumentOutOfRangeException.ThrowIfLessThan(scratch.Length, total, nameof(scratch) + ".Length");
        var y = scratch[..total];
        for (var i = 0; i < pad; i++)
        {
            y[pad - 1 - i] = (2 * x[0]) - x[i + 1];
            y[pad + n + i] = (2 * x[n - 1]) - x[n - 2 - i];
        }

        x.CopyTo(y[pad..]);
        var hp = Biquad.HighPass(low, sampleRate);
        var lp = Biquad.LowPass(high, sampleRate);
        hp.Forward(y);
        lp.Forward(y);
        y.Reverse();
        hp.Forward(y);
        lp.Forward(y);
        y.Reverse();
        y.Slice(pad, n).CopyTo(x);
    }

    /// <summary>Mean of <paramref name="x"/>.</summary>
    public static double Mean(ReadOnlySpan<double> x)
    {
        double sum = 0;
        foreach (var v in x)
        {
            sum += v;
        }

        return x.IsEmpty ? 0 : sum / x.Length;
    }

    /// <summary>Population standard deviation of <paramref name="x"/>.</summary>
    public static double StandardDeviation(ReadOnlySpan<double> x)
    {
        var mean = Mean(x);
        double sum = 0;
        foreach (var v in x)
        {
            sum += (v - mean) * (v - mean);
        }

        return x.IsEmpty ? 0 : Math.Sqrt(sum / x.Length);
    }
}
