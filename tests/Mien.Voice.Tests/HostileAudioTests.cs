using System.Runtime.InteropServices;
using Mien.Testing;

namespace Mien.Voice.Tests;

/// <summary>Audio input a hostile but fair user hands Mien (issue 14): non-finite float samples, FIFOs and devices.</summary>
public sealed partial class HostileAudioTests(VoiceFixture fx) : IClassFixture<VoiceFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-hostile-audio-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);

    [SharedDataFact(AudioTestData.EmoDbAngerPath)]
    public void A_few_nan_and_infinite_samples_in_a_float_wav_are_replaced_and_speech_is_still_found()
    {
        var speechPath = AudioTestData.EmoDbAnger;

        var speech = AudioClip.Load(speechPath)!.Samples;
        var damaged = (float[])speech.Clone();
        var glitches = new[] { 100, speech.Length / 3, speech.Length / 2, (2 * speech.Length) / 3, speech.Length - 5 };
        damaged[glitches[0]] = float.NaN;
        damaged[glitches[1]] = float.PositiveInfinity;
        damaged[glitches[2]] = float.NaN;
        damaged[glitches[3]] = float.NegativeInfinity;
        damaged[glitches[4]] = float.NaN;
        var path = Path.Combine(_dir, "glitches.wav");
        File.WriteAllBytes(path, WavWriter.Write(damaged, 16_000, 32, isFloat: true));

        var clip = AudioClip.Load(path)!;
        using var vad = VoiceActivityDetector.Load(fx.VadPath);
        var clean = vad.Detect(new AudioClip(speech, 16_000, 16_000, 1));
        var repaired = vad.Detect(clip);

        Assert.Equal(glitches.Length, clip.ReplacedSamples);
        Assert.True(System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(clip.Samples));
        Assert.NotEmpty(repaired);
        // Five silent samples out of tens of thousands change nothing a person would notice.
        Assert.InRange(repaired.Sum(s => s.Duration.TotalSeconds), 0.8 * clean.Sum(s => s.Duration.TotalSeconds), 1.2 * clean.Sum(s => s.Duration.TotalSeconds));
    }

    [Fact]
    public void Mostly_non_finite_float_wav_is_refused_with_the_count()
    {
        var samples = new float[16_000];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = i % 3 == 0 ? float.NaN : 0.1f * MathF.Sin(i * 0.05f);
        }

        var path = Path.Combine(_dir, "garbage.wav");
        File.WriteAllBytes(path, WavWriter.Write(samples, 16_000, 32, isFloat: true));

        var e = Assert.Throws<AudioException>(() => AudioClip.Load(path));
        Assert.Contains("5334 of 16000 samples", e.Message, StringComparison.Ordinal);
        Assert.Contains("NaN or infinite", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fifo_is_refused_without_blocking()
    {
        var fifo = Path.Combine(_dir, "voice.wav");
        Assert.Equal(0, MakeFifo(fifo, Convert.ToUInt32("644", 8)));

        var e = await Task.Run(() => Assert.Throws<AudioException>(() => AudioClip.Load(fifo))).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("named pipe", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wav_named_link_to_dev_zero_is_refused_as_a_device()
    {
        var link = Path.Combine(_dir, "zero.wav");
        File.CreateSymbolicLink(link, "/dev/zero");

        var e = await Task.Run(() => Assert.Throws<AudioException>(() => AudioClip.Load(link))).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("character device", e.Message, StringComparison.Ordinal);
    }
}
