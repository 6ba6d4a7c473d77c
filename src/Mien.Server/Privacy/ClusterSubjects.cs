using System.Text.Json;
using Mien.Cluster;
using Mien.Privacy;
using Mien.Storage;

namespace Mien.Server.Privacy;

/// <summary>
/// Consent and erasure when the server co-hosts a silo (<c>mien serve --cluster</c>): the REST endpoints go through the
/// subject's <see cref="ISubjectGrain"/>, so changes to one subject are serialised across every node and its cluster
/// live sessions end (checkpoints deleted) on withdrawal of analysis or erasure. The grain's ledger is
/// <see cref="StoreSubjectLedger"/> on whichever node runs it, writing the same rows and running the same
/// <see cref="Erasure"/>; the answers here are read back from the store, so the REST responses keep their single-node
/// shape. On a single node (no grain factory) <see cref="Enabled"/> is false and the endpoints work as before.
/// </summary>
internal sealed class ClusterSubjects(IServiceProvider services, IMienStore store)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IGrainFactory? _grains = services.GetService<IGrainFactory>();

    /// <summary>Whether consent and erasure go through the cluster.</summary>
    public bool Enabled => _grains is not null;

    /// <summary>Records consent to <paramref name="scopes"/> through the subject's grain; returns the consent rows now current for them.</summary>
    public async Task<IReadOnlyList<Consent>> GiveAsync(Guid projectId, Guid subjectId, IReadOnlyList<ConsentScope> scopes, string textVersion, string collectedBy)
    {
        await Grain(projectId, subjectId).GrantAsync(new ConsentGrant([.. scopes.Select(Names.Of)], textVersion, collectedBy)).ConfigureAwait(false);
        var history = await store.ListConsentsAsync(projectId, subjectId, CancellationToken.None).ConfigureAwait(false);
        return [.. scopes.Select(s => history.Where(c => c.Scope == s && c.IsCurrent).MaxBy(c => c.GivenAt)).OfType<Consent>()];
    }

    /// <summary>Withdraws <paramref name="scope"/> through the subject's grain; returns the consents it closed and the erasure receipt (null receipt: no such subject).</summary>
    public async Task<(IReadOnlyList<Consent> Closed, ErasureReceipt? Receipt)> WithdrawAsync(Guid projectId, Guid subjectId, ConsentScope scope, string by)
    {
        var open = (await store.ListConsentsAsync(projectId, subjectId, CancellationToken.None).ConfigureAwait(false)).Where(c => c.IsCurrent).Select(c => c.Id).ToHashSet();
        var state = await Grain(projectId, subjectId).WithdrawAsync(Names.Of(scope), by).ConfigureAwait(false);
        var closed = (await store.ListConsentsAsync(projectId, subjectId, CancellationToken.None).ConfigureAwait(false)).Where(c => open.Contains(c.Id) && !c.IsCurrent).ToList();
        var receipt = state.Receipt is { } json ? JsonSerializer.Deserialize<ErasureReceipt>(json, Json) : null;
        // The node's registry stopped its own analyses; the grain ended the subject's cluster sessions on every silo.
        return (closed, receipt is null ? null : receipt with { AnalysesStopped = receipt.AnalysesStopped + state.SessionsEnded });
    }

    /// <summary>Erases the subject through its grain; returns the erasure receipt (null: no such subject).</summary>
    public async Task<ErasureReceipt?> EraseAsync(Guid projectId, Guid subjectId)
    {
        if (await store.GetSubjectAsync(projectId, subjectId, CancellationToken.None).ConfigureAwait(false) is null)
        {
            return null;
        }

        var erased = await Grain(projectId, subjectId).EraseAsync("erasure requested through the API").ConfigureAwait(false);
        var receipt = erased.Detail is { } json ? JsonSerializer.Deserialize<ErasureReceipt>(json, Json) : null;
        return receipt is null ? null : receipt with { AnalysesStopped = receipt.AnalysesStopped + erased.SessionsEnded };
    }

    /// <summary>The ledger's receipt as the grain carries it across silos.</summary>
    internal static string Serialize(ErasureReceipt receipt) => JsonSerializer.Serialize(receipt, Json);

    private ISubjectGrain Grain(Guid projectId, Guid subjectId) => _grains!.GetGrain<ISubjectGrain>(StoreSubjectLedger.Key(projectId, subjectId));
}
