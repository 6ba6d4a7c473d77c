using System.Data.Common;
using System.Text.Json;
using Mien.Privacy.Encryption;

namespace Mien.Storage.Sql;

/// <summary>Studies, their stimuli, viewers (with sealed declared attributes) and playback logs.</summary>
internal sealed partial class SqlMienStore
{
    private const string StudyColumns = "id, project_id, name, min_viewers, created_at";
    private const string StimulusColumns = "id, project_id, study_id, label, media_path, duration_s, width, height, cuts, created_at";
    private const string ViewerColumns = "id, project_id, study_id, stimulus_id, subject_id, attributes, recording_id, offset_s, created_at";

    public Task<Study> CreateStudyAsync(Guid projectId, NewStudy study, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentOutOfRangeException.ThrowIfLessThan(study.MinViewers, 2, nameof(study.MinViewers));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(study.MinViewers, 1000, nameof(study.MinViewers));
        var created = new Study(Guid.CreateVersion7(), projectId, Name(study.Name, nameof(study.Name), 200), study.MinViewers, Now());
        return RunAsync($"creating a study in project {projectId}", async c =>
        {
            await ExecuteAsync(c, null, $"INSERT INTO studies ({StudyColumns}) VALUES (@id, @project, @name, @k, @at)", cancellationToken,
                ("id", created.Id), ("project", projectId), ("name", created.Name), ("k", created.MinViewers), ("at", created.CreatedAt)).ConfigureAwait(false);
            return created;
        }, cancellationToken);
    }

