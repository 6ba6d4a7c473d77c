namespace Mien.Cluster.Subjects;

/// <summary>What a subject grain keeps.</summary>
[GenerateSerializer]
internal sealed class SubjectState
{
    [Id(0)] public SortedSet<string> Scopes { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public long Version { get; set; }

    [Id(2)] public ErasureReceipt? Erasure { get; set; }

    /// <summary>Session grains analysing the subject now (their keys), ended on withdrawal of analysis or erasure.</summary>
    [Id(3)] public SortedSet<string> Sessions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Analysis was withdrawn through the cluster and not granted again since: a session that attaches is ended.</summary>
    [Id(4)] public bool AnalysisWithdrawn { get; set; }
}

/// <summary>
/// The subject grain (see <see cref="ISubjectGrain"/>): not reentrant, so each change runs to its end (ledger and
/// state written, sessions ended) before the next one for the subject starts, whichever silo either came through.
/// </summary>
internal sealed class SubjectGrain(
    [PersistentState("subject", MienClusterOptions.Storage)] IPersistentState<SubjectState> state,
    ILocalSiloDetails silo,
    IServiceProvider services) : Grain, ISubjectGrain
{
    /// <summary>Scopes a consent may name (as the server's consent API names them).</summary>
    public static readonly IReadOnlySet<string> KnownScopes = new HashSet<string>(StringComparer.Ordinal) { "analysis", "measurements", "media", "skin-profile", "identity-template" };

    private ISubjectLedger? Ledger => services.GetService(typeof(ISubjectLedger)) as ISubjectLedger;

    private string Key => this.GetPrimaryKeyString();

    public async Task<ConsentState> GrantAsync(ConsentGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        RefuseIfErased("consent");
        if (grant.Scopes.Count == 0)
        {
            throw new ArgumentException("a consent names at least one scope", nameof(grant));
        }

        foreach (var scope in grant.Scopes)
        {
            Known(scope);
        }

        if (Ledger is { } ledger)
        {
            await ledger.GrantedAsync(Key, grant, CancellationToken.None);
        }

        state.State.Scopes.UnionWith(grant.Scopes);
        state.State.AnalysisWithdrawn &= !grant.Scopes.Contains("analysis");
        state.State.Version++;
        await state.WriteStateAsync();
        return State();
    }

    public async Task<ConsentState> WithdrawAsync(string scope, string by = "cluster")
    {
        RefuseIfErased("withdrawal");
        Known(scope);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        var receipt = Ledger is { } ledger ? await ledger.WithdrawnAsync(Key, scope, by, CancellationToken.None) : null;
        // Withdrawing analysis withdraws everything (as the consent API does); a running session depends on it.
        if (scope == "analysis")
        {
            state.State.Scopes.Clear();
            state.State.AnalysisWithdrawn = true;
        }
        else
        {
            state.State.Scopes.Remove(scope);
        }

        var ended = scope == "analysis" ? await EndSessionsAsync($"the subject's consent to analysis was withdrawn ({by}); nothing of the session is kept") : 0;
        state.State.Version++;
        await state.WriteStateAsync();
        return State() with { Receipt = receipt?.Json, SessionsEnded = ended };
    }

    public async Task<ErasureReceipt> EraseAsync(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (state.State.Erasure is { } done)
        {
            return done;
        }

        var receipt = Ledger is { } ledger ? await ledger.EraseAsync(Key, reason, CancellationToken.None) : new LedgerReceipt(["consent record of the cluster"], null);
        var ended = await EndSessionsAsync("the subject was erased; nothing of the session is kept");
        state.State.Scopes.Clear();
        state.State.Version++;
        state.State.Erasure = new ErasureReceipt(Key, DateTimeOffset.UtcNow, state.State.Version, silo.SiloAddress.ToString(),
            [.. receipt.Steps, $"cluster sessions ended, checkpoints deleted: {ended}"], receipt.Json, ended);
        await state.WriteStateAsync();
        return state.State.Erasure;
    }

    public Task<ConsentState> StateAsync() => Task.FromResult(State());

    public async Task AttachAsync(string session)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(session);
        if (state.State.Erasure is not null || state.State.AnalysisWithdrawn)
        {
            // A session opened as the erasure or withdrawal ran (its node checked consent just before), or one
            // re-activated from a checkpoint the withdrawal could not reach: it ends now.
            await GrainFactory.GetGrain<ISessionGrain>(session).ForgetAsync(state.State.Erasure is not null
                ? "the subject was erased; nothing of the session is kept"
                : "the subject's consent to analysis was withdrawn; nothing of the session is kept");
            return;
        }

        if (state.State.Sessions.Add(session))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task DetachAsync(string session)
    {
        if (session is not null && state.State.Sessions.Remove(session))
        {
            await state.WriteStateAsync();
        }
    }

    /// <summary>
    /// Ends every session of the subject, wherever it runs (a session whose silo died re-activates just to delete its
    /// checkpoint). The sessions only ever call this grain one-way, so waiting for them here cannot deadlock.
    /// </summary>
    private async Task<int> EndSessionsAsync(string reason)
    {
        var sessions = state.State.Sessions.ToList();
        var ended = await Task.WhenAll(sessions.Select(async s =>
        {
            try
            {
                return (Session: s, Ended: await GrainFactory.GetGrain<ISessionGrain>(s).ForgetAsync(reason), Failed: false);
            }
            catch (ClusterFullException)
            {
                // Its silo died and no silo has room to re-activate it now: it stays listed, and is ended when it
                // re-activates (its activation attaches again) or at the subject's next withdrawal.
                return (Session: s, Ended: false, Failed: true);
            }
        }));
        state.State.Sessions.Clear();
        state.State.Sessions.UnionWith(ended.Where(e => e.Failed).Select(e => e.Session));
        return ended.Count(e => e.Ended);
    }

    private ConsentState State() => new(Key, [.. state.State.Scopes], state.State.Erasure is not null, state.State.Version, null, state.State.Sessions.Count);

    private void RefuseIfErased(string what)
    {
        if (state.State.Erasure is { } erasure)
        {
            throw new SubjectErasedException($"subject '{Key}' was erased at {erasure.At:u}; a {what} is not recorded for an erased subject (create a new subject)");
        }
    }

    private static void Known(string scope)
    {
        if (scope is null || !KnownScopes.Contains(scope))
        {
            throw new ArgumentException($"scope '{scope}' is not one of {string.Join(", ", KnownScopes)}", nameof(scope));
        }
    }
}
