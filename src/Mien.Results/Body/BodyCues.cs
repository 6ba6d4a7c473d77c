namespace Mien.Results;

/// <summary>A measured body cue: a value in the cue's own unit and a confidence in [0, 1].</summary>
/// <param name="Value">The measurement (unit documented on the <see cref="BodyCues"/> property).</param>
/// <param name="Confidence">From the keypoint scores it rests on, how much baseline there is, and association.</param>
public readonly record struct BodyCue(float Value, float Confidence);

/// <summary>A yes/no body cue with a confidence in [0, 1] that the answer is right.</summary>
/// <param name="Present">Whether the cue is seen in this frame.</param>
/// <param name="Confidence">From the scores of the keypoints it rests on and how clear the geometry is.</param>
public readonly record struct BodyFlag(bool Present, float Confidence);

/// <summary>Which hand (the person's own side).</summary>
[Flags]
public enum Hands
{
    /// <summary>No hand.</summary>
    None = 0,

    /// <summary>The person's left hand.</summary>
    Left = 1,

    /// <summary>The person's right hand.</summary>
    Right = 2,

    /// <summary>Both hands.</summary>
    Both = Left | Right,
}

/// <summary>Hand-to-face: whether a wrist is at the face, and which.</summary>
/// <param name="Present">A visible wrist lies in the face zone (face box grown to 2× around its centre, plus half a face below the chin).</param>
/// <param name="Hands">Which hands are there.</param>
/// <param name="Confidence">The score of the wrist(s) involved (or of the most visible wrist when absent), times the association.</param>
public readonly record struct HandToFace(bool Present, Hands Hands, float Confidence);

/// <summary>
/// A body-derived arousal proxy for the lead's fusion: movement energy mapped to [−1, 1] (still … very
/// active). The body says little about valence, so none is given.
/// </summary>
/// <param name="Arousal">−1 perfectly still, 0 at the body-language options' half-arousal energy, towards +1 for vigorous movement.</param>
/// <param name="Confidence">Movement energy's confidence times the body-language options' affect weight: moving is as much about activity (talking with the hands, adjusting a chair) as about arousal.</param>
public readonly record struct BodyAffect(float Arousal, float Confidence);

/// <summary>
/// Body-language cues of one person at one frame. Every cue is null when it cannot be said (its keypoints are
/// not visible, or there is not enough history); <see cref="Reason"/> explains a frame where nothing can be said.
/// Angles follow <see cref="Mien.Results.HeadPose"/>'s roll: degrees, positive clockwise in the image.
/// </summary>
/// <param name="Timestamp">Frame time.</param>
/// <param name="UpperBodyVisible">Both shoulders are visible and the body is associated with the face.</param>
/// <param name="Reason">Why nothing could be said (null when <paramref name="UpperBodyVisible"/>).</param>
/// <param name="Lean">−1 (leaning away) … +1 (towards the camera): log of face height / shoulder width against the person's running baseline, ±1 at a 25 % change.</param>
/// <param name="HeadTilt">Degrees: ear line (else eye line) minus shoulder line; positive = head tilted clockwise in the image relative to the shoulders.</param>
/// <param name="ShoulderTilt">Degrees: shoulder line against the image horizontal, positive clockwise in the image.</param>
/// <param name="ShouldersRaised">Relative drop of the ear(eye)-to-shoulder-line distance (in face heights) below the person's baseline: 0 as usual, 0.2 = 20 % closer (shrug); negative = lower than usual.</param>
/// <param name="MovementEnergy">Smoothed mean upper-body keypoint speed, shoulder widths per second (still ≈ 0.05–0.15 from keypoint jitter).</param>
/// <param name="Fidgeting">Smoothed wrist speed relative to the shoulders (shoulder widths per second), counted only while the torso is still (scaled down as the torso moves).</param>
/// <param name="HandToFace">A wrist at the face.</param>
/// <param name="ArmsCrossed">Both forearms cross the body's midline with each wrist near the opposite elbow, below the shoulders.</param>
/// <param name="Affect">Arousal proxy from <paramref name="MovementEnergy"/>.</param>
public sealed record BodyCues(
    TimeSpan Timestamp,
    bool UpperBodyVisible,
    string? Reason,
    BodyCue? Lean,
    BodyCue? HeadTilt,
    BodyCue? ShoulderTilt,
    BodyCue? ShouldersRaised,
    BodyCue? MovementEnergy,
    BodyCue? Fidgeting,
    HandToFace? HandToFace,
    BodyFlag? ArmsCrossed,
    BodyAffect? Affect);
