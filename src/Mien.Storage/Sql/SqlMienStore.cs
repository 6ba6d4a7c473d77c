using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using Mien.Privacy;

namespace Mien.Storage.Sql;

/// <summary>
/// <see cref="IMienStore"/> over either dialect: one set of SQL statements (both databases speak
/// <c>INSERT … ON CONFLICT … DO UPDATE</c>, <c>RETURNING</c> and <c>LIMIT/OFFSET</c>), values bound by the dialect.
/// A connection per call from the provider's pool.
/// </summary>
internal sealed partial class SqlMienStore : IMienStore
{
    private const string ProjectColumns = "id, name, purpose, setting, keep_media, created_at, basis, justification";
    private const string KeyColumns = "id, project_id, role, prefix, created_at, revoked_at";
    private const string SubjectColumns = "id, project_id, pseudonym, created_at";
    private const string RecordingColumns = "id, project_id, subject_id, name, source_kind, media_path, options, status, progress, error, created_at, started_at, finished_at, frames, duration_s";
    private const string SkinColumns = "id, project_id, subject_id, recording_id, at, payload";
    private const string ActiveStatuses = "('queued', 'running')";
    private const string RestartError = "the server restarted while this job was running";

    internal const string UpsertFrame = "INSERT INTO frames (recording_id, frame_index, t_s, faces, payload) VALUES (@r, @i, @t, @f, @p) ON CONFLICT (recording_id, frame_index) DO UPDATE SET t_s = excluded.t_s, faces = excluded.faces, payload = excluded.payload";
    internal const string UpsertEvent = "INSERT INTO events (recording_id, seq, kind, track_id, t_start_s, t_end_s, payload) VALUES (@r, @s, @k, @tr, @t0, @t1, @p) ON CONFLICT (recording_id, seq) DO UPDATE SET kind = excluded.kind, track_id = excluded.track_id, t_start_s = excluded.t_start_s, t_end_s = excluded.t_end_s, payload = excluded.payload";
    internal const string UpsertPerson = "INSERT INTO person_summaries (recording_id, track_id, payload) VALUES (@r, @tr, @p) ON CONFLICT (recording_id, track_id) DO UPDATE SET payload = excluded.payload";
    internal const string UpsertSummary = "INSERT INTO recording_summaries (recording_id, payload) VALUES (@r, @p) ON CONFLICT (recording_id) DO UPDATE SET payload = excluded.payload";

    private readonly SqlDialect _dialect;
    private readonly TimeProvider _time;

    internal SqlMienStore(SqlDialect dialect, TimeProvider time)
    {
        _dialect = dialect;
        _time = time;
    }

    public StoreProvider Provider => _dialect.Provider;

    internal SqlDialect Dialect => _dialect;

    public ValueTask DisposeAsync()
    {
        DisposeDataKeys();
        return _dialect.DisposeAsync();
    }

    // ---- projects and keys ----------------------------------------------------------------------------------

    public Task<Project> CreateProjectAsync(NewProject project, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        if (PurposePolicy.Validate(project.Setting, project.Basis, project.Justification) is { } problem)
        {
            throw new ArgumentException(problem, nameof(project));
        }

        var created = new Project(
            Guid.CreateVersion7(),
            Name(project.Name, nameof(project.Name), 200),
            Defined(project.Purpose, nameof(project.Purpose)),
            Defined(project.Setting, nameof(project.Setting)),
            project.KeepMedia,
            Now(),
            Defined(project.Basis, nameof(project.Basis)),
            project.Justification is null ? null : Name(project.Justification.Trim(), nameof(project.Justification), 2000));
        return RunAsync($"creating project '{created.Name}'", async connection =>
        {
            await ExecuteAsync(connection, null, $"INSERT INTO projects ({ProjectColumns}) VALUES (@id, @name, @purpose, @setting, @keep, @at, @basis, @justification)", cancellationToken,
                ("id", created.Id), ("name", created.Name), ("purpose", Names.Of(created.Purpose)), ("setting", Names.Of(created.Setting)), ("keep", created.KeepMedia), ("at", created.CreatedAt),
                ("basis", Names.Of(created.Basis)), ("justification", created.Justification)).ConfigureAwait(false);
            return created;
        }, cancellationToken);
    }

