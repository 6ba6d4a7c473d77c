using System.Globalization;
using FsCheck;
using FsCheck.Xunit;
using Mien.Testing;

namespace Mien.Voice.Tests;

public sealed class AudioClipTests(VoiceFixture fx) : IClassFixture<VoiceFixture>
{
    [SharedDataFact(AudioTestData.EmoDbAngerPath)]
    public void Real_EmoDB_wav_loads_at_its_own_rate_with_the_labelled_duration()
    {
        var path = AudioTestData.EmoDbAnger;

        var clip = AudioClip.Load(path)!;
        Assert.Equal(16_000, clip.OriginalSampleRate);
        Assert.Equal(1, clip.OriginalChannels);
        Assert.Equal(1.878, clip.Duration.TotalSeconds, 0.001);
        Assert.InRange(Rms(clip.Samples), 0.01, 0.5); // speech, not silence or garbage
        Assert.All(clip.Samples, s => Assert.InRange(s, -1f, 1f));
    }

    [SharedDataFact(AudioTestData.RavdessAngerPath)]
    public void Real_48kHz_RAVDESS_wav_is_resampled_to_16kHz_keeping_duration_and_level()
    {
        var path = AudioTestData.RavdessAnger;

        var native = AudioClip.Load(path, 48_000)!;
        var clip = AudioClip.Load(path)!;
        Assert.Equal(48_000, clip.OriginalSampleRate);
        Assert.Equal(16_000, clip.SampleRate);
        Assert.Equal(4.004, clip.Duration.TotalSeconds, 0.001);
        Assert.Equal(native.Samples.Length / 3, clip.Samples.Length);

        // Speech energy sits below 7 kHz, so the level survives within 0.5 dB.
        var db = 20 * Math.Log10(Rms(clip.Samples) / Rms(native.Samples));
        Assert.InRange(db, -0.5, 0.1);
    }

    [SharedDataTheory(AudioTestData.EmoDbAngerPath)]
    [InlineData(8, false, 1, false, 1.5e-2)]
    [InlineData(16, false, 1, false, 1e-4)]
    [InlineData(24, false, 1, false, 1e-6)]
    [InlineData(32, false, 1, false, 1e-6)]
    [InlineData(32, true, 1, false, 0)]
    [InlineData(64, true, 1, false, 1e-7)]
    [InlineData(24, false, 2, true, 1e-6)]
    [InlineData(32, true, 2, true, 1e-6)]
    [InlineData(16, false, 6, true, 1e-4)]
    public void Every_WAV_encoding_of_real_speech_decodes_to_the_same_samples(int bits, bool isFloat, int channels, bool extensible, double tolerance)
    {
        var path = AudioTestData.EmoDbAnger;

        // 0.9 × the real speech, so the ±5 % channel offsets never clip.
        var original = AudioClip.Load(path)!.Samples.Select(v => 0.9f * v).ToArray();
        var file = AudioTestData.Scratch($"enc-{bits}-{isFloat}-{channels}-{extensible}.wav");
        File.WriteAllBytes(file, WavWriter.Write(original, 16_000, bits, isFloat, channels, extensible));
        var clip = AudioClip.Load(file)!;
        Assert.Equal(channels, clip.OriginalChannels);
        Assert.Equal(original.Length, clip.Samples.Length);
        var worst = original.Zip(clip.Samples, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= tolerance + 1e-7, $"worst difference {worst}");
    }

    [SharedDataFact(AudioTestData.EmoDbAngerPath)]
    public void Truncated_wav_is_reported_as_truncated()
    {
        var path = AudioTestData.EmoDbAnger;

        var bytes = File.ReadAllBytes(path);
        var file = AudioTestData.Scratch("truncated.wav");
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<AudioException>(() => AudioClip.Load(file));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Equal(file, e.Source);
    }

