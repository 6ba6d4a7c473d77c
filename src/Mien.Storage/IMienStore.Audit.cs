using Mien.Privacy.Audit;
using Mien.Privacy.Retention;

namespace Mien.Storage;

// The audit log and retention, kept in their own part of the interface so they merge apart from the rest.
public partial interface IMienStore
{
    /// <summary>
    /// Appends an entry to the project's audit chain: numbers it (head + 1), stamps it and hashes it onto the
    /// previous entry, in one transaction that holds the chain's head (a row lock on PostgreSQL, so several server
    /// processes keep one linear chain; SQLite's single writer lock otherwise).
    /// </summary>
    /// <exception cref="ArgumentException">The record breaks a rule of <see cref="AuditRecord.Validate"/>.</exception>
    Task<AuditEntry> AppendAuditAsync(Guid projectId, AuditRecord record, CancellationToken cancellationToken = default);

    /// <summary>A page of the project's audit log in sequence order (empty for a project without one).</summary>
    Task<AuditPage> GetAuditAsync(Guid projectId, AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Recomputes the project's chain from its anchor over every kept entry, in one consistent snapshot, and checks it
    /// reaches the recorded head. Reads the log in pages, so memory does not grow with it.
    /// </summary>
    Task<AuditVerification> VerifyAuditAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The subject's audit reference (<see cref="SubjectRef"/>), creating its salt on first use; null when the
    /// subject is not the project's (or was erased: then no reference can be computed any more).
    /// </summary>
    Task<string?> GetSubjectRefAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default);

    /// <summary>The audit reference of the subject a recording is of; null when the recording is not the project's or has no subject.</summary>
    Task<string?> GetRecordingSubjectRefAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default);

    /// <summary>
    /// How the audit log names a recording of a subject: <c>recording:</c> and an HMAC of its id keyed with the
    /// subject's salt, so erasing the subject leaves no recording id in the log. Null when the recording has no
    /// subject or is not the project's (then the plain id is used).
    /// </summary>
    Task<string?> GetRecordingRefAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the project's audit entries written before <paramref name="before"/> (retention): first moves the
    /// chain's anchor to the last of them, recording its hash so the kept chain still verifies, then deletes them.
    /// Returns the entries deleted. Entries after the first one written at or after the cutoff are always kept.
    /// </summary>
    Task<long> TrimAuditLogAsync(Guid projectId, DateTimeOffset before, CancellationToken cancellationToken = default);

    /// <summary>The project's retention periods (all null when none were set), or null when there is no such project.</summary>
    Task<RetentionPolicy?> GetRetentionPolicyAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the project's retention periods; null when there is no such project.</summary>
    /// <exception cref="ArgumentException">A period is out of range (<see cref="RetentionPolicy.Validate"/>).</exception>
    Task<RetentionPolicy?> SetRetentionPolicyAsync(Guid projectId, RetentionPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>Every project that limits how long it keeps some kind of data, with its policy.</summary>
    Task<IReadOnlyList<ProjectRetention>> ListRetentionPoliciesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Finished (done, failed or cancelled) recordings of the project whose <paramref name="kind"/> of data
    /// (<see cref="RetainedData.Media"/>, <see cref="RetainedData.Results"/> or <see cref="RetainedData.Aggregates"/>)
    /// has not been removed yet and that finished (or, never run, were created) before <paramref name="before"/>; oldest first.
    /// </summary>
    Task<IReadOnlyList<ExpiredRecording>> ListExpiredRecordingsAsync(Guid projectId, RetainedData kind, DateTimeOffset before, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes one kind of a recording's data in one transaction and marks it removed: results delete its frames and
    /// events, aggregates its person and recording summaries, media release its upload path (the caller deletes the
    /// files first). Returns the rows deleted, or null when the recording is not the project's, not finished, or that
    /// kind was removed already.
    /// </summary>
    Task<long?> PurgeRecordingAsync(Guid projectId, Guid recordingId, RetainedData kind, CancellationToken cancellationToken = default);

    /// <summary>Deletes the project's skin sessions measured before <paramref name="before"/>; returns how many.</summary>
    Task<long> DeleteSkinSessionsBeforeAsync(Guid projectId, DateTimeOffset before, CancellationToken cancellationToken = default);
}

/// <summary>Which audit entries to read: keyset paging on seq, optionally one subject's.</summary>
/// <param name="AfterSeq">Only entries after this seq (the previous page's <see cref="AuditPage.NextAfter"/>), 0 to start.</param>
/// <param name="Limit">Entries to return (1–1000).</param>
/// <param name="SubjectRef">Only entries about this subject reference, or all.</param>
public sealed record AuditQuery(long AfterSeq = 0, int Limit = 100, string? SubjectRef = null);

/// <summary>One page of audit entries in sequence order.</summary>
/// <param name="Entries">The entries.</param>
/// <param name="NextAfter">Pass as <see cref="AuditQuery.AfterSeq"/> for the next page, or null when this was the last.</param>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long? NextAfter);

/// <summary>A project and the retention periods it set.</summary>
/// <param name="ProjectId">The project.</param>
/// <param name="Policy">Its periods.</param>
public sealed record ProjectRetention(Guid ProjectId, RetentionPolicy Policy);

/// <summary>A recording whose data of some kind is past its retention period.</summary>
/// <param name="Id">The recording.</param>
/// <param name="Source">Where its frames came from.</param>
/// <param name="MediaPath">Its upload path (or stream URL), or null.</param>
/// <param name="Since">When it finished (or was created, if it never ran): what the period counts from.</param>
public sealed record ExpiredRecording(Guid Id, SourceKind Source, string? MediaPath, DateTimeOffset Since);
