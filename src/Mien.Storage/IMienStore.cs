using Mien.Privacy;

namespace Mien.Storage;

/// <summary>
/// Mien's storage: projects and hashed API keys, pseudonymous subjects, recordings with their job state, analysis
/// results and skin sessions. One logical schema in SQLite (embedded) or PostgreSQL; open one with
/// <see cref="MienStore.OpenAsync"/>. Thread-safe: one instance serves the whole process.
/// </summary>
/// <remarks>
/// Everything a client can name is scoped by project: a read or delete with an id from another project finds
/// nothing, and links across projects (a recording of another project's subject) are refused by the schema itself.
/// Job-state and writer methods take only a recording id because only the server's workers call them.
/// Payloads are stored as the caller's JSON; PostgreSQL (jsonb) returns them with keys re-ordered and spaces added,
/// so compare them as JSON, not as text.
/// </remarks>
public partial interface IMienStore : IAsyncDisposable
{
    /// <summary>Which database this is.</summary>
    StoreProvider Provider { get; }

    /// <summary>Encryption at rest: data keys and their rotation (payloads are sealed and opened transparently).</summary>
    IStoreEncryption Encryption { get; }

    /// <summary>Creates a project.</summary>
    Task<Project> CreateProjectAsync(NewProject project, CancellationToken cancellationToken = default);

    /// <summary>The project, or null.</summary>
    Task<Project?> GetProjectAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>All projects, oldest first (for the server's first-start bootstrap and administration).</summary>
    Task<IReadOnlyList<Project>> ListProjectsAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a key for a project. The secret is in the result and nowhere else: only its hash is stored.</summary>
    /// <exception cref="MienStoreException">The project does not exist (<see cref="MienStoreError.NotFound"/>).</exception>
    Task<CreatedApiKey> CreateApiKeyAsync(Guid projectId, ApiKeyRole role, CancellationToken cancellationToken = default);

    /// <summary>Who a secret belongs to, or null when it is malformed, unknown or revoked (compared in constant time).</summary>
    Task<ApiKeyIdentity?> AuthenticateAsync(string secret, CancellationToken cancellationToken = default);

    /// <summary>A project's keys (without secrets), oldest first.</summary>
    Task<IReadOnlyList<ApiKeyInfo>> ListApiKeysAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>Revokes a key of the project; false when there is no such working key in it.</summary>
    Task<bool> RevokeApiKeyAsync(Guid projectId, Guid keyId, CancellationToken cancellationToken = default);

    /// <summary>Creates a subject.</summary>
    /// <exception cref="MienStoreException">The pseudonym is taken in the project (<see cref="MienStoreError.Conflict"/>) or the project does not exist.</exception>
    Task<Subject> CreateSubjectAsync(Guid projectId, string pseudonym, CancellationToken cancellationToken = default);

    /// <summary>The subject with this pseudonym, created if absent (safe under concurrent calls).</summary>
    Task<Subject> GetOrCreateSubjectAsync(Guid projectId, string pseudonym, CancellationToken cancellationToken = default);

    /// <summary>The subject if it belongs to the project, or null.</summary>
    Task<Subject?> GetSubjectAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default);

    /// <summary>The project's subject with this pseudonym, or null.</summary>
    Task<Subject?> FindSubjectAsync(Guid projectId, string pseudonym, CancellationToken cancellationToken = default);

    /// <summary>The project's subjects, oldest first.</summary>
    Task<IReadOnlyList<Subject>> ListSubjectsAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>Creates a queued recording.</summary>
    /// <exception cref="MienStoreException">The project or subject does not exist, or the subject is another project's (<see cref="MienStoreError.NotFound"/>).</exception>
    Task<Recording> CreateRecordingAsync(NewRecording recording, CancellationToken cancellationToken = default);

