using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Mien.Privacy.Audit;
using Mien.Privacy.Retention;

namespace Mien.Storage.Sql;

// The audit chain, subject references and retention (migration 0003_audit). The database guards the log itself
// (triggers: append in order, no update, delete only up to the anchor); this code computes the hashes.
internal sealed partial class SqlMienStore
{
    private const string AuditColumns = "project_id, seq, at, actor, action, outcome, subject_ref, target, detail, hash";
    private const string FinalStatuses = "('done', 'failed', 'cancelled')";

    /// <summary>Verification reads the log in pages of this many entries.</summary>
    private const int VerifyPage = 2000;

    /// <summary>Appends waiting for the next group commit of this process.</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<PendingAppend> _auditQueue = new();

    /// <summary>Held by the one caller that writes the queued appends (the group-commit leader).</summary>
    private readonly SemaphoreSlim _auditLeader = new(1, 1);

    public async Task<AuditEntry> AppendAuditAsync(Guid projectId, AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate();
        cancellationToken.ThrowIfCancellationRequested();

        // Group commit: a chain is linear, so appends to it serialise on its head until commit, and a commit costs a
        // disk flush. Appends that arrive while one is being written are queued and written together by the next
        // leader, in one transaction: concurrent requests share a flush instead of queueing for one each.
        var pending = new PendingAppend(projectId, record);
        _auditQueue.Enqueue(pending);
        await _auditLeader.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (!pending.Done.Task.IsCompleted)
            {
                var batch = new List<PendingAppend>();
                while (batch.Count < MaxAuditBatch && _auditQueue.TryDequeue(out var next))
                {
                    batch.Add(next);
                }

                try
                {
                    // Not the leader's token: the batch carries other callers' entries, and an access once made is recorded.
                    var entries = await AppendBatchAsync(batch, CancellationToken.None).ConfigureAwait(false);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Done.TrySetResult(entries[i]);
                    }
                }
                catch (Exception e)
                {
                    foreach (var p in batch)
                    {
                        p.Done.TrySetException(e);
                    }
                }
            }
        }
        finally
        {
            _auditLeader.Release();
        }

        return await pending.Done.Task.ConfigureAwait(false);
    }

    /// <summary>Most appends written in one transaction (bounds how long one transaction holds a chain's head).</summary>
    private const int MaxAuditBatch = 256;

    private sealed record PendingAppend(Guid ProjectId, AuditRecord Record)
    {
        public TaskCompletionSource<AuditEntry> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private Task<AuditEntry[]> AppendBatchAsync(List<PendingAppend> batch, CancellationToken cancellationToken)
        => InTransactionAsync(batch.Count == 1 ? $"appending '{batch[0].Record.Action}' to the audit log of project {batch[0].ProjectId}" : $"appending {batch.Count} entries to audit logs", async (c, tx) =>
        {
            var entries = new AuditEntry[batch.Count];
            var heads = new Dictionary<Guid, (long Seq, string Hash)>();
            // Projects in a fixed order, so two processes locking several chains' heads cannot deadlock.
            foreach (var projectId in batch.Select(p => p.ProjectId).Distinct().Order())
            {
                var genesis = Convert.FromHexString(AuditChain.Genesis(projectId));
                await ExecuteAsync(c, tx, "INSERT INTO audit_heads (project_id, head_seq, head_hash, anchor_seq, anchor_hash) VALUES (@project, 0, @genesis, 0, @genesis) ON CONFLICT (project_id) DO NOTHING", cancellationToken,
                    ("project", projectId), ("genesis", genesis)).ConfigureAwait(false);

                // The row lock (PostgreSQL) or the write lock taken by BEGIN IMMEDIATE (SQLite) makes this transaction the
                // only appender of the chain until commit: the next one reads the head this one leaves.
                var head = (await QueryAsync(c, tx, $"SELECT head_seq, head_hash FROM audit_heads WHERE project_id = @project{_dialect.ForUpdate}",
                    r => (Seq: r.GetInt64(0), Hash: Convert.ToHexStringLower(r.GetFieldValue<byte[]>(1))), cancellationToken, ("project", projectId)).ConfigureAwait(false))[0];
                heads[projectId] = head;
            }

            var at = Now();
            for (var i = 0; i < batch.Count; i++)
            {
                var (projectId, record) = (batch[i].ProjectId, batch[i].Record);
                var previous = heads[projectId];
                var seq = previous.Seq + 1;
                var hash = AuditChain.Hash(previous.Hash, projectId, seq, at, record);
                await ExecuteAsync(c, tx, $"INSERT INTO audit_log ({AuditColumns}) VALUES (@project, @seq, @at, @actor, @action, @outcome, @subject, @target, @detail, @hash)", cancellationToken,
                    ("project", projectId), ("seq", seq), ("at", at), ("actor", record.Actor), ("action", record.Action), ("outcome", record.Outcome),
                    ("subject", record.SubjectRef), ("target", record.Target), ("detail", record.DetailJson), ("hash", Convert.FromHexString(hash))).ConfigureAwait(false);
                heads[projectId] = (seq, hash);
                entries[i] = new AuditEntry(projectId, seq, at, record, hash);
            }

            return entries;
        }, cancellationToken);

    public Task<AuditPage> GetAuditAsync(Guid projectId, AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, $"Limit is {query.Limit}; it must be 1–1000.");
        }

        if (query.AfterSeq < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.AfterSeq, $"AfterSeq is {query.AfterSeq}; it must be 0 (start) or a previous page's NextAfter.");
        }

        if (query.SubjectRef is not null && !SubjectRef.IsWellFormed(query.SubjectRef))
        {
            throw new ArgumentException($"SubjectRef must be {SubjectRef.Length} lower-case hex digits.", nameof(query));
        }

        var sql = $"SELECT {AuditColumns} FROM audit_log WHERE project_id = @project AND seq > @after"
            + (query.SubjectRef is null ? string.Empty : " AND subject_ref = @subject") + " ORDER BY seq LIMIT @limit";
        return RunAsync($"reading the audit log of project {projectId}", async c =>
        {
            var rows = await QueryAsync(c, null, sql, ReadAuditEntry, cancellationToken, ("project", projectId), ("after", query.AfterSeq), ("subject", query.SubjectRef), ("limit", query.Limit + 1)).ConfigureAwait(false);
            return rows.Count > query.Limit ? new AuditPage(rows.Take(query.Limit).ToArray(), rows[query.Limit - 1].Seq) : new AuditPage(rows, null);
        }, cancellationToken);
    }

    public Task<AuditVerification> VerifyAuditAsync(Guid projectId, CancellationToken cancellationToken = default)
        => RunAsync($"verifying the audit log of project {projectId}", async c =>
        {
            // One snapshot: appends and retention running meanwhile neither add entries past the head read here nor
            // remove entries this pass still has to read.
            await using var tx = _dialect.Provider == StoreProvider.Sqlite
                ? ((SqliteConnection)c).BeginTransaction(deferred: true)
                : await c.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            var heads = await QueryAsync(c, tx, "SELECT head_seq, head_hash, anchor_seq, anchor_hash FROM audit_heads WHERE project_id = @project",
                r => (HeadSeq: r.GetInt64(0), HeadHash: r.GetFieldValue<byte[]>(1), AnchorSeq: r.GetInt64(2), AnchorHash: r.GetFieldValue<byte[]>(3)), cancellationToken, ("project", projectId)).ConfigureAwait(false);
            if (heads.Count == 0)
            {
                var genesis = AuditChain.Genesis(projectId);
                var stray = await ScalarAsync(c, tx, "SELECT min(seq) FROM audit_log WHERE project_id = @project", cancellationToken, ("project", projectId)).ConfigureAwait(false);
                return stray is null
                    ? new AuditVerification(true, 0, null, 0, genesis, 0, null)
                    : new AuditVerification(false, 0, Convert.ToInt64(stray, System.Globalization.CultureInfo.InvariantCulture), 0, genesis, 0, "entries exist but the chain's head is gone");
            }

            var head = heads[0];
            var verifier = new AuditChainVerifier(projectId, head.AnchorSeq, Convert.ToHexStringLower(head.AnchorHash));
            var after = head.AnchorSeq;
            while (verifier.Valid)
            {
                var page = await QueryAsync(c, tx, $"SELECT {AuditColumns} FROM audit_log WHERE project_id = @project AND seq > @after ORDER BY seq LIMIT @limit", ReadAuditEntry, cancellationToken,
                    ("project", projectId), ("after", after), ("limit", VerifyPage)).ConfigureAwait(false);
                foreach (var entry in page)
                {
                    if (!verifier.Accept(entry))
                    {
                        break;
                    }
                }

                if (page.Count < VerifyPage)
                {
                    break;
                }

                after = page[^1].Seq;
            }

            verifier.Finish(head.HeadSeq, Convert.ToHexStringLower(head.HeadHash));
            return new AuditVerification(verifier.Valid, verifier.Verified, verifier.FirstBrokenSeq, verifier.LastSeq, verifier.HeadHash, head.AnchorSeq, verifier.Problem);
        }, cancellationToken);

    public Task<string?> GetSubjectRefAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default)
        => RunAsync($"computing the audit reference of subject {subjectId}", c => SubjectRefAsync(c, projectId, subjectId, cancellationToken), cancellationToken);

    public Task<string?> GetRecordingSubjectRefAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default)
        => RunAsync($"computing the audit reference of the subject of recording {recordingId}", async c =>
        {
            var subject = await ScalarAsync(c, null, "SELECT subject_id FROM recordings WHERE id = @id AND project_id = @project", cancellationToken, ("id", recordingId), ("project", projectId)).ConfigureAwait(false);
            return subject is null ? null : await SubjectRefAsync(c, projectId, subject is Guid g ? g : Guid.Parse((string)subject), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<string?> GetRecordingRefAsync(Guid projectId, Guid recordingId, CancellationToken cancellationToken = default)
        => RunAsync($"computing the audit reference of recording {recordingId}", async c =>
        {
            var subject = await ScalarAsync(c, null, "SELECT subject_id FROM recordings WHERE id = @id AND project_id = @project", cancellationToken, ("id", recordingId), ("project", projectId)).ConfigureAwait(false);
            if (subject is null or DBNull)
            {
                return null;
            }

            var subjectId = subject is Guid g ? g : Guid.Parse((string)subject);
            // Makes sure the subject has its salt, then keys the recording's reference with it: erasing the subject
            // makes every recording reference of it unlinkable too.
            if (await SubjectRefAsync(c, projectId, subjectId, cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }

            var salt = await QueryAsync(c, null, "SELECT audit_salt FROM subjects WHERE id = @id AND project_id = @project", r => r.GetFieldValue<byte[]>(0), cancellationToken,
                ("id", subjectId), ("project", projectId)).ConfigureAwait(false);
            return salt.Count == 0 ? null : "recording:" + SubjectRef.Compute(salt[0], recordingId);
        }, cancellationToken);

    private async Task<string?> SubjectRefAsync(DbConnection c, Guid projectId, Guid subjectId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var rows = await QueryAsync(c, null, "SELECT audit_salt FROM subjects WHERE id = @id AND project_id = @project", r => r.IsDBNull(0) ? null : r.GetFieldValue<byte[]>(0), cancellationToken,
                ("id", subjectId), ("project", projectId)).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                return null;
            }

            if (rows[0] is { } salt)
            {
                return SubjectRef.Compute(salt, subjectId);
            }

            // First reference to this subject: give it a salt. Concurrent first uses race on "IS NULL"; the loser reads the winner's.
            await ExecuteAsync(c, null, "UPDATE subjects SET audit_salt = @salt WHERE id = @id AND project_id = @project AND audit_salt IS NULL", cancellationToken,
                ("salt", SubjectRef.NewSalt()), ("id", subjectId), ("project", projectId)).ConfigureAwait(false);
        }

        throw new MienStoreException($"subject {subjectId} has no audit salt after setting one", MienStoreError.Failure);
    }

    public Task<long> TrimAuditLogAsync(Guid projectId, DateTimeOffset before, CancellationToken cancellationToken = default)
        => InTransactionAsync($"removing expired audit entries of project {projectId}", async (c, tx) =>
        {
            var heads = await QueryAsync(c, tx, $"SELECT head_seq, anchor_seq FROM audit_heads WHERE project_id = @project{_dialect.ForUpdate}",
                r => (Head: r.GetInt64(0), Anchor: r.GetInt64(1)), cancellationToken, ("project", projectId)).ConfigureAwait(false);
            if (heads.Count == 0)
            {
                return 0L;
            }

            var (headSeq, anchor) = heads[0];
            var firstKept = await ScalarAsync(c, tx, "SELECT min(seq) FROM audit_log WHERE project_id = @project AND seq > @anchor AND at >= @before", cancellationToken,
                ("project", projectId), ("anchor", anchor), ("before", before)).ConfigureAwait(false);
            var cut = firstKept is null ? headSeq : Convert.ToInt64(firstKept, System.Globalization.CultureInfo.InvariantCulture) - 1;
            if (cut <= anchor)
            {
                return 0L;
            }

            var last = (await QueryAsync(c, tx, "SELECT hash, at FROM audit_log WHERE project_id = @project AND seq = @seq", r => (Hash: r.GetFieldValue<byte[]>(0), At: r.GetFieldValue<DateTimeOffset>(1)), cancellationToken,
                ("project", projectId), ("seq", cut)).ConfigureAwait(false)).FirstOrDefault();
            if (last.Hash is null)
            {
                throw new MienStoreException($"audit log of project {projectId}: entry {cut} is missing, so the chain cannot be anchored there; verify the log", MienStoreError.Failure);
            }

            // Anchor first: the trigger lets only entries at or before the anchor go, and the anchor keeps the hash the rest continues from.
            await ExecuteAsync(c, tx, "UPDATE audit_heads SET anchor_seq = @seq, anchor_hash = @hash, anchor_at = @at WHERE project_id = @project", cancellationToken,
                ("seq", cut), ("hash", last.Hash), ("at", last.At), ("project", projectId)).ConfigureAwait(false);
            return (long)await ExecuteAsync(c, tx, "DELETE FROM audit_log WHERE project_id = @project AND seq <= @seq", cancellationToken, ("project", projectId), ("seq", cut)).ConfigureAwait(false);
        }, cancellationToken);

    private static AuditEntry ReadAuditEntry(DbDataReader r) => new(
        r.GetGuid(0),
        r.GetInt64(1),
        r.GetFieldValue<DateTimeOffset>(2),
        new AuditRecord(r.GetString(3), r.GetString(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.GetString(8)),
        Convert.ToHexStringLower(r.GetFieldValue<byte[]>(9)));

    // ---- retention ------------------------------------------------------------------------------------------

    private const string PolicyColumns = "media_days, results_days, aggregates_days, profiles_days, audit_log_days";

    public Task<RetentionPolicy?> GetRetentionPolicyAsync(Guid projectId, CancellationToken cancellationToken = default)
        => RunAsync($"reading the retention policy of project {projectId}", async c =>
        {
            var rows = await QueryAsync(c, null, $"SELECT {PolicyColumns} FROM retention_policies WHERE project_id = @project", r => ReadPolicy(r, 0), cancellationToken, ("project", projectId)).ConfigureAwait(false);
            if (rows.Count > 0)
            {
                return rows[0];
            }

            return await ScalarAsync(c, null, "SELECT 1 FROM projects WHERE id = @project", cancellationToken, ("project", projectId)).ConfigureAwait(false) is null ? null : RetentionPolicy.KeepEverything;
        }, cancellationToken);

    public Task<RetentionPolicy?> SetRetentionPolicyAsync(Guid projectId, RetentionPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        return InTransactionAsync($"setting the retention policy of project {projectId}", async (c, tx) =>
        {
            if (await ScalarAsync(c, tx, "SELECT 1 FROM projects WHERE id = @project", cancellationToken, ("project", projectId)).ConfigureAwait(false) is null)
            {
                return null;
            }

            await ExecuteAsync(c, tx, $"INSERT INTO retention_policies (project_id, {PolicyColumns}, updated_at) VALUES (@project, @media, @results, @aggregates, @profiles, @audit, @at) "
                + "ON CONFLICT (project_id) DO UPDATE SET media_days = excluded.media_days, results_days = excluded.results_days, aggregates_days = excluded.aggregates_days, "
                + "profiles_days = excluded.profiles_days, audit_log_days = excluded.audit_log_days, updated_at = excluded.updated_at", cancellationToken,
                ("project", projectId), ("media", policy.MediaDays), ("results", policy.ResultsDays), ("aggregates", policy.AggregatesDays), ("profiles", policy.ProfilesDays),
                ("audit", policy.AuditLogDays), ("at", Now())).ConfigureAwait(false);
            return policy;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ProjectRetention>> ListRetentionPoliciesAsync(CancellationToken cancellationToken = default)
        => RunAsync("listing retention policies", async c =>
        {
            var rows = await QueryAsync(c, null, $"SELECT project_id, {PolicyColumns} FROM retention_policies ORDER BY project_id", r => new ProjectRetention(r.GetGuid(0), ReadPolicy(r, 1)), cancellationToken).ConfigureAwait(false);
            return (IReadOnlyList<ProjectRetention>)[.. rows.Where(p => p.Policy.LimitsAnything)];
        }, cancellationToken);

    public Task<IReadOnlyList<ExpiredRecording>> ListExpiredRecordingsAsync(Guid projectId, RetainedData kind, DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        var purged = PurgedColumn(kind);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return RunAsync($"listing recordings of project {projectId} with expired {kind}", c => QueryAsync(c, null,
            $"SELECT id, source_kind, media_path, COALESCE(finished_at, created_at) FROM recordings WHERE project_id = @project AND status IN {FinalStatuses} AND {purged} IS NULL "
            + "AND COALESCE(finished_at, created_at) < @before ORDER BY COALESCE(finished_at, created_at), id LIMIT @limit",
            r => new ExpiredRecording(r.GetGuid(0), ParseSource(r.GetString(1)), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<DateTimeOffset>(3)), cancellationToken,
            ("project", projectId), ("before", before), ("limit", limit)), cancellationToken);
    }

    public Task<long?> PurgeRecordingAsync(Guid projectId, Guid recordingId, RetainedData kind, CancellationToken cancellationToken = default)
    {
        var purged = PurgedColumn(kind);
        string[] tables = kind switch
        {
            RetainedData.Results => ["frames", "events"],
            RetainedData.Aggregates => ["person_summaries", "recording_summaries"],
            _ => [],
        };
        var release = kind == RetainedData.Media ? ", media_path = CASE WHEN source_kind = 'upload' THEN NULL ELSE media_path END" : string.Empty;
        return InTransactionAsync($"removing the {kind} of recording {recordingId}", async (c, tx) =>
        {
            // Marking first both claims the recording (a concurrent run's mark finds nothing to do) and locks its row,
            // which keeps result writers out until commit.
            var marked = await ExecuteAsync(c, tx, $"UPDATE recordings SET {purged} = @at{release} WHERE id = @id AND project_id = @project AND status IN {FinalStatuses} AND {purged} IS NULL", cancellationToken,
                ("at", Now()), ("id", recordingId), ("project", projectId)).ConfigureAwait(false);
            if (marked == 0)
            {
                return (long?)null;
            }

            long rows = 0;
            foreach (var table in tables)
            {
                rows += await ExecuteAsync(c, tx, $"DELETE FROM {table} WHERE recording_id = @id", cancellationToken, ("id", recordingId)).ConfigureAwait(false);
            }

            return rows;
        }, cancellationToken);
    }

    public Task<long> DeleteSkinSessionsBeforeAsync(Guid projectId, DateTimeOffset before, CancellationToken cancellationToken = default)
        => RunAsync($"removing expired skin sessions of project {projectId}", async c => (long)await ExecuteAsync(c, null, "DELETE FROM skin_sessions WHERE project_id = @project AND at < @before", cancellationToken,
            ("project", projectId), ("before", before)).ConfigureAwait(false), cancellationToken);

    private static string PurgedColumn(RetainedData kind) => kind switch
    {
        RetainedData.Media => "media_purged_at",
        RetainedData.Results => "results_purged_at",
        RetainedData.Aggregates => "aggregates_purged_at",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"only media, results and aggregates belong to recordings; got {kind}"),
    };

    private static RetentionPolicy ReadPolicy(DbDataReader r, int first)
    {
        int? Days(int i) => r.IsDBNull(first + i) ? null : r.GetInt32(first + i);
        return new RetentionPolicy(Days(0), Days(1), Days(2), Days(3), Days(4));
    }
}
