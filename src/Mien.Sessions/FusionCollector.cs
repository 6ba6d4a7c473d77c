using Mien.Affect;
using Mien.Results;

namespace Mien.Sessions;

/// <summary>
/// Gathers, per person, the face's per-frame valence/arousal and expression, the body's per-frame arousal and the
/// voice's per-utterance estimates, and fuses them over fixed windows once the recording is done (voice is
/// analysed from the whole audio track, so fusion waits for it).
/// </summary>
internal sealed class FusionCollector(TimeSpan window)
{
    private readonly Dictionary<int, AffectWindows> _tracks = [];
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
