using Mien.Results;

namespace Mien.Faces.Geometry;

/// <summary>Options of <see cref="BlinkDetector"/>, with validation that names option, value and constraint.</summary>
public sealed record BlinkDetectorOptions
{
    /// <summary>The open-eye baseline is this running quantile of the eye aspect ratio (default 0.9): high enough that blinks barely move it, below 1 so single noisy frames do not set it.</summary>
    public float BaselineQuantile { get; init; } = 0.9f;

    /// <summary>
    /// How fast the baseline follows, in log units per second (default 0.2): it rises by up to
    /// quantile × rate (18 %/s) and falls by up to (1 − quantile) × rate (2 %/s), so a slow change of the
    /// open-eye ratio (the face moving, the head tilting) is followed while a blink or a few seconds of closed
    /// eyes moves it by a few per cent at most. During the first seconds the rate is 1 / (t + 0.25 s) when that is larger, so it settles fast.
    /// </summary>
    public float BaselineRate { get; init; } = 0.2f;

    /// <summary>
    /// Within this time of the first frame (default 20 s), eyes that read at least <see cref="ReseedRatio"/> times the
    /// baseline for <see cref="ReseedDuration"/> mean the baseline was learned on shut or narrowed eyes (a clip that
    /// opens with the eyes closed): it is re-seeded at once on the open eyes instead of climbing there at 18 %/s, which
    /// took seconds in which no blink could be seen. Zero turns re-seeding off.
    /// </summary>
    public TimeSpan ReseedWindow { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Eye aspect ratio over baseline that counts as "far more open than the baseline" (default 1.4: a shut eye reads
    /// 0.15–0.58 of the open one in this mesh, so open eyes over a shut-eye baseline read 1.7 or more; widening the eyes
    /// in surprise rarely reaches 1.4 of the open-eye 90th percentile).
    /// </summary>
    public float ReseedRatio { get; init; } = 1.4f;

    /// <summary>How long the eyes must stay that open before re-seeding (default 0.4 s: longer than single-frame mesh jumps).</summary>
    public TimeSpan ReseedDuration { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// No blink starts during this time after the first frame while the baseline settles (default 0.5 s: with the
    /// warm-up gain the baseline is within a few per cent of the open eyes after a few frames; 1 s missed a labelled
    /// blink at 0.85 s; a track that starts on shut eyes is caught by re-seeding instead).
    /// </summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>A blink starts when openness (EAR over baseline) falls below this (default 0.55).</summary>
    public float CloseThreshold { get; init; } = 0.55f;

    /// <summary>A blink ends when openness rises above this again (default 0.75); the gap to <see cref="CloseThreshold"/> is the hysteresis.</summary>
    public float OpenThreshold { get; init; } = 0.75f;

    /// <summary>A closure longer than this is "eyes closed", not a blink, and is not counted (default 700 ms).</summary>
    public TimeSpan MaxBlinkDuration { get; init; } = TimeSpan.FromMilliseconds(700);

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, value and constraint.</summary>
    public void Validate()
    {
        if (!(BaselineQuantile is > 0.5f and < 1f))
        {
            throw new ArgumentException($"{nameof(BaselineQuantile)} = {BaselineQuantile}: must be in (0.5, 1).");
        }

        if (!(BaselineRate is > 0f and <= 10f))
        {
            throw new ArgumentException($"{nameof(BaselineRate)} = {BaselineRate}: must be in (0, 10] per second.");
        }

        if (WarmUp < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(WarmUp)} = {WarmUp}: must not be negative.");
        }

        if (!(CloseThreshold > 0f && OpenThreshold > CloseThreshold && OpenThreshold < 1.5f))
        {
            throw new ArgumentException($"{nameof(CloseThreshold)} = {CloseThreshold}, {nameof(OpenThreshold)} = {OpenThreshold}: need 0 < {nameof(CloseThreshold)} < {nameof(OpenThreshold)} < 1.5.");
        }

        if (MaxBlinkDuration <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(MaxBlinkDuration)} = {MaxBlinkDuration}: must be positive.");
        }

        if (ReseedWindow < TimeSpan.Zero || ReseedDuration <= TimeSpan.Zero || !(ReseedRatio is > 1f and <= 10f))
        {
            throw new ArgumentException($"{nameof(ReseedWindow)} = {ReseedWindow}, {nameof(ReseedDuration)} = {ReseedDuration}, {nameof(ReseedRatio)} = {ReseedRatio}: need a window ≥ 0, a positive duration and a ratio in (1, 10].");
        }
    }
}

/// <summary>
/// Blinks of one tracked face, from its eye aspect ratios frame by frame. Driven by the frames' timestamps,
/// not by frame counts, so variable frame rates and dropped frames are handled. Not thread-safe; one per track.
/// </summary>
/// <remarks>
/// The mean EAR of both eyes is compared with the person's own open-eye baseline (a running high quantile of
/// the EAR, see <see cref="BlinkDetectorOptions.BaselineQuantile"/>), so eye shape, distance and slow pose
/// changes do not matter. Openness = EAR / baseline, clamped to [0, 1.5]. A blink starts below
/// <see cref="BlinkDetectorOptions.CloseThreshold"/> and ends above <see cref="BlinkDetectorOptions.OpenThreshold"/>;
/// its duration is from the first frame below to the first frame above. Closures longer than
/// <see cref="BlinkDetectorOptions.MaxBlinkDuration"/> are reported as <see cref="EyesClosed"/> and not counted.
/// </remarks>
public sealed class BlinkDetector
{
    /// <summary>Extra time in the warm-up gain 1 / (t + this): keeps the first steps finite.</summary>
    private const double WarmUpGainOffsetSeconds = 0.25;

