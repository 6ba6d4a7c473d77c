namespace Mien.Voice;

/// <summary>
/// Silero's hysteresis rules (reference <c>get_speech_timestamps</c>) applied one window probability at a time: the
/// file path feeds it all probabilities then <see cref="Finish"/>, the streaming path feeds it as audio arrives, so
/// both follow one set of rules. A segment is released once its padded bounds can no longer change: its padding is
/// split with the next segment's, so it waits until that segment exists or is too far away to matter.
/// </summary>
internal sealed class VadSegmenter
{
    private const int Window = VoiceActivityDetector.Window;

    private readonly float _threshold;
    private readonly float _endThreshold;
    private readonly long _minSpeech;
    private readonly long _minSilence;
    private readonly long _pad;
    private readonly long _maxSpeech;
    private long _windows;
    private bool _triggered;
    private long _segStart;
    private long _tempEnd = -1;
    private (long Start, long End)? _pending;
    private long _previousEnd = -1;

    /// <param name="options">The rules.</param>
    /// <param name="maxSpeech">Longest segment before it is cut (a live stream must not hold unbounded audio); null: never cut, as in the file path.</param>
    public VadSegmenter(VadOptions options, TimeSpan? maxSpeech)
    {
        const double rate = AudioClip.AnalysisRate;
        _threshold = options.Threshold;
        _endThreshold = options.EndThreshold;
        _minSpeech = (int)(options.MinSpeech.TotalSeconds * rate);
        _minSilence = (int)(options.MinSilence.TotalSeconds * rate);
        _pad = (int)(options.Padding.TotalSeconds * rate);
        _maxSpeech = maxSpeech is { } max ? Math.Max(Window, (long)(max.TotalSeconds * rate)) : long.MaxValue;
    }

    /// <summary>Start of the next window, samples.</summary>
    public long Position => _windows * Window;

    /// <summary>
    /// The first sample any segment not yet released can still cover (its padded start): audio before it is no
    /// longer needed, and no speech can be reported before it any more.
    /// </summary>
    public long Settled
    {
        get
        {
            var open = _triggered ? _segStart : Position;
            var first = _pending is { } p ? Math.Min(p.Start, open) : open;
            return Math.Max(0, first - _pad);
        }
    }

    /// <summary>Takes the probability of the next window; appends segments (padded, in samples) that are final.</summary>
    /// <param name="p">The window's speech probability.</param>
    /// <param name="output">Receives released segments.</param>
    /// <param name="partial">The window was the audio's zero-padded last one: <see cref="Finish"/> follows and clamps the padding to the real end.</param>
    public void Push(float p, List<(long Start, long End)> output, bool partial = false)
    {
        var at = _windows * Window;
        _windows++;
        if (p >= _threshold && _tempEnd >= 0)
        {
            _tempEnd = -1;
        }

        if (p >= _threshold && !_triggered)
        {
            _triggered = true;
            _segStart = at;
        }
        else if (_triggered && p < _endThreshold)
        {
            if (_tempEnd < 0)
            {
                _tempEnd = at;
            }

            if (at + Window - _tempEnd >= _minSilence)
            {
                if (_tempEnd - _segStart >= _minSpeech)
                {
                    Add(_segStart, _tempEnd, output);
                }

                _triggered = false;
                _tempEnd = -1;
            }
        }

        if (_triggered && at + Window - _segStart >= _maxSpeech)
        {
            // A live stream cannot hold an endless monologue: cut it here and go on with a new segment.
            Add(_segStart, at + Window, output);
            _segStart = at + Window;
            _tempEnd = -1;
        }

        // The next segment cannot start before the open one (or the next window): once that is two paddings past
        // the pending segment's end, the split of the gap cannot trim its padding any more.
        if (!partial && _pending is { } pending && (_triggered ? _segStart : Position) >= pending.End + (2 * _pad))
        {
            Release(pending, null, long.MaxValue, output);
        }
    }

    /// <summary>The audio ended after <paramref name="sampleCount"/> samples: closes and releases what is left.</summary>
    public void Finish(long sampleCount, List<(long Start, long End)> output)
    {
        if (_triggered && sampleCount - _segStart >= _minSpeech)
        {
            Add(_segStart, sampleCount, output);
        }

        _triggered = false;
        _tempEnd = -1;
        if (_pending is { } pending)
        {
            Release(pending, null, sampleCount, output);
        }
    }

    private void Add(long start, long end, List<(long Start, long End)> output)
    {
        if (_pending is { } pending)
        {
            Release(pending, start, long.MaxValue, output);
        }

        _pending = (start, end);
    }

    private void Release((long Start, long End) raw, long? nextStart, long sampleCount, List<(long Start, long End)> output)
    {
        var lo = Math.Max(0, raw.Start - _pad);
        var hi = Math.Min(sampleCount, raw.End + _pad);
        if (_previousEnd >= 0)
        {
            // Padding never overlaps the previous segment: split the gap.
            lo = Math.Max(lo, (_previousEnd + raw.Start) / 2);
        }

        if (nextStart is { } next)
        {
            hi = Math.Min(hi, (raw.End + next) / 2);
        }

        output.Add((lo, hi));
        _previousEnd = raw.End;
        _pending = null;
    }
}
