using System.Globalization;
using Mien.Results;

namespace Mien.Physiology.Driver;

/// <summary>An event the driver profile found.</summary>
/// <param name="Kind">"long-closure", "yawn" or "nod".</param>
/// <param name="Start">When it started.</param>
/// <param name="End">When it ended.</param>
internal readonly record struct DriverEvent(string Kind, TimeSpan Start, TimeSpan End);

/// <summary>
/// Driver / operator indicators of one person from eye openness, mouth opening, head pitch and gaze, with alert levels
/// that rise at once and fall only after <see cref="DriverOptions.Hold"/>. Estimates of what the face shows; the
/// thresholds are literature defaults, not validated on driving data here (docs/physiology.md).
/// </summary>
public sealed class DriverMonitor
{
    /// <summary>Longest stretch without an eye reading (seconds) that a closure or blink is carried across.</summary>
    private const double MaxUnseenBridge = 0.5;

    private readonly DriverOptions _o;
    private readonly Queue<(double T, double Dt, bool Closed, bool Seen)> _frames = new();
    private readonly Queue<DriverEvent> _events = new();
    private readonly Queue<(double End, double Duration)> _blinks = new();
    private double _closedTime;
    private double _seen;
    private double? _last;
    private double? _closedSince;
    private double? _halfClosedSince;
    private double? _unseenSince;
    private double? _yawnSince;
    private double _yawnPeak;
    private double? _dropSince;
    private double _pitchBaseline = double.NaN;
    private double? _awaySince;
    private readonly List<(float Yaw, float Pitch)> _centreSamples = [];
    private (float Yaw, float Pitch)? _centre;
    private double? _firstLook;
    private double _sumYaw;
    private double _sumPitch;
    private AlertLevel _level;
    private double _lowerSince = double.NaN;
    private IReadOnlyList<string> _causes = [];

    /// <summary>Creates a monitor for one person.</summary>
    public DriverMonitor(DriverOptions? options = null)
    {
        _o = options ?? new DriverOptions();
        _o.Validate();
        _centre = _o.AttentionCentre;
    }

    /// <summary>Events found so far that are still inside the rolling window (for tests and summaries).</summary>
    internal IReadOnlyCollection<DriverEvent> Events => _events;

