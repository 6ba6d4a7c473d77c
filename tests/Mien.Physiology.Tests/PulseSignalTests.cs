using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mien.Physiology.Pulse;
using Mien.Results;

namespace Mien.Physiology.Tests;

/// <summary>The pure rPPG chain on synthetic traces: filters, spectrum, POS/CHROM, the estimator's decisions.</summary>
public sealed class PulseSignalTests
{
    [Fact]
    public void Band_pass_keeps_a_pulse_band_sine_and_removes_drift_and_high_frequencies()
    {
        const double fs = 30;
        var n = 300;
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            var t = i / fs;
            x[i] = Math.Sin(2 * Math.PI * 1.2 * t) + (5 * t) + (0.8 * Math.Sin(2 * Math.PI * 9 * t)) + (2 * Math.Sin(2 * Math.PI * 0.1 * t));
        }

        SignalFilters.Detrend(x);
        SignalFilters.BandPass(x, 0.7, 3.5, fs, new double[n + 200]);

        // Inside the window (away from the ends) only the 1.2 Hz sine should remain, at nearly full amplitude.
        double err = 0;
        for (var i = 60; i < n - 60; i++)
        {
            err = Math.Max(err, Math.Abs(x[i] - Math.Sin(2 * Math.PI * 1.2 * i / fs)));
        }

        Assert.True(err < 0.25, $"largest deviation from the pure 1.2 Hz sine: {err:0.000}");
    }

    [Property(MaxTest = 60)]
    public Property Spectrum_peak_finds_a_sine_within_a_tenth_of_a_beat(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var hz = 0.75 + (random.NextDouble() * 2.7);
        var n = 300;
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = Math.Sin((2 * Math.PI * hz * i / 30) + random.NextDouble());
        }

        var peak = PulseSpectrum.Peak(x, 30, 0.7, 3.5, new double[n], new double[PulseSpectrum.GridSize(0.7, 3.5)]);
        return (peak is { } p && Math.Abs(p.Frequency - hz) * 60 < 0.5 && p.SnrDb > 5).Label($"{hz * 60:0.0} BPM → {peak}");
    }

    [Theory]
    [InlineData(48, 0.003)]
    [InlineData(72, 0.002)]
    [InlineData(95, 0.003)]
    [InlineData(130, 0.005)]
    [InlineData(180, 0.003)]
    public void Estimator_recovers_a_known_pulse_under_sensor_noise_and_slow_light_drift(double bpm, double amplitude)
    {
        // 0.1 grey levels of noise on each frame's mean (σ ≈ 5 levels per pixel over ~3000 pixels) and ±5 % light drift over 30 s.
        var estimates = SyntheticPulse.Run(bpm, amplitude, noise: 0.1, seconds: 40, light: t => 1 + (0.05 * Math.Sin(2 * Math.PI * t / 30)));
        Assert.True(estimates.Count >= 28, $"{estimates.Count} estimates");
        var hits = estimates.Count(e => e.BeatsPerMinute is { } b && Math.Abs(b - bpm) <= 2);
        Assert.True(hits >= 0.9 * estimates.Count, $"{hits} of {estimates.Count} within ±2 BPM of {bpm}: {string.Join(", ", estimates.Select(e => e.BeatsPerMinute?.ToString("0.0") ?? e.Issue!.Code))}");
    }

    [Fact]
    public void Estimator_splices_exposure_jumps()
    {
        // The light steps by 8 % every 4 s (an auto-exposure camera): without splicing each step is a broadband spike.
        var estimates = SyntheticPulse.Run(84, 0.002, noise: 0.1, seconds: 40, light: t => 1 + (0.08 * ((int)(t / 4) % 2)));
        var hits = estimates.Count(e => e.BeatsPerMinute is { } b && Math.Abs(b - 84) <= 2);
        Assert.True(hits >= 0.9 * estimates.Count, $"{hits} of {estimates.Count} within ±2 BPM");
        Assert.All(estimates, e => Assert.InRange(e.ArtefactShare, 0.001, 0.05));
    }

    [Fact]
    public void Constant_colour_yields_no_pulse()
    {
        var estimates = SyntheticPulse.Run(70, 0, noise: 0, seconds: 20);
        Assert.NotEmpty(estimates);
        Assert.All(estimates, e =>
        {
            Assert.Null(e.BeatsPerMinute);
            Assert.Equal("no-variation", e.Issue?.Code);
        });
    }

    [Fact]
    public void Noise_without_a_pulse_is_rarely_reported()
    {
        var reported = 0;
        var total = 0;
        for (var seed = 1; seed <= 10; seed++)
        {
            var estimates = SyntheticPulse.Run(70, 0, noise: 0.5, seconds: 30, seed: seed);
            total += estimates.Count;
            reported += estimates.Count(e => e.BeatsPerMinute is not null);
        }

        Assert.True(reported <= 0.1 * total, $"{reported} of {total} windows of pure noise reported a rate");
    }

    [Fact]
    public void First_estimate_comes_after_one_window_and_then_every_step()
    {
        var estimates = SyntheticPulse.Run(70, 0.003, noise: 0.2, seconds: 15.5);
        Assert.Equal(6, estimates.Count);
        Assert.Equal(10, estimates[0].WindowEnd.TotalSeconds, 1);
        for (var i = 1; i < estimates.Count; i++)
        {
            Assert.Equal(1, (estimates[i].WindowEnd - estimates[i - 1].WindowEnd).TotalSeconds, 1);
        }
    }

    [Fact]
    public void Gap_longer_than_allowed_restarts_the_window()
    {
        var estimator = new HeartRateEstimator();
        var sample = new SkinColorSample(170, 120, 95, 3000, 0, 0, 60);
        var results = new List<HeartRateEstimate>();
        for (var i = 0; i < 24 * 12; i++)
        {
            var t = i / 24.0;
            if (t is > 5 and < 7)
            {
                continue; // the face was lost for 2 s
            }

            if (estimator.Add(TimeSpan.FromSeconds(t), sample with { G = 120 + (float)Math.Sin(t * 7) }, null) is { } e)
            {
                results.Add(e);
            }
        }

        Assert.Empty(results); // only 5 s since the gap: no full window yet
    }

    [Fact]
    public void Options_name_the_bad_value()
    {
        var e = Assert.Throws<ArgumentException>(() => new HeartRateEstimator(new HeartRateOptions { SampleRate = 5 }));
        Assert.Contains("SampleRate = 5", e.Message, StringComparison.Ordinal);
    }
}
