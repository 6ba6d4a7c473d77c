using Orleans.Concurrency;

namespace Mien.Cluster;

/// <summary>
/// One live stream or upload job in the cluster, keyed by its session id. The grain is a thin shell over the same
/// <see cref="Mien.Sessions.AnalysisSession"/> every host runs: it owns the session while active, answers each frame
/// with its results in the public schema, checkpoints the per-person state to grain storage every few frames, and
/// after its silo dies re-activates on another silo from the last checkpoint when the client sends the next frame.
/// </summary>
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Opens the session (or re-opens it from its checkpoint); says where it runs and where to resume.</summary>
    Task<SessionOpened> OpenAsync(SessionStart start);

    /// <summary>Analyses one frame. A frame whose sequence was already answered is not analysed again (<see cref="FrameOutcome.Duplicate"/>).</summary>
    Task<FrameReply> AnalyzeAsync(FrameMessage frame);

    /// <summary>Ends the session: completes its outputs, forgets its checkpoint and returns the final state.</summary>
    Task<SessionStatus> CloseAsync();

    /// <summary>Where the session is: silo, sequences, people.</summary>
    Task<SessionStatus> StatusAsync();

    /// <summary>
    /// Ends the session at once and deletes its checkpoint from grain storage (the subject's consent to analysis was
    /// withdrawn, or the subject erased): later frames are answered <see cref="FrameOutcome.Ended"/> with
    /// <paramref name="reason"/>. True when there was a session or a checkpoint to delete.
    /// </summary>
    Task<bool> ForgetAsync(string reason);

    /// <summary>Sends every frame's reply to <paramref name="observer"/> too (a dashboard on any node).</summary>
    Task SubscribeAsync(IResultObserver observer);

    /// <summary>Stops sending replies to <paramref name="observer"/>.</summary>
    Task UnsubscribeAsync(IResultObserver observer);
}

/// <summary>A dashboard (on any silo or client) that receives a session's results as they are produced.</summary>
public interface IResultObserver : IGrainObserver
{
    /// <summary>A frame of <paramref name="session"/> was analysed (one-way: a slow dashboard never slows the session).</summary>
    [OneWay]
    Task OnFrame(string session, FrameReply reply);

    /// <summary><paramref name="session"/> was closed: no more frames will come.</summary>
    [OneWay]
    Task OnClosed(string session);
}

/// <summary>How a session is analysed.</summary>
/// <param name="Source">Name the results carry (e.g. "live").</param>
/// <param name="Body">Body pose and cues (one more model per face).</param>
/// <param name="CheckpointEvery">Frames between two checkpoints (1–1000): what a silo loss can cost at most in per-person state.</param>
/// <param name="Subject">
/// The subject grain key ("{project}/{subject}") when the session analyses a named subject, else null: the session then
/// registers with that <see cref="ISubjectGrain"/>, which ends it and deletes its checkpoint when the subject's consent
/// to analysis is withdrawn or the subject is erased, on whichever silo either runs.
/// </param>
[GenerateSerializer, Immutable]
public sealed record SessionStart([property: Id(0)] string Source, [property: Id(1)] bool Body = false, [property: Id(2)] int CheckpointEvery = 25, [property: Id(3)] string? Subject = null)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the field, its value and the limit.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Source) || Source.Length > 200)
        {
            throw new ArgumentException($"{nameof(Source)} = '{Source}': must be 1–200 characters.", nameof(Source));
        }

        if (CheckpointEvery is < 1 or > 1000)
        {
            throw new ArgumentException($"{nameof(CheckpointEvery)} = {CheckpointEvery}: must be between 1 and 1000 frames.", nameof(CheckpointEvery));
        }

        if (Subject is not null && (Subject.Length is < 1 or > 200 || !Subject.Contains('/', StringComparison.Ordinal)))
        {
            throw new ArgumentException($"{nameof(Subject)} = '{(Subject.Length > 60 ? Subject[..60] + "…" : Subject)}': must be a subject grain key '{{project}}/{{subject}}' of at most 200 characters.", nameof(Subject));
        }
    }
}

/// <summary>Where an opened session runs and where its client resumes.</summary>
/// <param name="Silo">The silo that owns the session now.</param>
/// <param name="Resumed">True when the session continues from a checkpoint (its previous silo stopped or died).</param>
/// <param name="CheckpointSequence">Last frame sequence covered by the checkpoint (−1: none).</param>
/// <param name="LastSequence">Last frame sequence answered before (−1: none); frames up to it are not analysed again.</param>
/// <param name="PeopleCarried">People whose state came from the checkpoint.</param>
/// <param name="Activations">How many times the session has been activated (1 = never moved).</param>
[GenerateSerializer, Immutable]
public sealed record SessionOpened(
    [property: Id(0)] string Silo, [property: Id(1)] bool Resumed, [property: Id(2)] long CheckpointSequence, [property: Id(3)] long LastSequence,
    [property: Id(4)] int PeopleCarried, [property: Id(5)] int Activations);

/// <summary>One encoded frame (JPEG or PNG) with the client's sequence number and timestamp.</summary>
[GenerateSerializer, Immutable]
public sealed record FrameMessage([property: Id(0)] long Sequence, [property: Id(1)] TimeSpan Timestamp, [property: Id(2)] byte[] Image);

