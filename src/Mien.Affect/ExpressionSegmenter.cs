using Mien.Results;

namespace Mien.Affect;

/// <summary>Settings of <see cref="ExpressionSegmenter"/>.</summary>
public sealed record SegmenterOptions
{
    /// <summary>A segment opens when the dominant class reaches this probability. Default 0.5.</summary>
    public float OpenThreshold { get; init; } = 0.5f;

    /// <summary>An open segment closes when its class falls below this probability (hysteresis) or another class opens. Default 0.35.</summary>
    public float CloseThreshold { get; init; } = 0.35f;

    /// <summary>Segments shorter than this are dropped as flicker. Default 400 ms.</summary>
    public TimeSpan MinDuration { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>A gap without frames longer than this closes the open segment at its last frame. Default 1 s.</summary>
    public TimeSpan MaxGap { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether neutral episodes are emitted as segments too. Default false.</summary>
    public bool IncludeNeutral { get; init; }

    /// <summary>How many AUs are listed per segment. Default 3.</summary>
    public int TopUnitCount { get; init; } = 3;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option, value and constraint when a setting is invalid.</summary>
    public void Validate()
    {
        if (!(OpenThreshold is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(OpenThreshold), OpenThreshold, $"{nameof(SegmenterOptions)}.{nameof(OpenThreshold)} must be within (0, 1]");
        }

        if (!(CloseThreshold >= 0 && CloseThreshold <= OpenThreshold))
        {
            throw new ArgumentOutOfRangeException(nameof(CloseThreshold), CloseThreshold, $"{nameof(SegmenterOptions)}.{nameof(CloseThreshold)} must be within [0, {nameof(OpenThreshold)} = {OpenThreshold}]");
        }

        if (MinDuration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MinDuration), MinDuration, $"{nameof(SegmenterOptions)}.{nameof(MinDuration)} must not be negative");
        }

        if (!(MaxGap > TimeSpan.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxGap), MaxGap, $"{nameof(SegmenterOptions)}.{nameof(MaxGap)} must be positive");
        }

        if (TopUnitCount is < 0 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(TopUnitCount), TopUnitCount, $"{nameof(SegmenterOptions)}.{nameof(TopUnitCount)} must be within [0, 16]");
        }
    }
}

/// <summary>
/// Cuts one track's filtered expression stream into segments (onset, apex, offset, peak, duration, mean
/// valence/arousal, the AUs that drove it), with hysteresis and a minimum duration so the segments are not flicker.
/// One instance per track; frames in time order.
/// </summary>
/// <remarks>
/// A segment of class L opens on the first frame where L is dominant with probability ≥ <see cref="SegmenterOptions.OpenThreshold"/>;
/// it stays open while L's probability is ≥ <see cref="SegmenterOptions.CloseThreshold"/> and no other class opens,
/// and closes at its last frame otherwise (or after a gap in the frames longer than <see cref="SegmenterOptions.MaxGap"/>).
/// Segments shorter than <see cref="SegmenterOptions.MinDuration"/> are dropped. The AUs that drove a segment are
/// ranked by their mean intensity in it minus the track's mean intensity over neutral-dominant frames so far, so
/// an AU the person always shows (a resting asymmetry, a mesh bias) does not get the credit. Both means use only
/// frames whose AUs are against the person's settled baseline (<see cref="ActionUnits.BaselineReady"/>); a segment
/// that ends before it settles gets no AUs (<see cref="ExpressionSegment.UnitsAttributed"/> false).
/// </remarks>
public sealed class ExpressionSegmenter
{
    private static readonly int NeutralIndex = IndexOf("neutral");
    private readonly SegmenterOptions _options;
    private readonly List<ExpressionSegment> _done = [];
    private readonly double[] _neutralAuSum = new double[16];
    private readonly double[] _segmentAuSum = new double[16];
    private long _neutralAuFrames;
    private int _segmentAuFrames;
    private int _segmentProvisionalFrames;
    private int _label = -1;
    private TimeSpan _onset;
    private TimeSpan _apex;
    private TimeSpan _lastTime;
    private TimeSpan? _previousFrame;
    private float _peak;
    private double _valenceSum;
    private double _arousalSum;
    private int _frames;

    /// <summary>Creates a segmenter.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid (the message names it).</exception>
    public ExpressionSegmenter(SegmenterOptions? options = null)
    {
        _options = options ?? new SegmenterOptions();
        _options.Validate();
    }

    /// <summary>Adds one frame.</summary>
    /// <param name="timestamp">Frame time (not decreasing).</param>
    /// <param name="expression">The temporal model's estimate for the frame.</param>
    /// <param name="units">Action units of the frame, when measured.</param>
    /// <param name="affect">Valence/arousal of the frame.</param>
    public void Update(TimeSpan timestamp, FilteredExpression expression, ActionUnits? units, ValenceArousal affect)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (_previousFrame is { } previous && timestamp - previous > _options.MaxGap)
        {
            Close();
        }