    /// <summary>Updates with one frame; returns the indicators at this frame.</summary>
    public DriverState Update(TimeSpan now, EyeState? eyes, float? mouthOpening, HeadPose? pose, Gaze? gaze)
    {
        var t = now.TotalSeconds;
        var dt = _last is { } l && t > l ? Math.Min(t - l, 0.5) : 0;
        _last = t;
        var window = _o.Window.TotalSeconds;

        // Eye closure: time share at or below the closed threshold (PERCLOS), closure runs, blink durations at half closure.
        // A frame whose eyes cannot be measured (eyes == null: no mesh eyes, or covered by dark lenses, see FaceOcclusion)
        // counts neither as open nor as shut: counting it as open would under-state PERCLOS without saying so. It neither
        // starts nor ends a closure or a blink; only a long unseen stretch drops one in progress (below).
        var openness = eyes?.Openness;
        var seen = openness is not null;
        var closed = openness is { } o && o <= _o.ClosedOpenness;
        _frames.Enqueue((t, dt, closed, seen));
        _seen += seen ? dt : 0;
        _closedTime += closed ? dt : 0;
        while (_frames.Count > 0 && _frames.Peek().T < t - window)
        {
            var old = _frames.Dequeue();
            _seen -= old.Seen ? old.Dt : 0;
            _closedTime -= old.Closed ? old.Dt : 0;
        }

        // A short stretch without an eye reading (the occlusion estimator flickering on tinted lenses) is bridged; a longer
        // one drops a closure or blink in progress: how long the eyes stayed shut behind it is unknown.
        _unseenSince = seen ? null : _unseenSince ?? t;
        if (_unseenSince is { } unseen && t - unseen > MaxUnseenBridge)
        {
            (_closedSince, _halfClosedSince) = (null, null);
        }

        if (seen && closed)
        {
            _closedSince ??= t;
        }
        else if (seen && _closedSince is { } since)
        {
            if (t - since >= _o.LongClosure.TotalSeconds)
            {
                _events.Enqueue(new DriverEvent("long-closure", TimeSpan.FromSeconds(since), now));
            }

            _closedSince = null;
        }

        var halfClosed = openness is { } h && h < _o.BlinkOpenness;
        if (seen && halfClosed)
        {
            _halfClosedSince ??= t;
        }
        else if (seen && _halfClosedSince is { } hs)
        {
            if (t - hs < _o.LongClosure.TotalSeconds)
            {
                _blinks.Enqueue((t, t - hs));
            }

            _halfClosedSince = null;
        }

        // Yawn: the mouth wide open for longer than any syllable.
        if (mouthOpening is { } m && m >= 0.8 * _o.YawnOpening)
        {
            _yawnSince ??= t;
            _yawnPeak = Math.Max(_yawnPeak, m);
        }
        else
        {
            if (_yawnSince is { } ys && t - ys >= _o.YawnDuration.TotalSeconds && _yawnPeak >= _o.YawnOpening)
            {
                _events.Enqueue(new DriverEvent("yawn", TimeSpan.FromSeconds(ys), now));
            }

            _yawnSince = null;
            _yawnPeak = 0;
        }

        // Drowsy nod: pitch falls well below the running baseline and comes back.
        if (pose is { } p)
        {
            if (double.IsNaN(_pitchBaseline))
            {
                _pitchBaseline = p.Pitch;
            }

            var drop = _pitchBaseline - p.Pitch;
            if (drop >= _o.NodDrop)
            {
                _dropSince ??= t;
            }
            else
            {
                if (_dropSince is { } ds && drop < _o.NodDrop / 2)
                {
                    if (t - ds <= _o.MaxNod.TotalSeconds)
                    {
                        _events.Enqueue(new DriverEvent("nod", TimeSpan.FromSeconds(ds), now));
                    }

                    _dropSince = null;
                }

                if (_dropSince is null)
                {
                    // The baseline follows posture slowly (20 s time constant) and never learns from a drop.
                    var a = dt / 20;
                    _pitchBaseline += a * (p.Pitch - _pitchBaseline);
                }
            }
        }

        // Gaze away from the attention area (head pose when there is no iris). Until the centre is learned (median of the
        // first 30 s) the running mean stands in, so no frame sorts anything.
        (float Yaw, float Pitch)? look = gaze is { } g ? (g.Yaw, g.Pitch) : pose is { } hp ? (hp.Yaw, hp.Pitch) : null;
        if (look is { } lk && _centre is null)
        {
            _firstLook ??= t;
            _centreSamples.Add(lk);
            (_sumYaw, _sumPitch) = (_sumYaw + lk.Yaw, _sumPitch + lk.Pitch);
            if (t - _firstLook >= 30)
            {
                _centre = (Median(_centreSamples, s => s.Yaw), Median(_centreSamples, s => s.Pitch));
                _centreSamples.Clear();
            }
        }

        var centre = _centre ?? (_centreSamples.Count > 0 ? ((float)(_sumYaw / _centreSamples.Count), (float)(_sumPitch / _centreSamples.Count)) : (0f, 0f));
        var away = look is { } v && (Math.Abs(v.Yaw - centre.Item1) > _o.AwayYaw || Math.Abs(v.Pitch - centre.Item2) > _o.AwayPitch);
        if (away)
        {
            _awaySince ??= t;
        }
        else
        {
            _awaySince = null;
        }

        while (_events.Count > 0 && _events.Peek().End.TotalSeconds < t - window)
        {
            _events.Dequeue();
        }

        while (_blinks.Count > 0 && _blinks.Peek().End < t - window)
        {
            _blinks.Dequeue();
        }

        int longClosures = 0, yawns = 0, nods = 0;
        foreach (var e in _events)
        {
            switch (e.Kind)
            {
                case "long-closure": longClosures++; break;
                case "yawn": yawns++; break;
                default: nods++; break;
            }
        }

        double? meanBlink = null;
        if (_blinks.Count > 0)
        {
            double sum = 0;
            foreach (var (_, d) in _blinks)
            {
                sum += d;
            }

            meanBlink = 1000 * sum / _blinks.Count;
        }

        // Under a second of measurable eyes in the window is no PERCLOS at all (written as null), not 0 %.
        var perclos = _seen >= 1 ? (float)(_closedTime / _seen) : float.NaN;
        // No "eyes closed for ..." alert from a frame whose eyes cannot be seen: it needs the eyes seen shut now.
        var closedFor = seen && _closedSince is { } cs ? t - cs : 0;
        var awayFor = _awaySince is { } aw ? t - aw : 0;
        var (level, causes) = Assess(perclos, _seen, closedFor, longClosures, yawns, nods, awayFor);
        if (level >= _level)
        {
            (_level, _causes, _lowerSince) = (level, causes, double.NaN);
        }
        else if (double.IsNaN(_lowerSince))
        {
            _lowerSince = t;
        }
        else if (t - _lowerSince >= _o.Hold.TotalSeconds)
        {
            (_level, _causes, _lowerSince) = (level, causes, double.NaN);
        }

        return new DriverState(perclos, TimeSpan.FromSeconds(closedFor), longClosures, meanBlink is { } mb ? (float)mb : null, yawns, nods, TimeSpan.FromSeconds(awayFor), _level, _causes);
    }

