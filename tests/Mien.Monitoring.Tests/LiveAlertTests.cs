namespace Mien.Monitoring.Tests;

public sealed class LiveAlertTests
{
    private static readonly AlertOptions Options = new()
    {
        Distress = new AlertRule { WindowS = 10, Raise = 0.7, Clear = 0.4, RaiseAfterS = 2, ClearAfterS = 2 },
        GazeAversion = new AlertRule { Enabled = false },
    };

    private static List<AlertEvent> Run(LiveAlertEvaluator evaluator, double from, double to, Func<double, bool> distress, int track = 1)
    {
        var events = new List<AlertEvent>();
        for (var i = (int)(from * 25); i < to * 25; i++)
        {
            var t = i / 25.0;
            var (v, a) = distress(t) ? (-0.6, 0.6) : (0.2, 0.0);
            events.AddRange(evaluator.Add(new MonitorSample(t, track, v, a, 0.9, 0.3, 0, 0, false)));
        }

        return events;
    }

    [Fact]
    public void Distress_is_raised_after_the_window_share_held_above_raise_and_cleared_after_it_fell_below_clear()
    {
        // Distress from 20 to 40 s. The 10 s window's share reaches 0.7 at ≈ 27 s, held 2 s → raised ≈ 29 s;
        // after 40 s it falls to 0.4 at ≈ 46 s, held 2 s → cleared ≈ 48 s.
        var events = Run(new LiveAlertEvaluator(Options), 0, 70, t => t is >= 20 and < 40);
        Assert.Equal(2, events.Count);
        Assert.True(events[0].Raised);
        Assert.Equal(AlertKind.Distress, events[0].Kind);
        Assert.InRange(events[0].TimeS, 28.9, 29.1);
        // The window's share when raised (29 s): 9 of its 10 s showed distress.
        Assert.InRange(events[0].Value, 0.88, 0.92);
        Assert.False(events[1].Raised);
        Assert.InRange(events[1].TimeS, 47.9, 48.1);
        Assert.Contains("the face showed negative valence with high arousal", events[0].Message, StringComparison.Ordinal);
        Assert.Equal("≥ 0.7", events[0].Measurements[0].Rule);
    }

    [Fact]
    public void A_share_between_clear_and_raise_keeps_the_alert_as_it_is()
    {
        // Raised by 20 s of distress; then 5 of every 10 s (share ≈ 0.5: between clear 0.4 and raise 0.7): stays raised.
        var evaluator = new LiveAlertEvaluator(Options);
        var events = Run(evaluator, 0, 30, t => t >= 10);
        Assert.Single(events);
        Assert.Empty(Run(evaluator, 30, 120, t => t % 10 < 5));
        // A never-raised evaluator fed the same half share raises nothing (hysteresis, not flicker).
        Assert.Empty(Run(new LiveAlertEvaluator(Options), 0, 120, t => t % 10 < 5));
    }

    [Fact]
    public void A_brief_spike_above_raise_is_debounced()
    {
        // A 2 s window and 1.5 s of distress: the share is ≥ 0.7 from 21.4 to 22.1 s only, shorter than RaiseAfterS = 2 s.
        var shortWindow = Options with { Distress = Options.Distress with { WindowS = 2 } };
        Assert.Empty(Run(new LiveAlertEvaluator(shortWindow), 0, 40, t => t is >= 20 and < 21.5));
        // 4 s of distress holds it long enough (and it clears once the distress stopped).
        Assert.Equal([true, false], Run(new LiveAlertEvaluator(shortWindow), 0, 40, t => t is >= 20 and < 24).Select(e => e.Raised));
    }

    [Fact]
    public void A_person_who_leaves_is_forgotten_with_their_alert_cleared_and_state_stays_bounded()
    {
        var evaluator = new LiveAlertEvaluator(Options with { MaxTracks = 4, ForgetAfterS = 5 });
        Assert.Single(Run(evaluator, 0, 30, _ => true, track: 1));
        var events = Run(evaluator, 40, 41, _ => false, track: 2);
        var cleared = Assert.Single(events);
        Assert.False(cleared.Raised);
        Assert.Equal(1, cleared.Track);
        Assert.Contains("left the view", cleared.Message, StringComparison.Ordinal);

        for (var track = 10; track < 200; track++)
        {
            evaluator.Add(new MonitorSample(50 + (track * 0.001), track, 0, 0, 1, 0.2, 0, 0, false));
        }

        Assert.Equal(4, evaluator.People);
    }

    [Fact]
    public void Rules_without_hysteresis_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new LiveAlertEvaluator(new AlertOptions { Distress = new AlertRule { Raise = 0.5, Clear = 0.6 } }));
        Assert.Contains("Distress.Clear = 0.6: must be below Raise = 0.5", e.Message, StringComparison.Ordinal);
        var flat = Assert.Throws<ArgumentException>(() => new LiveAlertEvaluator(new AlertOptions { FlatAffect = new AlertRule { Raise = 0.2, Clear = 0.1 } }));
        Assert.Contains("FlatAffect.Clear = 0.1: must be above Raise = 0.2", flat.Message, StringComparison.Ordinal);
    }
}