    /// <summary>The recording if it belongs to the project, or null.</summary>
    Task<Recording?> GetRecordingAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default);

    /// <summary>A page of the project's recordings, newest first.</summary>
    Task<RecordingPage> ListRecordingsAsync(Guid projectId, RecordingQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically takes the oldest queued upload or stream (any project) and marks it running; null when none waits.
    /// Safe with several workers or servers on one PostgreSQL database (<c>FOR UPDATE SKIP LOCKED</c>). Live
    /// recordings are never claimed: their session starts them with <see cref="TryStartAsync"/>.
    /// </summary>
    Task<Recording?> ClaimNextQueuedAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks a queued recording running; false when it is not queued (already started, cancelled, deleted).</summary>
    Task<bool> TryStartAsync(Guid recordingId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records progress of a running job; false when it is no longer running (cancelled or deleted: the worker
    /// should stop).
    /// </summary>
    /// <param name="recordingId">The job.</param>
    /// <param name="progress">Fraction done, 0–1.</param>
    /// <param name="frames">Frames analysed so far, or null to leave unchanged.</param>
    /// <param name="durationS">Media seconds analysed so far, or null to leave unchanged.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    Task<bool> ReportProgressAsync(Guid recordingId, double progress, long? frames = null, double? durationS = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a queued or running job to a final state (Done sets progress to 1); false when it already was final
    /// (e.g. cancelled meanwhile) or is gone.
    /// </summary>
    /// <param name="recordingId">The job.</param>
    /// <param name="status">Done, Failed or Cancelled.</param>
    /// <param name="error">Why it failed (required for Failed, refused otherwise).</param>
    /// <param name="frames">Frames analysed, or null to leave unchanged.</param>
    /// <param name="durationS">Media seconds analysed, or null to leave unchanged.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    Task<bool> FinishAsync(Guid recordingId, RecordingStatus status, string? error = null, long? frames = null, double? durationS = null, CancellationToken cancellationToken = default);

    /// <summary>Cancels the project's queued or running recording; false when it is not (any more) queued or running.</summary>
    Task<bool> CancelAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Call once at server start, before any worker runs: every job left <see cref="RecordingStatus.Running"/> by a
    /// previous process is failed or re-queued per <paramref name="policy"/>. Returns the affected recordings as
    /// they are now.
    /// </summary>
    Task<IReadOnlyList<Recording>> RecoverInterruptedAsync(InterruptedJobPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a batching writer for a recording's results. Writes are queued and committed by a background loop
    /// (one transaction per batch), so the analysis never waits on the database unless the queue is full.
    /// </summary>
    /// <exception cref="MienStoreException">The recording does not exist (<see cref="MienStoreError.NotFound"/>).</exception>
    Task<IRecordingWriter> OpenWriterAsync(Guid recordingId, RecordingWriterOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>A page of the project's recording's frames, or null when the recording is not in the project.</summary>
    Task<FramePage?> GetFramesAsync(Guid projectId, Guid recordingId, FrameQuery query, CancellationToken cancellationToken = default);

    /// <summary>A page of the recording's events, or null when the recording is not in the project.</summary>
    Task<EventPage?> GetEventsAsync(Guid projectId, Guid recordingId, EventQuery query, CancellationToken cancellationToken = default);

    /// <summary>The recording's per-person summaries by track id, or null when the recording is not in the project.</summary>
    Task<IReadOnlyList<StoredPersonSummary>?> GetPersonSummariesAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default);

    /// <summary>The recording's summary JSON, or null when there is none or the recording is not in the project.</summary>
    Task<string?> GetRecordingSummaryAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default);

    /// <summary>Appends a skin session to a subject's profile.</summary>
    /// <param name="projectId">Owning project.</param>
    /// <param name="subjectId">The subject measured (must be the project's).</param>
    /// <param name="recordingId">The recording it came from (must be the project's), or null.</param>
    /// <param name="at">When the session was recorded.</param>
    /// <param name="payloadJson">The session's measurements (JSON).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="MienStoreException">The subject or recording is not the project's (<see cref="MienStoreError.NotFound"/>).</exception>
    Task<StoredSkinSession> AppendSkinSessionAsync(Guid projectId, Guid subjectId, Guid? recordingId, DateTimeOffset at, string payloadJson, CancellationToken cancellationToken = default);

    /// <summary>A subject's skin sessions in time order (empty when the subject is not the project's).</summary>
    Task<IReadOnlyList<StoredSkinSession>> ListSkinSessionsAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default);

    /// <summary>Erases a recording and every row derived from it; null when it is not in the project.</summary>
    Task<ErasureReport?> DeleteRecordingAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default);

    /// <summary>Erases a subject, its recordings, their results and its skin sessions; null when it is not in the project.</summary>
    Task<ErasureReport?> DeleteSubjectAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default);
    /// <summary>Changes a project's declared purpose, setting, basis and media policy; null when there is no such project.</summary>
    /// <exception cref="ArgumentException">A basis without a justification, or the reverse (see <see cref="PurposePolicy.Validate"/>).</exception>
    Task<Project?> UpdateProjectPolicyAsync(Guid projectId, ProjectPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>Records a consent; a current consent of the same scope is superseded (closed, kept in the history).</summary>
    /// <exception cref="MienStoreException">The subject is not the project's (<see cref="MienStoreError.NotFound"/>).</exception>
    Task<Consent> GiveConsentAsync(Guid projectId, Guid subjectId, NewConsent consent, CancellationToken cancellationToken = default);

    /// <summary>Withdraws the current consent of a scope; null when there is none (or no such subject).</summary>
    Task<Consent?> WithdrawConsentAsync(Guid projectId, Guid subjectId, ConsentScope scope, string withdrawnBy, CancellationToken cancellationToken = default);

    /// <summary>A subject's consent history, oldest first (empty when the subject is not the project's).</summary>
    Task<IReadOnlyList<Consent>> ListConsentsAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default);

    /// <summary>The scopes a subject consents to now (empty when none, or when the subject is not the project's).</summary>
    Task<IReadOnlySet<ConsentScope>> CurrentConsentAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Erases everything the measurements scope covers for a subject: its recordings and every row derived from
    /// them (skin sessions stay, unlinked). Null when the subject is not the project's.
    /// </summary>
    Task<ErasureReport?> EraseMeasurementsAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default);

    /// <summary>Erases a subject's skin profile (skin sessions and skin events); null when the subject is not the project's.</summary>
    Task<ErasureReport?> EraseSkinProfileAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets the media paths of a subject's uploads (the report lists the files to delete and the recordings whose
    /// result folders may hold videos); null when the subject is not the project's.
    /// </summary>
    Task<ErasureReport?> DetachMediaAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// After an erasure: makes deleted rows unreadable from the database files where the database allows it. SQLite
    /// (which zeroes freed pages, <c>secure_delete</c>) checkpoints and truncates its WAL. PostgreSQL keeps dead row
    /// versions on disk until VACUUM reuses their space; nothing is done here (encrypted payloads stay ciphertext).
    /// </summary>
    Task ScrubAsync(CancellationToken cancellationToken = default);
}

