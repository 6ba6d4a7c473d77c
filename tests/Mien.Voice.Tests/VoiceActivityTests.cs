using FsCheck;
using FsCheck.Xunit;
using Mien.Testing;
using Xunit.Abstractions;

namespace Mien.Voice.Tests;

public sealed class VoiceActivityTests(VoiceFixture fx, ITestOutputHelper output) : IClassFixture<VoiceFixture>
{
    [SharedDataFact(AudioTestData.EmoDbAngerPath)]
    public void Real_speech_between_two_seconds_of_quiet_is_found_where_it_is()
    {
        var path = AudioTestData.EmoDbAnger;

        var speech = AudioClip.Load(path)!.Samples;
        var rng = new Random(1);

        // One second of faint noise (−60 dBFS), the utterance, one more second: the segments must lie on the utterance.
        var samples = new float[speech.Length + 32_000];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)((rng.NextDouble() - 0.5) * 0.002);
        }

        speech.AsSpan().CopyTo(samples.AsSpan(16_000));
        using var vad = VoiceActivityDetector.Load(fx.VadPath);
        var segments = vad.Detect(new AudioClip(samples, 16_000, 16_000, 1));
        Assert.NotEmpty(segments);
        var speechStart = 1.0;
        var speechEnd = 1.0 + (speech.Length / 16_000.0);
        Assert.InRange(segments[0].Start.TotalSeconds, speechStart - 0.1, speechStart + 0.4);
        Assert.InRange(segments[^1].End.TotalSeconds, speechEnd - 0.4, speechEnd + 0.15);
        var covered = segments.Sum(s => s.Duration.TotalSeconds);
        Assert.True(covered > 0.6 * (speechEnd - speechStart), $"only {covered:F2} s of {speechEnd - speechStart:F2} s marked as speech");
    }

    [Fact]
    public void Digital_silence_and_a_near_silent_real_soundtrack_have_no_speech()
    {
        using var vad = VoiceActivityDetector.Load(fx.VadPath);
        Assert.Empty(vad.Detect(new AudioClip(new float[48_000], 16_000, 16_000, 1)));
        if (Mien.Testing.SharedData.Find("videos/single_face.mp4") is { } path)
        {
            var clip = AudioClip.Load(path)!; // −60 dBFS room tone, nobody talking
            Assert.Empty(vad.Detect(clip));
        }
    }

    [SharedDataFact(AudioTestData.EmoDbDirPath)]
    public void Every_labelled_utterance_contains_speech_and_VAD_runs_far_faster_than_real_time()
    {
        var dir = AudioTestData.EmoDbDir;

        using var vad = VoiceActivityDetector.Load(fx.VadPath);
        var clips = Directory.GetFiles(dir, "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(20).Select(f => AudioClip.Load(f)!).ToList();
        var audio = clips.Sum(c => c.Duration.TotalSeconds);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var clip in clips)
        {
            var segments = vad.Detect(clip);
            Assert.NotEmpty(segments);
            Assert.True(segments.Sum(s => s.Duration.TotalSeconds) > 0.4 * clip.Duration.TotalSeconds, clip.Source);
        }

        output.WriteLine($"VAD: {audio:F1} s of audio in {watch.Elapsed.TotalSeconds:F3} s = {audio / watch.Elapsed.TotalSeconds:F0}× real time");
    }

    [SharedDataFact(AudioTestData.EmoDbAngerPath)]
    public void Recurrent_state_is_reset_between_clips()
    {
        var path = AudioTestData.EmoDbAnger;

        using var vad = VoiceActivityDetector.Load(fx.VadPath);
        var clip = AudioClip.Load(path)!;
        var first = vad.Probabilities(clip.Samples);
        vad.Probabilities(new float[16_000]);
        Assert.Equal(first, vad.Probabilities(clip.Samples));
    }

    [Property(MaxTest = 200)]
    public void Segments_are_ordered_disjoint_long_enough_and_inside_the_clip(float[] raw)
    {
        var p = raw.Select(v => float.IsFinite(v) ? Math.Abs(v) % 1 : 0).ToArray();
        var samples = p.Length * VoiceActivityDetector.Window;
        var options = new VadOptions();
        var segments = VoiceActivityDetector.Segment(p, samples, TimeSpan.FromSeconds(3), options);
        var end = TimeSpan.FromSeconds(3 + (samples / 16_000.0));
        for (var i = 0; i < segments.Count; i++)
        {
            var tick = TimeSpan.FromMilliseconds(0.01); // seconds → ticks rounding
            Assert.True(segments[i].Start >= TimeSpan.FromSeconds(3) - tick && segments[i].End <= end + tick);
            Assert.True(segments[i].Duration >= options.MinSpeech, $"{segments[i].Duration}");
            if (i > 0)
            {
                Assert.True(segments[i].Start >= segments[i - 1].End);
            }
        }

        // Eight windows (256 ms) in a row at or above the threshold are speech long enough to keep.
        var run = 0;
        var longRun = false;
        foreach (var v in p)
        {
            run = v >= options.Threshold ? run + 1 : 0;
            longRun |= run >= 8;
        }

        if (longRun)
        {
            Assert.NotEmpty(segments);
        }

        if (p.All(v => v < options.Threshold))
        {
            Assert.Empty(segments);
        }
    }

    [Fact]
    public void Hysteresis_bridges_short_dips_and_ends_on_long_silence()
    {
        // 32 ms windows: 0.5 s speech, a 64 ms dip to 0.4 (above the end threshold) and a 64 ms drop to 0.1
        // (shorter than MinSilence), more speech, then 0.5 s of silence.
        var p = new List<float>();
        p.AddRange(Enumerable.Repeat(0.9f, 16));
        p.AddRange(Enumerable.Repeat(0.4f, 2));
        p.AddRange(Enumerable.Repeat(0.9f, 4));
        p.AddRange(Enumerable.Repeat(0.1f, 2));
        p.AddRange(Enumerable.Repeat(0.9f, 8));
        p.AddRange(Enumerable.Repeat(0.05f, 16));
        var segments = VoiceActivityDetector.Segment(p.ToArray(), p.Count * 512, TimeSpan.Zero, new VadOptions { Padding = TimeSpan.Zero });
        var only = Assert.Single(segments);
        Assert.Equal(0, only.Start.TotalSeconds, 3);
        Assert.Equal(32 * 0.032, only.End.TotalSeconds, 3);
    }
}
