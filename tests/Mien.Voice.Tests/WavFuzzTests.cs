using FsCheck;
using FsCheck.Fluent;
using Mien.Corpus;

namespace Mien.Voice.Tests;

/// <summary>
/// Byte-level fuzzing of Mien's own RIFF/WAVE parser (FsCheck picks the mutation seeds; a failure reports its seed).
/// CI runs a few thousand mutations in about a second; MIEN_FUZZ_ITERATIONS=1000000 runs a long campaign.
/// </summary>
public sealed class WavFuzzTests
{
    private static byte[] Seed(int bits, bool isFloat, int channels, bool extensible)
    {
        var samples = new float[800];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = 0.4f * MathF.Sin(i * 0.07f);
        }

        return WavWriter.Write(samples, 16_000, bits, isFloat, channels, extensible);
    }

    [Theory]
    [InlineData(16, false, 1, false)]
    [InlineData(24, false, 2, false)]
    [InlineData(32, true, 1, false)]
    [InlineData(32, true, 2, true)]
    [InlineData(8, false, 1, true)]
    public void Mutated_wav_parses_or_gets_an_audio_exception(int bits, bool isFloat, int channels, bool extensible)
    {
        var seed = Seed(bits, isFloat, channels, extensible);
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), s =>
        {
            var bytes = ByteMutator.Mutate(seed, s);
            try
            {
                var decoded = WavReader.Parse(bytes, $"seed {s}");
                return decoded.Mono.Length > 0 && decoded.SampleRate is >= 1000 and <= 768_000;
            }
            catch (AudioException e)
            {
                return e.Message.StartsWith($"seed {s}: ", StringComparison.Ordinal);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(ByteMutator.Iterations(1000)));
    }

    /// <summary>Seeds that crashed the parser before the chunk walk used 64-bit offsets (ArgumentOutOfRangeException).</summary>
    [Theory]
    [InlineData(593859334)]
    [InlineData(369010679)]
    [InlineData(1573867055)]
    [InlineData(41908531)]
    public void Fuzz_finds_stay_fixed(int seed)
    {
        foreach (var (bits, isFloat, channels, extensible) in new[] { (16, false, 1, false), (24, false, 2, false), (32, true, 1, false), (32, true, 2, true), (8, false, 1, true) })
        {
            var bytes = ByteMutator.Mutate(Seed(bits, isFloat, channels, extensible), seed);
            try
            {
                Assert.NotEmpty(WavReader.Parse(bytes, "found").Mono);
            }
            catch (AudioException)
            {
            }
        }
    }

    [Fact]
    public void Chunk_size_near_four_gigabytes_ends_the_walk_instead_of_wrapping()
    {
        var wav = Seed(16, false, 1, false);
        var bytes = wav[..12].Concat("JUNK"u8.ToArray()).Concat(new byte[] { 0xFE, 0xFF, 0xFF, 0xFF }).Concat(wav[12..]).ToArray();
        var e = Assert.Throws<AudioException>(() => WavReader.Parse(bytes, "huge-chunk.wav"));
        Assert.Contains("no 'fmt ' chunk", e.Message, StringComparison.Ordinal);
    }
}
