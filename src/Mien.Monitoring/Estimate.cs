namespace Mien.Monitoring;

/// <summary>
/// A session mean with its 95 % confidence interval. Frame-level series are strongly autocorrelated (a smoothed
/// valence at 25 fps changes slowly), so the interval uses the effective sample size, not the frame count.
/// </summary>
/// <param name="Mean">The mean.</param>
/// <param name="StandardError">Standard error of the mean (autocorrelation-aware).</param>
/// <param name="N">Values (frames, segments or events) it rests on.</param>
/// <param name="EffectiveN">Independent values they are worth (N ÷ integrated autocorrelation time; N when independent).</param>
/// <param name="Spread">Standard deviation of the values themselves (not of the mean).</param>
public sealed record Estimate(double Mean, double StandardError, int N, double EffectiveN, double Spread)
{
    /// <summary>z of a two-sided 95 % normal interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Lower end of the 95 % interval.</summary>
    public double Low => Mean - (Z95 * StandardError);

    /// <summary>Upper end of the 95 % interval.</summary>
    public double High => Mean + (Z95 * StandardError);
}

/// <summary>Blinks counted over the time the eyes were measured.</summary>
/// <param name="Count">Blinks (onsets of <c>eyes.inBlink</c>).</param>
/// <param name="ExposureS">Seconds the eyes were measured.</param>
public sealed record BlinkRate(int Count, double ExposureS)
{
    /// <summary>Blinks per minute, or null without exposure.</summary>
    public double? PerMinute => ExposureS > 0 ? Count * 60 / ExposureS : null;

    /// <summary>
    /// As an <see cref="Estimate"/> in blinks per minute: blinks are close to a Poisson process, so the standard error
    /// is √count ÷ exposure (√1 when none were seen, so a blink-free session is not "certain"). Null without exposure.
    /// </summary>
    public Estimate? AsEstimate() => ExposureS > 0
        ? new Estimate(Count * 60 / ExposureS, Math.Sqrt(Math.Max(Count, 1)) * 60 / ExposureS, Count, Count, double.NaN)
        : null;
}

/// <summary>Statistics of frame-level series.</summary>
public static class FrameStatistics
{
    /// <summary>Longest lag summed into the autocorrelation time (bounds the cost on hour-long sessions).</summary>
    public const int MaxLag = 2000;

    /// <summary>
    /// Mean of a series with a 95 % interval from its effective sample size: n_eff = n ÷ τ with the integrated
    /// autocorrelation time τ = 1 + 2 Σ ρ_k summed over lags k = 1, 2, … while ρ_k stays positive (Sokal's initial
    /// positive sequence, at most <see cref="MaxLag"/> lags), clamped to [1, n]. Null for an empty series.
    /// </summary>
    /// <exception cref="ArgumentException">A value is not finite.</exception>
    public static Estimate? Mean(ReadOnlySpan<double> values)
    {
        var n = values.Length;
        if (n == 0)
        {
            return null;
        }

        var sum = 0.0;
        foreach (var v in values)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException($"values must be finite; got {v}", nameof(values));
            }

            sum += v;
        }

        var mean = sum / n;
        var c0 = 0.0;
        foreach (var v in values)
        {
            c0 += (v - mean) * (v - mean);
        }

        c0 /= n;
        if (n == 1 || c0 <= 0)
        {
            return new Estimate(mean, 0, n, n, 0);
        }

        var tau = 1.0;
        var maxLag = Math.Min(n - 1, MaxLag);
        for (var k = 1; k <= maxLag; k++)
        {
            var ck = 0.0;
            for (var i = 0; i + k < n; i++)
            {
                ck += (values[i] - mean) * (values[i + k] - mean);
            }

            var rho = ck / n / c0;
            if (rho <= 0)
            {
                break;
            }

            tau += 2 * rho;
        }

        var effective = Math.Clamp(n / tau, 1, n);
        var sd = Math.Sqrt(c0 * n / (n - 1));
        return new Estimate(mean, sd / Math.Sqrt(effective), n, effective, sd);
    }

    /// <summary>
    /// Compares two Poisson rates (blinks): the log rate ratio with 0.5 added to each count (so zero counts stay
    /// finite), z = ln(r₂ ÷ r₁) ÷ √(1/(k₁+½) + 1/(k₂+½)).
    /// </summary>
    /// <returns>The ratio r₂ ÷ r₁ (with the ½ corrections) and its z.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative or an exposure not positive.</exception>
    public static (double Ratio, double Z) CompareRates(int count1, double exposure1, int count2, double exposure2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count1);
        ArgumentOutOfRangeException.ThrowIfNegative(count2);
        if (!(exposure1 > 0) || !(exposure2 > 0) || !double.IsFinite(exposure1) || !double.IsFinite(exposure2))
        {
            throw new ArgumentOutOfRangeException(nameof(exposure1), $"exposures must be positive and finite; got {exposure1} and {exposure2}");
        }

        var a = count1 + 0.5;
        var b = count2 + 0.5;
        var ratio = b / exposure2 / (a / exposure1);
        return (ratio, Math.Log(ratio) / Math.Sqrt((1 / a) + (1 / b)));
    }
}
