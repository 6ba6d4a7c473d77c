using System.Numerics.Tensors;

namespace Mien.Voice;

/// <summary>
/// Measures <see cref="Prosody"/> on speech segments of 16 kHz audio: 25 ms frames every 10 ms; F0 with YIN
/// (de Cheveigné &amp; Kawahara 2002; 70–500 Hz, threshold 0.15, parabolic refinement, with an energy gate and octave-jump
/// and isolated-frame cleanup); energy; a 512-point FFT of the Hann-windowed frame for MFCC, alpha ratio and octave
/// slope; glottal pulses picked cycle by cycle for jitter and shimmer. Keeps its scratch buffers: one analyzer per
/// thread.
/// </summary>
public sealed class ProsodyAnalyzer
{
    /// <summary>Sample rate the analyzer expects, Hz.</summary>
    public const int Rate = AudioClip.AnalysisRate;

    /// <summary>Analysis frame, samples (25 ms).</summary>
    public const int Frame = 400;

    /// <summary>Frame step, samples (10 ms): also the envelope's period.</summary>
    public const int Hop = 160;

    private const int FftSize = 512;
    private const int Bins = (FftSize / 2) + 1;
    private const float MinF0 = 70, MaxF0 = 500;
    private const int TauMin = (int)(Rate / MaxF0);
    private const int TauMax = (int)(Rate / MinF0) + 1;
    private const float YinThreshold = 0.15f;
    private const float VoicedLimit = 0.35f;
    private const int MelBands = 26;
    private const int Coefficients = 13;
    private const float SemitoneReference = 27.5f;

    private readonly Fft _fft = new(FftSize);
    private readonly float[] _hann = new float[Frame];
    private readonly float[] _mel = new float[MelBands * Bins];
    private readonly float[] _dct = new float[Coefficients * MelBands];
    private readonly float[] _yinFrame = new float[Frame + TauMax];
    private readonly float[] _diff = new float[TauMax + 1];
    private readonly float[] _re = new float[FftSize];
    private readonly float[] _im = new float[FftSize];
    private readonly float[] _power = new float[Bins];
    private readonly float[] _logMel = new float[MelBands];

