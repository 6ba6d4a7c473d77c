using Mien.Results;

namespace Mien.Physiology.Gestures;

/// <summary>
/// Nods and shakes from the head-pose trajectory: each axis is cut into swings between turning points (a zig-zag
/// detector with a hysteresis of the least swing, so jitter never makes a turning point), and a chain of quick,
/// contiguous swings on one axis while the other stays comparatively still is a gesture. Streaming, driven by
/// timestamps; a gesture is reported at the frame where its chain ends.
/// </summary>
public sealed class HeadGestureDetector
{
    private readonly HeadGestureOptions _options;
    private readonly Axis _pitch;
    private readonly Axis _yaw;

    // Recent poses for the other axis' range during a gesture (a few seconds).
    private readonly (double T, float Yaw, float Pitch)[] _history = new (double, float, float)[512];
    private int _historyHead;
    private int _historyCount;

    /// <summary>Creates a detector for one person.</summary>
    public HeadGestureDetector(HeadGestureOptions? options = null)
    {
        _options = options ?? new HeadGestureOptions();
        _options.Validate();
        _pitch = new Axis(_options.MinNodSwing, _options);
        _yaw = new Axis(_options.MinShakeSwing, _options);
    }

    /// <summary>Adds one pose; returns gestures that ended with it (usually none).</summary>
    public IReadOnlyList<HeadGesture> Update(TimeSpan now, HeadPose pose)
    {
        var t = now.TotalSeconds;
        if (!float.IsFinite(pose.Yaw) || !float.IsFinite(pose.Pitch))
        {
            return [];
        }

        if (_historyCount > 0 && t <= _history[(_historyHead + _historyCount - 1) % _history.Length].T)
        {
            return [];
        }

        if (_historyCount == _history.Length)
        {
            _historyHead = (_historyHead + 1) % _history.Length;
            _historyCount--;
        }

        _history[(_historyHead + _historyCount) % _history.Length] = (t, pose.Yaw, pose.Pitch);
        _historyCount++;

        List<HeadGesture>? ended = null;
        if (_pitch.Update(t, pose.Pitch) is { } nod && Qualifies(nod, _options.NodSwings, pitchIsMain: true))
        {
            (ended ??= []).Add(new HeadGesture(HeadGestureKind.Nod, TimeSpan.FromSeconds(nod.Start), TimeSpan.FromSeconds(nod.End), nod.Swings, nod.MedianAmplitude));
        }

        if (_yaw.Update(t, pose.Yaw) is { } shake && Qualifies(shake, _options.ShakeSwings, pitchIsMain: false))
        {
            (ended ??= []).Add(new HeadGesture(HeadGestureKind.Shake, TimeSpan.FromSeconds(shake.Start), TimeSpan.FromSeconds(shake.End), shake.Swings, shake.MedianAmplitude));
        }

        return ended ?? (IReadOnlyList<HeadGesture>)[];
    }

    private bool Qualifies(Chain chain, int swings, bool pitchIsMain)
    {
        if (chain.Swings < swings)
        {
            return false;
        }

        float min = float.MaxValue, max = float.MinValue;
        for (var i = 0; i < _historyCount; i++)
        {
            var (t, yaw, pitch) = _history[(_historyHead + i) % _history.Length];
            if (t >= chain.Start && t <= chain.End)
            {
                var other = pitchIsMain ? yaw : pitch;
                min = Math.Min(min, other);
                max = Math.Max(max, other);
            }
        }

        return max < min || max - min <= _options.Dominance * chain.MedianAmplitude;
    }

    /// <summary>A finished chain of contiguous quick swings on one axis.</summary>
    private readonly record struct Chain(double Start, double End, int Swings, float MedianAmplitude);

    /// <summary>Zig-zag turning points of one angle and the chain of quick swings between them.</summary>
    private sealed class Axis(float minSwing, HeadGestureOptions options)
    {
        private int _direction;          // +1 rising, −1 falling, 0 not yet moving
        private double _extremeT;        // candidate turning point
        private float _extremeV;
        private double _lastT;           // last confirmed turning point
        private float _lastV;
        private float _low;
        private float _high;
        private double _lowT;
        private double _highT;
        private bool _started;
        private double _resetT;
        private readonly List<float> _amplitudes = [];
        private double _chainStart;

        public Chain? Update(double t, float v)
        {
            if (!_started)
            {
                (_started, _low, _high, _lowT, _highT, _direction, _resetT) = (true, v, v, t, t, 0, t);
                return null;
            }

            Chain? ended = null;
            if (_direction == 0)
            {
                if (v < _low)
                {
                    _low = v;
                }

                if (v > _high)
                {
                    _high = v;
                }

                // The movement starts where the angle last sat near its extreme (within a quarter swing), not at an old
                // jitter peak, so a still head followed by a quick nod gives a quick first swing.
                if (v >= _high - (0.25f * minSwing))
                {
                    _highT = t;
                }

                if (v <= _low + (0.25f * minSwing))
                {
                    _lowT = t;
                }

                if (_high - v >= minSwing)
                {
                    // Moving down from a high: the high is the first turning point.
                    (_lastT, _lastV, _direction, _extremeT, _extremeV) = (_highT, _high, -1, t, v);
                }
                else if (v - _low >= minSwing)
                {
                    (_lastT, _lastV, _direction, _extremeT, _extremeV) = (_lowT, _low, 1, t, v);
                }
                else if (t - _resetT > options.MaxSwing.TotalSeconds)
                {
                    // Forget old extremes so slow drift never adds up to a swing.
                    (_low, _high, _lowT, _highT, _resetT) = (v, v, t, t, t);
                }

                return null;
            }

            if ((_direction > 0 && v > _extremeV) || (_direction < 0 && v < _extremeV))
            {
                (_extremeT, _extremeV) = (t, v);
            }
            else if (Math.Abs(_extremeV - v) >= minSwing)
            {
                ended = Swing(_extremeT, _extremeV);
                _direction = -_direction;
                (_extremeT, _extremeV) = (t, v);
            }

            if (t - _extremeT >= options.Settle.TotalSeconds && _direction != 0)
            {
                // Movement stopped at the candidate: it is the last turning point of the chain.
                var last = Swing(_extremeT, _extremeV);
                ended ??= last;
                ended ??= Flush();
                (_direction, _low, _high, _lowT, _highT, _resetT) = (0, v, v, t, t, t);
            }

            return ended;
        }

        /// <summary>Closes the swing from the last turning point to (t, v); returns a chain that this swing ended.</summary>
        private Chain? Swing(double t, float v)
        {
            var duration = t - _lastT;
            var amplitude = Math.Abs(v - _lastV);
            Chain? ended = null;
            if (duration >= options.MinSwing.TotalSeconds && duration <= options.MaxSwing.TotalSeconds && amplitude >= minSwing)
            {
                if (_amplitudes.Count == 0)
                {
                    _chainStart = _lastT;
                }

                _amplitudes.Add(amplitude);
            }
            else
            {
                ended = Flush();
            }

            (_lastT, _lastV) = (t, v);
            _chainEnd = t;
            return ended;
        }

        private double _chainEnd;

        private Chain? Flush()
        {
            if (_amplitudes.Count == 0)
            {
                return null;
            }

            _amplitudes.Sort();
            var chain = new Chain(_chainStart, _chainEnd, _amplitudes.Count, _amplitudes[_amplitudes.Count / 2]);
            _amplitudes.Clear();
            return chain;
        }
    }
}
