using System.Globalization;
using FsCheck.Xunit;
using Mien.Testing;
using Xunit.Abstractions;

namespace Mien.Voice.Tests;

/// <summary>
/// The streaming voice path against the file path on the same audio: real speech pushed in chunks of many sizes must
/// give the file's segments, prosody and voice affect.
/// </summary>
public sealed class VoiceStreamTests(VoiceFixture fx, ITestOutputHelper output) : IClassFixture<VoiceFixture>
{
    private static readonly int[] ChunkMilliseconds = [10, 37, 1000];

    [SharedDataFact("audio/ravdess_dev")]
    public void Streaming_48kHz_ravdess_speech_in_chunks_of_10ms_37ms_and_1s_gives_the_file_paths_segments_prosody_and_affect()
    {
        // Several utterances of one actor with pauses between: several segments, a baseline that evolves, 48 → 16 kHz.
        var files = Directory.GetFiles(SharedData.Require("audio/ravdess_dev"), "*-03.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(5).ToArray();
        Assert.True(files.Length >= 3, "RAVDESS dev actor 03 has at least 3 utterances");
        var (path, samples, rate) = Concatenate(files, "ravdess-03.wav");
        AssertStreamMatchesFile(path, samples, rate, TimeSpan.Zero, minSegments: files.Length);
    }

    [SharedDataFact("audio/emodb_dev")]
    public void Streaming_16kHz_emodb_speech_in_chunks_gives_the_file_paths_segments_prosody_and_affect()
    {
        var files = Directory.GetFiles(SharedData.Require("audio/emodb_dev"), "03a0*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(5).ToArray();
        Assert.True(files.Length >= 3, "EmoDB dev speaker 03 has at least 3 utterances");
        var (path, samples, rate) = Concatenate(files, "emodb-03.wav");
        Assert.Equal(16_000, rate);
        AssertStreamMatchesFile(path, samples, rate, TimeSpan.Zero, minSegments: files.Length);
    }

    [Fact]
    public void Streaming_synthetic_speech_at_44_1kHz_gives_the_file_paths_segments_prosody_and_affect()
    {
        // Runs without the shared data: formant-synthesised syllables and words, 44.1 → 16 kHz.
        var samples = SyntheticSpeech.Generate(44_100, 12);
        var path = AudioTestData.Scratch("synthetic-44k.wav");
        File.WriteAllBytes(path, WavWriter.Write(samples, 44_100, 16, isFloat: false));
        AssertStreamMatchesFile(path, WavReader.Read(path).Mono, 44_100, TimeSpan.Zero, minSegments: 3);
    }

    [Property(MaxTest = 12)]
    public void Any_chunking_of_the_audio_gives_identical_segments_and_prosody(int[] sizes)
    {
        var (samples, rate, expected) = _speech.Value;
        var chunks = sizes.Length == 0 ? [rate / 10] : sizes.Select(s => 1 + (int)(Math.Abs((long)s) % (rate / 2))).ToArray();
        using var analyzer = fx.CreateAnalyzer();
        var got = Stream(analyzer, samples, rate, TimeSpan.Zero, chunks);
        Assert.Equal(expected.Count, got.Count);
        for (var i = 0; i < got.Count; i++)
        {
            Assert.Equal(expected[i].Segment, got[i].Segment);
            Assert.Equal(expected[i].Prosody.F0MeanHz, got[i].Prosody.F0MeanHz);
            Assert.Equal(expected[i].Prosody.LoudnessMeanDb, got[i].Prosody.LoudnessMeanDb);
            Assert.Equal(expected[i].Affect.Arousal, got[i].Affect.Arousal);
        }
    }

    [Fact]
    public void Streaming_resampler_gives_the_whole_clip_resampler_samples_exactly_for_every_chunking_and_rate()
    {
        var random = new Random(7);
        var noise = new float[44_100 + 123];
        for (var i = 0; i < noise.Length; i++)
        {
            noise[i] = (float)((random.NextDouble() * 2) - 1) * 0.5f;
        }

        foreach (var rate in new[] { 8_000, 11_025, 22_050, 44_100, 48_000 })
        {
            var whole = Resampler.Resample(noise, rate, 16_000);
            foreach (var chunk in new[] { 1, 37, 480, 4096, noise.Length })
            {
                var streaming = new StreamingResampler(rate, 16_000);
                var got = new List<float>();
                var scratch = new float[streaming.MaxOutput(chunk)];
                for (var at = 0; at < noise.Length; at += chunk)
                {
                    var n = streaming.Push(noise.AsSpan(at, Math.Min(chunk, noise.Length - at)), scratch);
                    got.AddRange(scratch.AsSpan(0, n).ToArray());
                }

                var tail = new float[streaming.MaxOutput(0)];
                got.AddRange(tail.AsSpan(0, streaming.Finish(tail)).ToArray());
                Assert.Equal(whole, got.ToArray());
            }
        }
    }

    [Fact]
    public void Bad_audio_is_refused_with_a_message_naming_the_value_and_limit_and_the_stream_goes_on()
    {
        using var analyzer = fx.CreateAnalyzer();
        foreach (var bad in new[] { 0, -16_000, 7_999, 44_101, 192_001, int.MaxValue })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => analyzer.CreateStream(bad));
            Assert.Contains(bad.ToString(CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        }

        var (samples, rate, expected) = _speech.Value;
        using var stream = analyzer.CreateStream(rate);
        var nan = Assert.Throws<ArgumentException>(() => stream.Push([0.1f, float.NaN]));
        Assert.Contains("NaN", nan.Message, StringComparison.Ordinal);
        Assert.Contains("Infinity", Assert.Throws<ArgumentException>(() => stream.Push([float.PositiveInfinity])).Message, StringComparison.Ordinal);
        Assert.Contains("±16", Assert.Throws<ArgumentException>(() => stream.Push([1e9f])).Message, StringComparison.Ordinal);
        var big = Assert.Throws<ArgumentException>(() => stream.Push(new float[(10 * rate) + 1]));
        Assert.Contains($"limit of {10 * rate} samples", big.Message, StringComparison.Ordinal);
        Assert.Contains("3 bytes", Assert.Throws<ArgumentException>(() => stream.PushPcm16(new byte[3])).Message, StringComparison.Ordinal);

        // Refused chunks left no trace: the audio that follows gives the file's result.
        var got = Feed(stream, samples, rate / 50);
        Assert.Equal(expected.Select(s => s.Segment), got.Select(s => s.Segment));
        Assert.Throws<ObjectDisposedException>(() => stream.Push([0f]));
        Assert.Empty(stream.Complete());
    }

    [Fact]
    public void A_long_stream_holds_bounded_audio_and_envelope()
    {
        // Three minutes of real speech (the sample video's audio over and over) with a short segment cap.
        var (samples, rate, _) = _speech.Value;
        using var analyzer = fx.CreateAnalyzer();
        var options = new VoiceStreamOptions { MaxSegment = TimeSpan.FromSeconds(2), EnvelopeWindow = TimeSpan.FromSeconds(5) };
        using var stream = analyzer.CreateStream(rate, options: options);
        var maxHeld = 0;
        var segments = new List<VoiceSegment>();
        var total = 0L;
        while (total < 180L * rate)
        {
            for (var at = 0; at < samples.Length; at += rate / 20)
            {
                segments.AddRange(stream.Push(samples.AsSpan(at, Math.Min(rate / 20, samples.Length - at))));
                maxHeld = Math.Max(maxHeld, stream.HeldSamples);
            }

            total += samples.Length;
        }

        segments.AddRange(stream.Complete());
        output.WriteLine($"{total / (double)rate:F0} s streamed, {segments.Count} segments, at most {maxHeld} samples held ({maxHeld / 16_000.0:F2} s), envelope {stream.Envelope().Rms.Count} values");
        Assert.True(segments.Count > 10);
        Assert.All(segments, s => Assert.True(s.Segment.Duration <= TimeSpan.FromSeconds(2.1), $"{s.Segment} is longer than the 2 s cap + padding"));
        Assert.True(maxHeld <= 4 * 16_000, $"held {maxHeld} samples");
        Assert.True(stream.Envelope().Rms.Count <= 500);
    }

    [Fact]
    public void A_gap_in_the_timestamps_is_filled_with_silence_and_the_clock_follows_the_timestamps()
    {
        var (samples, rate, expected) = _speech.Value;
        Assert.NotEmpty(expected);
        using var analyzer = fx.CreateAnalyzer();
        using var stream = analyzer.CreateStream(rate, TimeSpan.FromSeconds(5));
        var first = new List<VoiceSegment>(stream.Push(samples.AsSpan(0, rate), TimeSpan.FromSeconds(5)));
        var second = new List<VoiceSegment>(stream.Push(samples.AsSpan(0, rate), TimeSpan.FromSeconds(60)));
        Assert.Equal(TimeSpan.FromSeconds(61), stream.Clock);
        second.AddRange(stream.Complete());
        Assert.All(first.Concat(second), s => Assert.True(s.Segment.Start >= TimeSpan.FromSeconds(5)));
        Assert.Contains(second, s => s.Segment.Start >= TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Speech at its own rate and what the file path finds on it: EmoDB speaker 03 (16 kHz) when the shared data is
    /// here, otherwise synthetic speech at 22.05 kHz.
    /// </summary>
    private readonly Lazy<(float[] Samples, int Rate, IReadOnlyList<VoiceSegment> Expected)> _speech = new(() =>
    {
        float[] samples;
        int rate;
        if (SharedData.Find(AudioTestData.EmoDbDirPath) is { } dir)
        {
            samples = [.. Directory.GetFiles(dir, "03a0*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(4).SelectMany(f => WavReader.Read(f).Mono.Concat(new float[8000]))];
            rate = 16_000;
        }
        else
        {
            samples = SyntheticSpeech.Generate(22_050, 10);
            rate = 22_050;
        }

        var clip = new AudioClip(Resampler.Resample(samples, rate, 16_000), 16_000, rate, 1);
        using var analyzer = fx.CreateAnalyzer();
        return (samples, rate, analyzer.Analyze(clip).Segments);
    });

    private void AssertStreamMatchesFile(string path, float[] samples, int rate, TimeSpan start, int minSegments)
    {
        using var analyzer = fx.CreateAnalyzer();
        var file = analyzer.AnalyzeFile(path);
        Assert.True(file.Segments.Count >= minSegments, $"the file path finds {file.Segments.Count} segments, expected at least {minSegments}");
        foreach (var ms in ChunkMilliseconds)
        {
            var chunk = Math.Max(1, rate * ms / 1000);
            var stream = Stream(analyzer, samples, rate, start, [chunk]);
            var (edge, prosody, affect) = Compare(file.Segments, stream);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(path)} {rate} Hz, {ms} ms chunks: {stream.Count}/{file.Segments.Count} segments, max edge difference {edge.TotalMilliseconds:F3} ms, max prosody difference {prosody:G3}, max affect difference {affect:G3}"));
            Assert.True(edge <= TimeSpan.FromMilliseconds(32), $"segment edges differ by {edge.TotalMilliseconds} ms (limit: one 32 ms VAD window)");
            Assert.True(prosody <= 1e-4, $"prosody differs by {prosody}");
            Assert.True(affect <= 1e-4, $"affect differs by {affect}");
        }
    }

    private static List<VoiceSegment> Stream(VoiceAnalyzer analyzer, float[] samples, int rate, TimeSpan start, int[] chunks)
    {
        using var stream = analyzer.CreateStream(rate, start);
        var result = new List<VoiceSegment>();
        var at = 0;
        for (var k = 0; at < samples.Length; k++)
        {
            var n = Math.Min(chunks[k % chunks.Length], samples.Length - at);
            result.AddRange(stream.Push(samples.AsSpan(at, n)));
            at += n;
        }

        result.AddRange(stream.Complete());
        return result;
    }

    private static List<VoiceSegment> Feed(VoiceStream stream, float[] samples, int chunk)
    {
        var result = new List<VoiceSegment>();
        for (var at = 0; at < samples.Length; at += chunk)
        {
            result.AddRange(stream.Push(samples.AsSpan(at, Math.Min(chunk, samples.Length - at))));
        }

        result.AddRange(stream.Complete());
        return result;
    }

    /// <summary>Largest differences: segment edges; relative prosody over all finite measures (NaN must match NaN); affect.</summary>
    private static (TimeSpan Edge, double Prosody, double Affect) Compare(IReadOnlyList<VoiceSegment> file, IReadOnlyList<VoiceSegment> stream)
    {
        Assert.Equal(file.Count, stream.Count);
        var edge = TimeSpan.Zero;
        double prosody = 0, affect = 0;
        for (var i = 0; i < file.Count; i++)
        {
            var (a, b) = (file[i], stream[i]);
            edge = new[] { edge, (a.Segment.Start - b.Segment.Start).Duration(), (a.Segment.End - b.Segment.End).Duration() }.Max();
            float[] pa = [.. Measures(a.Prosody)], pb = [.. Measures(b.Prosody)];
            for (var k = 0; k < pa.Length; k++)
            {
                Assert.Equal(float.IsNaN(pa[k]), float.IsNaN(pb[k]));
                if (!float.IsNaN(pa[k]))
                {
                    prosody = Math.Max(prosody, Math.Abs(pa[k] - pb[k]) / Math.Max(1, Math.Abs(pa[k])));
                }
            }

            affect = new[] { affect, Math.Abs(a.Affect.Arousal - b.Affect.Arousal), Math.Abs(a.Affect.Valence - b.Affect.Valence), Math.Abs(a.Affect.Confidence - b.Affect.Confidence) }.Max();
            Assert.Equal(a.Affect.Baseline, b.Affect.Baseline);
        }

        return (edge, prosody, affect);
    }

    private static IEnumerable<float> Measures(Prosody p) =>
        new[] { p.VoicedFraction, p.F0MeanHz, p.F0SdSemitones, p.F0RangeSemitones, p.LoudnessMeanDb, p.LoudnessSdDb, p.SpeakingRate, p.JitterPercent, p.ShimmerPercent, p.ShimmerDb, p.HnrDb, p.AlphaRatioDb, p.SpectralSlopeDbPerOctave }
            .Concat(p.MfccMean).Concat(p.MfccSd);

    /// <summary>Concatenates WAVs (same rate) with 0.8 s pauses into one 16-bit WAV in scratch; returns it and its samples as the WAV reader reads them.</summary>
    private static (string Path, float[] Samples, int Rate) Concatenate(string[] files, string name)
    {
        var parts = files.Select(f => WavReader.Read(f)).ToList();
        var rate = parts[0].SampleRate;
        Assert.All(parts, p => Assert.Equal(rate, p.SampleRate));
        var pause = new float[(int)(0.8 * rate)];
        var all = parts.SelectMany(p => p.Mono.Concat(pause)).ToArray();
        var path = AudioTestData.Scratch(name);
        File.WriteAllBytes(path, WavWriter.Write(all, rate, 16, isFloat: false));
        return (path, WavReader.Read(path).Mono, rate);
    }
}