/// <summary>What happened to a frame.</summary>
public enum FrameOutcome
{
    /// <summary>Analysed; the reply carries its results.</summary>
    Analysed,

    /// <summary>Its sequence was answered before (a retry); not analysed again.</summary>
    Duplicate,

    /// <summary>Not analysed; <see cref="FrameReply.Problem"/> says why (bad image, timestamp not increasing).</summary>
    Refused,

    /// <summary>
    /// The session is over and nothing of it is kept (never opened, stopped, or ended by a withdrawal of consent or an
    /// erasure; <see cref="FrameReply.Problem"/> says which): no later frame will be analysed. The client stops.
    /// </summary>
    Ended,
}

/// <summary>One frame's answer.</summary>
/// <param name="Sequence">The frame's sequence.</param>
/// <param name="Outcome">What happened to it.</param>
/// <param name="Silo">The silo that answered.</param>
/// <param name="Json">The frame's results in the public schema (mien-results/1), people numbered across re-activations; empty unless analysed.</param>
/// <param name="Faces">The faces' key measurements (for studies and dashboards).</param>
/// <param name="AnalysisMs">Time the session spent on the frame, in milliseconds.</param>
/// <param name="Problem">Why the frame was refused, or null.</param>
[GenerateSerializer, Immutable]
public sealed record FrameReply(
    [property: Id(0)] long Sequence, [property: Id(1)] FrameOutcome Outcome, [property: Id(2)] string Silo, [property: Id(3)] byte[] Json,
    [property: Id(4)] IReadOnlyList<FaceDigest> Faces, [property: Id(5)] double AnalysisMs, [property: Id(6)] string? Problem);

/// <summary>A face's key measurements in one frame (estimates of what the face shows).</summary>
/// <param name="Person">The person's number in this session, stable across re-activations.</param>
/// <param name="Box">X, Y, width, height in frame pixels.</param>
/// <param name="Expression">Seven expression probabilities (anger, disgust, fear, happiness, sadness, surprise, neutral), or null.</param>
/// <param name="Valence">Valence estimate −1…1, or null.</param>
/// <param name="Arousal">Arousal estimate −1…1, or null.</param>
/// <param name="GazeYaw">Gaze yaw in degrees, or null.</param>
/// <param name="GazePitch">Gaze pitch in degrees, or null.</param>
[GenerateSerializer, Immutable]
public sealed record FaceDigest(
    [property: Id(0)] int Person, [property: Id(1)] float[] Box, [property: Id(2)] float[]? Expression, [property: Id(3)] float? Valence,
    [property: Id(4)] float? Arousal, [property: Id(5)] float? GazeYaw, [property: Id(6)] float? GazePitch);

/// <summary>A session's state.</summary>
/// <param name="Silo">The silo that owns it now.</param>
/// <param name="Open">Whether it is open.</param>
/// <param name="LastSequence">Last frame sequence answered (−1: none).</param>
/// <param name="CheckpointSequence">Last frame sequence the checkpoint covers (−1: none).</param>
/// <param name="FramesAnalysed">Frames analysed over every activation up to the checkpoint, plus this activation's since.</param>
/// <param name="Activations">Activations so far.</param>
/// <param name="People">Per-person summaries.</param>
/// <param name="Exists">Whether the session was ever opened (and not closed): false for an id nobody opened.</param>
[GenerateSerializer, Immutable]
public sealed record SessionStatus(
    [property: Id(0)] string Silo, [property: Id(1)] bool Open, [property: Id(2)] long LastSequence, [property: Id(3)] long CheckpointSequence,
    [property: Id(4)] long FramesAnalysed, [property: Id(5)] int Activations, [property: Id(6)] IReadOnlyList<PersonSummary> People,
    [property: Id(7)] bool Exists = true);

/// <summary>One person of a session, summarised over every activation (estimates of what the face showed).</summary>
/// <param name="Person">The person's number.</param>
/// <param name="Frames">Frames the person was seen in.</param>
/// <param name="MeanExpression">Mean of the seven expression probabilities over those frames (empty when none carried one).</param>
/// <param name="MeanValence">Mean valence, or null.</param>
/// <param name="MeanArousal">Mean arousal, or null.</param>
/// <param name="FirstSeenS">First time seen, seconds on the client's clock.</param>
/// <param name="LastSeenS">Last time seen, seconds on the client's clock.</param>
[GenerateSerializer, Immutable]
public sealed record PersonSummary(
    [property: Id(0)] int Person, [property: Id(1)] long Frames, [property: Id(2)] IReadOnlyList<double> MeanExpression,
    [property: Id(3)] double? MeanValence, [property: Id(4)] double? MeanArousal, [property: Id(5)] double FirstSeenS, [property: Id(6)] double LastSeenS);

/// <summary>
/// The cluster has no room for another session: every silo runs its <see cref="MienClusterOptions.MaxSessionsPerSilo"/>.
/// Hosts answer it as 503 with this message; the client may try again later.
/// </summary>
[GenerateSerializer]
public sealed class ClusterFullException : Exception
{
    /// <summary>Creates the refusal.</summary>
    public ClusterFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the refusal with the default message.</summary>
    public ClusterFullException()
        : base("the cluster is full")
    {
    }

    /// <summary>Creates the refusal with an inner cause.</summary>
    public ClusterFullException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