    /// <summary>Longest time step the baseline integrates at once: a gap in the frames is not a reason to jump.</summary>
    private const double MaxStepSeconds = 0.25;

    private const float MinAspectRatio = 1e-4f;

    private readonly BlinkDetectorOptions _options;
    private State _state;
    private bool _started;
    private TimeSpan _first;
    private TimeSpan _last;
    private TimeSpan _closedSince;
    private double _logBaseline;
    private TimeSpan? _wideSince;
    private float _wideMinimum;

    /// <summary>Creates a detector with <paramref name="options"/> (validated) or the defaults.</summary>
    public BlinkDetector(BlinkDetectorOptions? options = null)
    {
        _options = options ?? new BlinkDetectorOptions();
        _options.Validate();
    }

    private enum State
    {
        Open,
        Blinking,
        Closed,
    }

    /// <summary>Completed blinks so far.</summary>
    public int BlinkCount { get; private set; }

    /// <summary>The open-eye baseline EAR, or null before the first frame.</summary>
    public float? Baseline => _started ? (float)Math.Exp(_logBaseline) : null;

    /// <summary>Whether the eyes have been shut for longer than a blink.</summary>
    public bool EyesClosed => _state == State.Closed;

    /// <summary>Time over which blinks were counted: from the end of the warm-up to the last frame.</summary>
    public TimeSpan CountingTime
    {
        get
        {
            var time = _last - _first - _options.WarmUp;
            return _started && time > TimeSpan.Zero ? time : TimeSpan.Zero;
        }
    }

    /// <summary>Blinks per minute over <see cref="CountingTime"/> (0 before any counting time).</summary>
    public double BlinksPerMinute => CountingTime > TimeSpan.Zero ? BlinkCount / CountingTime.TotalMinutes : 0;

    /// <summary>Updates with the mesh of the frame at <paramref name="timestamp"/>.</summary>
    public EyeState Update(TimeSpan timestamp, ReadOnlySpan<Point3> mesh) =>
        Update(timestamp, EyeMetrics.LeftAspectRatio(mesh), EyeMetrics.RightAspectRatio(mesh));