    public Task<Study?> GetStudyAsync(Guid projectId, Guid studyId, CancellationToken cancellationToken = default)
        => RunAsync($"reading study {studyId}", async c => (await QueryAsync(c, null, $"SELECT {StudyColumns} FROM studies WHERE id = @id AND project_id = @project", ReadStudy, cancellationToken,
            ("id", studyId), ("project", projectId)).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    public Task<IReadOnlyList<Study>> ListStudiesAsync(Guid projectId, CancellationToken cancellationToken = default)
        => RunAsync($"listing studies of project {projectId}", c => QueryAsync(c, null, $"SELECT {StudyColumns} FROM studies WHERE project_id = @project ORDER BY created_at, id", ReadStudy, cancellationToken,
            ("project", projectId)), cancellationToken);

    public Task<IReadOnlyList<string>?> DeleteStudyAsync(Guid projectId, Guid studyId, CancellationToken cancellationToken = default)
        => InTransactionAsync($"deleting study {studyId}", async (c, tx) =>
        {
            var media = await QueryAsync(c, tx, $"SELECT media_path FROM stimuli WHERE study_id = @study AND project_id = @project{_dialect.ForUpdate}", r => r.GetString(0), cancellationToken,
                ("study", studyId), ("project", projectId)).ConfigureAwait(false);
            // Stimuli, viewers and playback go by cascade.
            var deleted = await ExecuteAsync(c, tx, "DELETE FROM studies WHERE id = @study AND project_id = @project", cancellationToken, ("study", studyId), ("project", projectId)).ConfigureAwait(false);
            return deleted == 1 ? media : null;
        }, cancellationToken);

    public Task<Stimulus> AddStimulusAsync(Guid projectId, Guid studyId, NewStimulus stimulus, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stimulus);
        ArgumentNullException.ThrowIfNull(stimulus.Cuts);
        if (!(stimulus.DurationS is > 0 and <= 6 * 3600) || stimulus.Width <= 0 || stimulus.Height <= 0)
        {
            throw new ArgumentException($"stimulus duration {stimulus.DurationS} s must be in (0, 21600] and its size {stimulus.Width}x{stimulus.Height} positive", nameof(stimulus));
        }

        for (var i = 0; i < stimulus.Cuts.Count; i++)
        {
            if (!(stimulus.Cuts[i] > (i == 0 ? 0 : stimulus.Cuts[i - 1]) && stimulus.Cuts[i] < stimulus.DurationS))
            {
                throw new ArgumentException($"scene cut {i} at {stimulus.Cuts[i]} s must be increasing and inside (0, {stimulus.DurationS}) s", nameof(stimulus));
            }
        }

        var created = new Stimulus(stimulus.Id, projectId, studyId, Name(stimulus.Label, nameof(stimulus.Label), 200), Name(stimulus.MediaPath, nameof(stimulus.MediaPath), 1000),
            stimulus.DurationS, stimulus.Width, stimulus.Height, [.. stimulus.Cuts], Now());
        return RunAsync($"adding a stimulus to study {studyId}", async c =>
        {
            await ExecuteAsync(c, null, $"INSERT INTO stimuli ({StimulusColumns}) VALUES (@id, @project, @study, @label, @media, @duration, @w, @h, @cuts, @at)", cancellationToken,
                ("id", created.Id), ("project", projectId), ("study", studyId), ("label", created.Label), ("media", created.MediaPath), ("duration", created.DurationS),
                ("w", created.Width), ("h", created.Height), ("cuts", new JsonText(JsonSerializer.Serialize(created.Cuts))), ("at", created.CreatedAt)).ConfigureAwait(false);
            return created;
        }, cancellationToken);
    }

    public Task<Stimulus?> GetStimulusAsync(Guid projectId, Guid stimulusId, CancellationToken cancellationToken = default)
        => RunAsync($"reading stimulus {stimulusId}", async c => (await QueryAsync(c, null, $"SELECT {StimulusColumns} FROM stimuli WHERE id = @id AND project_id = @project", ReadStimulus, cancellationToken,
            ("id", stimulusId), ("project", projectId)).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    public Task<IReadOnlyList<Stimulus>> ListStimuliAsync(Guid projectId, Guid studyId, CancellationToken cancellationToken = default)
        => RunAsync($"listing stimuli of study {studyId}", c => QueryAsync(c, null, $"SELECT {StimulusColumns} FROM stimuli WHERE study_id = @study AND project_id = @project ORDER BY created_at, id", ReadStimulus, cancellationToken,
            ("study", studyId), ("project", projectId)), cancellationToken);

    public Task<StudyViewer> AddViewerAsync(Guid projectId, Guid studyId, NewStudyViewer viewer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        if (StudyAttributes.Problem(viewer.Attributes) is { } problem)
        {
            throw new ArgumentException(problem, nameof(viewer));
        }

        var attributes = (viewer.Attributes ?? new Dictionary<string, string>()).ToDictionary(a => a.Key, a => a.Value.Trim(), StringComparer.Ordinal);
        var created = new StudyViewer(Guid.CreateVersion7(), projectId, studyId, viewer.StimulusId, viewer.SubjectId, attributes, null, null, Now());
        return InTransactionAsync($"registering a viewer in study {studyId}", async (c, tx) =>
        {
            var stimulus = await QueryAsync(c, tx, "SELECT id FROM stimuli WHERE id = @stimulus AND study_id = @study AND project_id = @project", r => r.GetGuid(0), cancellationToken,
                ("stimulus", viewer.StimulusId), ("study", studyId), ("project", projectId)).ConfigureAwait(false);
            if (stimulus.Count == 0)
            {
                throw new MienStoreException($"stimulus {viewer.StimulusId} is not in study {studyId} of project {projectId}", MienStoreError.NotFound);
            }

            await RequireSubjectAsync(c, tx, projectId, viewer.SubjectId, cancellationToken).ConfigureAwait(false);
            var key = await ActiveKeyAsync(c, tx, projectId, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(c, tx, $"INSERT INTO study_viewers ({ViewerColumns}) VALUES (@id, @project, @study, @stimulus, @subject, @attributes, NULL, NULL, @at)", cancellationToken,
                ("id", created.Id), ("project", projectId), ("study", studyId), ("stimulus", viewer.StimulusId), ("subject", viewer.SubjectId),
                ("attributes", SealChecked(key, JsonSerializer.Serialize(attributes), ViewerBinding(created.Id))), ("at", created.CreatedAt)).ConfigureAwait(false);
            return created;
        }, cancellationToken);
    }

    public async Task<StudyViewer?> GetViewerAsync(Guid projectId, Guid viewerId, CancellationToken cancellationToken = default)
    {
        var rows = await RunAsync($"reading viewer {viewerId}", c => QueryAsync(c, null, $"SELECT {ViewerColumns} FROM study_viewers WHERE id = @id AND project_id = @project", ReadViewerRow, cancellationToken,
            ("id", viewerId), ("project", projectId)), cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : await OpenViewerAsync(rows[0], cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StudyViewer>> ListViewersAsync(Guid projectId, Guid studyId, CancellationToken cancellationToken = default)
    {
        var rows = await RunAsync($"listing viewers of study {studyId}", c => QueryAsync(c, null, $"SELECT {ViewerColumns} FROM study_viewers WHERE study_id = @study AND project_id = @project ORDER BY created_at, id", ReadViewerRow, cancellationToken,
            ("study", studyId), ("project", projectId)), cancellationToken).ConfigureAwait(false);
        var viewers = new StudyViewer[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            viewers[i] = await OpenViewerAsync(rows[i], cancellationToken).ConfigureAwait(false);
        }

        return viewers;
    }

    public async Task<StudyViewer?> LinkViewerAsync(Guid projectId, Guid viewerId, Guid? recordingId, double? offsetS, CancellationToken cancellationToken = default)
    {
        if (offsetS is { } o && !(o is >= -86400 and <= 86400))
        {
            throw new ArgumentOutOfRangeException(nameof(offsetS), offsetS, "the offset must be within ±86400 s");
        }

        var linked = await InTransactionAsync($"linking viewer {viewerId}", async (c, tx) =>
        {
            var subject = await QueryAsync(c, tx, $"SELECT subject_id FROM study_viewers WHERE id = @id AND project_id = @project{_dialect.ForUpdate}", r => r.GetGuid(0), cancellationToken,
                ("id", viewerId), ("project", projectId)).ConfigureAwait(false);
            if (subject.Count == 0)
            {
                return false;
            }

            if (recordingId is { } recording)
            {
                // Only a recording of this project and of this viewer's subject: a viewing cannot borrow another person's face.
                var ok = await QueryAsync(c, tx, "SELECT id FROM recordings WHERE id = @recording AND project_id = @project AND subject_id = @subject", r => r.GetGuid(0), cancellationToken,
                    ("recording", recording), ("project", projectId), ("subject", subject[0])).ConfigureAwait(false);
                if (ok.Count == 0)
                {
                    throw new MienStoreException($"recording {recording} is not a recording of this viewer's subject in project {projectId}", MienStoreError.NotFound);
                }
            }

            await ExecuteAsync(c, tx, "UPDATE study_viewers SET recording_id = @recording, offset_s = @offset WHERE id = @id AND project_id = @project", cancellationToken,
                ("recording", recordingId), ("offset", offsetS), ("id", viewerId), ("project", projectId)).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return linked ? await GetViewerAsync(projectId, viewerId, cancellationToken).ConfigureAwait(false) : null;
    }

    public Task<int?> AppendPlaybackAsync(Guid projectId, Guid viewerId, IReadOnlyList<PlaybackReport> reports, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count > 10_000)
        {
            throw new ArgumentException($"{reports.Count} playback reports in one batch: at most 10000", nameof(reports));
        }

        for (var i = 0; i < reports.Count; i++)
        {
            var r = reports[i] ?? throw new ArgumentException($"playback report {i} is null", nameof(reports));
            if (!(r.ClientS >= 0 && double.IsFinite(r.ClientS)) || !(r.StimulusS >= 0 && double.IsFinite(r.StimulusS)) || !StudyAttributes.States.Contains(r.State))
            {
                throw new ArgumentException($"playback report {i}: times must be finite and ≥ 0 and the state one of {string.Join(", ", StudyAttributes.States)}", nameof(reports));
            }
        }

        return InTransactionAsync($"appending playback of viewer {viewerId}", async (c, tx) =>
        {
            var viewer = await QueryAsync(c, tx, $"SELECT id FROM study_viewers WHERE id = @id AND project_id = @project{_dialect.ForUpdate}", r => r.GetGuid(0), cancellationToken,
                ("id", viewerId), ("project", projectId)).ConfigureAwait(false);
            if (viewer.Count == 0)
            {
                return (int?)null;
            }

            var next = (await QueryAsync(c, tx, "SELECT COALESCE(MAX(seq) + 1, 0) FROM study_playback WHERE viewer_id = @id", r => Convert.ToInt32(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), cancellationToken,
                ("id", viewerId)).ConfigureAwait(false))[0];
            foreach (var r in reports)
            {
                await ExecuteAsync(c, tx, "INSERT INTO study_playback (viewer_id, seq, client_s, stimulus_s, state) VALUES (@id, @seq, @client, @stimulus, @state)", cancellationToken,
                    ("id", viewerId), ("seq", next++), ("client", r.ClientS), ("stimulus", r.StimulusS), ("state", r.State)).ConfigureAwait(false);
            }

            return next;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<PlaybackReport>> GetPlaybackAsync(Guid projectId, Guid viewerId, CancellationToken cancellationToken = default)
        => RunAsync($"reading playback of viewer {viewerId}", c => QueryAsync(c, null,
            "SELECT p.client_s, p.stimulus_s, p.state FROM study_playback p JOIN study_viewers v ON v.id = p.viewer_id WHERE p.viewer_id = @id AND v.project_id = @project ORDER BY p.seq",
            r => new PlaybackReport(r.GetDouble(0), r.GetDouble(1), r.GetString(2)), cancellationToken, ("id", viewerId), ("project", projectId)), cancellationToken);

    private static RowBinding ViewerBinding(Guid viewerId) => new("study_viewers", $"{viewerId:D}");

    private async Task<StudyViewer> OpenViewerAsync((StudyViewer Viewer, string Sealed) row, CancellationToken cancellationToken)
    {
        var json = await OpenAsync(row.Viewer.ProjectId, row.Sealed, ViewerBinding(row.Viewer.Id), cancellationToken).ConfigureAwait(false);
        return row.Viewer with { Attributes = JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] };
    }

    private static Study ReadStudy(DbDataReader r) => new(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetInt32(3), r.GetFieldValue<DateTimeOffset>(4));

    private static Stimulus ReadStimulus(DbDataReader r) => new(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), r.GetString(4), r.GetDouble(5), r.GetInt32(6), r.GetInt32(7),
        JsonSerializer.Deserialize<double[]>(r.GetString(8)) ?? [], r.GetFieldValue<DateTimeOffset>(9));

    private static (StudyViewer, string) ReadViewerRow(DbDataReader r) => (new StudyViewer(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetGuid(3), r.GetGuid(4), new Dictionary<string, string>(),
        r.IsDBNull(6) ? null : r.GetGuid(6), r.IsDBNull(7) ? null : r.GetDouble(7), r.GetFieldValue<DateTimeOffset>(8)), r.GetString(5));
}
