using Mien.Physiology.Pulse;

namespace Mien.Physiology.Driver;

/// <summary>Thresholds of <see cref="DriverMonitor"/>; defaults follow the drowsiness literature (PERCLOS, microsleeps ≥ 0.5 s) except the closed-eye threshold, which is set from hand-labelled video (<see cref="ClosedOpenness"/>); none is tuned on driving data.</summary>
public sealed record DriverOptions
{
    /// <summary>Rolling window for PERCLOS and event counts (default 60 s).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Eyes count as closed (PERCLOS, long closures) at or below this openness relative to the person's open-eye baseline
    /// (default 0.6). Not the literature's 0.2 (P80): on hand-labelled real video the face mesh never shows a shut eye
    /// as shut. At the deepest frame of a blink openness reads 0.15–0.45 (median 0.29), during a held closure it drifts
    /// back up to 0.55–0.6 while the lids stay shut, and open eyes read ≥ 0.77 (1st percentile); with 0.2 no real
    /// closure was ever found (tests/data/labels, docs/physiology.md).
    /// </summary>
    public float ClosedOpenness { get; init; } = 0.6f;

    /// <summary>Blink duration is the time below this openness (default 0.7: about half way between shut and open on the mesh's compressed scale).</summary>
    public float BlinkOpenness { get; init; } = 0.7f;

    /// <summary>A closure at least this long is a long closure, a microsleep candidate (default 0.5 s).</summary>
    public TimeSpan LongClosure { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Mouth opening a yawn must reach (default 0.45; speech rarely passes 0.35 and only for a syllable).</summary>
    public float YawnOpening { get; init; } = 0.45f;

    /// <summary>How long the mouth must stay at or above <see cref="YawnOpening"/> × 0.8 for a yawn (default 1.5 s; syllables last 0.1–0.4 s).</summary>
    public TimeSpan YawnDuration { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>Pitch drop below the person's running pitch baseline that counts as a drowsy head drop, degrees (default 12).</summary>
    public float NodDrop { get; init; } = 12;

    /// <summary>Longest head drop that still counts as a nod (default 4 s; longer is looking down).</summary>
    public TimeSpan MaxNod { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Gaze more than this far from the attention centre (yaw), degrees, is away (default 20).</summary>
    public float AwayYaw { get; init; } = 20;

    /// <summary>Gaze more than this far from the attention centre (pitch), degrees, is away (default 15).</summary>
    public float AwayPitch { get; init; } = 15;

    /// <summary>Centre of the attention area (road or screen) as gaze yaw, pitch in degrees (default null: the person's median gaze over their first 30 s).</summary>
    public (float Yaw, float Pitch)? AttentionCentre { get; init; }

    /// <summary>A lower alert level is taken only after the higher level's causes have been absent this long (default 5 s).</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        HeartRateOptions.Require(Window >= TimeSpan.FromSeconds(10), nameof(Window), Window, "at least 10 s");
        HeartRateOptions.Require(ClosedOpenness > 0 && BlinkOpenness > ClosedOpenness && BlinkOpenness < 1, nameof(BlinkOpenness), BlinkOpenness, $"within ({nameof(ClosedOpenness)} = {ClosedOpenness} > 0, 1)");
        HeartRateOptions.Require(LongClosure > TimeSpan.Zero && YawnDuration > TimeSpan.Zero && MaxNod > TimeSpan.Zero && Hold >= TimeSpan.Zero, nameof(LongClosure) + "/" + nameof(YawnDuration) + "/" + nameof(MaxNod), $"{LongClosure}/{YawnDuration}/{MaxNod}", "positive");
        HeartRateOptions.Require(YawnOpening > 0 && NodDrop > 0 && AwayYaw > 0 && AwayPitch > 0, nameof(YawnOpening) + "/" + nameof(NodDrop) + "/" + nameof(AwayYaw) + "/" + nameof(AwayPitch), $"{YawnOpening}/{NodDrop}/{AwayYaw}/{AwayPitch}", "positive");
    }
}
