namespace Mien.Monitoring;

/// <summary>Which indicator. Each is an indicator of what the face or voice showed, never a diagnosis.</summary>
public enum IndicatorKind
{
    /// <summary>Sustained negative valence with high arousal shown by the face.</summary>
    Distress,

    /// <summary>Reduced facial expressivity (low action-unit activity and little variation).</summary>
    FlatAffect,

    /// <summary>Gaze away from the camera for a large share of the session.</summary>
    GazeAversion,

    /// <summary>Blink rate changed beyond noise.</summary>
    BlinkRateChange,

    /// <summary>The person spoke for a small share of the session.</summary>
    LowSpeechShare,

    /// <summary>Raised voice arousal over the session's speech.</summary>
    RaisedVoiceArousal,
}

/// <summary>A measurement behind an indicator, with the rule it was compared to.</summary>
/// <param name="Name">What was measured (camelCase, e.g. <c>meanValence</c>).</param>
/// <param name="Value">The measured value.</param>
/// <param name="Unit">Its unit (e.g. <c>seconds</c>, <c>share</c>, <c>per minute</c>, <c>−1…1</c>).</param>
/// <param name="Rule">The threshold it met (e.g. <c>≤ −0.3</c>), or null for context values.</param>
public sealed record Measurement(string Name, double Value, string Unit, string? Rule = null);

/// <summary>One indicator raised in a session: when, a sentence a clinician can read, and the measurements that triggered it.</summary>
/// <param name="Kind">Which indicator.</param>
/// <param name="StartS">Start (media seconds).</param>
/// <param name="EndS">End (media seconds).</param>
/// <param name="Summary">What the face or voice showed, worded as an indicator, never as a diagnosis or a feeling.</param>
/// <param name="Measurements">What triggered it.</param>
public sealed record Indicator(IndicatorKind Kind, double StartS, double EndS, string Summary, IReadOnlyList<Measurement> Measurements);

/// <summary>Per-session metrics, each with its 95 % interval (null when not measured).</summary>
/// <param name="Valence">Mean valence the face showed (−1…1).</param>
/// <param name="Arousal">Mean arousal the face showed (−1…1).</param>
/// <param name="Expressivity">Mean action-unit intensity (0…5); its <see cref="Estimate.Spread"/> is how much it varied.</param>
/// <param name="GazeAwayShare">Share of measured frames with the gaze away from the camera (0…1).</param>
/// <param name="Blinks">Blinks and the time the eyes were measured.</param>
/// <param name="SpeechShare">Share of the session the person spoke (null when the audio was not analysed).</param>
/// <param name="VoiceArousal">Mean voice arousal over the person's speech segments (−1…1).</param>
public sealed record SessionMetrics(Estimate? Valence, Estimate? Arousal, Estimate? Expressivity, Estimate? GazeAwayShare, BlinkRate? Blinks, double? SpeechShare, Estimate? VoiceArousal);

/// <summary>What monitoring found in one session of one person.</summary>
/// <param name="Track">The person followed (the track seen longest unless chosen), or null when no face was seen.</param>
/// <param name="StartS">First frame of the person.</param>
/// <param name="EndS">Last frame of the person.</param>
/// <param name="Frames">Frames of the person.</param>
/// <param name="Metrics">The session's metrics.</param>
/// <param name="Indicators">Indicators raised, in time order.</param>
/// <param name="Limits">What could not be judged and why (e.g. "no audio: speech share not measured").</param>
public sealed record SessionReport(int? Track, double StartS, double EndS, int Frames, SessionMetrics Metrics, IReadOnlyList<Indicator> Indicators, IReadOnlyList<string> Limits);

/// <summary>The person's own earlier level, from their previous sessions (null members: not known).</summary>
/// <param name="ExpressivityMean">Mean expressivity over earlier sessions.</param>
/// <param name="ExpressivitySpread">Mean within-session spread of expressivity over earlier sessions.</param>
/// <param name="Blinks">Blinks in earlier sessions.</param>
/// <param name="BlinkExposureS">Seconds the eyes were measured in them.</param>
/// <param name="Sessions">How many sessions it rests on.</param>
public sealed record SessionBaseline(double? ExpressivityMean, double? ExpressivitySpread, int Blinks, double BlinkExposureS, int Sessions)
{
    /// <summary>Pools earlier sessions' reports into a baseline (null when none measured anything).</summary>
    public static SessionBaseline? From(IEnumerable<SessionReport> earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        double meanSum = 0, spreadSum = 0, exposure = 0;
        int withExpressivity = 0, blinks = 0, sessions = 0;
        foreach (var report in earlier)
        {
            sessions++;
            if (report.Metrics.Expressivity is { } e)
            {
                meanSum += e.Mean;
                spreadSum += e.Spread;
                withExpressivity++;
            }

            if (report.Metrics.Blinks is { } b)
            {
                blinks += b.Count;
                exposure += b.ExposureS;
            }
        }

        return sessions == 0 || (withExpressivity == 0 && exposure <= 0) ? null
            : new SessionBaseline(withExpressivity > 0 ? meanSum / withExpressivity : null, withExpressivity > 0 ? spreadSum / withExpressivity : null, blinks, exposure, sessions);
    }
}
