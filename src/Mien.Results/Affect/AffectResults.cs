namespace Mien.Results;

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

    /// <summary>Pulse rate from skin colour, relative to the person's own median (arousal only, high-quality windows only).</summary>
    Pulse,

    /// <summary>Sentiment of the words the person said (transcript, VADER): valence only.</summary>
    Text,
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

/// <summary>What the per-track affect model (Mien.Affect.TrackAffect) estimated for one frame.</summary>
/// <param name="Units">Action units (null without landmarks).</param>
/// <param name="Expression">The temporal model's expression estimate (null without a per-frame expression).</param>
/// <param name="Affect">Valence/arousal (null without an expression).</param>
/// <param name="Reliability">The frame's reliability in [0, 1] (see Mien.Affect.FaceReliability).</param>
public sealed record AffectFrame(ActionUnits? Units, FilteredExpression? Expression, ValenceArousal? Affect, float Reliability);

/// <summary>How much one action unit drove a segment.</summary>
/// <param name="Code">FACS code, e.g. "AU12".</param>
/// <param name="MeanIntensity">Mean intensity (0–5) in the segment.</param>
/// <param name="AboveBaseline">Mean intensity minus the track's mean in neutral frames (at least 0).</param>
/// <param name="Share">This AU's share of all AUs' <paramref name="AboveBaseline"/> in the segment (0–1).</param>
public sealed record AuContribution(string Code, float MeanIntensity, float AboveBaseline, float Share);

/// <summary>One expression episode of a track.</summary>
/// <param name="Expression">The dominant expression of the segment.</param>
/// <param name="Onset">First frame where the expression was dominant.</param>
/// <param name="Apex">Frame of its highest probability.</param>
/// <param name="Offset">Last frame of the segment.</param>
/// <param name="PeakIntensity">Highest filtered probability of the expression in the segment (the temporal model's confidence, not the expression's strength).</param>
/// <param name="MeanValence">Mean valence over the segment's frames.</param>
/// <param name="MeanArousal">Mean arousal over the segment's frames.</param>
/// <param name="TopUnits">Action units that drove it, strongest first (empty when no AUs were measured).</param>
public sealed record ExpressionSegment(
    string Expression,
    TimeSpan Onset,
    TimeSpan Apex,
    TimeSpan Offset,
    float PeakIntensity,
    float MeanValence,
    float MeanArousal,
    IReadOnlyList<AuContribution> TopUnits)
{
    /// <summary>Offset − onset.</summary>
    public TimeSpan Duration => Offset - Onset;

    /// <summary>
    /// False when <see cref="TopUnits"/> is empty because the segment ended before the person's neutral baseline
    /// settled (its AUs were relative to a population neutral, so a face's shape could not be told from its
    /// expression); true otherwise. Default true.
    /// </summary>
    public bool UnitsAttributed { get; init; } = true;
}

/// <summary>An expression segment of one person (public track id).</summary>
/// <param name="TrackId">Whose.</param>
/// <param name="Segment">The segment.</param>
public sealed record TrackSegment(int TrackId, ExpressionSegment Segment);

/// <summary>A fused face/voice/body estimate of one track over one window.</summary>
/// <param name="TrackId">The person.</param>
/// <param name="Affect">The fused estimate with each source's contribution.</param>
public sealed record TrackFusedAffect(int TrackId, FusedAffect Affect);

/// <summary>
/// A stretch of one expression on a person's most likely expression path over a whole recording (offline Viterbi
/// decoding of the temporal model): the non-flickering label sequence of a file, with changes placed where the
/// evidence turns.
/// </summary>
/// <param name="TrackId">Whose.</param>
/// <param name="Expression">The expression of the stretch.</param>
/// <param name="Start">First frame of the stretch.</param>
/// <param name="End">Last frame of the stretch.</param>
public sealed record ExpressionRun(int TrackId, string Expression, TimeSpan Start, TimeSpan End);