    /// <summary>Updates with the eye aspect ratios of the frame at <paramref name="timestamp"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An aspect ratio is negative or not finite, or the timestamp is earlier than the previous one (call <see cref="Reset"/> after a seek).</exception>
    public EyeState Update(TimeSpan timestamp, float leftAspectRatio, float rightAspectRatio)
    {
        if (!(float.IsFinite(leftAspectRatio) && leftAspectRatio >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(leftAspectRatio), leftAspectRatio, "an eye aspect ratio is finite and not negative");
        }

        if (!(float.IsFinite(rightAspectRatio) && rightAspectRatio >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(rightAspectRatio), rightAspectRatio, "an eye aspect ratio is finite and not negative");
        }

        var ear = Math.Max((leftAspectRatio + rightAspectRatio) / 2, MinAspectRatio);
        if (!_started)
        {
            (_started, _first, _last, _logBaseline) = (true, timestamp, timestamp, Math.Log(ear));
        }
        else if (timestamp < _last)
        {
            throw new ArgumentOutOfRangeException(nameof(timestamp), timestamp, $"earlier than the previous frame ({_last}); call Reset after a seek");
        }

        var ratio = (float)(ear / Math.Exp(_logBaseline));
        if (Reseed(timestamp, ear, ratio))
        {
            ratio = (float)(ear / Math.Exp(_logBaseline));
        }

        var openness = Math.Clamp(ratio, 0f, 1.5f);
        Step(timestamp, openness);
        UpdateBaseline(timestamp, ear);
        _last = timestamp;
        return new EyeState(leftAspectRatio, rightAspectRatio, openness, _state == State.Blinking);
    }

    /// <summary>Forgets everything (baseline, state, count): for a seek or a new person.</summary>
    public void Reset()
    {
        (_started, _state, BlinkCount, _wideSince) = (false, State.Open, 0, null);
    }

    /// <summary>
    /// Re-seeds the baseline on the lowest EAR of a stretch that stayed far above it (see
    /// <see cref="BlinkDetectorOptions.ReseedWindow"/>): the lowest, so that open eyes read at or just above 1 and the
    /// running quantile takes it from there. A blink in progress then ends as an eyes-closed stretch, as it was.
    /// </summary>
    private bool Reseed(TimeSpan now, float ear, float ratio)
    {
        if (now - _first > _options.ReseedWindow || ratio < _options.ReseedRatio)
        {
            _wideSince = null;
            return false;
        }

        if (_wideSince is not { } since)
        {
            (_wideSince, _wideMinimum) = (now, ear);
            return false;
        }

        _wideMinimum = Math.Min(_wideMinimum, ear);
        if (now - since < _options.ReseedDuration)
        {
            return false;
        }

        _logBaseline = Math.Log(_wideMinimum);
        _wideSince = null;
        return true;
    }

    private void Step(TimeSpan now, float openness)
    {
        switch (_state)
        {
            case State.Open when openness < _options.CloseThreshold && now - _first >= _options.WarmUp:
                (_state, _closedSince) = (State.Blinking, now);
                break;
            case State.Blinking when openness > _options.OpenThreshold:
                _state = State.Open;
                if (now - _closedSince <= _options.MaxBlinkDuration)
                {
                    BlinkCount++;
                }

                break;
            case State.Blinking when now - _closedSince > _options.MaxBlinkDuration:
                _state = State.Closed;
                break;
            case State.Closed when openness > _options.OpenThreshold:
                _state = State.Open;
                break;
        }
    }

    /// <summary>
    /// Stochastic-approximation quantile in the log domain: up by gain·q·dt when the EAR is above the baseline,
    /// down by gain·(1 − q)·dt when below, which settles where a fraction q of frames lies below.
    /// </summary>
    private void UpdateBaseline(TimeSpan now, float ear)
    {
        var dt = Math.Min((now - _last).TotalSeconds, MaxStepSeconds);
        if (dt <= 0)
        {
            return;
        }

        var gain = Math.Max(_options.BaselineRate, 1 / ((now - _first).TotalSeconds + WarmUpGainOffsetSeconds));
        var q = _options.BaselineQuantile;
        _logBaseline += Math.Log(ear) > _logBaseline ? gain * q * dt : -gain * (1 - q) * dt;
    }
}
