using Mien.Cluster;
using Mien.Privacy;
using Mien.Privacy.Audit;
using Mien.Server.Audit;
using Mien.Storage;

namespace Mien.Server.Privacy;

/// <summary>
/// The subject grain's ledger on a server that co-hosts a silo: consent is recorded in the results store, withdrawal
/// and erasure run the server's own <see cref="Erasure"/> (analyses stopped, rows, files and folders removed, database
/// scrubbed), and each is appended to the project's audit log as actor <c>service:cluster</c>. The grain calls it
/// inside its turn, so a subject's changes never overlap, whichever node they came through.
/// </summary>
internal sealed class StoreSubjectLedger(IMienStore store, Erasure erasure, AuditTrail audit) : ISubjectLedger
{
    private static readonly string Actor = AuditActors.Service("cluster");

    /// <summary>The grain key of a subject of a project.</summary>
    public static string Key(Guid project, Guid subject) => $"{project:D}/{subject:D}";

    public async Task GrantedAsync(string subject, ConsentGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var (projectId, subjectId) = await ExistingAsync(subject, cancellationToken).ConfigureAwait(false);
        var scopes = grant.Scopes.Select(Scope).Distinct().ToList();
        foreach (var scope in scopes)
        {
            await store.GiveConsentAsync(projectId, subjectId, new NewConsent(scope, grant.TextVersion, grant.CollectedBy), cancellationToken).ConfigureAwait(false);
        }

        await audit.RecordAsync(projectId, Actor, "consent.give", "201", subjectId, null, new { scopes = scopes.Select(Names.Of) }, CancellationToken.None).ConfigureAwait(false);
    }

    public async Task<LedgerReceipt> WithdrawnAsync(string subject, string scope, string by, CancellationToken cancellationToken)
    {
        var (projectId, subjectId) = await ExistingAsync(subject, cancellationToken).ConfigureAwait(false);
        var parsed = Scope(scope);
        // As the consent API does it: the consent rows close first so nothing new starts, then what they covered goes.
        IEnumerable<ConsentScope> closing = parsed == ConsentScope.Analysis ? Enum.GetValues<ConsentScope>() : [parsed];
        foreach (var s in closing)
        {
            await store.WithdrawConsentAsync(projectId, subjectId, s, by, CancellationToken.None).ConfigureAwait(false);
        }

        var receipt = await erasure.EraseScopeAsync(projectId, subjectId, parsed, CancellationToken.None).ConfigureAwait(false)
            ?? throw new ArgumentException($"subject '{subject}' disappeared while its consent was withdrawn", nameof(subject));
        var entry = await audit.RecordAsync(projectId, Actor, "consent.withdraw", "200", subjectId, null, Detail(receipt), CancellationToken.None).ConfigureAwait(false);
        return new LedgerReceipt([$"consent withdrawn: {Names.Of(parsed)} (by {by})", .. Steps(receipt, entry.Seq)], ClusterSubjects.Serialize(receipt));
    }

    public async Task<LedgerReceipt> EraseAsync(string subject, string reason, CancellationToken cancellationToken)
    {
        var (projectId, subjectId) = await ExistingAsync(subject, cancellationToken).ConfigureAwait(false);
        // The reference is taken before the erasure: afterwards nothing links the log entry to the subject's id.
        var reference = await store.GetSubjectRefAsync(projectId, subjectId, cancellationToken).ConfigureAwait(false);
        var receipt = await erasure.EraseSubjectAsync(projectId, subjectId, CancellationToken.None).ConfigureAwait(false)
            ?? throw new ArgumentException($"subject '{subject}' disappeared while it was being erased", nameof(subject));
        var entry = await audit.RecordAsync(projectId, new AuditRecord(Actor, "subject.erase", "200", reference, null, AuditTrail.Serialize(Detail(receipt))), CancellationToken.None).ConfigureAwait(false);
        return new LedgerReceipt(Steps(receipt, entry.Seq), ClusterSubjects.Serialize(receipt));
    }

    private static IReadOnlyList<string> Steps(ErasureReceipt receipt, long auditEntry)
    {
        var r = receipt.Rows;
        return
        [
            $"analyses stopped: {receipt.AnalysesStopped}",
            $"database rows: {r.Subjects} subject, {r.Recordings} recordings, {r.Frames} frames, {r.Events} events, {r.PersonSummaries} person summaries, {r.SkinSessions} skin sessions",
            $"files deleted: {receipt.FilesDeleted}, result folders deleted: {receipt.FoldersDeleted}",
            $"receipt {receipt.ReceiptId:D}",
            $"audit entry {auditEntry}",
        ];
    }

    private async Task<(Guid Project, Guid Subject)> ExistingAsync(string key, CancellationToken cancellationToken)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !Guid.TryParse(key.AsSpan(0, slash), out var projectId) || !Guid.TryParse(key.AsSpan(slash + 1), out var subjectId))
        {
            throw new ArgumentException($"subject key '{(key.Length > 80 ? key[..80] + "…" : key)}' must be '{{project id}}/{{subject id}}' (two GUIDs)", nameof(key));
        }

        return await store.GetSubjectAsync(projectId, subjectId, cancellationToken).ConfigureAwait(false) is null
            ? throw new ArgumentException($"subject {subjectId:D} is not a subject of project {projectId:D}", nameof(key))
            : (projectId, subjectId);
    }

    private static ConsentScope Scope(string name) =>
        Names.TryParse<ConsentScope>(name, out var scope) ? scope : throw new ArgumentException($"scope '{name}' must be one of {Names.List<ConsentScope>()}", nameof(name));

    private static object Detail(ErasureReceipt receipt) => new { receipt = receipt.ReceiptId, what = receipt.What, files = receipt.FilesDeleted, folders = receipt.FoldersDeleted, stopped = receipt.AnalysesStopped };
}