/// <summary>Which database a store uses.</summary>
public enum StoreProvider
{
    /// <summary>An embedded SQLite file (WAL).</summary>
    Sqlite,

    /// <summary>A PostgreSQL server.</summary>
    Postgres,
}

/// <summary>
/// Writes one recording's results in batches: one transaction per <see cref="RecordingWriterOptions.BatchSize"/> rows
/// or per <see cref="RecordingWriterOptions.FlushInterval"/>, whichever comes first. Every write is an upsert by primary
/// key (frame index, event seq, track id), so writing a recording again after a crash or retry replaces rows instead
/// of duplicating them. Not for concurrent use: one producer per writer.
/// </summary>
/// <remarks>
/// A failed batch fails the writer: the next call throws <see cref="MienStoreException"/> with the cause. Dispose
/// flushes what is queued; call <see cref="CompleteAsync"/> to see the final flush succeed.
/// </remarks>
public interface IRecordingWriter : IAsyncDisposable
{
    /// <summary>The recording written.</summary>
    Guid RecordingId { get; }

    /// <summary>Queues a frame (waits only when the queue is full).</summary>
    ValueTask WriteFrameAsync(StoredFrame frame, CancellationToken cancellationToken = default);

    /// <summary>Queues an event.</summary>
    ValueTask WriteEventAsync(StoredEvent evt, CancellationToken cancellationToken = default);

    /// <summary>Queues a person summary (replaces an earlier one for the same track).</summary>
    ValueTask WritePersonSummaryAsync(StoredPersonSummary summary, CancellationToken cancellationToken = default);

    /// <summary>Queues the recording summary (replaces an earlier one).</summary>
    ValueTask WriteSummaryAsync(string summaryJson, CancellationToken cancellationToken = default);

    /// <summary>Commits everything queued so far and returns when it is stored.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Commits everything queued and closes the writer; later writes throw.</summary>
    Task CompleteAsync(CancellationToken cancellationToken = default);
}
