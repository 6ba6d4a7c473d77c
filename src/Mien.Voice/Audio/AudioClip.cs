namespace Mien.Voice;

/// <summary>
/// A decoded audio track as mono float32 PCM in [−1, 1] at <see cref="SampleRate"/> (16 kHz unless asked otherwise),
/// with what the file had originally.
/// </summary>
public sealed class AudioClip
{
    /// <summary>The rate every analysis in Mien.Voice expects (Silero VAD runs at 16 kHz).</summary>
    public const int AnalysisRate = 16_000;

    /// <summary>Creates a clip over <paramref name="samples"/> (not copied).</summary>
    /// <param name="samples">Mono samples, nominally in [−1, 1].</param>
    /// <param name="sampleRate">Rate of <paramref name="samples"/> in Hz.</param>
    /// <param name="originalSampleRate">The file's rate in Hz.</param>
    /// <param name="originalChannels">The file's channel count (mixed down to mono by averaging).</param>
    /// <param name="start">Time of the first sample on the container's clock (0 for WAV; the audio stream's start for videos).</param>
    /// <param name="source">The file it came from, for messages.</param>
    public AudioClip(float[] samples, int sampleRate, int originalSampleRate, int originalChannels, TimeSpan start = default, string source = "")
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1000);
        ArgumentOutOfRangeException.ThrowIfLessThan(originalSampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(originalChannels, 1);
        Samples = samples;
        SampleRate = sampleRate;
        OriginalSampleRate = originalSampleRate;
        OriginalChannels = originalChannels;
        Start = start;
        Source = source;
    }

    /// <summary>Mono samples at <see cref="SampleRate"/>.</summary>
    public float[] Samples { get; }

    /// <summary>Sample rate of <see cref="Samples"/> in Hz.</summary>
    public int SampleRate { get; }

    /// <summary>The file's own sample rate in Hz.</summary>
    public int OriginalSampleRate { get; }

    /// <summary>The file's channel count.</summary>
    public int OriginalChannels { get; }

    /// <summary>Time of the first sample on the container's clock (aligns audio with video timestamps).</summary>
    public TimeSpan Start { get; }

    /// <summary>The file it came from.</summary>
    public string Source { get; }

    /// <summary>Duration of the decoded audio.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds(Samples.Length / (double)SampleRate);

    /// <summary>
    /// Decodes the audio of <paramref name="path"/> to mono at <paramref name="sampleRate"/>: WAV with Mien's own RIFF
    /// parser; anything else (the audio track of MP4/MOV/MKV/WebM videos, MP3, FLAC, Ogg, M4A …) with the FFmpeg 7.1
    /// that is built into OpenCvSharp's native runtime (nothing to install).
    /// </summary>
    /// <returns>The clip, or <see langword="null"/> when the file is a readable video without any audio track.</returns>
    /// <exception cref="AudioException">The file is missing, corrupt, truncated, unsupported or absurd.</exception>
    public static AudioClip? Load(string path, int sampleRate = AnalysisRate)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1000);
        var kind = Mien.Media.InputFile.KindOf(path);
        if (kind == Mien.Media.InputFileKind.Missing)
        {
            throw new AudioException(path, "no such file");
        }

        // A FIFO would block the open until a writer appears, a device would never end: refuse before opening.
        if (Mien.Media.InputFile.Problem(path) is { } problem)
        {
            throw new AudioException(path, problem);
        }

        if (new FileInfo(path).Length == 0)
        {
            throw new AudioException(path, "file is empty (0 bytes)");
        }

        DecodedAudio decoded;
        if (WavReader.LooksLikeWav(path))
        {
            decoded = WavReader.Read(path);
        }
        else
        {
            var ffmpeg = FfmpegAudioDecoder.Decode(path);
            if (ffmpeg is null)
            {
                return null;
            }

            decoded = ffmpeg;
        }

        // Before resampling, which would smear one NaN over 30 neighbours.
        var replaced = ReplaceNonFinite(decoded.Mono, path);
        var mono = decoded.SampleRate == sampleRate ? decoded.Mono : Resampler.Resample(decoded.Mono, decoded.SampleRate, sampleRate);
        return new AudioClip(mono, sampleRate, decoded.SampleRate, decoded.Channels, decoded.Start, path) { ReplacedSamples = replaced };
    }

    /// <summary>
    /// Largest share of NaN/infinite samples that is repaired (0.1 %): beyond it the data is not audio (random bytes
    /// read as floats, a wrong format) and is refused.
    /// </summary>
    public const double MaxNonFiniteShare = 0.001;

    /// <summary>
    /// Samples of the file that were NaN or infinite and were replaced by silence (0). Isolated glitches of this
    /// kind (a plug-in dividing by zero) are repaired rather than refused: they cost a few milliseconds of audio,
    /// while left in, one NaN poisons the voice-activity model's recurrent state for the rest of the file.
    /// </summary>
    public long ReplacedSamples { get; private init; }

    /// <summary>Replaces NaN/±∞ samples by 0 and returns how many there were; refuses the file beyond <see cref="MaxNonFiniteShare"/>.</summary>
    internal static long ReplaceNonFinite(float[] samples, string source)
    {
        if (System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(samples))
        {
            return 0;
        }

        long count = 0;
        var first = -1;
        for (var i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                first = first < 0 ? i : first;
                count++;
                samples[i] = 0;
            }
        }

        if (count > Math.Max(1, samples.Length * MaxNonFiniteShare))
        {
            throw new AudioException(source, $"{count} of {samples.Length} samples ({100.0 * count / samples.Length:0.##} %) are NaN or infinite, the first at sample {first}: this is not usable audio (a damaged float WAV, or data that is not audio).");
        }

        return count;
    }
}

/// <summary>A decoder's output before resampling: mono samples at the file's rate.</summary>
internal sealed record DecodedAudio(float[] Mono, int SampleRate, int Channels, TimeSpan Start);
