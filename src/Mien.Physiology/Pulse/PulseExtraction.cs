namespace Mien.Physiology.Pulse;

/// <summary>
/// The two published, weight-free ways of turning a skin-colour trace into a pulse signal. Both work on colour
/// normalised by its own short-time mean (so the skin's tone and the light's level and tint cancel) and project it
/// onto a plane orthogonal to that mean, where the blood-volume change remains and most of the specular and motion
/// change does not.
/// </summary>
internal static class PulseExtraction
{
    /// <summary>
    /// POS ("plane orthogonal to skin", Wang, den Brinker, Stuijk and de Haan 2017): in windows of
    /// <paramref name="windowSamples"/> (1.6 s), S1 = G − B and S2 = G + B − 2R of the normalised colour,
    /// h = S1 + (σ(S1)/σ(S2))·S2, overlap-added without its mean. <paramref name="pulse"/> receives n values;
    /// <paramref name="s1"/> and <paramref name="s2"/> are scratch of windowSamples values.
    /// </summary>
    public static void Pos(ReadOnlySpan<double> r, ReadOnlySpan<double> g, ReadOnlySpan<double> b, int windowSamples, Span<double> pulse, Span<double> s1, Span<double> s2)
    {
        var n = r.Length;
        pulse[..n].Clear();
        var l = Math.Min(windowSamples, n);
        for (var t = 0; t + l <= n; t++)
        {
            double mr = 0, mg = 0, mb = 0;
            for (var i = t; i < t + l; i++)
            {
                mr += r[i];
                mg += g[i];
                mb += b[i];
            }

            if (!(mr > 0 && mg > 0 && mb > 0))
            {
                continue;
            }

            (mr, mg, mb) = (l / mr, l / mg, l / mb);
            for (var i = 0; i < l; i++)
            {
                double rn = r[t + i] * mr, gn = g[t + i] * mg, bn = b[t + i] * mb;
                s1[i] = gn - bn;
                s2[i] = gn + bn - (2 * rn);
            }

            var sd2 = SignalFilters.StandardDeviation(s2[..l]);
            var alpha = sd2 > 0 ? SignalFilters.StandardDeviation(s1[..l]) / sd2 : 0;
            double mean = 0;
            for (var i = 0; i < l; i++)
            {
                s1[i] += alpha * s2[i];
                mean += s1[i];
            }

            mean /= l;
            for (var i = 0; i < l; i++)
            {
                pulse[t + i] += s1[i] - mean;
            }
        }
    }

    /// <summary>
    /// CHROM (de Haan and Jeanne 2013): X = 3R − 2G and Y = 1.5R + G − 1.5B of the colour normalised by its centred
    /// moving mean over <paramref name="windowSamples"/>, both band-passed, then S = X − (σX/σY)·Y with α taken per
    /// half-overlapping Hann window and overlap-added. Scratch: <paramref name="x"/>, <paramref name="y"/> n values,
    /// <paramref name="filterScratch"/> as <see cref="SignalFilters.BandPass"/> needs.
    /// </summary>
    public static void Chrom(ReadOnlySpan<double> r, ReadOnlySpan<double> g, ReadOnlySpan<double> b, int windowSamples, double sampleRate, double low, double high, Span<double> pulse, Span<double> x, Span<double> y, Span<double> filterScratch)
    {
        var n = r.Length;
        pulse[..n].Clear();
        var half = Math.Max(1, windowSamples / 2);
        for (var i = 0; i < n; i++)
        {
            int from = Math.Max(0, i - half), to = Math.Min(n - 1, i + half);
            double mr = 0, mg = 0, mb = 0;
            for (var j = from; j <= to; j++)
            {
                mr += r[j];
                mg += g[j];
                mb += b[j];
            }

            var count = to - from + 1;
            double rn = mr > 0 ? r[i] * count / mr : 1, gn = mg > 0 ? g[i] * count / mg : 1, bn = mb > 0 ? b[i] * count / mb : 1;
            x[i] = (3 * rn) - (2 * gn);
            y[i] = (1.5 * rn) + gn - (1.5 * bn);
        }

        SignalFilters.BandPass(x[..n], low, high, sampleRate, filterScratch);
        SignalFilters.BandPass(y[..n], low, high, sampleRate, filterScratch);
        var l = Math.Min(windowSamples, n);
        var stepSize = Math.Max(1, l / 2);
        for (var t = 0; t + l <= n; t += stepSize)
        {
            var sy = SignalFilters.StandardDeviation(y.Slice(t, l));
            var alpha = sy > 0 ? SignalFilters.StandardDeviation(x.Slice(t, l)) / sy : 0;
            for (var i = 0; i < l; i++)
            {
                var hann = 0.5 - (0.5 * Math.Cos(2 * Math.PI * (i + 0.5) / l));
                pulse[t + i] += hann * (x[t + i] - (alpha * y[t + i]));
            }
        }
    }
}
