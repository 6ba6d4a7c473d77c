namespace Mien.Results;

/// <summary>Why a physiological estimate was withheld: a stable machine code and a sentence naming the measured value and the limit.</summary>
/// <param name="Code">Machine code, e.g. <c>low-quality</c>, <c>motion</c>, <c>too-short</c>.</param>
/// <param name="Message">Human sentence, e.g. "pulse SNR −2.1 dB, needs ≥ 1.5 dB".</param>
public sealed record PhysiologyIssue(string Code, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>
/// Pulse rate estimated from the skin colour of forehead and cheeks (remote photoplethysmography) over one sliding
/// window. An estimate of what the video shows, not a medical measurement; <see cref="BeatsPerMinute"/> is null when
/// the signal was too poor to report (see <see cref="Issue"/>).
/// </summary>
/// <param name="WindowStart">Start of the analysed window (stream time).</param>
/// <param name="WindowEnd">End of the window (the frame this result is attached to).</param>
/// <param name="BeatsPerMinute">Pulse rate (POS method), or null when withheld.</param>
/// <param name="CandidateBeatsPerMinute">The POS spectrum's peak, given even when the rate is withheld so the refusal can be checked; not a reported rate.</param>
/// <param name="ChromBeatsPerMinute">The same window's rate by the CHROM method (null when its spectrum had no peak); a second opinion.</param>
/// <param name="SnrDb">Spectral signal-to-noise ratio of the POS pulse signal (power near the peak and its harmonic over the rest of 0.7–3.5 Hz), dB; null when there was no spectrum (too few frames, no colour variation at all).</param>
/// <param name="Quality">Signal-quality index in [0, 1] from SNR, POS/CHROM agreement and the share of samples hit by motion or illumination jumps.</param>
/// <param name="ArtefactShare">Share of the window's frames marked as motion or illumination artefacts, in [0, 1].</param>
/// <param name="Issue">Why the rate was withheld (null when reported).</param>
public sealed record HeartRateEstimate(
    TimeSpan WindowStart,
    TimeSpan WindowEnd,
    float? BeatsPerMinute,
    float? CandidateBeatsPerMinute,
    float? ChromBeatsPerMinute,
    float? SnrDb,
    float Quality,
    float ArtefactShare,
    PhysiologyIssue? Issue);

/// <summary>A head gesture.</summary>
public enum HeadGestureKind
{
    /// <summary>Up-down oscillation of the head (pitch): a nod, usually "yes".</summary>
    Nod,

    /// <summary>Left-right oscillation of the head (yaw): a shake, usually "no".</summary>
    Shake,
}

/// <summary>A nod or shake found in the head-pose trajectory.</summary>
/// <param name="Kind">Nod or shake.</param>
/// <param name="Start">When the first swing started.</param>
/// <param name="End">When the last swing ended.</param>
/// <param name="HalfCycles">Number of swings (a single down-up nod is 2).</param>
/// <param name="AmplitudeDegrees">Median peak-to-peak swing, degrees.</param>
public sealed record HeadGesture(HeadGestureKind Kind, TimeSpan Start, TimeSpan End, int HalfCycles, float AmplitudeDegrees);

/// <summary>
/// Left/right differences of one frame's face in a pose-normalised frame (the face rotated to frontal, eye line level,
/// scaled by face height). Positive means the subject's left side is lower / more open / larger; values are percent of
/// face height (mouth, brow, nasolabial) or of the mean aperture (eyes). An indicator of what the face shows, never a diagnosis.
/// </summary>
/// <param name="MouthCorner">Left minus right mouth-corner height below the eye line, % of face height (positive: left corner lower).</param>
/// <param name="EyeAperture">Left minus right lid aperture over their mean, %.</param>
/// <param name="Brow">Left minus right brow height above the eye corners, % of face height (positive: left brow higher).</param>
/// <param name="Nasolabial">Left minus right distance from the alar base to the mouth corner, % of face height.</param>
/// <param name="SmileExcursion">Left minus right mouth-corner displacement from the person's neutral baseline, % of face height (null until a baseline exists).</param>
/// <param name="Reliable">False when the pose is beyond the range the normalisation was validated for (|yaw| or |pitch| over the limit).</param>
public sealed record AsymmetryFrame(float MouthCorner, float EyeAperture, float Brow, float Nasolabial, float? SmileExcursion, bool Reliable);

/// <summary>One asymmetry index over a stretch of time with a confidence interval, compared against the person's baseline.</summary>
/// <param name="Index">Which index, e.g. <c>mouth-corner</c>.</param>
/// <param name="Start">Start of the stretch.</param>
/// <param name="End">End of the stretch.</param>
/// <param name="Mean">Mean of the index over the stretch.</param>
/// <param name="Low">Lower bound of the 95 % confidence interval of the mean (from block means, so correlated frames do not shrink it).</param>
/// <param name="High">Upper bound.</param>
/// <param name="Baseline">The person's baseline mean (null while it is being learned).</param>
/// <param name="Changed">True only when the interval lies entirely beyond the baseline's own interval by more than the measurement-noise margin.</param>
public sealed record AsymmetryTrend(string Index, TimeSpan Start, TimeSpan End, float Mean, float Low, float High, float? Baseline, bool Changed);

/// <summary>Physiological and behavioural measurements of one face in one frame; parts are null when off or not due.</summary>
public sealed record PhysiologyFrame
{
    /// <summary>The pulse estimate of the window ending at this frame (once per window step, e.g. every second).</summary>
    public HeartRateEstimate? HeartRate { get; init; }

    /// <summary>Gestures that ended at this frame.</summary>
    public IReadOnlyList<HeadGesture> Gestures { get; init; } = [];

    /// <summary>This frame's facial asymmetry indices.</summary>
    public AsymmetryFrame? Asymmetry { get; init; }

    /// <summary>Asymmetry trends of a stretch that closed at this frame (the first is the person's baseline), one per index.</summary>
    public IReadOnlyList<AsymmetryTrend> AsymmetryTrends { get; init; } = [];

    /// <summary>Driver / operator indicators (only with the driver profile).</summary>
    public DriverState? Driver { get; init; }
}

/// <summary>Alert level of the driver / operator profile.</summary>
public enum AlertLevel
{
    /// <summary>Nothing notable.</summary>
    None,

    /// <summary>Signs of tiredness or distraction.</summary>
    Caution,

    /// <summary>Strong signs (long eye closures, high PERCLOS, long gaze away).</summary>
    Warning,
}

/// <summary>
/// Driver / operator indicators at one frame: estimates of what the face shows (eye closure, yawns, nods, gaze away),
/// not a judgement of fitness to drive.
/// </summary>
/// <param name="Perclos">Share of the last 60 s (or of the time seen so far) with the eyes shown shut: openness at or below the driver options' closed threshold (default 0.6 of the open-eye baseline, where the face mesh puts shut eyes; docs/physiology.md).</param>
/// <param name="EyesClosedFor">How long the eyes have been continuously closed at this frame (zero when open).</param>
/// <param name="LongClosures">Eye closures longer than 0.5 s in the last 60 s (microsleep candidates).</param>
/// <param name="MeanBlinkMs">Mean blink duration over the last 60 s, ms (null when none).</param>
/// <param name="Yawns">Yawns in the last 60 s.</param>
/// <param name="Nods">Drowsy head drops (pitch falls and recovers) in the last 60 s.</param>
/// <param name="GazeAwayFor">How long gaze has been continuously outside the attention area at this frame.</param>
/// <param name="Level">Alert level, with hysteresis (rises at once, falls only after the cause has been absent for a hold time).</param>
/// <param name="Causes">The measurements behind <see cref="Level"/> (empty when <see cref="AlertLevel.None"/>).</param>
public sealed record DriverState(
    float Perclos,
    TimeSpan EyesClosedFor,
    int LongClosures,
    float? MeanBlinkMs,
    int Yawns,
    int Nods,
    TimeSpan GazeAwayFor,
    AlertLevel Level,
    IReadOnlyList<string> Causes);
