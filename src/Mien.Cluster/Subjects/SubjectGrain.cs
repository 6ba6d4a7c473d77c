namespace Mien.Cluster.Subjects;

/// <summary>What a subject grain keeps.</summary>
[GenerateSerializer]
internal sealed class SubjectState
{
    [Id(0)] public SortedSet<string> Scopes { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public long Version { get; set; }

    [Id(2)] public ErasureReceipt? Erasure { get; set; }
}

/// <summary>
/// The subject grain (see <see cref="ISubjectGrain"/>): not reentrant, so each change runs to its end (ledger and
/// state written) before the next one for the subject starts, whichever silo either came through.
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
        state.State.Version++;
        await state.WriteStateAsync();
        return State();
    }

    public async Task<ConsentState> WithdrawAsync(string scope)
    {
        RefuseIfErased("withdrawal");
        Known(scope);
        if (Ledger is { } ledger)
        {
            await ledger.WithdrawnAsync(Key, scope, CancellationToken.None);
        }

        state.State.Scopes.Remove(scope);
        state.State.Version++;
        await state.WriteStateAsync();
        return State();
    }

    public async Task<ErasureReceipt> EraseAsync(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (state.State.Erasure is { } done)
        {
            return done;
        }

        IReadOnlyList<string> steps = Ledger is { } ledger ? await ledger.EraseAsync(Key, reason, CancellationToken.None) : ["consent record of the cluster"];
        state.State.Scopes.Clear();
        state.State.Version++;
        state.State.Erasure = new ErasureReceipt(Key, DateTimeOffset.UtcNow, state.State.Version, silo.SiloAddress.ToString(), steps);
        await state.WriteStateAsync();
        return state.State.Erasure;
    }

    public Task<ConsentState> StateAsync() => Task.FromResult(State());

    private ConsentState State() => new(Key, [.. state.State.Scopes], state.State.Erasure is not null, state.State.Version);

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