    public Task<Project?> GetProjectAsync(Guid projectId, CancellationToken cancellationToken = default)
        => RunAsync($"reading project {projectId}", async c => (await QueryAsync(c, null, $"SELECT {ProjectColumns} FROM projects WHERE id = @id", ReadProject, cancellationToken, ("id", projectId)).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    public Task<IReadOnlyList<Project>> ListProjectsAsync(CancellationToken cancellationToken = default)
        => RunAsync("listing projects", c => QueryAsync(c, null, $"SELECT {ProjectColumns} FROM projects ORDER BY created_at, id", ReadProject, cancellationToken), cancellationToken);

    public Task<CreatedApiKey> CreateApiKeyAsync(Guid projectId, ApiKeyRole role, CancellationToken cancellationToken = default)
    {
        var roleText = RoleText(role);
        var (prefix, secret, hash) = ApiKeySecret.Create();
        var key = new ApiKeyInfo(Guid.CreateVersion7(), projectId, role, prefix, Now(), null);
        return RunAsync($"creating a key for project {projectId}", async connection =>
        {
            await ExecuteAsync(connection, null, "INSERT INTO api_keys (id, project_id, role, prefix, hash, created_at) VALUES (@id, @project, @role, @prefix, @hash, @at)", cancellationToken,
                ("id", key.Id), ("project", projectId), ("role", roleText), ("prefix", prefix), ("hash", hash), ("at", key.CreatedAt)).ConfigureAwait(false);
            return new CreatedApiKey(key, secret);
        }, cancellationToken);
    }

    public async Task<ApiKeyIdentity?> AuthenticateAsync(string secret, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(secret) || ApiKeySecret.PrefixOf(secret) is not { } prefix)
        {
            return null;
        }

        var candidates = await RunAsync("authenticating a key", c => QueryAsync(c, null, "SELECT id, project_id, role, hash FROM api_keys WHERE prefix = @prefix AND revoked_at IS NULL",
            r => (Id: r.GetGuid(0), Project: r.GetGuid(1), Role: ParseRole(r.GetString(2)), Hash: r.GetFieldValue<byte[]>(3)), cancellationToken, ("prefix", prefix)), cancellationToken).ConfigureAwait(false);
        var presented = ApiKeySecret.Hash(secret);
        foreach (var candidate in candidates)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, candidate.Hash))
            {
                return new ApiKeyIdentity(candidate.Id, candidate.Project, candidate.Role);
            }
        }

        return null;
    }

    public Task<IReadOnlyList<ApiKeyInfo>> ListApiKeysAsync(Guid projectId, CancellationToken cancellationToken = default)
        => RunAsync($"listing keys of project {projectId}", c => QueryAsync(c, null, $"SELECT {KeyColumns} FROM api_keys WHERE project_id = @project ORDER BY created_at, id", ReadKey, cancellationToken, ("project", projectId)), cancellationToken);

    public Task<bool> RevokeApiKeyAsync(Guid projectId, Guid keyId, CancellationToken cancellationToken = default)
        => RunAsync($"revoking key {keyId}", async c => await ExecuteAsync(c, null, "UPDATE api_keys SET revoked_at = @at WHERE id = @id AND project_id = @project AND revoked_at IS NULL", cancellationToken,
            ("at", Now()), ("id", keyId), ("project", projectId)).ConfigureAwait(false) == 1, cancellationToken);

    // ---- subjects -------------------------------------------------------------------------------------------

    public Task<Subject> CreateSubjectAsync(Guid projectId, string pseudonym, CancellationToken cancellationToken = default)
    {
        var subject = new Subject(Guid.CreateVersion7(), projectId, Name(pseudonym, nameof(pseudonym), 200), Now());
        // Pseudonyms stay out of messages: store errors end up in logs, which carry ids only.
        return RunAsync($"creating subject {subject.Id} in project {projectId}", async c =>
        {
            await ExecuteAsync(c, null, $"INSERT INTO subjects ({SubjectColumns}) VALUES (@id, @project, @pseudonym, @at)", cancellationToken,
                ("id", subject.Id), ("project", projectId), ("pseudonym", subject.Pseudonym), ("at", subject.CreatedAt)).ConfigureAwait(false);
            return subject;
        }, cancellationToken);
    }

    public Task<Subject> GetOrCreateSubjectAsync(Guid projectId, string pseudonym, CancellationToken cancellationToken = default)
    {
        var fresh = new Subject(Guid.CreateVersion7(), projectId, Name(pseudonym, nameof(pseudonym), 200), Now());
        return InTransactionAsync($"finding or creating a subject by pseudonym in project {projectId}", async (c, tx) =>
        {
            await ExecuteAsync(c, tx, $"INSERT INTO subjects ({SubjectColumns}) VALUES (@id, @project, @pseudonym, @at) ON CONFLICT (project_id, pseudonym) DO NOTHING", cancellationToken,
                ("id", fresh.Id), ("project", projectId), ("pseudonym", fresh.Pseudonym), ("at", fresh.CreatedAt)).ConfigureAwait(false);
            var found = await QueryAsync(c, tx, $"SELECT {SubjectColumns} FROM subjects WHERE project_id = @project AND pseudonym = @pseudonym", ReadSubject, cancellationToken,
                ("project", projectId), ("pseudonym", fresh.Pseudonym)).ConfigureAwait(false);
            return found[0];
        }, cancellationToken);
    }

    public Task<Subject?> GetSubjectAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default)
        => RunAsync($"reading subject {subjectId}", async c => (await QueryAsync(c, null, $"SELECT {SubjectColumns} FROM subjects WHERE id = @id AND project_id = @project", ReadSubject, cancellationToken,
            ("id", subjectId), ("project", projectId)).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    public Task<Subject?> FindSubjectAsync(Guid projectId, string pseudonym, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pseudonym);
        return RunAsync($"finding a subject by pseudonym in project {projectId}", async c => (await QueryAsync(c, null, $"SELECT {SubjectColumns} FROM subjects WHERE project_id = @project AND pseudonym = @pseudonym", ReadSubject, cancellationToken,
            ("project", projectId), ("pseudonym", pseudonym)).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);
    }

    public Task<IReadOnlyList<Subject>> ListSubjectsAsync(Guid projectId, CancellationToken cancellationToken = default)
        => RunAsync($"listing subjects of project {projectId}", c => QueryAsync(c, null, $"SELECT {SubjectColumns} FROM subjects WHERE project_id = @project ORDER BY created_at, id", ReadSubject, cancellationToken, ("project", projectId)), cancellationToken);

    // ---- recordings (jobs) ----------------------------------------------------------------------------------

    public Task<Recording> CreateRecordingAsync(NewRecording recording, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recording);
        var name = Name(recording.Name, nameof(recording.Name), 255);
        if (name.AsSpan().IndexOfAny('/', '\\') >= 0)
        {
            throw new ArgumentException($"{nameof(recording.Name)} must be a file name only, without '/' or '\\'; got '{name}'.", nameof(recording));
        }

        var options = JsonObject(recording.OptionsJson, nameof(recording.OptionsJson));
        var created = new Recording(Guid.CreateVersion7(), recording.ProjectId, recording.SubjectId, name, recording.Source, FreeText(recording.MediaPath, nameof(recording.MediaPath)),
            options, RecordingStatus.Queued, 0, null, Now(), null, null, null, null);
        return RunAsync($"creating recording '{name}' in project {recording.ProjectId}" + (recording.SubjectId is { } s ? $" for subject {s}" : string.Empty), async c =>
        {
            await ExecuteAsync(c, null, "INSERT INTO recordings (id, project_id, subject_id, name, source_kind, media_path, options, status, progress, created_at) VALUES (@id, @project, @subject, @name, @source, @media, @options, 'queued', 0, @at)", cancellationToken,
                ("id", created.Id), ("project", created.ProjectId), ("subject", created.SubjectId), ("name", name), ("source", SourceText(created.Source)), ("media", created.MediaPath), ("options", new JsonText(options)), ("at", created.CreatedAt)).ConfigureAwait(false);
            return created;
        }, cancellationToken);
    }

    public Task<Recording?> GetRecordingAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default)
        => RunAsync($"reading recording {recordingId}", async c => (await QueryAsync(c, null, $"SELECT {RecordingColumns} FROM recordings WHERE id = @id AND project_id = @project", ReadRecording, cancellationToken,
            ("id", recordingId), ("project", projectId)).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    public Task<RecordingPage> ListRecordingsAsync(Guid projectId, RecordingQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset, nameof(query.Offset));
        if (query.Limit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, $"{nameof(query.Limit)} is {query.Limit}; it must be 1–1000.");
        }

        var filter = query.Status is { } status ? $" AND status = '{StatusText(status)}'" : string.Empty;
        return RunAsync($"listing recordings of project {projectId}", async c =>
        {
            var items = await QueryAsync(c, null, $"SELECT {RecordingColumns} FROM recordings WHERE project_id = @project{filter} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset", ReadRecording, cancellationToken,
                ("project", projectId), ("limit", query.Limit), ("offset", query.Offset)).ConfigureAwait(false);
            var total = await ScalarAsync(c, null, $"SELECT count(*) FROM recordings WHERE project_id = @project{filter}", cancellationToken, ("project", projectId)).ConfigureAwait(false);
            return new RecordingPage(items, Convert.ToInt64(total, System.Globalization.CultureInfo.InvariantCulture));
        }, cancellationToken);
    }

    public Task<Recording?> ClaimNextQueuedAsync(CancellationToken cancellationToken = default)
        => RunAsync("claiming the next queued recording", async c => (await QueryAsync(c, null,
            $"UPDATE recordings SET status = 'running', started_at = @at, progress = 0 WHERE status = 'queued' AND id = (SELECT id FROM recordings WHERE status = 'queued' AND source_kind <> 'live' ORDER BY created_at, id LIMIT 1{_dialect.SkipLocked}) RETURNING {RecordingColumns}",
            ReadRecording, cancellationToken, ("at", Now())).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    public Task<bool> TryStartAsync(Guid recordingId, CancellationToken cancellationToken = default)
        => RunAsync($"starting recording {recordingId}", async c => await ExecuteAsync(c, null, "UPDATE recordings SET status = 'running', started_at = @at WHERE id = @id AND status = 'queued'", cancellationToken,
            ("at", Now()), ("id", recordingId)).ConfigureAwait(false) == 1, cancellationToken);

    public Task<bool> ReportProgressAsync(Guid recordingId, double progress, long? frames = null, double? durationS = null, CancellationToken cancellationToken = default)
    {
        if (!(progress is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(progress), progress, $"{nameof(progress)} is {progress}; it must be 0–1.");
        }

        CheckCounts(frames, durationS);
        return RunAsync($"reporting progress of recording {recordingId}", async c => await ExecuteAsync(c, null,
            $"UPDATE recordings SET progress = @progress{Optional("frames", frames)}{Optional("duration_s", durationS)} WHERE id = @id AND status = 'running'", cancellationToken,
            ("progress", progress), ("id", recordingId), ("frames", frames), ("duration_s", durationS)).ConfigureAwait(false) == 1, cancellationToken);
    }

    public Task<bool> FinishAsync(Guid recordingId, RecordingStatus status, string? error = null, long? frames = null, double? durationS = null, CancellationToken cancellationToken = default)
        => FinishCoreAsync(null, recordingId, status, error, frames, durationS, cancellationToken);

    public Task<bool> CancelAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default)
        => FinishCoreAsync(projectId, recordingId, RecordingStatus.Cancelled, null, null, null, cancellationToken);

    public Task<IReadOnlyList<Recording>> RecoverInterruptedAsync(InterruptedJobPolicy policy, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(policy))
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy, $"{nameof(policy)} must be {InterruptedJobPolicy.Fail} or {InterruptedJobPolicy.Requeue}.");
        }

        var fail = $"UPDATE recordings SET status = 'failed', error = @error, finished_at = @at WHERE status = 'running'{{0}} RETURNING {RecordingColumns}";
        return InTransactionAsync("recovering interrupted jobs", async (c, tx) =>
        {
            if (policy == InterruptedJobPolicy.Fail)
            {
                return await QueryAsync(c, tx, string.Format(System.Globalization.CultureInfo.InvariantCulture, fail, string.Empty), ReadRecording, cancellationToken, ("error", RestartError), ("at", Now())).ConfigureAwait(false);
            }

            var failed = await QueryAsync(c, tx, string.Format(System.Globalization.CultureInfo.InvariantCulture, fail, " AND source_kind = 'live'"), ReadRecording, cancellationToken, ("error", RestartError), ("at", Now())).ConfigureAwait(false);
            const string Replayable = "SELECT id FROM recordings WHERE status = 'running' AND source_kind <> 'live'";
            foreach (var table in ResultTables)
            {
                await ExecuteAsync(c, tx, $"DELETE FROM {table} WHERE recording_id IN ({Replayable})", cancellationToken).ConfigureAwait(false);
            }

            var requeued = await QueryAsync(c, tx, $"UPDATE recordings SET status = 'queued', progress = 0, started_at = NULL, error = NULL, frames = NULL, duration_s = NULL WHERE status = 'running' AND source_kind <> 'live' RETURNING {RecordingColumns}",
                ReadRecording, cancellationToken).ConfigureAwait(false);
            return (IReadOnlyList<Recording>)[.. failed, .. requeued];
        }, cancellationToken);
    }

    // ---- results --------------------------------------------------------------------------------------------

    public async Task<IRecordingWriter> OpenWriterAsync(Guid recordingId, RecordingWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RecordingWriterOptions();
        options.Validate();
        var project = await ProjectOfRecordingAsync(recordingId, cancellationToken).ConfigureAwait(false);
        return project is not { } projectId
            ? throw new MienStoreException($"recording {recordingId} does not exist; create it before writing its results", MienStoreError.NotFound)
            : new RecordingWriter(this, recordingId, projectId, options);
    }

    public Task<FramePage?> GetFramesAsync(Guid projectId, Guid recordingId, FrameQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckPage(query.FromS, query.ToS, query.Limit, query.AfterFrameIndex);
        var sql = "SELECT frame_index, t_s, faces, payload FROM frames WHERE recording_id = @recording AND frame_index > @after"
            + (query.FromS is null ? string.Empty : " AND t_s >= @from") + (query.ToS is null ? string.Empty : " AND t_s <= @to")
            + " ORDER BY frame_index LIMIT @limit";
        return OwnedAsync(projectId, recordingId, "reading frames", async c =>
        {
            var rows = await QueryAsync(c, null, sql, r => new StoredFrame(r.GetInt64(0), r.GetDouble(1), r.GetInt32(2), r.GetString(3)), cancellationToken,
                ("recording", recordingId), ("after", query.AfterFrameIndex), ("from", query.FromS), ("to", query.ToS), ("limit", query.Limit + 1)).ConfigureAwait(false);
            var opened = new StoredFrame[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                opened[i] = rows[i] with { PayloadJson = await OpenAsync(projectId, rows[i].PayloadJson, Bindings.Frame(recordingId, rows[i].FrameIndex), cancellationToken).ConfigureAwait(false) };
            }

            rows = opened;

            return rows.Count > query.Limit ? new FramePage(rows.Take(query.Limit).ToArray(), rows[query.Limit - 1].FrameIndex) : new FramePage(rows, null);
        }, cancellationToken);
    }

    public Task<EventPage?> GetEventsAsync(Guid projectId, Guid recordingId, EventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckPage(query.FromS, query.ToS, query.Limit, query.AfterSeq);
        var sql = "SELECT seq, kind, track_id, t_start_s, t_end_s, payload FROM events WHERE recording_id = @recording AND seq > @after"
            + (query.Kind is null ? string.Empty : " AND kind = @kind")
            + (query.FromS is null ? string.Empty : " AND COALESCE(t_end_s, t_start_s) >= @from") + (query.ToS is null ? string.Empty : " AND t_start_s <= @to")
            + " ORDER BY seq LIMIT @limit";
        return OwnedAsync(projectId, recordingId, "reading events", async c =>
        {
            var rows = await QueryAsync(c, null, sql, r => new StoredEvent(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.GetDouble(3), r.IsDBNull(4) ? null : r.GetDouble(4), r.GetString(5)), cancellationToken,
                ("recording", recordingId), ("after", query.AfterSeq), ("kind", query.Kind), ("from", query.FromS), ("to", query.ToS), ("limit", query.Limit + 1)).ConfigureAwait(false);
            var opened = new StoredEvent[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                opened[i] = rows[i] with { PayloadJson = await OpenAsync(projectId, rows[i].PayloadJson, Bindings.Event(recordingId, rows[i].Seq), cancellationToken).ConfigureAwait(false) };
            }

            rows = opened;

            return rows.Count > query.Limit ? new EventPage(rows.Take(query.Limit).ToArray(), rows[query.Limit - 1].Seq) : new EventPage(rows, null);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<StoredPersonSummary>?> GetPersonSummariesAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default)
        => OwnedAsync(projectId, recordingId, "reading person summaries", async c =>
        {
            var rows = await QueryAsync(c, null, "SELECT track_id, payload FROM person_summaries WHERE recording_id = @recording ORDER BY track_id",
                r => new StoredPersonSummary(r.GetInt32(0), r.GetString(1)), cancellationToken, ("recording", recordingId)).ConfigureAwait(false);
            var opened = new StoredPersonSummary[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                opened[i] = rows[i] with { PayloadJson = await OpenAsync(projectId, rows[i].PayloadJson, Bindings.Person(recordingId, rows[i].TrackId), cancellationToken).ConfigureAwait(false) };
            }

            return (IReadOnlyList<StoredPersonSummary>)opened;
        }, cancellationToken);

    public Task<string?> GetRecordingSummaryAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default)
        => RunAsync($"reading the summary of recording {recordingId}", async c => await ScalarAsync(c, null,
            "SELECT s.payload FROM recording_summaries s JOIN recordings r ON r.id = s.recording_id WHERE r.id = @recording AND r.project_id = @project", cancellationToken,
            ("recording", recordingId), ("project", projectId)).ConfigureAwait(false) is string sealedSummary
                ? await OpenAsync(projectId, sealedSummary, Bindings.Summary(recordingId), cancellationToken).ConfigureAwait(false)
                : null, cancellationToken);

    // ---- skin sessions --------------------------------------------------------------------------------------

    public Task<StoredSkinSession> AppendSkinSessionAsync(Guid projectId, Guid subjectId, Guid? recordingId, DateTimeOffset at, string payloadJson, CancellationToken cancellationToken = default)
    {
        var session = new StoredSkinSession(Guid.CreateVersion7(), projectId, subjectId, recordingId, SqlDialect.Truncate(at), Payload(payloadJson, nameof(payloadJson)));
        return InTransactionAsync($"appending a skin session for subject {subjectId} in project {projectId}", async (c, tx) =>
        {
            var key = await ActiveKeyAsync(c, tx, projectId, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(c, tx, $"INSERT INTO skin_sessions ({SkinColumns}) VALUES (@id, @project, @subject, @recording, @at, @payload)", cancellationToken,
                ("id", session.Id), ("project", projectId), ("subject", subjectId), ("recording", recordingId), ("at", session.At), ("payload", SealChecked(key, session.PayloadJson, Bindings.Skin(session.Id, subjectId)))).ConfigureAwait(false);
            return session;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<StoredSkinSession>> ListSkinSessionsAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default)
        => RunAsync($"listing skin sessions of subject {subjectId}", async c =>
        {
            var rows = await QueryAsync(c, null, $"SELECT {SkinColumns} FROM skin_sessions WHERE project_id = @project AND subject_id = @subject ORDER BY at, id",
                r => new StoredSkinSession(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.IsDBNull(3) ? null : r.GetGuid(3), r.GetFieldValue<DateTimeOffset>(4), r.GetString(5)), cancellationToken,
                ("project", projectId), ("subject", subjectId)).ConfigureAwait(false);
            var opened = new StoredSkinSession[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                opened[i] = rows[i] with { PayloadJson = await OpenAsync(projectId, rows[i].PayloadJson, Bindings.Skin(rows[i].Id, rows[i].SubjectId), cancellationToken).ConfigureAwait(false) };
            }

            return (IReadOnlyList<StoredSkinSession>)opened;
        }, cancellationToken);

    // ---- erasure --------------------------------------------------------------------------------------------

    public Task<ErasureReport?> DeleteRecordingAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default)
        => InTransactionAsync($"erasing recording {recordingId}", async (c, tx) =>
        {
            // Locking the row first blocks concurrent result inserts (they need a key-share lock on it), so the counts are exact.
            var media = await QueryAsync(c, tx, $"SELECT media_path FROM recordings WHERE id = @id AND project_id = @project{_dialect.ForUpdate}", r => r.IsDBNull(0) ? null : r.GetString(0), cancellationToken,
                ("id", recordingId), ("project", projectId)).ConfigureAwait(false);
            if (media.Count == 0)
            {
                return null;
            }

            return await EraseRecordingsAsync(c, tx, "SELECT id FROM recordings WHERE id = @id", [("id", recordingId)], "id = @id", 0, [.. media.OfType<string>()], cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<ErasureReport?> DeleteSubjectAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default)
        => InTransactionAsync($"erasing subject {subjectId}", async (c, tx) =>
        {
            var subject = await QueryAsync(c, tx, $"SELECT id FROM subjects WHERE id = @subject AND project_id = @project{_dialect.ForUpdate}", r => r.GetGuid(0), cancellationToken,
                ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            if (subject.Count == 0)
            {
                return null;
            }

            var media = await QueryAsync(c, tx, $"SELECT media_path FROM recordings WHERE subject_id = @subject AND project_id = @project{_dialect.ForUpdate}", r => r.IsDBNull(0) ? null : r.GetString(0), cancellationToken,
                ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            var report = await EraseRecordingsAsync(c, tx, "SELECT id FROM recordings WHERE subject_id = @subject AND project_id = @project", [("subject", subjectId), ("project", projectId)],
                "subject_id = @subject AND project_id = @project", 0, [.. media.OfType<string>()], cancellationToken).ConfigureAwait(false);
            var sessions = await ExecuteAsync(c, tx, "DELETE FROM skin_sessions WHERE subject_id = @subject AND project_id = @project", cancellationToken, ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            // Deleted by name (not left to the cascade) so the receipt counts them.
            var templates = await ExecuteAsync(c, tx, "DELETE FROM identity_templates WHERE subject_id = @subject AND project_id = @project", cancellationToken, ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            var subjects = await ExecuteAsync(c, tx, "DELETE FROM subjects WHERE id = @subject AND project_id = @project", cancellationToken, ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            return report with { Subjects = subjects, SkinSessions = report.SkinSessions + sessions, IdentityTemplates = templates };
        }, cancellationToken);

    private static readonly string[] ResultTables = ["frames", "events", "person_summaries", "recording_summaries", "skin_sessions"];

    /// <summary>Deletes every row derived from the selected recordings, table by table (so each count is exact), then the recordings.</summary>
    private async Task<ErasureReport> EraseRecordingsAsync(DbConnection c, DbTransaction tx, string selectIds, (string, object?)[] args, string recordingFilter, int subjects, IReadOnlyList<string> media, CancellationToken cancellationToken)
    {
        var ids = await QueryAsync(c, tx, selectIds, r => r.GetGuid(0), cancellationToken, args).ConfigureAwait(false);
        var counts = new long[ResultTables.Length];
        for (var i = 0; i < ResultTables.Length; i++)
        {
            counts[i] = await ExecuteAsync(c, tx, $"DELETE FROM {ResultTables[i]} WHERE recording_id IN ({selectIds})", cancellationToken, args).ConfigureAwait(false);
        }

        var recordings = await ExecuteAsync(c, tx, $"DELETE FROM recordings WHERE {recordingFilter}", cancellationToken, args).ConfigureAwait(false);
        return new ErasureReport(subjects, recordings, counts[0], counts[1], (int)counts[2], (int)counts[3], (int)counts[4], media) { RecordingIds = ids };
    }

    // ---- writer support -------------------------------------------------------------------------------------

    /// <summary>Commits one writer batch in one transaction: a DbBatch (one round trip) where the provider has it, else one prepared command per table.</summary>
    internal Task WriteBatchAsync(Guid recordingId, Guid projectId, ResultBatch batch, CancellationToken cancellationToken)
        => InTransactionAsync($"writing {batch.Count} results of recording {recordingId}", async (c, tx) =>
        {
            if (batch.Invalid is { } invalid)
            {
                throw new MienStoreException($"writing {batch.Count} results of recording {recordingId}: a value was refused ({invalid})", MienStoreError.Invalid);
            }

            // Sealed inside the transaction that holds the active key FOR SHARE (see SqlMienStore.Encryption).
            var key = await ActiveKeyAsync(c, tx, projectId, cancellationToken).ConfigureAwait(false);
            var rows = new BatchRows(_dialect, c, tx);
            foreach (var f in batch.Frames)
            {
                rows.Add(UpsertFrame, recordingId, f.FrameIndex, f.TimeS, f.Faces, Seal(key, f.PayloadJson, Bindings.Frame(recordingId, f.FrameIndex)));
            }

            foreach (var e in batch.Events)
            {
                rows.Add(UpsertEvent, recordingId, e.Seq, e.Kind, e.TrackId, e.StartS, e.EndS, Seal(key, e.PayloadJson, Bindings.Event(recordingId, e.Seq)));
            }

            foreach (var p in batch.Persons)
            {
                rows.Add(UpsertPerson, recordingId, p.TrackId, Seal(key, p.PayloadJson, Bindings.Person(recordingId, p.TrackId)));
            }

            if (batch.Summary is { } summary)
            {
                rows.Add(UpsertSummary, recordingId, Seal(key, summary, Bindings.Summary(recordingId)));
            }

            await rows.ExecuteAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <summary>
    /// Rows for one transaction. PostgreSQL: one <see cref="DbBatch"/>, sent in one round trip. SQLite (no DbBatch):
    /// one prepared command per statement text, re-bound per row, which is how SQLite is fastest in-process.
    /// </summary>
    private sealed class BatchRows(SqlDialect dialect, DbConnection connection, DbTransaction transaction) : IAsyncDisposable
    {
        private readonly DbBatch? _batch = connection.CanCreateBatch ? connection.CreateBatch() : null;
        private readonly Dictionary<string, DbCommand> _prepared = [];

        public void Add(string sql, params ReadOnlySpan<object?> values)
        {
            if (_batch is not null)
            {
                var command = _batch.CreateBatchCommand();
                command.CommandText = sql;
                for (var i = 0; i < values.Length; i++)
                {
                    command.Parameters.Add(dialect.Parameter(ParameterName(sql, i), values[i]));
                }

                _batch.BatchCommands.Add(command);
                return;
            }

            if (!_prepared.TryGetValue(sql, out var prepared))
            {
                prepared = connection.CreateCommand();
                prepared.Transaction = transaction;
                prepared.CommandText = sql;
                for (var i = 0; i < values.Length; i++)
                {
                    prepared.Parameters.Add(dialect.Parameter(ParameterName(sql, i), values[i]));
                }

                prepared.Prepare();
                _prepared[sql] = prepared;
            }
            else
            {
                for (var i = 0; i < values.Length; i++)
                {
                    dialect.Bind(prepared.Parameters[i], values[i]);
                }
            }

            prepared.ExecuteNonQuery();
        }

        public async Task ExecuteAsync(CancellationToken cancellationToken)
        {
            if (_batch is { BatchCommands.Count: > 0 })
            {
                _batch.Transaction = transaction;
                await _batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await DisposeAsync().ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            if (_batch is not null)
            {
                await _batch.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var command in _prepared.Values)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }

            _prepared.Clear();
        }

        /// <summary>The i-th "@name" placeholder of the statement (the upserts name their values in column order).</summary>
        private static string ParameterName(string sql, int index)
        {
            var at = -1;
            for (var i = 0; i <= index; i++)
            {
                at = sql.IndexOf('@', at + 1);
            }

            var end = at + 1;
            while (end < sql.Length && (char.IsAsciiLetterOrDigit(sql[end]) || sql[end] == '_'))
            {
                end++;
            }

            return sql[at..end];
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------------------

    private Task<bool> FinishCoreAsync(Guid? projectId, Guid recordingId, RecordingStatus status, string? error, long? frames, double? durationS, CancellationToken cancellationToken)
    {
        if (status is not (RecordingStatus.Done or RecordingStatus.Failed or RecordingStatus.Cancelled))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, $"{nameof(status)} is {status}; a job finishes Done, Failed or Cancelled.");
        }

        if ((status == RecordingStatus.Failed) != (error is not null))
        {
            throw new ArgumentException(status == RecordingStatus.Failed ? "a failed job needs an error saying why" : $"only a failed job has an error; {status} got '{error}'", nameof(error));
        }

        CheckCounts(frames, durationS);
        var progress = status == RecordingStatus.Done ? "1" : "progress";
        var scope = projectId is null ? string.Empty : " AND project_id = @project";
        return RunAsync($"finishing recording {recordingId} as {status}", async c => await ExecuteAsync(c, null,
            $"UPDATE recordings SET status = @status, error = @error, finished_at = @at, progress = {progress}{Optional("frames", frames)}{Optional("duration_s", durationS)} WHERE id = @id{scope} AND status IN {ActiveStatuses}", cancellationToken,
            ("status", StatusText(status)), ("error", error is null ? null : FreeText(error, nameof(error))), ("at", Now()), ("frames", frames), ("duration_s", durationS), ("id", recordingId), ("project", projectId)).ConfigureAwait(false) == 1, cancellationToken);
    }

    /// <summary>Runs <paramref name="body"/> when the recording is the project's; null otherwise.</summary>
    private Task<T?> OwnedAsync<T>(Guid projectId, Guid recordingId, string what, Func<DbConnection, Task<T>> body, CancellationToken cancellationToken)
        where T : class
        => RunAsync($"{what} of recording {recordingId}", async c =>
            await ScalarAsync(c, null, "SELECT 1 FROM recordings WHERE id = @id AND project_id = @project", cancellationToken, ("id", recordingId), ("project", projectId)).ConfigureAwait(false) is null
                ? null
                : await body(c).ConfigureAwait(false), cancellationToken);

    private DateTimeOffset Now() => SqlDialect.Truncate(_time.GetUtcNow());

    private static string Optional(string column, object? value) => value is null ? string.Empty : $", {column} = @{column}";

    private async Task<T> RunAsync<T>(string what, Func<DbConnection, Task<T>> body, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await body(connection).ConfigureAwait(false);
        }
        catch (DbException e)
        {
            throw Translate(what, e);
        }
    }

    private Task<T> InTransactionAsync<T>(string what, Func<DbConnection, DbTransaction, Task<T>> body, CancellationToken cancellationToken)
        => RunAsync(what, async c =>
        {
            await using var transaction = await _dialect.BeginWriteAsync(c, cancellationToken).ConfigureAwait(false);
            var result = await body(c, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }, cancellationToken);

    internal MienStoreException Translate(string what, Exception e) => _dialect.Classify(e) switch
    {
        MienStoreError.NotFound => new MienStoreException($"{what}: a referenced project, subject or recording does not exist (in that project)", MienStoreError.NotFound, e),
        MienStoreError.Conflict => new MienStoreException($"{what}: it already exists", MienStoreError.Conflict, e),
        MienStoreError.Invalid => new MienStoreException($"{what}: a value was refused ({e.Message})", MienStoreError.Invalid, e),
        _ => new MienStoreException($"{what}: {_dialect.Describe} failed: {e.Message}", MienStoreError.Failure, e),
    };

    private DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, ReadOnlySpan<(string Name, object? Value)> args)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in args)
        {
            // Unused arguments are skipped: PostgreSQL cannot infer the type of a parameter the statement does not use.
            if (Uses(sql, name))
            {
                command.Parameters.Add(_dialect.Parameter("@" + name, value));
            }
        }

        return command;
    }

    /// <summary>Whether the statement has the placeholder <c>@name</c> (as a whole token).</summary>
    private static bool Uses(string sql, string name)
    {
        for (var at = sql.IndexOf('@'); at >= 0; at = sql.IndexOf('@', at + 1))
        {
            var end = at + 1 + name.Length;
            if (string.CompareOrdinal(sql, at + 1, name, 0, name.Length) == 0 && (end == sql.Length || !(char.IsAsciiLetterOrDigit(sql[end]) || sql[end] == '_')))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        await using var command = Command(connection, transaction, sql, args);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        await using var command = Command(connection, transaction, sql, args);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        await using var command = Command(connection, transaction, sql, args);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static Project ReadProject(DbDataReader r)
        => new(r.GetGuid(0), r.GetString(1), Parse<ProcessingPurpose>(r.GetString(2)), Parse<ProcessingSetting>(r.GetString(3)), r.GetBoolean(4), r.GetFieldValue<DateTimeOffset>(5),
            Parse<InferenceBasis>(r.GetString(6)), r.IsDBNull(7) ? null : r.GetString(7));

    /// <summary>A privacy enum from its wire name as stored.</summary>
    internal static T Parse<T>(string text) where T : struct, Enum
        => Names.TryParse<T>(text, out var value) ? value : throw new MienStoreException($"unknown {typeof(T).Name} '{text}' in the database", MienStoreError.Failure);

    /// <summary>A defined enum value, else an argument error naming it.</summary>
    internal static T Defined<T>(T value, string what) where T : struct, Enum
        => Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(what, value, $"{what} must be one of {Names.List<T>()}.");

    private static ApiKeyInfo ReadKey(DbDataReader r)
        => new(r.GetGuid(0), r.GetGuid(1), ParseRole(r.GetString(2)), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5));

    private static Subject ReadSubject(DbDataReader r) => new(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3));

    private static Recording ReadRecording(DbDataReader r) => new(
        r.GetGuid(0),
        r.GetGuid(1),
        r.IsDBNull(2) ? null : r.GetGuid(2),
        r.GetString(3),
        ParseSource(r.GetString(4)),
        r.IsDBNull(5) ? null : r.GetString(5),
        r.GetString(6),
        ParseStatus(r.GetString(7)),
        r.GetDouble(8),
        r.IsDBNull(9) ? null : r.GetString(9),
        r.GetFieldValue<DateTimeOffset>(10),
        r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11),
        r.IsDBNull(12) ? null : r.GetFieldValue<DateTimeOffset>(12),
        r.IsDBNull(13) ? null : r.GetInt64(13),
        r.IsDBNull(14) ? null : r.GetDouble(14));

    // ---- values ---------------------------------------------------------------------------------------------

    internal static string RoleText(ApiKeyRole role) => role switch
    {
        ApiKeyRole.Admin => "admin",
        ApiKeyRole.Analyst => "analyst",
        ApiKeyRole.Viewer => "viewer",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "role must be Admin, Analyst or Viewer"),
    };

    private static ApiKeyRole ParseRole(string text) => text switch
    {
        "admin" => ApiKeyRole.Admin,
        "analyst" => ApiKeyRole.Analyst,
        "viewer" => ApiKeyRole.Viewer,
        _ => throw new MienStoreException($"unknown key role '{text}' in the database", MienStoreError.Failure),
    };

    private static string SourceText(SourceKind source) => source switch
    {
        SourceKind.Upload => "upload",
        SourceKind.Stream => "stream",
        SourceKind.Live => "live",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "source must be Upload, Stream or Live"),
    };

    private static SourceKind ParseSource(string text) => text switch
    {
        "upload" => SourceKind.Upload,
        "stream" => SourceKind.Stream,
        "live" => SourceKind.Live,
        _ => throw new MienStoreException($"unknown source kind '{text}' in the database", MienStoreError.Failure),
    };

    private static string StatusText(RecordingStatus status) => status switch
    {
        RecordingStatus.Queued => "queued",
        RecordingStatus.Running => "running",
        RecordingStatus.Done => "done",
        RecordingStatus.Failed => "failed",
        RecordingStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "status must be Queued, Running, Done, Failed or Cancelled"),
    };

    private static RecordingStatus ParseStatus(string text) => text switch
    {
        "queued" => RecordingStatus.Queued,
        "running" => RecordingStatus.Running,
        "done" => RecordingStatus.Done,
        "failed" => RecordingStatus.Failed,
        "cancelled" => RecordingStatus.Cancelled,
        _ => throw new MienStoreException($"unknown recording status '{text}' in the database", MienStoreError.Failure),
    };

    /// <summary>A name or pseudonym: 1–<paramref name="max"/> characters, no control characters.</summary>
    private static string Name(string? value, string what, int max)
    {
        ArgumentNullException.ThrowIfNull(value, what);
        if (value.Length == 0 || value.Length > max)
        {
            throw new ArgumentException($"{what} must be 1–{max} characters; got {value.Length}.", what);
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException($"{what} must not contain control characters; found U+{(int)c:X4}.", what);
            }
        }

        return value;
    }

    /// <summary>Free text (null allowed) up to 4000 characters; only NUL is refused (PostgreSQL text cannot hold it).</summary>
    private static string? FreeText(string? value, string what)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length > 4000)
        {
            throw new ArgumentException($"{what} must be at most 4000 characters; got {value.Length}.", what);
        }

        return value.Contains('\0', StringComparison.Ordinal) ? throw new ArgumentException($"{what} must not contain NUL characters.", what) : value;
    }

    /// <summary>
    /// A payload: non-empty, and without the escape <c>\u0000</c>, which PostgreSQL's jsonb refuses and SQLite would
    /// accept; refusing it in both keeps the stores interchangeable. Validity itself is checked by the database.
    /// </summary>
    internal static string Payload(string? json, string what)
    {
        ArgumentNullException.ThrowIfNull(json, what);
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new ArgumentException($"{what} is empty; it must be JSON.", what);
        }

        return json.Contains("\\u0000", StringComparison.Ordinal) ? throw new ArgumentException($"{what} contains the escape \\u0000, which the PostgreSQL store cannot hold; drop NUL characters from the payload.", what) : json;
    }

    private static string JsonObject(string? json, string what)
    {
        Payload(json, what);
        try
        {
            using var document = JsonDocument.Parse(json!);
            return document.RootElement.ValueKind == JsonValueKind.Object ? json! : throw new ArgumentException($"{what} must be a JSON object; got a {document.RootElement.ValueKind}.", what);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{what} is not valid JSON: {e.Message}", what, e);
        }
    }

    private static void CheckCounts(long? frames, double? durationS)
    {
        if (frames < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(frames), frames, $"{nameof(frames)} is {frames}; it must be 0 or more.");
        }

        if (durationS is { } d && !(d >= 0 && double.IsFinite(d)))
        {
            throw new ArgumentOutOfRangeException(nameof(durationS), durationS, $"{nameof(durationS)} is {durationS}; it must be a finite number of seconds, 0 or more.");
        }
    }

    private static void CheckPage(double? from, double? to, int limit, long after)
    {
        if (from is { } f && !double.IsFinite(f))
        {
            throw new ArgumentOutOfRangeException(nameof(from), from, "FromS must be a finite number of seconds.");
        }

        if (to is { } t && !double.IsFinite(t))
        {
            throw new ArgumentOutOfRangeException(nameof(to), to, "ToS must be a finite number of seconds.");
        }

        if (from > to)
        {
            throw new ArgumentException($"FromS ({from}) is after ToS ({to}).", nameof(from));
        }

        if (limit is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"Limit is {limit}; it must be 1–10000.");
        }

        if (after < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(after), after, $"the page key is {after}; it must be -1 (start) or a previous page's NextAfter.");
        }
    }
}
