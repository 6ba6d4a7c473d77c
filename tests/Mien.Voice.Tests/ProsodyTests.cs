using FsCheck;
using FsCheck.Xunit;
using Mien.Testing;
using Xunit.Abstractions;

namespace Mien.Voice.Tests;

public sealed class ProsodyTests(ITestOutputHelper output)
{
    /// <summary>A glottal-like source: a decaying resonance restarted every period, with optional period jitter.</summary>
    private static float[] Voice(double f0, double seconds, double jitter = 0, int seed = 1)
    {
        var rng = new Random(seed);
        var x = new float[(int)(seconds * 16_000)];
        var t = 0.0;
        while (t < x.Length)
        {
            var start = (int)t;
            for (var i = start; i < Math.Min(x.Length, start + 400); i++)
            {
                var k = (i - t) / 16_000;
                x[i] += (float)(0.3 * Math.Exp(-k * 400) * Math.Sin(2 * Math.PI * 700 * k));
            }

            t += 16_000 / f0 * (1 + (jitter * ((rng.NextDouble() * 2) - 1)));
        }

        return x;
    }

    [Property(MaxTest = 30)]
    public void YIN_finds_the_pitch_of_a_periodic_voice_within_one_percent(PositiveInt seed)
    {
        var f0 = 75 + (seed.Get * 7919 % 400);
        var p = new ProsodyAnalyzer().Analyze(Voice(f0, 0.6));
        Assert.True(p.VoicedFraction > 0.8, $"{f0} Hz: voiced {p.VoicedFraction}");
        Assert.True(Math.Abs(p.F0MeanHz - f0) / f0 < 0.01, $"{f0} Hz measured as {p.F0MeanHz}");
        Assert.True(p.F0RangeSemitones < 0.3);
    }

    [Fact]
    public void Jitter_tracks_injected_period_perturbation()
    {
        var analyzer = new ProsodyAnalyzer();
        var steady = analyzer.Analyze(Voice(140, 1.0)).JitterPercent;
        var rough = analyzer.Analyze(Voice(140, 1.0, jitter: 0.02)).JitterPercent;
        output.WriteLine($"jitter steady {steady:F2} %, with ±2 % uniform period noise {rough:F2} %");
        Assert.True(steady < 0.3, $"steady {steady}");

        // Uniform ±2 % noise: E|T_i − T_{i+1}| / T = 2 · 0.02 · 2/3 ≈ 1.33 %.
        Assert.InRange(rough, 0.9, 1.9);
    }

    [Fact]
    public void Silence_gives_no_pitch_and_NaN_voice_measures()
    {
        var p = new ProsodyAnalyzer().Analyze(new float[16_000]);
        Assert.Equal(0, p.VoicedFraction);
        Assert.True(float.IsNaN(p.F0MeanHz) && float.IsNaN(p.JitterPercent) && float.IsNaN(p.HnrDb));
    }

    [Fact]
    public void White_noise_has_the_expected_tilt_and_no_pitch()
    {
        var rng = new Random(3);
        var noise = Enumerable.Range(0, 32_000).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.2)).ToArray();
        var analyzer = new ProsodyAnalyzer();
        var p = analyzer.Analyze(noise);
        Assert.True(p.VoicedFraction < 0.05);

        // A flat spectrum has the 1–5 kHz band 4000/950 times the 50–1000 Hz band (+6.2 dB) and 0 dB/octave in
        // per-bin power; averaged over frames of the noise.
        double alpha = 0, slope = 0;
        var mfcc = new float[13];
        const int frames = 60;
        for (var f = 0; f < frames; f++)
        {
            analyzer.Spectrum(noise.AsSpan(f * 400, 400), out var a, out var b, mfcc);
            alpha += a / frames;
            slope += b / frames;
        }

        Assert.InRange(alpha, 5.5, 7);
        Assert.InRange(slope, -0.7, 0.7);
    }

    [Fact]
    public void FFT_equals_a_naive_DFT()
    {
        var rng = new Random(5);
        var re = Enumerable.Range(0, 64).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var im = Enumerable.Range(0, 64).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var (r0, i0) = ((float[])re.Clone(), (float[])im.Clone());
        new Fft(64).Forward(re, im);
        for (var k = 0; k < 64; k++)
        {
            double sr = 0, si = 0;
            for (var n = 0; n < 64; n++)
            {
                var a = -2 * Math.PI * k * n / 64;
                sr += (r0[n] * Math.Cos(a)) - (i0[n] * Math.Sin(a));
                si += (r0[n] * Math.Sin(a)) + (i0[n] * Math.Cos(a));
            }

            Assert.Equal(sr, re[k], 1e-4);
            Assert.Equal(si, im[k], 1e-4);
        }
    }

    [SharedDataFact(AudioTestData.EmoDbDirPath)]
    public void Real_male_speaker_has_male_pitch_and_plausible_rate_and_angry_speech_is_higher_and_tenser()
    {
        var dir = AudioTestData.EmoDbDir;

        var analyzer = new ProsodyAnalyzer();
        Prosody[] Measure(string label) => Directory.GetFiles(Path.Combine(dir, label), "*.wav").Order(StringComparer.Ordinal).Select(f => analyzer.Analyze(AudioClip.Load(f)!.Samples)).ToArray();
        var neutral = Measure("neutral");
        var anger = Measure("anger");
        var sadness = Measure("sadness");
        Assert.All(neutral, p => Assert.InRange(p.F0MeanHz, 85, 170)); // EmoDB speaker 03 is a man
        Assert.All(neutral.Concat(anger), p => Assert.InRange(p.SpeakingRate, 2, 8));
        Assert.All(neutral.Concat(anger), p => Assert.Equal(13, p.MfccMean.Count));
        var st = (Prosody[] ps) => ps.Average(p => p.F0MeanSemitones);
        var alpha = (Prosody[] ps) => ps.Average(p => p.AlphaRatioDb);
        output.WriteLine($"F0 st: anger {st(anger):F1}, neutral {st(neutral):F1}, sadness {st(sadness):F1}; alpha dB: anger {alpha(anger):F1}, neutral {alpha(neutral):F1}, sadness {alpha(sadness):F1}");

        // Textbook correlates (Banse & Scherer 1996): anger raises F0 and flattens the spectrum; sadness lowers both.
        Assert.True(st(anger) > st(neutral) + 4);
        Assert.True(alpha(anger) > alpha(neutral) + 4);
        Assert.True(st(sadness) < st(neutral));
        Assert.True(sadness.Average(p => p.SpeakingRate) < neutral.Average(p => p.SpeakingRate));
    }

    [Fact]
    public void Prosody_runs_far_faster_than_real_time()
    {
        var voice = Voice(130, 10);
        var analyzer = new ProsodyAnalyzer();
        analyzer.Analyze(voice.AsSpan(0, 16_000)); // warm-up
        var watch = System.Diagnostics.Stopwatch.StartNew();
        analyzer.Analyze(voice);
        output.WriteLine($"prosody: 10 s of audio in {watch.Elapsed.TotalMilliseconds:F0} ms = {10 / watch.Elapsed.TotalSeconds:F0}× real time");
    }

    [Fact]
    public void Envelope_is_100_Hz_RMS()
    {
        var x = Enumerable.Range(0, 1600).Select(i => i < 800 ? 0.5f : -0.25f).ToArray();
        var e = ProsodyAnalyzer.Envelope(x);
        Assert.Equal(10, e.Length);
        Assert.Equal(0.5f, e[0], 5);
        Assert.Equal(0.25f, e[9], 5);
    }
}