    /// <summary>Creates an analyzer (precomputes the window, mel bank and DCT).</summary>
    public ProsodyAnalyzer()
    {
        for (var i = 0; i < Frame; i++)
        {
            _hann[i] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * i / (Frame - 1))));
        }

        static double Mel(double f) => 2595 * Math.Log10(1 + (f / 700));
        static double Hz(double m) => 700 * (Math.Pow(10, m / 2595) - 1);
        var lo = Mel(20);
        var hi = Mel(Rate / 2.0);
        for (var b = 0; b < MelBands; b++)
        {
            var f0 = Hz(lo + ((hi - lo) * b / (MelBands + 1)));
            var f1 = Hz(lo + ((hi - lo) * (b + 1) / (MelBands + 1)));
            var f2 = Hz(lo + ((hi - lo) * (b + 2) / (MelBands + 1)));
            for (var k = 0; k < Bins; k++)
            {
                var f = k * (double)Rate / FftSize;
                var w = f < f0 || f > f2 ? 0 : f <= f1 ? (f - f0) / (f1 - f0) : (f2 - f) / (f2 - f1);
                _mel[(b * Bins) + k] = (float)w;
            }
        }

        for (var c = 0; c < Coefficients; c++)
        {
            for (var m = 0; m < MelBands; m++)
            {
                _dct[(c * MelBands) + m] = (float)Math.Cos(Math.PI * (c + 1) * (m + 0.5) / MelBands);
            }
        }
    }

    /// <summary>Prosody of <paramref name="segment"/> of <paramref name="clip"/> (16 kHz).</summary>
    public Prosody Analyze(AudioClip clip, SpeechSegment segment)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.SampleRate != Rate)
        {
            throw new ArgumentException($"prosody needs {Rate} Hz audio; the clip is at {clip.SampleRate} Hz.", nameof(clip));
        }

        var start = (int)Math.Clamp(Math.Round((segment.Start - clip.Start).TotalSeconds * Rate), 0, clip.Samples.Length);
        var end = (int)Math.Clamp(Math.Round((segment.End - clip.Start).TotalSeconds * Rate), start, clip.Samples.Length);
        return Analyze(clip.Samples, start, end);
    }

    /// <summary>Prosody of all of <paramref name="samples"/> (16 kHz mono) taken as one segment.</summary>
    public Prosody Analyze(ReadOnlySpan<float> samples) => Analyze(samples, 0, samples.Length);

    /// <summary>RMS amplitude of every 10 ms block (100 Hz), linear full-scale units: the envelope used for speaker attribution.</summary>
    public static float[] Envelope(ReadOnlySpan<float> samples)
    {
        var n = samples.Length / Hop;
        var envelope = new float[n];
        for (var i = 0; i < n; i++)
        {
            envelope[i] = MathF.Sqrt(TensorPrimitives.SumOfSquares(samples.Slice(i * Hop, Hop)) / Hop);
        }

        return envelope;
    }

    internal Prosody Analyze(ReadOnlySpan<float> all, int start, int end)
    {
        var duration = TimeSpan.FromSeconds((end - start) / (double)Rate);
        var n = end - start >= Frame ? ((end - start - Frame) / Hop) + 1 : 0;
        if (n == 0)
        {
            return Empty(duration);
        }

        var db = new float[n];
        var f0 = new float[n];
        var hnr = new float[n];
        var alpha = new float[n];
        var slope = new float[n];
        var mfcc = new float[n * Coefficients];
        for (var i = 0; i < n; i++)
        {
            var s = start + (i * Hop);
            var frame = all.Slice(s, Frame);
            db[i] = 10 * MathF.Log10((TensorPrimitives.SumOfSquares(frame) / Frame) + 1e-10f);
            (f0[i], hnr[i]) = Yin(all, s);
            Spectrum(frame, out alpha[i], out slope[i], mfcc.AsSpan(i * Coefficients, Coefficients));
        }

        CleanVoicing(db, f0);
        return Summarise(all, start, end, duration, db, f0, hnr, alpha, slope, mfcc);
    }

    private (float F0, float Hnr) Yin(ReadOnlySpan<float> all, int s)
    {
        var y = _yinFrame.AsSpan();
        var available = Math.Min(y.Length, all.Length - s);
        all.Slice(s, available).CopyTo(y);
        y[available..].Clear();
        var x0 = y[..Frame];
        var e0 = TensorPrimitives.SumOfSquares(x0);
        if (e0 < 1e-8f)
        {
            return (float.NaN, float.NaN);
        }

        var eTau = e0;
        var d = _diff.AsSpan();
        d[0] = 0;
        var running = 0f;
        var best = -1;
        for (var tau = 1; tau <= TauMax; tau++)
        {
            // E(τ) slides by one sample: drop y[τ−1]², add y[τ+W−1]².
            eTau += (y[tau + Frame - 1] * y[tau + Frame - 1]) - (y[tau - 1] * y[tau - 1]);
            d[tau] = MathF.Max(0, e0 + eTau - (2 * TensorPrimitives.Dot(x0, y.Slice(tau, Frame))));
            running += d[tau];
            d[tau] = running > 0 ? d[tau] * tau / running : 1; // cumulative mean normalised difference
        }

        for (var tau = TauMin; tau <= TauMax; tau++)
        {
            if (d[tau] < YinThreshold)
            {
                while (tau + 1 <= TauMax && d[tau + 1] < d[tau])
                {
                    tau++;
                }

                best = tau;
                break;
            }
        }

        if (best < 0)
        {
            // No dip under the threshold: take the global minimum, voiced only if it is still clearly periodic.
            best = TauMin;
            for (var tau = TauMin + 1; tau <= TauMax; tau++)
            {
                if (d[tau] < d[best])
                {
                    best = tau;
                }
            }

            if (d[best] > VoicedLimit)
            {
                return (float.NaN, float.NaN);
            }
        }

        var shift = 0f;
        if (best > TauMin && best < TauMax)
        {
            var (a, b, c) = (d[best - 1], d[best], d[best + 1]);
            var denominator = a - (2 * b) + c;
            shift = denominator > 1e-12f ? Math.Clamp(0.5f * (a - c) / denominator, -1, 1) : 0;
        }

        // Normalised autocorrelation at the period → harmonics-to-noise ratio (Boersma 1993's relation).
        var eAt = TensorPrimitives.SumOfSquares(y.Slice(best, Frame));
        var r = 2 * TensorPrimitives.Dot(x0, y.Slice(best, Frame)) / (e0 + eAt);
        r = Math.Clamp(r, 1e-4f, 0.9999f);
        return (Rate / (best + shift), 10 * MathF.Log10(r / (1 - r)));
    }

    internal void Spectrum(ReadOnlySpan<float> frame, out float alphaRatio, out float slope, Span<float> mfcc)
    {
        TensorPrimitives.Multiply(frame, _hann, _re.AsSpan(0, Frame));
        _re.AsSpan(Frame).Clear();
        Array.Clear(_im);
        _fft.Forward(_re, _im);
        var power = _power.AsSpan();
        TensorPrimitives.Multiply(_re.AsSpan(0, Bins), _re.AsSpan(0, Bins), power);
        TensorPrimitives.MultiplyAdd(_im.AsSpan(0, Bins), _im.AsSpan(0, Bins), power, power);

        for (var b = 0; b < MelBands; b++)
        {
            _logMel[b] = MathF.Log(TensorPrimitives.Dot(_mel.AsSpan(b * Bins, Bins), power) + 1e-10f);
        }

        for (var c = 0; c < Coefficients; c++)
        {
            mfcc[c] = TensorPrimitives.Dot(_dct.AsSpan(c * MelBands, MelBands), _logMel);
        }

        const float binHz = (float)Rate / FftSize;
        var low = TensorPrimitives.Sum(power[(int)(50 / binHz)..(int)(1000 / binHz)]);
        var high = TensorPrimitives.Sum(power[(int)(1000 / binHz)..(int)(5000 / binHz)]);
        alphaRatio = 10 * MathF.Log10((high + 1e-12f) / (low + 1e-12f));

        // Octave bands centred on 125 … 4000 Hz: level vs octave number, least squares.
        Span<float> level = stackalloc float[6];
        for (var b = 0; b < 6; b++)
        {
            var centre = 125f * (1 << b);
            var from = (int)MathF.Ceiling(centre / MathF.Sqrt(2) / binHz);
            var to = (int)MathF.Floor(centre * MathF.Sqrt(2) / binHz);
            level[b] = 10 * MathF.Log10((TensorPrimitives.Sum(power[from..(to + 1)]) / (to - from + 1)) + 1e-12f);
        }

        var mean = TensorPrimitives.Average(level);
        float num = 0, den = 0;
        for (var b = 0; b < 6; b++)
        {
            num += (b - 2.5f) * (level[b] - mean);
            den += (b - 2.5f) * (b - 2.5f);
        }

        slope = num / den;
    }

    /// <summary>Unvoices quiet frames (30 dB under the segment's loudest), octave jumps away from the median and runs shorter than 3 frames.</summary>
    private static void CleanVoicing(float[] db, float[] f0)
    {
        var gate = TensorPrimitives.Max(db) - 30;
        for (var i = 0; i < f0.Length; i++)
        {
            if (db[i] < gate)
            {
                f0[i] = float.NaN;
            }
        }

        var median = Median(f0);
        if (!float.IsNaN(median))
        {
            for (var i = 0; i < f0.Length; i++)
            {
                if (f0[i] > 1.8f * median || f0[i] < 0.55f * median)
                {
                    f0[i] = float.NaN;
                }
            }
        }

        for (var i = 0; i < f0.Length;)
        {
            if (float.IsNaN(f0[i]))
            {
                i++;
                continue;
            }

            var j = i;
            while (j < f0.Length && !float.IsNaN(f0[j]))
            {
                j++;
            }

            if (j - i < 3)
            {
                f0.AsSpan(i, j - i).Fill(float.NaN);
            }

            i = j;
        }
    }

    private static Prosody Summarise(ReadOnlySpan<float> all, int start, int end, TimeSpan duration, float[] db, float[] f0, float[] hnr, float[] alpha, float[] slope, float[] mfcc)
    {
        var n = db.Length;
        var semitones = new List<float>(n);
        double hz = 0, hnrSum = 0, alphaSum = 0, slopeSum = 0;
        for (var i = 0; i < n; i++)
        {
            if (!float.IsNaN(f0[i]))
            {
                semitones.Add(12 * MathF.Log2(f0[i] / SemitoneReference));
                hz += f0[i];
                hnrSum += hnr[i];
                alphaSum += alpha[i];
                slopeSum += slope[i];
            }
        }

        var voiced = semitones.Count;
        var enough = voiced >= 3;
        semitones.Sort();
        var stArray = semitones.ToArray();
        var (jitter, shimmer, shimmerDb) = Perturbation(all, start, end, f0);
        var mfccMean = new float[Coefficients];
        var mfccSd = new float[Coefficients];
        for (var c = 0; c < Coefficients; c++)
        {
            double s = 0, s2 = 0;
            for (var i = 0; i < n; i++)
            {
                var v = mfcc[(i * Coefficients) + c];
                s += v;
                s2 += v * v;
            }

            mfccMean[c] = (float)(s / n);
            mfccSd[c] = (float)Math.Sqrt(Math.Max(0, (s2 / n) - ((s / n) * (s / n))));
        }

        return new Prosody(
            duration,
            voiced / (float)n,
            enough ? (float)(hz / voiced) : float.NaN,
            enough ? TensorPrimitives.Average<float>(stArray) : float.NaN,
            enough ? TensorPrimitives.StdDev<float>(stArray) : float.NaN,
            enough ? Percentile(stArray, 0.95f) - Percentile(stArray, 0.05f) : float.NaN,
            TensorPrimitives.Average<float>(db),
            TensorPrimitives.StdDev<float>(db),
            SpeakingRate(db, f0, duration),
            jitter,
            shimmer,
            shimmerDb,
            enough ? (float)(hnrSum / voiced) : float.NaN,
            enough ? (float)(alphaSum / voiced) : float.NaN,
            enough ? (float)(slopeSum / voiced) : float.NaN,
            mfccMean,
            mfccSd);
    }

    /// <summary>
    /// Syllable nuclei: peaks of the 30 ms-smoothed intensity within 25 dB of the segment's 99th percentile, at a
    /// voiced frame, each preceded by a dip of at least 2 dB (de Jong &amp; Wempe 2009, simplified); per second.
    /// </summary>
    private static float SpeakingRate(float[] db, float[] f0, TimeSpan duration)
    {
        var n = db.Length;
        if (n < 5 || duration.TotalSeconds <= 0)
        {
            return float.NaN;
        }

        var smooth = new float[n];
        for (var i = 0; i < n; i++)
        {
            var lo = Math.Max(0, i - 1);
            var hi = Math.Min(n - 1, i + 1);
            smooth[i] = TensorPrimitives.Average<float>(db.AsSpan(lo, hi - lo + 1));
        }

        var sorted = (float[])smooth.Clone();
        Array.Sort(sorted);
        var threshold = Percentile(sorted, 0.99f) - 25;
        var count = 0;
        var lastPeak = float.NaN;
        var dip = float.PositiveInfinity;
        for (var i = 1; i < n - 1; i++)
        {
            dip = MathF.Min(dip, smooth[i]);
            var isPeak = smooth[i] > smooth[i - 1] && smooth[i] >= smooth[i + 1] && smooth[i] >= threshold && !float.IsNaN(f0[i]);
            if (!isPeak)
            {
                continue;
            }

            if (float.IsNaN(lastPeak) || smooth[i] - dip >= 2)
            {
                count++;
                lastPeak = smooth[i];
                dip = smooth[i];
            }
            else if (smooth[i] > lastPeak)
            {
                lastPeak = smooth[i]; // same nucleus, higher top
                dip = smooth[i];
            }
        }

        return (float)(count / duration.TotalSeconds);
    }

    /// <summary>
    /// Jitter and shimmer from glottal pulses picked cycle by cycle in each voiced run: the next pulse is the
    /// waveform's extreme (of the run's dominant polarity) 0.8–1.25 periods after the last. Pairs follow Praat's rules
    /// (periods 2–14.3 ms, period factor ≤ 1.3, amplitude factor ≤ 1.6). A peak-picking approximation of Praat's
    /// cross-correlation pulses: comparable between segments, not to Praat's figures.
    /// </summary>
    private static (float Jitter, float Shimmer, float ShimmerDb) Perturbation(ReadOnlySpan<float> all, int start, int end, float[] f0)
    {
        double periodDiff = 0, periodSum = 0, ampDiff = 0, ampSum = 0, ampDb = 0;
        int periodPairs = 0, periods = 0, ampPairs = 0, amps = 0;
        const float minPeriod = Rate / 500f, maxPeriod = Rate / 70f;
        var pulses = new List<(float T, float A)>();
        for (var i = 0; i < f0.Length;)
        {
            if (float.IsNaN(f0[i]))
            {
                i++;
                continue;
            }

            var j = i;
            while (j < f0.Length && !float.IsNaN(f0[j]))
            {
                j++;
            }

            var r0 = start + (i * Hop);
            var r1 = Math.Min(end, start + ((j - 1) * Hop) + Frame);
            var region = all[r0..r1];
            var sign = TensorPrimitives.Max(region) >= -TensorPrimitives.Min(region) ? 1f : -1f;
            pulses.Clear();
            var period = Rate / f0[i];
            var t = ArgMax(region, 0, (int)period, sign);
            while (true)
            {
                var frame = Math.Clamp(i + ((t - (Frame / 2)) / Hop), i, j - 1);
                if (!float.IsNaN(f0[frame]))
                {
                    period = Rate / f0[frame];
                }

                var lo = t + (int)(0.8f * period);
                var hi = t + (int)MathF.Ceiling(1.25f * period);
                if (hi >= region.Length - 1)
                {
                    break;
                }

                var next = ArgMax(region, lo, hi, sign);
                var (a, b, c) = (sign * region[next - 1], sign * region[next], sign * region[next + 1]);
                var den = a - (2 * b) + c;
                var offset = den < -1e-12f ? Math.Clamp(0.5f * (a - c) / den, -0.5f, 0.5f) : 0;
                pulses.Add((next + offset, b));
                t = next;
            }

            for (var k = 1; k < pulses.Count; k++)
            {
                var p = pulses[k].T - pulses[k - 1].T;
                if (p < minPeriod || p > maxPeriod)
                {
                    continue;
                }

                periodSum += p;
                periods++;
                if (k >= 2)
                {
                    var q = pulses[k - 1].T - pulses[k - 2].T;
                    if (q >= minPeriod && q <= maxPeriod && MathF.Max(p, q) / MathF.Min(p, q) <= 1.3f)
                    {
                        periodDiff += MathF.Abs(p - q);
                        periodPairs++;
                    }
                }
            }

            for (var k = 0; k < pulses.Count; k++)
            {
                var amp = pulses[k].A;
                if (amp <= 0)
                {
                    continue;
                }

                ampSum += amp;
                amps++;
                if (k > 0 && pulses[k - 1].A > 0 && MathF.Max(amp, pulses[k - 1].A) / MathF.Min(amp, pulses[k - 1].A) <= 1.6f)
                {
                    ampDiff += MathF.Abs(amp - pulses[k - 1].A);
                    ampDb += MathF.Abs(20 * MathF.Log10(amp / pulses[k - 1].A));
                    ampPairs++;
                }
            }

            i = j;
        }

        var jitter = periodPairs >= 3 ? (float)(100 * (periodDiff / periodPairs) / (periodSum / periods)) : float.NaN;
        var shimmer = ampPairs >= 3 ? (float)(100 * (ampDiff / ampPairs) / (ampSum / amps)) : float.NaN;
        var shimmerDb = ampPairs >= 3 ? (float)(ampDb / ampPairs) : float.NaN;
        return (jitter, shimmer, shimmerDb);
    }

    private static int ArgMax(ReadOnlySpan<float> x, int from, int to, float sign)
    {
        from = Math.Max(1, from);
        to = Math.Min(x.Length - 2, to);
        var best = from;
        for (var i = from + 1; i <= to; i++)
        {
            if (sign * x[i] > sign * x[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static float Median(float[] values)
    {
        var voiced = values.Where(v => !float.IsNaN(v)).ToArray();
        if (voiced.Length == 0)
        {
            return float.NaN;
        }

        Array.Sort(voiced);
        return Percentile(voiced, 0.5f);
    }

    /// <summary>Linear-interpolated percentile of an ascending array.</summary>
    internal static float Percentile(float[] sorted, float q)
    {
        var pos = q * (sorted.Length - 1);
        var lo = (int)MathF.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (pos - lo));
    }

    private static Prosody Empty(TimeSpan duration) => new(
        duration, 0, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN,
        Enumerable.Repeat(float.NaN, Coefficients).ToArray(), Enumerable.Repeat(float.NaN, Coefficients).ToArray());
}
