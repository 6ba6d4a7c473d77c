using Mien.Affect;
using Mien.Results;

namespace Mien.Sessions;

/// <summary>
/// Gathers, per person, the face's per-frame valence/arousal and expression, the body's per-frame arousal, the pulse
/// rate as an arousal cue (only windows of high signal quality; <see cref="PulseArousalCue"/>) and the voice's
/// per-utterance estimates, and fuses them over fixed windows once the recording is done (voice is analysed from the
/// whole audio track, so fusion waits for it).
/// </summary>
/// <param name="window">Fusion window length.</param>
/// <param name="pulse">The pulse cue's options (null: the defaults).</param>
internal sealed class FusionCollector(TimeSpan window, PulseArousalOptions? pulse = null)
{
    private readonly Dictionary<int, AffectWindows> _tracks = [];
    private readonly Dictionary<int, PulseArousalCue> _pulse = [];
    private readonly PulseArousalOptions _pulseOptions = Validated(pulse ?? new PulseArousalOptions());
    private TimeSpan? _flushedTo;

    public void Observe(FrameAnalysis analysis)
    {
        foreach (var face in analysis.Faces)
        {
            if (face.Affect?.Affect is { } va)
            {
                Windows(face.TrackId).Add(analysis.Timestamp, new ModalityEstimate(AffectSource.Face, va, face.Affect.Expression?.Probabilities));
            }

            if (face.Body?.Affect is { } body)
            {
                // The body speaks to arousal only: NaN valence keeps it out of fused valence.
                Windows(face.TrackId).Add(analysis.Timestamp, new ModalityEstimate(AffectSource.Body, new ValenceArousal(float.NaN, body.Arousal, body.Confidence), null));
            }

            if (face.Physiology?.HeartRate is { } heartRate)
            {
                if (!_pulse.TryGetValue(face.TrackId, out var cue))
                {
                    cue = new PulseArousalCue(_pulseOptions);
                    _pulse[face.TrackId] = cue;
                }

                // The estimate covers the last pulse window (e.g. 10 s) but is new once a step: count it at this frame.
                if (cue.Observe(heartRate) is { } estimate)
                {
                    Windows(face.TrackId).Add(analysis.Timestamp, estimate);
                }
            }
        }
    }

    /// <summary>
    /// Adds a voice estimate for speech attributed to <paramref name="trackId"/>. Speech that arrives after windows
    /// were flushed (live voice) counts only for the part not flushed yet: a fused window is never emitted twice.
    /// </summary>
    public void AddVoice(int trackId, TimeSpan start, TimeSpan end, ValenceArousal affect)
    {
        if (_flushedTo is { } flushed)
        {
            if (end <= flushed)
            {
                return;
            }

            start = start < flushed ? flushed : start;
        }

        Windows(trackId).Add(start, end, new ModalityEstimate(AffectSource.Voice, affect, null));
    }

    /// <summary>Adds the text (transcript sentiment) cue of an utterance attributed to <paramref name="trackId"/> (recordings, before <see cref="Complete"/>).</summary>
    public void AddText(int trackId, TimeSpan start, TimeSpan end, ModalityEstimate estimate) => Windows(trackId).Add(start, end, estimate);

    /// <summary>
    /// Fuses the windows that ended before <paramref name="now"/>. Used when no voice will arrive later (live sources,
    /// voice off), so memory stays bounded however long the stream runs.
    /// </summary>
    public IReadOnlyList<TrackFusedAffect> FlushReady(TimeSpan now)
    {
        _flushedTo = _flushedTo is { } before && before > now ? before : now;
        var result = new List<TrackFusedAffect>();
        foreach (var (id, windows) in _tracks)
        {
            foreach (var fused in windows.Flush(now))
            {
                result.Add(new TrackFusedAffect(id, fused));
            }
        }

        return result;
    }

    /// <summary>Fuses every remaining window of every person up to <paramref name="end"/>.</summary>
    public IReadOnlyList<TrackFusedAffect> Complete(TimeSpan end)
    {
        var result = new List<TrackFusedAffect>();
        foreach (var (id, windows) in _tracks.OrderBy(t => t.Key))
        {
            foreach (var fused in windows.Flush(end, final: true))
            {
                result.Add(new TrackFusedAffect(id, fused));
            }
        }

        return result;
    }

    private static PulseArousalOptions Validated(PulseArousalOptions options)
    {
        options.Validate();
        return options;
    }

    private AffectWindows Windows(int trackId)
    {
        if (!_tracks.TryGetValue(trackId, out var windows))
        {
            windows = new AffectWindows(window);
            _tracks[trackId] = windows;
        }

        return windows;
    }
}