        _previousFrame = timestamp;
        var best = 0;
        for (var k = 1; k < expression.Probabilities.Count; k++)
        {
            if (expression.Probabilities[k] > expression.Probabilities[best])
            {
                best = k;
            }
        }

        // Only AUs against the person's settled baseline are compared: before it settles they are relative to a
        // population neutral, and a face's shape would get the credit for the expression.
        if (best == NeutralIndex && units is { BaselineReady: true })
        {
            Accumulate(_neutralAuSum, units);
            _neutralAuFrames++;
        }

        if (_label >= 0)
        {
            var stillOn = expression.Probabilities[_label] >= _options.CloseThreshold;
            var challenger = best != _label && expression.Probabilities[best] >= _options.OpenThreshold;
            if (!stillOn || challenger)
            {
                Close();
            }
        }

        if (_label < 0 && expression.Probabilities[best] >= _options.OpenThreshold)
        {
            _label = best;
            _onset = timestamp;
            _apex = timestamp;
            _peak = 0;
            _valenceSum = _arousalSum = 0;
            _frames = 0;
            _segmentAuFrames = 0;
            _segmentProvisionalFrames = 0;
            Array.Clear(_segmentAuSum);
        }

        if (_label >= 0)
        {
            var p = expression.Probabilities[_label];
            if (p > _peak)
            {
                _peak = p;
                _apex = timestamp;
            }

            _valenceSum += affect.Valence;
            _arousalSum += affect.Arousal;
            _frames++;
            _lastTime = timestamp;
            if (units is { BaselineReady: true })
            {
                Accumulate(_segmentAuSum, units);
                _segmentAuFrames++;
            }
            else if (units is not null)
            {
                _segmentProvisionalFrames++;
            }
        }
    }

    /// <summary>Closes the open segment (end of the track or stream); <paramref name="timestamp"/> is the time of the last frame seen.</summary>
    public void Complete(TimeSpan timestamp)
    {
        _ = timestamp; // the segment ends at its last frame, which is already known
        Close();
        _previousFrame = null;
    }

    /// <summary>Segments closed since the last call, oldest first.</summary>
    public IReadOnlyList<ExpressionSegment> Drain()
    {
        if (_done.Count == 0)
        {
            return [];
        }

        var result = _done.ToArray();
        _done.Clear();
        return result;
    }

    private void Close()
    {
        if (_label < 0)
        {
            return;
        }

        var label = _label;
        _label = -1;
        if (_lastTime - _onset < _options.MinDuration || (label == NeutralIndex && !_options.IncludeNeutral))
        {
            return;
        }

        _done.Add(new ExpressionSegment(
            ExpressionEstimate.Labels[label],
            _onset,
            _apex,
            _lastTime,
            _peak,
            (float)(_valenceSum / _frames),
            (float)(_arousalSum / _frames),
            TopUnits())
        {
            UnitsAttributed = _segmentAuFrames > 0 || _segmentProvisionalFrames == 0,
        });
    }

    private List<AuContribution> TopUnits()
    {
        var result = new List<AuContribution>();
        if (_segmentAuFrames == 0 || _options.TopUnitCount == 0)
        {
            return result;
        }

        Span<float> mean = stackalloc float[16];
        Span<float> above = stackalloc float[16];
        var total = 0f;
        for (var i = 0; i < 16; i++)
        {
            mean[i] = (float)(_segmentAuSum[i] / _segmentAuFrames);
            var neutral = _neutralAuFrames > 0 ? (float)(_neutralAuSum[i] / _neutralAuFrames) : 0f;
            above[i] = Math.Max(0, mean[i] - neutral);
            total += above[i];
        }

        for (var n = 0; n < _options.TopUnitCount && total > 0; n++)
        {
            var best = -1;
            for (var i = 0; i < 16; i++)
            {
                if (above[i] > 0.05f && (best < 0 || above[i] > above[best]))
                {
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            result.Add(new AuContribution(ActionUnits.Codes[best], mean[best], above[best], above[best] / total));
            above[best] = -1;
        }

        return result;
    }

    private static void Accumulate(double[] sums, ActionUnits units)
    {
        for (var i = 0; i < sums.Length && i < units.Intensities.Count; i++)
        {
            sums[i] += units.Intensities[i];
        }
    }

    private static int IndexOf(string label)
    {
        for (var i = 0; i < ExpressionEstimate.Labels.Count; i++)
        {
            if (ExpressionEstimate.Labels[i] == label)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"label '{label}' missing from {nameof(ExpressionEstimate)}.{nameof(ExpressionEstimate.Labels)}");
    }
}
