using System.Globalization;
using System.Text.Json.Serialization;

namespace Mien.Monitoring;

/// <summary>What a live alert watches.</summary>
public enum AlertKind
{
    /// <summary>Share of the window's trusted frames showing negative valence with high arousal (rises above Raise).</summary>
    Distress,

    /// <summary>Share of the window's gaze frames pointing away from the camera (rises above Raise).</summary>
    GazeAversion,

    /// <summary>Mean expressivity (action-unit intensity) of the window (falls below Raise).</summary>
    FlatAffect,
}

/// <summary>
/// One alert's rule: the window's value must cross <see cref="Raise"/> and stay across it for
/// <see cref="RaiseAfterS"/> (debounce) to raise the alert, and cross back past <see cref="Clear"/> for
/// <see cref="ClearAfterS"/> to clear it (hysteresis: between the two the alert keeps its state).
/// </summary>
public sealed record AlertRule
{
    /// <summary>Whether the alert is evaluated.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Rolling window, seconds.</summary>
    public double WindowS { get; init; } = 30;

    /// <summary>Threshold that raises the alert.</summary>
    public double Raise { get; init; }

    /// <summary>Threshold that clears it (on the other side of <see cref="Raise"/>).</summary>
    public double Clear { get; init; }

    /// <summary>Seconds the raise condition must hold before the alert is raised.</summary>
    public double RaiseAfterS { get; init; } = 5;

    /// <summary>Seconds the clear condition must hold before the alert is cleared.</summary>
    public double ClearAfterS { get; init; } = 5;

    /// <summary>Share of the window's frames that must carry the measurement for the window to be judged (0…1).</summary>
    public double MinCoverage { get; init; } = 0.5;

    internal void Validate(string name, bool rising, double max)
    {
        if (!Enabled)
        {
            // A rule that is off is never evaluated: its thresholds may stay unset.
            return;
        }

        Require.Within(WindowS, 2, 600, name + "." + nameof(WindowS));
        Require.Within(Raise, 0, max, name + "." + nameof(Raise));
        Require.Within(Clear, 0, max, name + "." + nameof(Clear));
        Require.Within(RaiseAfterS, 0, 600, name + "." + nameof(RaiseAfterS));
        Require.Within(ClearAfterS, 0, 600, name + "." + nameof(ClearAfterS));
        Require.Within(MinCoverage, 0, 1, name + "." + nameof(MinCoverage));
        Require.That(rising ? Clear < Raise : Clear > Raise, name + "." + nameof(Clear), Clear, rising
            ? string.Create(CultureInfo.InvariantCulture, $"below {nameof(Raise)} = {Raise} (hysteresis: the alert clears only after the value falls back past it)")
            : string.Create(CultureInfo.InvariantCulture, $"above {nameof(Raise)} = {Raise} (hysteresis: the alert clears only after the value rises back past it)"));
    }
}

/// <summary>Live alert settings (per project); every value validated with a message naming it.</summary>
public sealed record AlertOptions
{
    /// <summary>Distress: share of trusted frames with valence ≤ and arousal ≥ the thresholds of <see cref="Frames"/>.</summary>
    public AlertRule Distress { get; init; } = new() { Raise = 0.7, Clear = 0.4 };

    /// <summary>Gaze aversion: share of gaze frames away from the camera.</summary>
    public AlertRule GazeAversion { get; init; } = new() { Raise = 0.6, Clear = 0.3 };

    /// <summary>Flat affect: mean expressivity over a longer window; off by default (reduced expressivity is a session-level reading).</summary>
    public AlertRule FlatAffect { get; init; } = new() { Enabled = false, WindowS = 60, Raise = 0.10, Clear = 0.15, RaiseAfterS = 10, ClearAfterS = 10 };

    /// <summary>The per-frame thresholds (distress valence/arousal, gaze angles, affect confidence) shared with the session indicators.</summary>
    [JsonIgnore]
    public MonitoringOptions Frames { get; init; } = new();

    /// <summary>People followed at once (the least recently seen is forgotten beyond it).</summary>
    public int MaxTracks { get; init; } = 8;

    /// <summary>A person unseen this long is forgotten and their alerts cleared (seconds).</summary>
    public double ForgetAfterS { get; init; } = 60;

    /// <summary>Frames kept per window at most (bounds memory at high frame rates).</summary>
    public int MaxWindowFrames { get; init; } = 4096;

