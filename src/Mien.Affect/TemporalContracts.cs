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
