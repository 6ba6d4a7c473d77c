using System.Globalization;

namespace Mien.Monitoring;

/// <summary>
/// Thresholds of the session indicators. Defaults are documented in docs/monitoring.md with where they come from; they
/// are starting points a clinician tunes per project, not validated cut-offs.
/// </summary>
public sealed record MonitoringOptions
{
    /// <summary>Frames whose valence/arousal confidence is below this are not used (0…1; default 0.3).</summary>
    public double MinAffectConfidence { get; init; } = 0.3;

    /// <summary>Sustained negative valence with high arousal.</summary>
    public DistressOptions Distress { get; init; } = new();

    /// <summary>Reduced facial expressivity.</summary>
    public FlatAffectOptions FlatAffect { get; init; } = new();

    /// <summary>Gaze away from the camera.</summary>
    public GazeAversionOptions GazeAversion { get; init; } = new();

    /// <summary>Blink-rate change.</summary>
    public BlinkRateOptions BlinkRate { get; init; } = new();

    /// <summary>Speech share and voice arousal.</summary>
    public SpeechOptions Speech { get; init; } = new();

    /// <summary>Checks every option; the message names the option, its value and the limit.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        Require.Within(MinAffectConfidence, 0, 1, nameof(MinAffectConfidence));
        ArgumentNullException.ThrowIfNull(Distress, nameof(Distress));
        ArgumentNullException.ThrowIfNull(FlatAffect, nameof(FlatAffect));
        ArgumentNullException.ThrowIfNull(GazeAversion, nameof(GazeAversion));
        ArgumentNullException.ThrowIfNull(BlinkRate, nameof(BlinkRate));
        ArgumentNullException.ThrowIfNull(Speech, nameof(Speech));
        Distress.Validate();
        FlatAffect.Validate();
        GazeAversion.Validate();
        BlinkRate.Validate();
        Speech.Validate();
    }
}

/// <summary>Distress indicator: valence at or below a level together with arousal at or above one, for long enough.</summary>
public sealed record DistressOptions
{
    /// <summary>A frame counts when its valence is at most this (−1…0; default −0.3).</summary>
    public double ValenceAtMost { get; init; } = -0.3;

    /// <summary>… and its arousal at least this (0…1; default 0.3).</summary>
    public double ArousalAtLeast { get; init; } = 0.3;

    /// <summary>Counting frames separated by at most this many seconds of other frames form one episode (default 2 s).</summary>
    public double MaxGapS { get; init; } = 2;

    /// <summary>Episodes shorter than this are not reported (seconds; default 10).</summary>
    public double MinDurationS { get; init; } = 10;

    internal void Validate()
    {
        Require.Within(ValenceAtMost, -1, 0, $"{nameof(DistressOptions)}.{nameof(ValenceAtMost)}");
        Require.Within(ArousalAtLeast, 0, 1, $"{nameof(DistressOptions)}.{nameof(ArousalAtLeast)}");
        Require.Within(MaxGapS, 0, 60, $"{nameof(DistressOptions)}.{nameof(MaxGapS)}");
        Require.Within(MinDurationS, 0.5, 3600, $"{nameof(DistressOptions)}.{nameof(MinDurationS)}");
    }
}

/// <summary>
/// Flat-affect indicator: the session's mean expressivity and its spread both low — against the person's own earlier
/// sessions when there are any, else against a reference level.
/// </summary>
public sealed record FlatAffectOptions
{
    /// <summary>With a baseline: flagged when mean and spread are both at most this fraction of the baseline's (0…1; default 0.5).</summary>
    public double BaselineRatio { get; init; } = 0.5;

    /// <summary>Without a baseline: flagged when the mean expressivity is at most this (AU intensity, default 0.10).</summary>
    public double ReferenceMean { get; init; } = 0.10;

    /// <summary>… and its spread at most this (AU intensity, default 0.10).</summary>
    public double ReferenceSpread { get; init; } = 0.10;

    /// <summary>Seconds of measured expressivity a session needs before anything is said (default 60).</summary>
    public double MinMeasuredS { get; init; } = 60;

    internal void Validate()
    {
        Require.Within(BaselineRatio, 0.01, 1, $"{nameof(FlatAffectOptions)}.{nameof(BaselineRatio)}");
        Require.Within(ReferenceMean, 0, 5, $"{nameof(FlatAffectOptions)}.{nameof(ReferenceMean)}");
        Require.Within(ReferenceSpread, 0, 5, $"{nameof(FlatAffectOptions)}.{nameof(ReferenceSpread)}");
        Require.Within(MinMeasuredS, 1, 36_000, $"{nameof(FlatAffectOptions)}.{nameof(MinMeasuredS)}");
    }
}

/// <summary>Gaze-aversion indicator: the share of measured time the gaze points away from the camera.</summary>
public sealed record GazeAversionOptions
{
    /// <summary>Gaze yaw of the camera direction as this setup sees it (degrees; default 0 = the camera axis).</summary>
    public double CentreYaw { get; init; }