    [Fact]
    public void Absurd_and_unsupported_headers_are_named()
    {
        var samples = new float[1600];
        var wav = WavWriter.Write(samples, 16_000, 16, false);
        var zeroChannels = (byte[])wav.Clone();
        zeroChannels[22] = 0; // NumChannels
        var hugeRate = (byte[])wav.Clone();
        BitConverter.GetBytes(5_000_000).CopyTo(hugeRate, 24);
        var adpcm = (byte[])wav.Clone();
        adpcm[20] = 2; // WAVE_FORMAT_ADPCM
        foreach (var (bytes, expected) in new[] { (zeroChannels, "channel count"), (hugeRate, "sample rate"), (adpcm, "unsupported WAV encoding") })
        {
            var file = AudioTestData.Scratch($"bad-{expected.Replace(' ', '-')}.wav");
            File.WriteAllBytes(file, bytes);
            var e = Assert.Throws<AudioException>(() => AudioClip.Load(file));
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Garbage_empty_and_missing_files_throw_AudioException()
    {
        var garbage = AudioTestData.Scratch("garbage.mp4");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var empty = AudioTestData.Scratch("empty.mp3");
        File.WriteAllBytes(empty, []);
        Assert.Throws<AudioException>(() => AudioClip.Load(garbage));
        Assert.Throws<AudioException>(() => AudioClip.Load(empty));
        Assert.Throws<AudioException>(() => AudioClip.Load(AudioTestData.Scratch("missing.wav")));
    }

    [Fact]
    public void Video_without_an_audio_track_gives_null_not_an_exception()
    {
        var franck = fx.Videos[0];
        Assert.EndsWith("franck.mp4", franck, StringComparison.Ordinal);
        Assert.Null(AudioClip.Load(franck));
    }

    [SharedDataFact("videos/no_face.mp4")]
    public void Audio_track_of_a_real_video_is_decoded_through_FFmpeg()
    {
        var path = SharedData.Require("videos/no_face.mp4");

        var clip = AudioClip.Load(path)!;
        Assert.Equal(44_100, clip.OriginalSampleRate);
        Assert.Equal(2, clip.OriginalChannels);
        Assert.Equal(3.97, clip.Duration.TotalSeconds, 0.05);
        Assert.InRange(20 * Math.Log10(Rms(clip.Samples)), -30, -18); // measured −24 dBFS: real sound, not silence or noise blow-up
    }

    [SharedDataFact("videos/no_face.mp4")]
    public void Truncated_video_is_an_AudioException_or_a_shorter_clip_never_a_crash()
    {
        var path = SharedData.Require("videos/no_face.mp4");

        var bytes = File.ReadAllBytes(path);
        var file = AudioTestData.Scratch("cut.mp4");
        File.WriteAllBytes(file, bytes[..(bytes.Length / 3)]);
        try
        {
            var clip = AudioClip.Load(file);
            Assert.True(clip is null || clip.Duration.TotalSeconds < 3.97);
        }
        catch (AudioException e)
        {
            Assert.Equal(file, e.Source);
        }
    }

    [Property(MaxTest = 25)]
    public void Resampler_keeps_passband_tones_and_removes_what_would_alias(PositiveInt seed)
    {
        int[] rates = [48_000, 44_100, 22_050, 32_000, 24_000];
        var from = rates[seed.Get % rates.Length];
        var rng = new Random(seed.Get);
        var pass = 100 + (rng.NextDouble() * 5_900);             // the flat passband: up to 6 kHz
        var stop = 8_700 + (rng.NextDouble() * ((from / 2) - 9_000)); // above the new Nyquist
        var n = from; // one second
        var passTone = Enumerable.Range(0, n).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * pass * i / from))).ToArray();
        var stopTone = Enumerable.Range(0, n).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * stop * i / from))).ToArray();
        var passOut = Resampler.Resample(passTone, from, 16_000);
        var stopOut = Resampler.Resample(stopTone, from, 16_000);
        var inner = (Span<float> s) => s[800..^800].ToArray(); // away from the edges
        var passDb = 20 * Math.Log10(Rms(inner(passOut)) / (0.5 / Math.Sqrt(2)));
        var stopDb = 20 * Math.Log10(Rms(inner(stopOut)) / (0.5 / Math.Sqrt(2)));
        Assert.True(Math.Abs(passDb) < 0.1, string.Create(CultureInfo.InvariantCulture, $"{pass:F0} Hz from {from}: {passDb:F3} dB"));
        Assert.True(stopDb < -60, string.Create(CultureInfo.InvariantCulture, $"{stop:F0} Hz from {from}: {stopDb:F1} dB"));
    }

    [SharedDataFact(AudioTestData.EmoDbAngerPath)]
    public void Upsampling_8kHz_real_speech_preserves_it()
    {
        var path = AudioTestData.EmoDbAnger;

        var at16 = AudioClip.Load(path)!.Samples;
        var at8 = Resampler.Resample(at16, 16_000, 8_000);
        var back = Resampler.Resample(at8, 8_000, 16_000);
        Assert.InRange(back.Length, at16.Length - 1, at16.Length);
        at16 = at16[..back.Length];

        // Only the 0–3.7 kHz band survives the round trip.
        var residual = Rms(at16.Zip(back, (a, b) => a - b).ToArray()) / Rms(at16);
        Assert.InRange(residual, 0.01, 0.8); // something above 4 kHz was removed, most of the speech kept
    }

    internal static double Rms(float[] x) => Math.Sqrt(x.Sum(v => (double)v * v) / x.Length);
}
