using Mien.Privacy;

namespace Mien.Storage;

/// <summary>A project: the unit of access control. Every key, subject and recording belongs to exactly one.</summary>
/// <param name="Id">Stable id.</param>
/// <param name="Name">Display name (1–200 characters).</param>
/// <param name="Purpose">What the project processes faces for.</param>
/// <param name="Setting">Where the people filmed are (decides, with <paramref name="Basis"/>, whether emotion inference is lawful).</param>
/// <param name="KeepMedia">Whether the project keeps raw media at all; a subject's media are kept only when this is
/// true and the subject consented to the media scope.</param>
/// <param name="CreatedAt">When it was created (UTC, microsecond precision).</param>
/// <param name="Basis">The medical or safety reason recorded for emotion inference in a workplace or education setting.</param>
/// <param name="Justification">Why the basis applies (required with a basis, 20–2000 characters).</param>
public sealed record Project(Guid Id, string Name, ProcessingPurpose Purpose, ProcessingSetting Setting, bool KeepMedia, DateTimeOffset CreatedAt, InferenceBasis Basis = InferenceBasis.None, string? Justification = null);

/// <summary>What a new project is made from.</summary>
/// <param name="Name">Display name (1–200 characters, no control characters).</param>
/// <param name="Purpose">What the project processes faces for.</param>
/// <param name="Setting">Where the people filmed are.</param>
/// <param name="KeepMedia">Whether the project may keep raw media (still subject to each subject's media consent).</param>
/// <param name="Basis">Medical or safety reason for emotion inference in a workplace or education setting.</param>
/// <param name="Justification">Why the basis applies (required with a basis).</param>
public sealed record NewProject(string Name, ProcessingPurpose Purpose = ProcessingPurpose.Research, ProcessingSetting Setting = ProcessingSetting.Lab, bool KeepMedia = false, InferenceBasis Basis = InferenceBasis.None, string? Justification = null);

/// <summary>A project's declaration as changed by an admin.</summary>
/// <param name="Purpose">What the project processes faces for.</param>
/// <param name="Setting">Where the people filmed are.</param>
/// <param name="Basis">Medical or safety reason for emotion inference in a workplace or education setting.</param>
/// <param name="Justification">Why the basis applies.</param>
/// <param name="KeepMedia">Whether the project may keep raw media.</param>
public sealed record ProjectPolicy(ProcessingPurpose Purpose, ProcessingSetting Setting, InferenceBasis Basis, string? Justification, bool KeepMedia);

/// <summary>A consent as recorded: given by a subject for one scope under one version of the consent text.</summary>
/// <param name="Id">Stable id.</param>
/// <param name="ProjectId">Owning project.</param>
/// <param name="SubjectId">Who consented.</param>
/// <param name="Scope">What it covers.</param>
/// <param name="TextVersion">Version of the consent text the subject read (e.g. "v2-2026-11").</param>
/// <param name="CollectedBy">Who collected it (a role or staff pseudonym, not a name of the subject).</param>
/// <param name="GivenAt">When it was given.</param>
/// <param name="WithdrawnAt">When it was withdrawn or superseded, or null while current.</param>
/// <param name="WithdrawnBy">Who withdrew it ("subject", a staff pseudonym, or "superseded by …"), or null.</param>
public sealed record Consent(Guid Id, Guid ProjectId, Guid SubjectId, ConsentScope Scope, string TextVersion, string CollectedBy, DateTimeOffset GivenAt, DateTimeOffset? WithdrawnAt, string? WithdrawnBy)
{
    /// <summary>Whether it covers processing now.</summary>
    public bool IsCurrent => WithdrawnAt is null;
}

/// <summary>A consent to record.</summary>
/// <param name="Scope">What it covers.</param>
/// <param name="TextVersion">Version of the consent text shown (1–100 characters).</param>
/// <param name="CollectedBy">Who collected it (1–200 characters).</param>
public sealed record NewConsent(ConsentScope Scope, string TextVersion, string CollectedBy);

/// <summary>What an API key may do within its project.</summary>
public enum ApiKeyRole
{
    /// <summary>Everything, including keys and erasure.</summary>
    Admin,

    /// <summary>Create subjects and recordings, read results.</summary>
    Analyst,

    /// <summary>Read results only.</summary>
    Viewer,
}

