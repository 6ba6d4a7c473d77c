using Mien.Affect;
using Mien.Body;
using Mien.Physiology;
using Mien.Skin;

namespace Mien.Pipeline;

/// <summary>
/// What the pipeline learns about one person (public track id) over the whole stream: the affect model with its
/// neutral baseline, the body-language baselines, the skin aggregate and the physiology state. Unlike <see cref="TrackState"/> it
/// outlives a track that ends and is revived, so baselines are not relearned.
/// </summary>
internal sealed class PersonState(TrackAffect? affect, BodyLanguageAnalyzer? body, BodyPoseSchedule? bodySchedule, SkinAggregator? skin, PersonPhysiology? physiology = null)
{
    /// <summary>Pulse, gestures, asymmetry and driver indicators (null when physiology is off).</summary>
    public PersonPhysiology? Physiology { get; } = physiology;

    public TrackAffect? Affect { get; } = affect;

    public BodyLanguageAnalyzer? Body { get; } = body;

    public BodyPoseSchedule? BodySchedule { get; } = bodySchedule;

    public SkinAggregator? Skin { get; } = skin;

    /// <summary>When the skin was last measured (null: never).</summary>
    public TimeSpan? LastSkin { get; set; }

    public static bool Due(TimeSpan? last, TimeSpan now, TimeSpan interval) => last is not { } l || now - l >= interval || now < l;
}