    /// <summary>The alert level the measurements call for now, and which of them did.</summary>
    private static (AlertLevel Level, IReadOnlyList<string> Causes) Assess(float perclos, double seen, double closedFor, int longClosures, int yawns, int nods, double awayFor)
    {
        var warning = new List<string>();
        var caution = new List<string>();
        var enough = seen >= 20; // PERCLOS over less than 20 s says little
        if (closedFor >= 1)
        {
            warning.Add(F($"eyes closed for {closedFor:0.0} s (≥ 1 s)"));
        }

        if (enough && perclos >= 0.15f)
        {
            warning.Add(F($"PERCLOS {perclos:P0} (≥ 15 %)"));
        }
        else if (enough && perclos >= 0.08f)
        {
            caution.Add(F($"PERCLOS {perclos:P0} (≥ 8 %)"));
        }

        if (longClosures >= 3)
        {
            warning.Add(F($"{longClosures} eye closures ≥ 0.5 s in the window (≥ 3)"));
        }
        else if (longClosures >= 1)
        {
            caution.Add(F($"{longClosures} eye closure(s) ≥ 0.5 s in the window"));
        }

        if (awayFor >= 3)
        {
            warning.Add(F($"gaze away for {awayFor:0.0} s (≥ 3 s)"));
        }
        else if (awayFor >= 2)
        {
            caution.Add(F($"gaze away for {awayFor:0.0} s (≥ 2 s)"));
        }

        if (yawns >= 2)
        {
            caution.Add(F($"{yawns} yawns in the window (≥ 2)"));
        }

        if (nods >= 1)
        {
            caution.Add(F($"{nods} head drop(s) in the window"));
        }

        return warning.Count > 0 ? (AlertLevel.Warning, [.. warning, .. caution]) : caution.Count > 0 ? (AlertLevel.Caution, caution) : (AlertLevel.None, []);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static float Median(List<(float Yaw, float Pitch)> samples, Func<(float Yaw, float Pitch), float> pick)
    {
        var values = new float[samples.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = pick(samples[i]);
        }

        Array.Sort(values);
        return values[values.Length / 2];
    }
}