    /// <summary>Checks every option; the message names the option, its value and the limit.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Distress, nameof(Distress));
        ArgumentNullException.ThrowIfNull(GazeAversion, nameof(GazeAversion));
        ArgumentNullException.ThrowIfNull(FlatAffect, nameof(FlatAffect));
        ArgumentNullException.ThrowIfNull(Frames, nameof(Frames));
        Distress.Validate(nameof(Distress), rising: true, 1);
        GazeAversion.Validate(nameof(GazeAversion), rising: true, 1);
        FlatAffect.Validate(nameof(FlatAffect), rising: false, 5);
        Frames.Validate();
        Require.Within(MaxTracks, 1, 64, nameof(MaxTracks));
        Require.Within(ForgetAfterS, 1, 3600, nameof(ForgetAfterS));
        Require.Within(MaxWindowFrames, 16, 100_000, nameof(MaxWindowFrames));
    }
}

/// <summary>An alert raised or cleared during a live session.</summary>
/// <param name="Kind">Which alert.</param>
/// <param name="Track">The person.</param>
/// <param name="Raised">True when raised, false when cleared.</param>
/// <param name="TimeS">Media time of the frame that changed it.</param>
/// <param name="Value">The window's value at that frame (NaN when cleared because the person left).</param>
/// <param name="Message">A sentence about what the face showed (an indicator, not a diagnosis).</param>
/// <param name="Measurements">The measurements behind it.</param>
public sealed record AlertEvent(AlertKind Kind, int Track, bool Raised, double TimeS, double Value, string Message, IReadOnlyList<Measurement> Measurements);

/// <summary>
/// Streaming alert evaluator for a live session: fed every frame's faces in time order, it keeps a rolling window per
/// person and alert (running sums: O(1) per frame) and reports only changes — an alert raised after its condition held
/// for the debounce time, cleared after the opposite condition held. State is bounded: at most
/// <see cref="AlertOptions.MaxTracks"/> people, <see cref="AlertOptions.MaxWindowFrames"/> frames per window, people
/// forgotten after <see cref="AlertOptions.ForgetAfterS"/>. Not thread-safe: one producer.
/// </summary>
public sealed class LiveAlertEvaluator
{
    private readonly AlertOptions _o;
    private readonly Dictionary<int, PersonAlerts> _people = [];
    private readonly List<AlertEvent> _changes = [];

    /// <summary>Creates an evaluator.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public LiveAlertEvaluator(AlertOptions? options = null)
    {
        _o = options ?? new AlertOptions();
        _o.Validate();
    }

    /// <summary>People currently followed.</summary>
    public int People => _people.Count;

    /// <summary>Adds one face of one frame; returns the alerts it raised or cleared (usually none).</summary>
    public IReadOnlyList<AlertEvent> Add(in MonitorSample sample)
    {
        if (!double.IsFinite(sample.TimeS))
        {
            throw new ArgumentException($"sample time {sample.TimeS} is not finite", nameof(sample));
        }

        _changes.Clear();
        Forget(sample.TimeS);
        if (!_people.TryGetValue(sample.Track, out var person))
        {
            if (_people.Count >= _o.MaxTracks)
            {
                var oldest = _people.MinBy(p => p.Value.LastSeen);
                Leave(oldest.Key, oldest.Value, sample.TimeS, "more people than MaxTracks are in view: this person is no longer followed");
            }

            person = new PersonAlerts(_o);
            _people[sample.Track] = person;
        }

        person.LastSeen = sample.TimeS;
        var f = _o.Frames;
        bool? trusted = sample.Valence is { } v && sample.Arousal is { } a && (sample.AffectConfidence ?? 0) >= f.MinAffectConfidence
            ? v <= f.Distress.ValenceAtMost && a >= f.Distress.ArousalAtLeast : null;
        double? distress = trusted is { } t ? (t ? 1 : 0) : null;
        double? away = sample.GazeYaw is { } y && sample.GazePitch is { } p ? (f.GazeAversion.IsAway(y, p) ? 1 : 0) : null;
        person.Distress?.Add(sample.TimeS, distress, sample.Track, _changes);
        person.Gaze?.Add(sample.TimeS, away, sample.Track, _changes);
        person.Flat?.Add(sample.TimeS, sample.Expressivity, sample.Track, _changes);
        return _changes.Count == 0 ? [] : [.. _changes];
    }

    private void Forget(double now)
    {
        List<int>? gone = null;
        foreach (var (track, person) in _people)
        {
            if (now - person.LastSeen > _o.ForgetAfterS)
            {
                (gone ??= []).Add(track);
            }
        }

        foreach (var track in gone ?? [])
        {
            Leave(track, _people[track], now, "the person left the view");
        }
    }

