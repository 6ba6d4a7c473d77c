namespace Mien.Storage;

// Clinician notes on a subject's timeline and per-project monitoring settings, in their own part of the interface so
// they merge apart from the rest.
public partial interface IMienStore
{
    /// <summary>Adds a note to a subject's timeline (optionally pinned to a moment of one of the subject's recordings); the text is sealed at rest.</summary>
    /// <exception cref="MienStoreException">The subject is not the project's, or the recording is not that subject's (<see cref="MienStoreError.NotFound"/>).</exception>
    /// <exception cref="ArgumentException">The text, author or time is invalid.</exception>
    Task<TimelineNote> CreateNoteAsync(Guid projectId, NewTimelineNote note, CancellationToken cancellationToken = default);

    /// <summary>The note if it belongs to the project, or null.</summary>
    Task<TimelineNote?> GetNoteAsync(Guid projectId, Guid noteId, CancellationToken cancellationToken = default);

    /// <summary>A subject's notes (only those of one recording when <paramref name="recordingId"/> is given), oldest first; empty when the subject is not the project's.</summary>
    Task<IReadOnlyList<TimelineNote>> ListNotesAsync(Guid projectId, Guid subjectId, Guid? recordingId = null, CancellationToken cancellationToken = default);

    /// <summary>Replaces a note's text (and stamps <see cref="TimelineNote.UpdatedAt"/>); null when the note is not the project's.</summary>
    /// <exception cref="ArgumentException">The text is invalid.</exception>
    Task<TimelineNote?> UpdateNoteAsync(Guid projectId, Guid noteId, string text, CancellationToken cancellationToken = default);

    /// <summary>Deletes a note; false when it is not the project's.</summary>
    Task<bool> DeleteNoteAsync(Guid projectId, Guid noteId, CancellationToken cancellationToken = default);

    /// <summary>The project's monitoring settings JSON, or null when none were set (or no such project).</summary>
    Task<string?> GetMonitoringSettingsAsync(Guid projectId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the project's monitoring settings JSON; false when there is no such project.</summary>
    /// <exception cref="MienStoreException">The JSON is not valid (<see cref="MienStoreError.Invalid"/>).</exception>
    Task<bool> SetMonitoringSettingsAsync(Guid projectId, string settingsJson, CancellationToken cancellationToken = default);
}

/// <summary>A clinician's note on a subject's timeline.</summary>
/// <param name="Id">Stable id.</param>
/// <param name="ProjectId">Owning project.</param>
/// <param name="SubjectId">The subject it is about.</param>
/// <param name="RecordingId">The session (recording) it is pinned to, or null for a note on the subject.</param>
/// <param name="AtS">The moment of that recording (media seconds), or null.</param>
/// <param name="Author">Who wrote it (a key id or staff pseudonym; 1–200 characters).</param>
/// <param name="Text">The note (1–4000 characters).</param>
/// <param name="CreatedAt">When it was written.</param>
/// <param name="UpdatedAt">When it was last changed, or null.</param>
public sealed record TimelineNote(Guid Id, Guid ProjectId, Guid SubjectId, Guid? RecordingId, double? AtS, string Author, string Text, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt);

/// <summary>A note to add.</summary>
/// <param name="SubjectId">The subject (must be the project's).</param>
/// <param name="RecordingId">One of the subject's recordings, or null.</param>
/// <param name="AtS">A moment of that recording (seconds ≥ 0), or null; needs <paramref name="RecordingId"/>.</param>
/// <param name="Author">Who writes it (1–200 characters, no control characters).</param>
/// <param name="Text">The note (1–4000 characters; line breaks allowed, NUL not).</param>
public sealed record NewTimelineNote(Guid SubjectId, Guid? RecordingId, double? AtS, string Author, string Text);
