namespace Mien.Monitoring.Tests;

public sealed class SessionAnalyzerTests
{
    private const double Fps = 25;

    /// <summary>A synthetic session of one person at 25 fps, each measurement a function of time.</summary>
    private static List<MonitorSample> Session(double seconds, Func<double, (double V, double A)>? affect = null, Func<double, double>? expressivity = null,
        Func<double, double>? gazeYaw = null, Func<double, bool>? blink = null, int track = 1)
    {
        var samples = new List<MonitorSample>();
        for (var i = 0; i < seconds * Fps; i++)
        {
            var t = i / Fps;
            var (v, a) = affect?.Invoke(t) ?? (0.2, 0.1);
            samples.Add(new MonitorSample(t, track, v, a, 0.8, expressivity?.Invoke(t) ?? (0.3 + (0.3 * Math.Sin(t))), gazeYaw?.Invoke(t) ?? 0, 5, blink?.Invoke(t) ?? false));
        }

        return samples;
    }

    [Fact]
    public void A_sustained_stretch_of_negative_valence_with_high_arousal_is_one_distress_indicator_with_its_measurements()
    {
        // 40.0–55.0 s: valence −0.6, arousal 0.5, with a 1 s break at 47 s (bridged: gap ≤ 2 s). 80–84 s: too short.
        var samples = Session(120, affect: t => (t is >= 40 and <= 55 && !(t is > 47 and < 48)) || t is >= 80 and <= 84 ? (-0.6, 0.5) : (0.1, 0.1));
        var report = SessionAnalyzer.Analyze(samples, null);

        var distress = Assert.Single(report.Indicators, i => i.Kind == IndicatorKind.Distress);
        Assert.Equal(40, distress.StartS, 6);
        Assert.Equal(55, distress.EndS, 6);
        Assert.Equal(15, distress.Measurements.Single(m => m.Name == "durationS").Value, 6);
        Assert.Equal(-0.6, distress.Measurements.Single(m => m.Name == "meanValence").Value, 6);
        Assert.Equal(0.5, distress.Measurements.Single(m => m.Name == "meanArousal").Value, 6);
        // 376 frames from 40 to 55 s; 24 of them (47.04–47.96 s) do not count.
        Assert.Equal(352.0 / 376, distress.Measurements.Single(m => m.Name == "countedShare").Value, 6);
        Assert.Contains("Distress indicator: the face showed negative valence", distress.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("depress", distress.Summary, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Low_confidence_frames_never_raise_distress()
    {
        var samples = Session(60, affect: _ => (-0.9, 0.9)).Select(s => s with { AffectConfidence = 0.1 }).ToList();
        var report = SessionAnalyzer.Analyze(samples, null);
        Assert.DoesNotContain(report.Indicators, i => i.Kind == IndicatorKind.Distress);
        Assert.Null(report.Metrics.Valence);
        Assert.Contains(report.Limits, l => l.Contains("distress not judged", StringComparison.Ordinal));
    }

    [Fact]
    public void Flat_affect_is_judged_against_the_person_s_earlier_sessions_or_else_the_reference()
    {
        var flat = Session(120, expressivity: t => 0.05 + (0.01 * Math.Sin(t)));
        var lively = Session(120);

        var alone = SessionAnalyzer.Analyze(flat, null);
        var indicator = Assert.Single(alone.Indicators, i => i.Kind == IndicatorKind.FlatAffect);
        Assert.Contains("reference level", indicator.Summary, StringComparison.Ordinal);
        Assert.Equal(alone.Metrics.Expressivity!.Mean, indicator.Measurements.Single(m => m.Name == "meanExpressivity").Value);
        Assert.DoesNotContain(SessionAnalyzer.Analyze(lively, null).Indicators, i => i.Kind == IndicatorKind.FlatAffect);

        // Against a baseline of a quiet person (mean 0.06) the same flat session is their usual.
        var quiet = new SessionBaseline(0.06, 0.01, 0, 0, 2);
        Assert.DoesNotContain(SessionAnalyzer.Analyze(flat, null, quiet).Indicators, i => i.Kind == IndicatorKind.FlatAffect);
        var usual = SessionBaseline.From([SessionAnalyzer.Analyze(lively, null)])!;
        var against = Assert.Single(SessionAnalyzer.Analyze(flat, null, usual).Indicators, i => i.Kind == IndicatorKind.FlatAffect);
        Assert.Contains("this person's earlier sessions", against.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Gaze_aversion_reports_the_away_share_and_the_longest_stretch()
    {
        // Away (yaw 35°) from 30 to 90 s of 120 s: 1500 of 3000 frames; longest stretch 60 s.
        var samples = Session(120, gazeYaw: t => t is >= 30 and < 90 ? 35 : 2);
        var report = SessionAnalyzer.Analyze(samples, null);
        Assert.Equal(0.5, report.Metrics.GazeAwayShare!.Mean, 9);
        var gaze = Assert.Single(report.Indicators, i => i.Kind == IndicatorKind.GazeAversion);
        Assert.Equal(60, gaze.Measurements.Single(m => m.Name == "longestAwayS").Value, 6);
        // The camera sits 30° to the side: centred there, the same session looks at it half the time the other way round.
        var moved = SessionAnalyzer.Analyze(samples, null, options: new MonitoringOptions { GazeAversion = new GazeAversionOptions { CentreYaw = 30 } });
        Assert.Equal(0.5, moved.Metrics.GazeAwayShare!.Mean, 9);
    }

    [Fact]
    public void A_blink_rate_that_triples_after_the_first_two_minutes_is_flagged_with_the_rates()
    {
        // 0–120 s: a 0.2 s blink every 6 s (10 a minute). 120–300 s: every 2 s (30 a minute).
        static bool Blink(double t) => t < 120 ? t % 6 is >= 1 and < 1.2 : t % 2 is >= 1 and < 1.2;
        var report = SessionAnalyzer.Analyze(Session(300, blink: Blink), null);
        Assert.Equal(20 + 90, report.Metrics.Blinks!.Count);
        var change = Assert.Single(report.Indicators, i => i.Kind == IndicatorKind.BlinkRateChange);
        Assert.Equal(120, change.StartS, 6);
        Assert.Equal(10, change.Measurements.Single(m => m.Name == "baselinePerMinute").Value, 1);
        Assert.Equal(30, change.Measurements.Single(m => m.Name == "blinksPerMinute").Value, 1);
        // Hand: ratio (90.5/180) / (20.5/120) = 2.943; z = ln 2.943 / √(1/20.5 + 1/90.5) = 4.41.
        var expected = Math.Log((90.5 / 180) / (20.5 / 120)) / Math.Sqrt((1 / 20.5) + (1 / 90.5));
        Assert.Equal(expected, change.Measurements.Single(m => m.Name == "z").Value, 2);
        Assert.Contains("up", change.Summary, StringComparison.Ordinal);

        var steady = SessionAnalyzer.Analyze(Session(300, blink: t => t % 4 is >= 1 and < 1.2), null);
        Assert.DoesNotContain(steady.Indicators, i => i.Kind == IndicatorKind.BlinkRateChange);
    }

    [Fact]
    public void Speech_share_and_voice_arousal_come_from_the_person_s_speech_segments()
    {
        var samples = Session(100);
        SpeechSample[] speech = [new(10, 14, 1, 0.7, 0.8), new(20, 22, 1, 0.6, 0.8), new(30, 32, 1, 0.8, 0.8), new(50, 60, 2, -0.2, 0.9)];
        var report = SessionAnalyzer.Analyze(samples, speech);
        // Track 1 spoke 4 + 2 + 2 = 8 s of the 99.96 s it was seen.
        Assert.Equal(8 / 99.96, report.Metrics.SpeechShare!.Value, 9);
        Assert.Equal(0.7, report.Metrics.VoiceArousal!.Mean, 9);
        Assert.Contains(report.Indicators, i => i.Kind == IndicatorKind.LowSpeechShare);
        Assert.Contains(report.Indicators, i => i.Kind == IndicatorKind.RaisedVoiceArousal);

        var silent = SessionAnalyzer.Analyze(samples, null);
        Assert.Null(silent.Metrics.SpeechShare);
        Assert.Contains(silent.Limits, l => l.Contains("no speech was found", StringComparison.Ordinal));
    }

    [Fact]
    public void The_person_seen_longest_is_followed_and_an_empty_session_says_so()
    {
        var samples = Session(30, track: 3).Concat(Session(10, track: 1)).ToList();
        Assert.Equal(3, SessionAnalyzer.Analyze(samples, null).Track);
        Assert.Equal(1, SessionAnalyzer.Analyze(samples, null, track: 1).Track);
        var empty = SessionAnalyzer.Analyze([], null);
        Assert.Null(empty.Track);
        Assert.Contains("no face", Assert.Single(empty.Limits), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_out_of_range_are_refused_with_name_value_and_limit()
    {
        var e = Assert.Throws<ArgumentException>(() => SessionAnalyzer.Analyze([], null, options: new MonitoringOptions { Distress = new DistressOptions { ValenceAtMost = 0.5 } }));
        Assert.Contains("DistressOptions.ValenceAtMost = 0.5: must be within [-1, 0]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_indicator_summary_is_worded_as_what_the_face_or_voice_showed()
    {
        static bool Blink(double t) => t < 120 ? t % 6 is >= 1 and < 1.2 : t % 2 is >= 1 and < 1.2;
        var samples = Session(300, affect: t => t is > 100 and < 130 ? (-0.7, 0.6) : (0, 0), expressivity: _ => 0.02, gazeYaw: t => t > 150 ? 40 : 0, blink: Blink);
        var report = SessionAnalyzer.Analyze(samples, [new(1, 2, 1, 0.9, 1), new(3, 4, 1, 0.9, 1), new(5, 6, 1, 0.9, 1)]);
        Assert.Equal(Enum.GetValues<IndicatorKind>().Order(), report.Indicators.Select(i => i.Kind).Distinct().Order());
        string[] forbidden = ["depress", "anxi", "diagnos", "disorder", "feels", "is sad", "is afraid"];
        foreach (var indicator in report.Indicators)
        {
            Assert.Contains("indicator", indicator.Summary, StringComparison.Ordinal);
            Assert.All(forbidden, f => Assert.DoesNotContain(f, indicator.Summary, StringComparison.OrdinalIgnoreCase));
            Assert.NotEmpty(indicator.Measurements);
        }
    }
}
