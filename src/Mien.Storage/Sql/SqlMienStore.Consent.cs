using System.Data.Common;
using Mien.Privacy;

namespace Mien.Storage.Sql;

/// <summary>Project declarations, consent records and the erasures a withdrawal triggers.</summary>
internal sealed partial class SqlMienStore
{
    private const string ConsentColumns = "id, project_id, subject_id, scope, text_version, collected_by, given_at, withdrawn_at, withdrawn_by";

    public Task<Project?> UpdateProjectPolicyAsync(Guid projectId, ProjectPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (PurposePolicy.Validate(policy.Setting, policy.Basis, policy.Justification) is { } problem)
        {
            throw new ArgumentException(problem, nameof(policy));
        }

        var justification = policy.Justification is null ? null : Name(policy.Justification.Trim(), nameof(policy.Justification), 2000);
        return RunAsync($"changing the declaration of project {projectId}", async c => (await QueryAsync(c, null,
            $"UPDATE projects SET purpose = @purpose, setting = @setting, basis = @basis, justification = @justification, keep_media = @keep WHERE id = @id RETURNING {ProjectColumns}", ReadProject, cancellationToken,
            ("purpose", Names.Of(Defined(policy.Purpose, nameof(policy.Purpose)))), ("setting", Names.Of(Defined(policy.Setting, nameof(policy.Setting)))),
            ("basis", Names.Of(Defined(policy.Basis, nameof(policy.Basis)))), ("justification", justification), ("keep", policy.KeepMedia), ("id", projectId)).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);
    }

    public Task<Consent> GiveConsentAsync(Guid projectId, Guid subjectId, NewConsent consent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(consent);
        var given = new Consent(Guid.CreateVersion7(), projectId, subjectId, Defined(consent.Scope, nameof(consent.Scope)), Name(consent.TextVersion, nameof(consent.TextVersion), 100),
            Name(consent.CollectedBy, nameof(consent.CollectedBy), 200), Now(), null, null);
        return InTransactionAsync($"recording consent of subject {subjectId}", async (c, tx) =>
        {
            await RequireSubjectAsync(c, tx, projectId, subjectId, cancellationToken).ConfigureAwait(false);
            // A new text version supersedes the current consent of the scope: the history keeps both.
            await ExecuteAsync(c, tx, "UPDATE consents SET withdrawn_at = @at, withdrawn_by = @by WHERE subject_id = @subject AND project_id = @project AND scope = @scope AND withdrawn_at IS NULL", cancellationToken,
                ("at", given.GivenAt), ("by", "superseded by text " + (given.TextVersion.Length > 80 ? given.TextVersion[..80] : given.TextVersion)), ("subject", subjectId), ("project", projectId), ("scope", Names.Of(given.Scope))).ConfigureAwait(false);
            await ExecuteAsync(c, tx, $"INSERT INTO consents ({ConsentColumns}) VALUES (@id, @project, @subject, @scope, @version, @collector, @at, NULL, NULL)", cancellationToken,
                ("id", given.Id), ("project", projectId), ("subject", subjectId), ("scope", Names.Of(given.Scope)), ("version", given.TextVersion), ("collector", given.CollectedBy), ("at", given.GivenAt)).ConfigureAwait(false);
            return given;
        }, cancellationToken);
    }

    public Task<Consent?> WithdrawConsentAsync(Guid projectId, Guid subjectId, ConsentScope scope, string withdrawnBy, CancellationToken cancellationToken = default)
    {
        var by = Name(withdrawnBy, nameof(withdrawnBy), 200);
        return RunAsync($"withdrawing consent of subject {subjectId}", async c => (await QueryAsync(c, null,
            $"UPDATE consents SET withdrawn_at = @at, withdrawn_by = @by WHERE subject_id = @subject AND project_id = @project AND scope = @scope AND withdrawn_at IS NULL RETURNING {ConsentColumns}",
            ReadConsent, cancellationToken, ("at", Now()), ("by", by), ("subject", subjectId), ("project", projectId), ("scope", Names.Of(Defined(scope, nameof(scope))))).ConfigureAwait(false)).FirstOrDefault(), cancellationToken);
    }

    public Task<IReadOnlyList<Consent>> ListConsentsAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default)
        => RunAsync($"listing consents of subject {subjectId}", c => QueryAsync(c, null, $"SELECT {ConsentColumns} FROM consents WHERE subject_id = @subject AND project_id = @project ORDER BY given_at, id",
            ReadConsent, cancellationToken, ("subject", subjectId), ("project", projectId)), cancellationToken);