/// <summary>An API key as stored: never the secret, only what identifies and limits it.</summary>
/// <param name="Id">Stable id (for revocation).</param>
/// <param name="ProjectId">The only project the key opens.</param>
/// <param name="Role">What it may do.</param>
/// <param name="Prefix">Public part of the secret (16 hex digits), shown in listings so people can tell keys apart.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="RevokedAt">When it was revoked, or null while it works.</param>
public sealed record ApiKeyInfo(Guid Id, Guid ProjectId, ApiKeyRole Role, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A key just created: the only time its secret exists outside the caller's hands.</summary>
/// <param name="Key">The stored key.</param>
/// <param name="Secret">The secret (<c>mien_&lt;prefix&gt;_&lt;43 base64url characters&gt;</c>); show it once, it cannot be recovered.</param>
public sealed record CreatedApiKey(ApiKeyInfo Key, string Secret);

/// <summary>Who a valid secret belongs to.</summary>
/// <param name="KeyId">The key.</param>
/// <param name="ProjectId">The only project it opens.</param>
/// <param name="Role">What it may do.</param>
public sealed record ApiKeyIdentity(Guid KeyId, Guid ProjectId, ApiKeyRole Role);

/// <summary>A pseudonymous person filmed in a project's recordings (no name, no image: only a pseudonym).</summary>
/// <param name="Id">Stable id.</param>
/// <param name="ProjectId">Owning project.</param>
/// <param name="Pseudonym">Unique within the project (1–200 characters, no control characters).</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record Subject(Guid Id, Guid ProjectId, string Pseudonym, DateTimeOffset CreatedAt);

/// <summary>Where a recording's frames come from.</summary>
public enum SourceKind
{
    /// <summary>A file uploaded to the server and analysed as a job.</summary>
    Upload,

    /// <summary>A camera or network stream (RTSP/HTTP) the server reads.</summary>
    Stream,

    /// <summary>Frames pushed by a client over the live WebSocket.</summary>
    Live,
}

/// <summary>A recording's (job's) state. Done, Failed and Cancelled are final.</summary>
public enum RecordingStatus
{
    /// <summary>Waiting for a worker.</summary>
    Queued,

    /// <summary>Being analysed.</summary>
    Running,

    /// <summary>Analysed completely.</summary>
    Done,

    /// <summary>Stopped by an error (see <see cref="Recording.Error"/>).</summary>
    Failed,

    /// <summary>Stopped on request.</summary>
    Cancelled,
}

/// <summary>What a new recording is made from. It starts <see cref="RecordingStatus.Queued"/>.</summary>
/// <param name="ProjectId">Owning project.</param>
/// <param name="Name">File or source name only (1–255 characters, no path separators or control characters).</param>
/// <param name="Source">Where frames come from.</param>
/// <param name="SubjectId">The pseudonymous subject filmed (must belong to the same project), or null.</param>
/// <param name="MediaPath">Where the server keeps the media, or null.</param>
/// <param name="OptionsJson">Analysis options as a JSON object (stored as JSON, returned as given up to formatting).</param>
public sealed record NewRecording(Guid ProjectId, string Name, SourceKind Source, Guid? SubjectId = null, string? MediaPath = null, string OptionsJson = "{}");

/// <summary>A recording and its job state.</summary>
/// <param name="Id">Stable id.</param>
/// <param name="ProjectId">Owning project.</param>
/// <param name="SubjectId">Subject filmed, or null.</param>
/// <param name="Name">File or source name.</param>
/// <param name="Source">Where frames come from.</param>
/// <param name="MediaPath">Where the media are kept, or null.</param>
/// <param name="OptionsJson">Analysis options (JSON object).</param>
/// <param name="Status">Job state.</param>
/// <param name="Progress">Fraction done, 0–1.</param>
/// <param name="Error">Why it failed, or null.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="StartedAt">When a worker started it, or null.</param>
/// <param name="FinishedAt">When it reached a final state, or null.</param>
/// <param name="Frames">Frames analysed (reported with progress or at the end), or null.</param>
/// <param name="DurationS">Media duration analysed in seconds, or null.</param>
public sealed record Recording(
    Guid Id,
    Guid ProjectId,
    Guid? SubjectId,
    string Name,
    SourceKind Source,
    string? MediaPath,
    string OptionsJson,
    RecordingStatus Status,
    double Progress,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    long? Frames,
    double? DurationS);

/// <summary>Which recordings to list, newest first.</summary>
/// <param name="Status">Only this state, or all.</param>
/// <param name="Offset">Rows to skip (0 or more).</param>
/// <param name="Limit">Rows to return (1–1000).</param>
public sealed record RecordingQuery(RecordingStatus? Status = null, int Offset = 0, int Limit = 50);

/// <summary>One page of recordings.</summary>
/// <param name="Items">The rows, newest first.</param>
/// <param name="Total">Rows matching the filter in all pages.</param>
public sealed record RecordingPage(IReadOnlyList<Recording> Items, long Total);

/// <summary>What to do with jobs found <see cref="RecordingStatus.Running"/> when the server starts.</summary>
public enum InterruptedJobPolicy
{
    /// <summary>Mark them failed ("server restarted"), keeping the results written so far.</summary>
    Fail,

    /// <summary>
    /// Put uploads and streams back in the queue with their partial results deleted (so the re-run writes a clean
    /// set); live recordings cannot be replayed and are failed.
    /// </summary>
    Requeue,
}

/// <summary>One analysed frame.</summary>
/// <param name="FrameIndex">0-based index in the recording; with the recording id, the primary key.</param>
/// <param name="TimeS">Media time in seconds.</param>
/// <param name="Faces">Faces in the frame (indexed so "frames with people" is a cheap query).</param>
/// <param name="PayloadJson">The frame's result in the public result schema (JSON).</param>
public sealed record StoredFrame(long FrameIndex, double TimeS, int Faces, string PayloadJson);

/// <summary>One event of a recording (track begin/end, expression segment, fused window, speech, path, skin, …).</summary>
/// <param name="Seq">0-based position in the recording's event stream, numbered by the caller; with the recording id,
/// the primary key, so writing the same seq again replaces the row (idempotent retries).</param>
/// <param name="Kind">Event kind, e.g. "track", "segment", "fused", "speech", "path", "skin" (1–40 characters).</param>
/// <param name="TrackId">The person, or null for recording-wide events.</param>
/// <param name="StartS">Start in media seconds.</param>
/// <param name="EndS">End in media seconds, or null for instants.</param>
/// <param name="PayloadJson">The event in the public result schema (JSON).</param>
public sealed record StoredEvent(long Seq, string Kind, int? TrackId, double StartS, double? EndS, string PayloadJson);

/// <summary>One person's aggregate over a recording.</summary>
/// <param name="TrackId">The person.</param>
/// <param name="PayloadJson">The summary (JSON).</param>
public sealed record StoredPersonSummary(int TrackId, string PayloadJson);

/// <summary>Which frames to read: keyset paging on the frame index, optionally within a time range.</summary>
/// <param name="FromS">Only frames at or after this media time, or from the start.</param>
/// <param name="ToS">Only frames at or before this media time, or to the end.</param>
/// <param name="AfterFrameIndex">Only frames after this index (the previous page's <see cref="FramePage.NextAfter"/>), or -1 to start.</param>
/// <param name="Limit">Frames to return (1–10000).</param>
public sealed record FrameQuery(double? FromS = null, double? ToS = null, long AfterFrameIndex = -1, int Limit = 500);

/// <summary>One page of frames in index order.</summary>
/// <param name="Frames">The frames.</param>
/// <param name="NextAfter">Pass as <see cref="FrameQuery.AfterFrameIndex"/> for the next page, or null when this was the last.</param>
public sealed record FramePage(IReadOnlyList<StoredFrame> Frames, long? NextAfter);

/// <summary>Which events to read: keyset paging on seq, optionally by kind and overlapping a time range.</summary>
/// <param name="Kind">Only this kind, or all.</param>
/// <param name="FromS">Only events ending (or, for instants, starting) at or after this time.</param>
/// <param name="ToS">Only events starting at or before this time.</param>
/// <param name="AfterSeq">Only events after this seq (the previous page's <see cref="EventPage.NextAfter"/>), or -1.</param>
/// <param name="Limit">Events to return (1–10000).</param>
public sealed record EventQuery(string? Kind = null, double? FromS = null, double? ToS = null, long AfterSeq = -1, int Limit = 1000);

/// <summary>One page of events in seq order.</summary>
/// <param name="Events">The events.</param>
/// <param name="NextAfter">Pass as <see cref="EventQuery.AfterSeq"/> for the next page, or null when this was the last.</param>
public sealed record EventPage(IReadOnlyList<StoredEvent> Events, long? NextAfter);

/// <summary>A skin-analysis session of a subject, for longitudinal profiles.</summary>
/// <param name="Id">Stable id.</param>
/// <param name="ProjectId">Owning project.</param>
/// <param name="SubjectId">The subject measured.</param>
/// <param name="RecordingId">The recording it was measured in, or null (e.g. imported from a CLI profile).</param>
/// <param name="At">When the session was recorded (orders the profile).</param>
/// <param name="PayloadJson">The session's measurements (JSON, e.g. a serialised <c>Mien.Skin.SkinSession</c>).</param>
public sealed record StoredSkinSession(Guid Id, Guid ProjectId, Guid SubjectId, Guid? RecordingId, DateTimeOffset At, string PayloadJson);

/// <summary>
/// What an erasure removed, counted in the same transaction as the delete, for the audit log. Media files are not
/// in the database: <see cref="MediaPaths"/> lists the files the caller must now delete.
/// </summary>
/// <param name="Subjects">Subject rows deleted.</param>
/// <param name="Recordings">Recording rows deleted.</param>
/// <param name="Frames">Frame rows deleted.</param>
/// <param name="Events">Event rows deleted.</param>
/// <param name="PersonSummaries">Person-summary rows deleted.</param>
/// <param name="RecordingSummaries">Recording-summary rows deleted.</param>
/// <param name="SkinSessions">Skin-session rows deleted.</param>
/// <param name="MediaPaths">Media paths of the deleted recordings (files to delete).</param>
public sealed record ErasureReport(int Subjects, int Recordings, long Frames, long Events, int PersonSummaries, int RecordingSummaries, int SkinSessions, IReadOnlyList<string> MediaPaths)
{
    /// <summary>The recordings affected (erased, or whose media were detached): their result folders are the caller's to delete.</summary>
    public IReadOnlyList<Guid> RecordingIds { get; init; } = [];

    /// <summary>Identity templates deleted (the identity-template scope, or the whole subject).</summary>
    public int IdentityTemplates { get; init; }

    /// <summary>All rows deleted.</summary>
    public long TotalRows => Subjects + Recordings + Frames + Events + PersonSummaries + RecordingSummaries + SkinSessions + IdentityTemplates;
}
