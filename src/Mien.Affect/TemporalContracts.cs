using Mien.Results;

namespace Mien.Affect;

/// <summary>
/// One frame's input to a temporal expression model: the classifier's per-frame probabilities (seven, in
/// <see cref="ExpressionEstimate.Labels"/> order), how much the frame can be trusted, and geometry when known.
/// </summary>
/// <param name="Timestamp">Presentation time; models use time differences, so dropped frames and variable rates are fine.</param>
/// <param name="Probabilities">Per-frame class probabilities (sum 1).</param>
/// <param name="Reliability">Frame quality in [0, 1] (pose, blur, occlusion, detection score); 0 = ignore this frame.</param>
/// <param name="Units">Action unit intensities, when the mesh was measured.</param>
/// <param name="Pose">Head pose, when measured.</param>
/// <param name="EyeOpenness">Eye openness relative to the person's baseline, when measured.</param>
/// <param name="MouthOpening">Inner-lip gap over mouth width, when measured.</param>
public sealed record TemporalInput(
    TimeSpan Timestamp,
    IReadOnlyList<float> Probabilities,
    float Reliability,
    ActionUnits? Units = null,
    HeadPose? Pose = null,
    float? EyeOpenness = null,
    float? MouthOpening = null);

/// <summary>A temporal model's expression estimate for one frame, given everything up to and including it (causal).</summary>
/// <param name="Probabilities">Filtered class probabilities in <see cref="ExpressionEstimate.Labels"/> order (sum 1).</param>
/// <param name="Dominant">The most probable class.</param>
/// <param name="Confidence">Probability of <see cref="Dominant"/>.</param>
public sealed record FilteredExpression(IReadOnlyList<float> Probabilities, string Dominant, float Confidence)
{
    /// <summary>Builds an estimate from probabilities, choosing the dominant class.</summary>
    public static FilteredExpression From(IReadOnlyList<float> probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        var best = 0;
        for (var i = 1; i < probabilities.Count; i++)
        {
            if (probabilities[i] > probabilities[best])
            {
                best = i;
            }
        }

        return new FilteredExpression(probabilities, ExpressionEstimate.Labels[best], probabilities[best]);
    }
}

/// <summary>
/// A causal per-track model of how the expression evolves (one instance per track): fed frame by frame, it
/// returns the filtered estimate for that frame. Implementations: the HMM forward filter (default) and the GRU.
/// </summary>
public interface IExpressionSequenceModel
{
    /// <summary>Adds one frame (timestamps must increase) and returns the estimate for it.</summary>
    FilteredExpression Update(TemporalInput input);

    /// <summary>Forgets the history (e.g. the person left and a new one came).</summary>
    void Reset();
}

/// <summary>
/// A point in the circumplex of affect: <see cref="Valence"/> from −1 (unpleasant) to +1 (pleasant) and
/// <see cref="Arousal"/> from −1 (calm, low activation) to +1 (excited, high activation), with a confidence in [0, 1].
/// Expression estimates, not measurements of feeling.
/// </summary>
public readonly record struct ValenceArousal(float Valence, float Arousal, float Confidence);

/// <summary>Which modality an estimate came from.</summary>
public enum AffectSource
{
    /// <summary>Facial expression (CNN + temporal model + action units).</summary>
    Face,

    /// <summary>Voice prosody.</summary>
    Voice,

    /// <summary>Body posture and movement.</summary>
    Body,
}

/// <summary>
/// One modality's estimate for a track over a time window, as fusion consumes it. Any part may be missing
/// (voice says little about the expression class; body says little about valence).
/// </summary>
/// <param name="Source">The modality.</param>
/// <param name="Affect">Valence/arousal with the modality's own confidence, when it has one.</param>
/// <param name="Expression">Class probabilities in <see cref="ExpressionEstimate.Labels"/> order, when the modality estimates them.</param>
public sealed record ModalityEstimate(AffectSource Source, ValenceArousal? Affect, IReadOnlyList<float>? Expression);

/// <summary>How much one modality contributed to a fused estimate.</summary>
/// <param name="Source">The modality.</param>
/// <param name="Weight">Normalised weight in [0, 1] of this modality in the fused valence/arousal (weights sum to 1).</param>
/// <param name="Affect">What the modality said.</param>
public sealed record SourceContribution(AffectSource Source, float Weight, ValenceArousal? Affect);

/// <summary>The fused estimate for a track and time window, with each source's contribution visible.</summary>
/// <param name="Start">Window start.</param>
/// <param name="End">Window end.</param>
/// <param name="Affect">Fused valence/arousal.</param>
/// <param name="Expression">Fused class probabilities, when any source gave them.</param>
/// <param name="Contributions">Per source, its weight and estimate.</param>
public sealed record FusedAffect(TimeSpan Start, TimeSpan End, ValenceArousal Affect, IReadOnlyList<float>? Expression, IReadOnlyList<SourceContribution> Contributions);