    public async Task<IReadOnlySet<ConsentScope>> CurrentConsentAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default)
    {
        var scopes = await RunAsync($"reading consent of subject {subjectId}", c => QueryAsync(c, null, "SELECT scope FROM consents WHERE subject_id = @subject AND project_id = @project AND withdrawn_at IS NULL",
            r => Parse<ConsentScope>(r.GetString(0)), cancellationToken, ("subject", subjectId), ("project", projectId)), cancellationToken).ConfigureAwait(false);
        return scopes.ToHashSet();
    }

    public Task<ErasureReport?> EraseMeasurementsAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default)
        => InTransactionAsync($"erasing the measurements of subject {subjectId}", async (c, tx) =>
        {
            if (!await SubjectExistsAsync(c, tx, projectId, subjectId, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            // The skin profile is a separate scope: its sessions stay, unlinked from the recordings erased here.
            await ExecuteAsync(c, tx, "UPDATE skin_sessions SET recording_id = NULL WHERE subject_id = @subject AND project_id = @project", cancellationToken, ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            var media = await QueryAsync(c, tx, $"SELECT media_path FROM recordings WHERE subject_id = @subject AND project_id = @project{_dialect.ForUpdate}", r => r.IsDBNull(0) ? null : r.GetString(0), cancellationToken,
                ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            return await EraseRecordingsAsync(c, tx, "SELECT id FROM recordings WHERE subject_id = @subject AND project_id = @project", [("subject", subjectId), ("project", projectId)],
                "subject_id = @subject AND project_id = @project", 0, [.. media.OfType<string>()], cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<ErasureReport?> EraseSkinProfileAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default)
        => InTransactionAsync($"erasing the skin profile of subject {subjectId}", async (c, tx) =>
        {
            if (!await SubjectExistsAsync(c, tx, projectId, subjectId, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var sessions = await ExecuteAsync(c, tx, "DELETE FROM skin_sessions WHERE subject_id = @subject AND project_id = @project", cancellationToken, ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            var events = await ExecuteAsync(c, tx, "DELETE FROM events WHERE kind = 'skin' AND recording_id IN (SELECT id FROM recordings WHERE subject_id = @subject AND project_id = @project)", cancellationToken,
                ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            return new ErasureReport(0, 0, 0, events, 0, 0, sessions, []);
        }, cancellationToken);

    public Task<ErasureReport?> DetachMediaAsync(Guid projectId, Guid subjectId, CancellationToken cancellationToken = default)
        => InTransactionAsync($"detaching the media of subject {subjectId}", async (c, tx) =>
        {
            if (!await SubjectExistsAsync(c, tx, projectId, subjectId, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            // Streams' media paths are URLs, not kept media: only uploads lose theirs.
            const string Uploads = "subject_id = @subject AND project_id = @project AND source_kind = 'upload' AND media_path IS NOT NULL";
            var rows = await QueryAsync(c, tx, $"SELECT id, media_path FROM recordings WHERE {Uploads}{_dialect.ForUpdate}",
                r => (Id: r.GetGuid(0), Path: r.GetString(1)), cancellationToken, ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            await ExecuteAsync(c, tx, $"UPDATE recordings SET media_path = NULL WHERE {Uploads}", cancellationToken, ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            var recordings = await QueryAsync(c, tx, "SELECT id FROM recordings WHERE subject_id = @subject AND project_id = @project", r => r.GetGuid(0), cancellationToken,
                ("subject", subjectId), ("project", projectId)).ConfigureAwait(false);
            return new ErasureReport(0, 0, 0, 0, 0, 0, 0, [.. rows.Select(r => r.Path)]) { RecordingIds = recordings };
        }, cancellationToken);

    public async Task ScrubAsync(CancellationToken cancellationToken = default)
    {
        if (_dialect.ScrubSql is { } sql)
        {
            await RunAsync("scrubbing deleted rows from the database files", async c => await ExecuteAsync(c, null, sql, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RequireSubjectAsync(DbConnection c, DbTransaction tx, Guid projectId, Guid subjectId, CancellationToken cancellationToken)
    {
        if (!await SubjectExistsAsync(c, tx, projectId, subjectId, cancellationToken).ConfigureAwait(false))
        {
            throw new MienStoreException($"subject {subjectId} is not in project {projectId}", MienStoreError.NotFound);
        }
    }

    private async Task<bool> SubjectExistsAsync(DbConnection c, DbTransaction tx, Guid projectId, Guid subjectId, CancellationToken cancellationToken)
        => (await QueryAsync(c, tx, $"SELECT id FROM subjects WHERE id = @subject AND project_id = @project{_dialect.ForUpdate}", r => r.GetGuid(0), cancellationToken,
            ("subject", subjectId), ("project", projectId)).ConfigureAwait(false)).Count == 1;

    private static Consent ReadConsent(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), Parse<ConsentScope>(r.GetString(3)), r.GetString(4), r.GetString(5), r.GetFieldValue<DateTimeOffset>(6),
        r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetString(8));
}
