using System.Data.Common;
using System.Text.Json;
using Mien.Privacy.Encryption;

namespace Mien.Storage.Sql;

/// <summary>Clinician notes (text sealed at rest) and per-project monitoring settings.</summary>
internal sealed partial class SqlMienStore
{
    private const string NoteColumns = "id, project_id, subject_id, recording_id, at_s, author, created_at, updated_at, payload";
    private const int MaxNoteLength = 4000;

    public Task<TimelineNote> CreateNoteAsync(Guid projectId, NewTimelineNote note, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(note);
        var text = NoteText(note.Text);
        if (note.AtS is { } at && (!double.IsFinite(at) || at < 0))
        {
            throw new ArgumentException($"{nameof(note.AtS)} = {at}: must be a finite number of seconds ≥ 0.", nameof(note));
        }

        if (note.AtS is not null && note.RecordingId is null)
        {
            throw new ArgumentException($"{nameof(note.AtS)} names a moment of a recording: give {nameof(note.RecordingId)} too.", nameof(note));
        }

        var created = new TimelineNote(Guid.CreateVersion7(), projectId, note.SubjectId, note.RecordingId, note.AtS, Name(note.Author, nameof(note.Author), 200), text, Now(), null);
        return InTransactionAsync($"adding a note for subject {note.SubjectId} in project {projectId}", async (c, tx) =>
        {
            await RequireSubjectAsync(c, tx, projectId, note.SubjectId, cancellationToken).ConfigureAwait(false);
            if (note.RecordingId is { } recording && (await QueryAsync(c, tx, "SELECT id FROM recordings WHERE id = @id AND project_id = @project AND subject_id = @subject", r => r.GetGuid(0), cancellationToken,
                ("id", recording), ("project", projectId), ("subject", note.SubjectId)).ConfigureAwait(false)).Count == 0)
            {
                throw new MienStoreException($"recording {recording} is not a recording of subject {note.SubjectId} in project {projectId}", MienStoreError.NotFound);
            }

            var key = await ActiveKeyAsync(c, tx, projectId, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(c, tx, $"INSERT INTO notes ({NoteColumns}) VALUES (@id, @project, @subject, @recording, @at, @author, @created, NULL, @payload)", cancellationToken,
                ("id", created.Id), ("project", projectId), ("subject", created.SubjectId), ("recording", created.RecordingId), ("at", created.AtS), ("author", created.Author), ("created", created.CreatedAt),
                ("payload", Seal(key, NotePayload(text), NoteBinding(created.Id, created.SubjectId)))).ConfigureAwait(false);
            return created;
        }, cancellationToken);
    }

    public Task<TimelineNote?> GetNoteAsync(Guid projectId, Guid noteId, CancellationToken cancellationToken = default)
        => RunAsync($"reading note {noteId}", async c =>
        {
            var rows = await QueryAsync(c, null, $"SELECT {NoteColumns} FROM notes WHERE id = @id AND project_id = @project", ReadNote, cancellationToken, ("id", noteId), ("project", projectId)).ConfigureAwait(false);
            return rows.Count == 0 ? null : await OpenNoteAsync(rows[0], cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<TimelineNote>> ListNotesAsync(Guid projectId, Guid subjectId, Guid? recordingId = null, CancellationToken cancellationToken = default)
        => RunAsync($"listing notes of subject {subjectId}", async c =>
        {
            var filter = recordingId is null ? string.Empty : " AND recording_id = @recording";
            var rows = await QueryAsync(c, null, $"SELECT {NoteColumns} FROM notes WHERE project_id = @project AND subject_id = @subject{filter} ORDER BY created_at, id", ReadNote, cancellationToken,
                ("project", projectId), ("subject", subjectId), ("recording", recordingId)).ConfigureAwait(false);
            var opened = new TimelineNote[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                opened[i] = await OpenNoteAsync(rows[i], cancellationToken).ConfigureAwait(false);
            }

            return (IReadOnlyList<TimelineNote>)opened;
        }, cancellationToken);

    public Task<TimelineNote?> UpdateNoteAsync(Guid projectId, Guid noteId, string text, CancellationToken cancellationToken = default)
    {
        var checkedText = NoteText(text);
        return InTransactionAsync($"changing note {noteId}", async (c, tx) =>
        {
            var rows = await QueryAsync(c, tx, $"SELECT {NoteColumns} FROM notes WHERE id = @id AND project_id = @project{_dialect.ForUpdate}", ReadNote, cancellationToken, ("id", noteId), ("project", projectId)).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                return null;
            }

            var updated = rows[0] with { Text = checkedText, UpdatedAt = Now() };
            var key = await ActiveKeyAsync(c, tx, projectId, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(c, tx, "UPDATE notes SET payload = @payload, updated_at = @at WHERE id = @id AND project_id = @project", cancellationToken,
                ("payload", Seal(key, NotePayload(checkedText), NoteBinding(noteId, updated.SubjectId))), ("at", updated.UpdatedAt), ("id", noteId), ("project", projectId)).ConfigureAwait(false);
            return updated;
        }, cancellationToken);
    }

    public Task<bool> DeleteNoteAsync(Guid projectId, Guid noteId, CancellationToken cancellationToken = default)
        => RunAsync($"deleting note {noteId}", async c => await ExecuteAsync(c, null, "DELETE FROM notes WHERE id = @id AND project_id = @project", cancellationToken,
            ("id", noteId), ("project", projectId)).ConfigureAwait(false) == 1, cancellationToken);

    public Task<string?> GetMonitoringSettingsAsync(Guid projectId, CancellationToken cancellationToken = default)
        => RunAsync($"reading the monitoring settings of project {projectId}", async c => (await QueryAsync(c, null, "SELECT payload FROM monitoring_settings WHERE project_id = @project",
            r => r.GetString(0), cancellationToken, ("project", projectId)).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    public Task<bool> SetMonitoringSettingsAsync(Guid projectId, string settingsJson, CancellationToken cancellationToken = default)
    {
        var json = Payload(settingsJson, nameof(settingsJson));
        return InTransactionAsync($"changing the monitoring settings of project {projectId}", async (c, tx) =>
        {
            if ((await QueryAsync(c, tx, "SELECT id FROM projects WHERE id = @project", r => r.GetGuid(0), cancellationToken, ("project", projectId)).ConfigureAwait(false)).Count == 0)
            {
                return false;
            }

            await ExecuteAsync(c, tx, "INSERT INTO monitoring_settings (project_id, payload, updated_at) VALUES (@project, @payload, @at) ON CONFLICT (project_id) DO UPDATE SET payload = excluded.payload, updated_at = excluded.updated_at",
                cancellationToken, ("project", projectId), ("payload", new JsonText(json)), ("at", Now())).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    internal static RowBinding NoteBinding(Guid noteId, Guid subjectId) => new("notes", $"{noteId:D}/{subjectId:D}");

    private async Task<TimelineNote> OpenNoteAsync(TimelineNote row, CancellationToken cancellationToken)
    {
        var json = await OpenAsync(row.ProjectId, row.Text, NoteBinding(row.Id, row.SubjectId), cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(json);
        return row with { Text = doc.RootElement.GetProperty("text").GetString() ?? string.Empty };
    }

    // The payload column holds the sealed payload until OpenNoteAsync replaces it with the text.
    private static TimelineNote ReadNote(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.IsDBNull(3) ? null : r.GetGuid(3), r.IsDBNull(4) ? null : r.GetDouble(4), r.GetString(5),
        r.GetString(8), r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7));

    private static string NotePayload(string text) => JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = text });

    private static string NoteText(string? text)
    {
        ArgumentNullException.ThrowIfNull(text, "text");
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxNoteLength)
        {
            throw new ArgumentException($"a note's text must be 1–{MaxNoteLength} characters and not only blanks; got {text.Length}.", nameof(text));
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a note's text must not contain NUL characters.", nameof(text));
        }

        return text;
    }
}
