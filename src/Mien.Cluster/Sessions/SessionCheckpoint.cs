namespace Mien.Cluster.Sessions;

/// <summary>
/// What a session grain keeps in grain storage: enough to continue after its silo dies. The face pipeline's own
/// per-frame state (tracker, temporal filter) is not serialisable and restarts with the new activation (the temporal
/// model settles again within about a second); what carries over is who each person is (matched to the new tracks by
/// their last box), their summaries, the counters and the settings.
/// </summary>
[GenerateSerializer]
internal sealed class SessionCheckpoint
{
    [Id(0)] public SessionStart? Start { get; set; }

    [Id(1)] public long CheckpointSequence { get; set; } = -1;

    [Id(2)] public long FramesAnalysed { get; set; }

    [Id(3)] public int Activations { get; set; }

    [Id(4)] public int NextPerson { get; set; } = 1;

    [Id(5)] public List<PersonCheckpoint> People { get; set; } = [];

    [Id(6)] public DateTimeOffset SavedUtc { get; set; }

    /// <summary>When the session last analysed a frame (or started): what abandonment is measured from.</summary>
    [Id(7)] public DateTimeOffset LastFrameUtc { get; set; }
}

/// <summary>One person's running totals, as checkpointed.</summary>
[GenerateSerializer]
internal sealed record PersonCheckpoint(
    [property: Id(0)] int Person,
    [property: Id(1)] long Frames,
    [property: Id(2)] double[] ExpressionSums,
    [property: Id(3)] long ExpressionFrames,
    [property: Id(4)] double ValenceSum,
    [property: Id(5)] double ArousalSum,
    [property: Id(6)] long AffectFrames,
    [property: Id(7)] double FirstSeenS,
    [property: Id(8)] double LastSeenS,
    [property: Id(9)] float[] LastBox);
