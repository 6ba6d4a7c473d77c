namespace Mien.Studies;

/// <summary>The stimulus player's state as the watch page reports it.</summary>
public enum PlaybackState
{
    /// <summary>Playing: the stimulus advances in real time.</summary>
    Playing,

    /// <summary>Paused by the viewer (or not started).</summary>
    Paused,

    /// <summary>Stalled waiting for data.</summary>
    Buffering,

    /// <summary>Seeking to another position.</summary>
    Seeking,

    /// <summary>Played to its end.</summary>
    Ended,
}

/// <summary>One playback report: at <paramref name="ClientTimeS"/> on the viewer's clock (the clock of the live frames' timestamps) the stimulus was at <paramref name="StimulusTimeS"/> in <paramref name="State"/>.</summary>
/// <param name="ClientTimeS">Viewer clock, seconds (same clock as the frame timestamps).</param>
/// <param name="StimulusTimeS">Stimulus position, seconds (the player's currentTime).</param>
/// <param name="State">Player state from this report on.</param>
/// <param name="Rate">Playback rate (1 = normal; the watch page does not let viewers change it).</param>
public readonly record struct PlaybackSample(double ClientTimeS, double StimulusTimeS, PlaybackState State, double Rate = 1);

/// <summary>Maps a time on the viewer's clock to stimulus seconds, or says that the stimulus was not playing then.</summary>
public interface IStimulusClock
{
    /// <summary>The stimulus time shown at <paramref name="viewerTimeS"/>; false when it was not playing (paused, buffering, seeking, ended, before start, or not known).</summary>
    bool TryMap(double viewerTimeS, out double stimulusTimeS);
}

/// <summary>
/// A recording made while the stimulus played, aligned by a fixed offset: stimulus time = recording time − offset
/// (an offset of 2.5 means the stimulus started 2.5 s into the recording). No pauses are known, so every frame
/// from the offset on counts.
/// </summary>
/// <param name="OffsetS">Recording time at which the stimulus started, seconds (may be negative when the recording started late).</param>
public sealed record OffsetClock(double OffsetS) : IStimulusClock
{
    /// <inheritdoc />
    public bool TryMap(double viewerTimeS, out double stimulusTimeS)
    {
        stimulusTimeS = viewerTimeS - OffsetS;
        return stimulusTimeS >= 0 && double.IsFinite(stimulusTimeS);
    }
}

/// <summary>
/// The playback log of one viewing: a frame counts only when the last report before it says <see cref="PlaybackState.Playing"/>
/// and is at most <see cref="StudyOptions.MaxPlaybackHoldS"/> old; its stimulus time is that report's position plus
/// the time since (times the rate). Pauses, buffering and seeks therefore drop the frames in between, and a seek
/// simply restarts the mapping from the new position.
/// </summary>
public sealed class PlaybackTimeline : IStimulusClock
{
    private readonly PlaybackSample[] _samples;
    private readonly double _hold;

    /// <summary>Builds the timeline from reports in client-time order.</summary>
    /// <exception cref="ArgumentException">A report goes back in client time, or has a non-finite or negative time, or a rate outside (0, 4].</exception>
    public PlaybackTimeline(IEnumerable<PlaybackSample> samples, double maxHoldS = 1.0)
    {
        ArgumentNullException.ThrowIfNull(samples);
        StudyOptions.Require(maxHoldS is > 0 and <= 10, "maxHoldS", maxHoldS, "in (0, 10] seconds");
        _samples = [.. samples];
        _hold = maxHoldS;
        for (var i = 0; i < _samples.Length; i++)
        {
            var s = _samples[i];
            if (!double.IsFinite(s.ClientTimeS) || !double.IsFinite(s.StimulusTimeS) || s.StimulusTimeS < 0 || s.ClientTimeS < 0)
            {
                throw new ArgumentException($"playback report {i}: client time {s.ClientTimeS} and stimulus time {s.StimulusTimeS} must be finite and ≥ 0", nameof(samples));
            }

            if (!(s.Rate is > 0 and <= 4))
            {
                throw new ArgumentException($"playback report {i}: rate {s.Rate} must be in (0, 4]", nameof(samples));
            }

            if (!Enum.IsDefined(s.State))
            {
                throw new ArgumentException($"playback report {i}: state {(int)s.State} is unknown", nameof(samples));
            }

            if (i > 0 && s.ClientTimeS < _samples[i - 1].ClientTimeS)
            {
                throw new ArgumentException($"playback report {i} at {s.ClientTimeS} s comes before report {i - 1} at {_samples[i - 1].ClientTimeS} s: reports must be in client-time order", nameof(samples));
            }
        }
    }

    /// <summary>The reports.</summary>
    public IReadOnlyList<PlaybackSample> Samples => _samples;

    /// <inheritdoc />
    public bool TryMap(double viewerTimeS, out double stimulusTimeS)
    {
        stimulusTimeS = double.NaN;
        // The last report at or before the frame (reports at equal times: the later one wins, e.g. "seeking" then "playing").
        int lo = 0, hi = _samples.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_samples[mid].ClientTimeS <= viewerTimeS)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        if (found < 0)
        {
            return false;
        }

        var s = _samples[found];
        var since = viewerTimeS - s.ClientTimeS;
        if (s.State != PlaybackState.Playing || since > _hold)
        {
            return false;
        }

        stimulusTimeS = s.StimulusTimeS + (since * s.Rate);
        return true;
    }
}