    /// <summary>Gaze pitch of the camera direction (degrees; default 0). A camera below the eyes gives a negative pitch.</summary>
    public double CentrePitch { get; init; }

    /// <summary>A frame looks away when its yaw differs from the centre by more than this (degrees; default 20, as the driver profile).</summary>
    public double AwayYaw { get; init; } = 20;

    /// <summary>… or its pitch by more than this (degrees; default 20).</summary>
    public double AwayPitch { get; init; } = 20;

    /// <summary>Flagged when the away share of measured time is at least this (0…1; default 0.4).</summary>
    public double MaxAwayShare { get; init; } = 0.4;

    /// <summary>Seconds of measured gaze needed before anything is said (default 30).</summary>
    public double MinMeasuredS { get; init; } = 30;

    internal bool IsAway(double yaw, double pitch) => Math.Abs(yaw - CentreYaw) > AwayYaw || Math.Abs(pitch - CentrePitch) > AwayPitch;

    internal void Validate()
    {
        Require.Within(CentreYaw, -60, 60, $"{nameof(GazeAversionOptions)}.{nameof(CentreYaw)}");
        Require.Within(CentrePitch, -60, 60, $"{nameof(GazeAversionOptions)}.{nameof(CentrePitch)}");
        Require.Within(AwayYaw, 1, 90, $"{nameof(GazeAversionOptions)}.{nameof(AwayYaw)}");
        Require.Within(AwayPitch, 1, 90, $"{nameof(GazeAversionOptions)}.{nameof(AwayPitch)}");
        Require.Within(MaxAwayShare, 0.01, 1, $"{nameof(GazeAversionOptions)}.{nameof(MaxAwayShare)}");
        Require.Within(MinMeasuredS, 1, 36_000, $"{nameof(GazeAversionOptions)}.{nameof(MinMeasuredS)}");
    }
}

/// <summary>Blink-rate change: this session against earlier sessions, or its later part against its first minutes.</summary>
public sealed record BlinkRateOptions
{
    /// <summary>Without earlier sessions, the first this many seconds are the baseline (default 120).</summary>
    public double BaselineS { get; init; } = 120;

    /// <summary>Seconds of measured eyes each side of the comparison needs (default 60).</summary>
    public double MinExposureS { get; init; } = 60;

    /// <summary>Flagged only when the rate changed by at least this factor either way (default 1.5)…</summary>
    public double MinRatio { get; init; } = 1.5;

    /// <summary>… and the log-rate-ratio z is at least this in size (default 1.96, two-sided 5 %).</summary>
    public double MinZ { get; init; } = Estimate.Z95;

    internal void Validate()
    {
        Require.Within(BaselineS, 10, 3600, $"{nameof(BlinkRateOptions)}.{nameof(BaselineS)}");
        Require.Within(MinExposureS, 5, 3600, $"{nameof(BlinkRateOptions)}.{nameof(MinExposureS)}");
        Require.Within(MinRatio, 1, 10, $"{nameof(BlinkRateOptions)}.{nameof(MinRatio)}");
        Require.Within(MinZ, 0, 10, $"{nameof(BlinkRateOptions)}.{nameof(MinZ)}");
    }
}

/// <summary>Speech share (how much of the session the person spoke) and voice arousal.</summary>
public sealed record SpeechOptions
{
    /// <summary>Flagged when the person spoke for at most this share of the session (0…1; default 0.1).</summary>
    public double LowShareAtMost { get; init; } = 0.1;

    /// <summary>Flagged when the confidence-weighted mean voice arousal is at least this (0…1; default 0.5).</summary>
    public double HighArousalAtLeast { get; init; } = 0.5;

    /// <summary>Speech segments needed before voice arousal is judged (default 3).</summary>
    public int MinSegments { get; init; } = 3;

    /// <summary>Seconds a session must last before its speech share is judged (default 60).</summary>
    public double MinSessionS { get; init; } = 60;

    internal void Validate()
    {
        Require.Within(LowShareAtMost, 0, 1, $"{nameof(SpeechOptions)}.{nameof(LowShareAtMost)}");
        Require.Within(HighArousalAtLeast, 0, 1, $"{nameof(SpeechOptions)}.{nameof(HighArousalAtLeast)}");
        Require.Within(MinSegments, 1, 1000, $"{nameof(SpeechOptions)}.{nameof(MinSegments)}");
        Require.Within(MinSessionS, 1, 36_000, $"{nameof(SpeechOptions)}.{nameof(MinSessionS)}");
    }
}

/// <summary>Option checks whose messages name the option, its value and the limit.</summary>
internal static class Require
{
    public static void Within(double value, double min, double max, string name)
    {
        if (!double.IsFinite(value) || value < min || value > max)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} = {value}: must be within [{min}, {max}]."), name);
        }
    }

    public static void That(bool ok, string name, object value, string constraint)
    {
        if (!ok)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} = {value}: must be {constraint}."), name);
        }
    }
}