    private void Leave(int track, PersonAlerts person, double now, string why)
    {
        _people.Remove(track);
        foreach (var window in person.Windows)
        {
            if (window.Active)
            {
                _changes.Add(new AlertEvent(window.Kind, track, false, now, double.NaN, $"{Name(window.Kind)} alert cleared: {why}.", []));
            }
        }
    }

    internal static string Name(AlertKind kind) => kind switch
    {
        AlertKind.Distress => "Distress",
        AlertKind.GazeAversion => "Gaze-aversion",
        _ => "Flat-affect",
    };

    private sealed class PersonAlerts
    {
        public PersonAlerts(AlertOptions o)
        {
            Distress = o.Distress.Enabled ? new RollingAlert(AlertKind.Distress, o.Distress, rising: true, o.MaxWindowFrames) : null;
            Gaze = o.GazeAversion.Enabled ? new RollingAlert(AlertKind.GazeAversion, o.GazeAversion, rising: true, o.MaxWindowFrames) : null;
            Flat = o.FlatAffect.Enabled ? new RollingAlert(AlertKind.FlatAffect, o.FlatAffect, rising: false, o.MaxWindowFrames) : null;
        }

        public double LastSeen { get; set; }

        public RollingAlert? Distress { get; }

        public RollingAlert? Gaze { get; }

        public RollingAlert? Flat { get; }

        public IEnumerable<RollingAlert> Windows => new[] { Distress, Gaze, Flat }.OfType<RollingAlert>();
    }
}

/// <summary>One alert of one person: a rolling window with running sums, and the debounced, hysteretic state.</summary>
internal sealed class RollingAlert(AlertKind kind, AlertRule rule, bool rising, int maxFrames)
{
    private readonly Queue<(double T, double? Value)> _window = new();
    private double _sum;
    private int _known;
    private double? _pendingSince;

    public AlertKind Kind => kind;

    public bool Active { get; private set; }

    /// <summary>The window's mean of known values, or null while the window is not yet full or too sparsely measured.</summary>
    public double? Value { get; private set; }

    public void Add(double t, double? value, int track, List<AlertEvent> changes)
    {
        _window.Enqueue((t, value));
        if (value is { } v)
        {
            _sum += v;
            _known++;
        }

        while (_window.Count > maxFrames || (_window.Count > 0 && _window.Peek().T < t - rule.WindowS))
        {
            var old = _window.Dequeue();
            if (old.Value is { } ov)
            {
                _sum -= ov;
                _known--;
            }
        }

        // Judged only once the window spans most of its length and enough of it is measured.
        var span = t - _window.Peek().T;
        Value = span >= 0.8 * rule.WindowS && _known > 0 && _known >= rule.MinCoverage * _window.Count ? _sum / _known : null;
        if (Value is not { } x)
        {
            _pendingSince = null;
            return;
        }

        var crossing = Active
            ? (rising ? x <= rule.Clear : x >= rule.Clear)
            : (rising ? x >= rule.Raise : x <= rule.Raise);
        if (!crossing)
        {
            _pendingSince = null;
            return;
        }

        _pendingSince ??= t;
        if (t - _pendingSince.Value < (Active ? rule.ClearAfterS : rule.RaiseAfterS))
        {
            return;
        }

        Active = !Active;
        _pendingSince = null;
        changes.Add(Describe(t, x, track));
    }

    private AlertEvent Describe(double t, double x, int track)
    {
        var threshold = Active ? rule.Raise : rule.Clear;
        var held = Active ? rule.RaiseAfterS : rule.ClearAfterS;
        var what = kind switch
        {
            AlertKind.Distress => string.Create(CultureInfo.InvariantCulture, $"the face showed negative valence with high arousal in {x:P0} of the last {rule.WindowS:0} s"),
            AlertKind.GazeAversion => string.Create(CultureInfo.InvariantCulture, $"the gaze pointed away from the camera in {x:P0} of the last {rule.WindowS:0} s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"mean facial expressivity over the last {rule.WindowS:0} s was {x:0.00} (action-unit intensity)"),
        };
        var message = $"{LiveAlertEvaluator.Name(kind)} {(Active ? "alert" : "alert cleared")}: {what}.";
        var unit = kind == AlertKind.FlatAffect ? "AU intensity" : "share of the window";
        var comparison = (Active == rising) ? "≥" : "≤";
        return new AlertEvent(kind, track, Active, t, x, message,
        [
            new Measurement("windowValue", x, unit, string.Create(CultureInfo.InvariantCulture, $"{comparison} {threshold}")),
            new Measurement("windowS", rule.WindowS, "seconds"),
            new Measurement("heldS", held, "seconds", "condition held at least"),
        ]);
    }
}
