using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Mien.Monitoring.Tests;

public sealed class StatisticsTests
{
    [Fact]
    public void A_trending_series_is_worth_fewer_independent_values_than_its_length()
    {
        // Hand computation: mean 2.5; c0 = 5/4 = 1.25; c1 = (0.75 − 0.25 + 0.75)/4 = 0.3125 → ρ1 = 0.25; c2 < 0 stops the sum.
        // τ = 1 + 2·0.25 = 1.5 → n_eff = 4/1.5; sd = √(1.25·4/3); se = sd/√n_eff.
        var e = FrameStatistics.Mean([1, 2, 3, 4])!;
        Assert.Equal(2.5, e.Mean, 12);
        Assert.Equal(4 / 1.5, e.EffectiveN, 12);
        Assert.Equal(Math.Sqrt(1.25 * 4 / 3), e.Spread, 12);
        Assert.Equal(Math.Sqrt(1.25 * 4 / 3) / Math.Sqrt(4 / 1.5), e.StandardError, 12);
        Assert.Equal(e.Mean - (1.959963984540054 * e.StandardError), e.Low, 12);
    }

    [Fact]
    public void An_alternating_series_counts_every_value()
    {
        // ρ1 = −0.75 < 0: nothing is summed, τ = 1, n_eff = n.
        var e = FrameStatistics.Mean([1, -1, 1, -1])!;
        Assert.Equal(0, e.Mean, 12);
        Assert.Equal(4, e.EffectiveN, 12);
        Assert.Equal(Math.Sqrt(4.0 / 3) / 2, e.StandardError, 12);
    }

    [Fact]
    public void A_smoothed_series_gets_a_wider_interval_than_white_noise_of_the_same_spread()
    {
        var random = new Random(7);
        var white = new double[2000];
        var smooth = new double[2000];
        var state = 0.0;
        for (var i = 0; i < white.Length; i++)
        {
            white[i] = random.NextDouble() - 0.5;
            state = (0.95 * state) + (0.05 * white[i] * 10);
            smooth[i] = state;
        }

        var w = FrameStatistics.Mean(white)!;
        var s = FrameStatistics.Mean(smooth)!;
        Assert.True(w.EffectiveN > 1000, $"white noise n_eff {w.EffectiveN}");
        // AR(1) with φ = 0.95: τ = (1 + φ)/(1 − φ) = 39, so n_eff ≈ 2000/39 ≈ 51 (sampling noise allowed).
        Assert.InRange(s.EffectiveN, 20, 120);
    }

    [Fact]
    public void Empty_and_constant_series_and_bad_values()
    {
        Assert.Null(FrameStatistics.Mean([]));
        var constant = FrameStatistics.Mean([0.3, 0.3, 0.3])!;
        Assert.Equal(0, constant.StandardError);
        Assert.Throws<ArgumentException>(() => FrameStatistics.Mean([1, double.NaN]));
    }

    [Fact]
    public void Rates_are_compared_by_the_log_rate_ratio()
    {
        // 10 blinks in 120 s against 40 in 120 s: (40.5/120)/(10.5/120) = 3.857; z = ln 3.857 / √(1/10.5 + 1/40.5) = 3.898.
        var (ratio, z) = FrameStatistics.CompareRates(10, 120, 40, 120);
        Assert.Equal(40.5 / 10.5, ratio, 12);
        Assert.Equal(Math.Log(40.5 / 10.5) / Math.Sqrt((1 / 10.5) + (1 / 40.5)), z, 12);
        Assert.Equal(3.898, z, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameStatistics.CompareRates(1, 0, 1, 10));
    }

    [Property(MaxTest = 200)]
    public Property The_interval_contains_the_mean_and_effective_n_stays_within_one_and_n(NonEmptyArray<NormalFloat> values)
    {
        var xs = values.Get.Select(v => Math.Clamp(v.Get, -1e6, 1e6)).ToArray();
        var e = FrameStatistics.Mean(xs)!;
        return (e.Low <= e.Mean && e.Mean <= e.High && e.EffectiveN >= 1 - 1e-9 && e.EffectiveN <= xs.Length + 1e-9).ToProperty();
    }

    [Property(MaxTest = 100)]
    public Property Shifting_and_scaling_the_values_shifts_and_scales_the_estimate(NonEmptyArray<NormalFloat> values, PositiveInt scale, int shift)
    {
        var xs = values.Get.Select(v => Math.Clamp(v.Get, -1e3, 1e3)).ToArray();
        var a = (scale.Get % 50) + 1;
        var b = shift % 1000;
        var e = FrameStatistics.Mean(xs)!;
        var t = FrameStatistics.Mean(xs.Select(x => (a * x) + b).ToArray())!;
        var tolerance = 1e-6 * (1 + Math.Abs(e.Mean * a) + Math.Abs(b));
        // The effective n may differ by rounding only when the series is (numerically) constant.
        return (Math.Abs(t.Mean - ((a * e.Mean) + b)) <= tolerance && (e.Spread < 1e-9 || Math.Abs(t.StandardError - (a * e.StandardError)) <= 1e-6 * (1 + (a * e.StandardError)))).ToProperty();
    }
}
