namespace Mien.Cluster;

/// <summary>
/// One pseudonymous subject in the cluster, keyed by "{project}/{subject}". Orleans runs one call at a time per grain,
/// wherever it is called from, so consent, withdrawal and erasure of a subject are serialised across the cluster: an
/// erasure never interleaves with a consent being recorded on another node, and after an erasure nothing more is
/// recorded for the subject. The real work (database rows, files, audit) is done by the silo's
/// <see cref="ISubjectLedger"/> inside the grain's turn.
/// </summary>
public interface ISubjectGrain : IGrainWithStringKey
{
    /// <summary>Records consent to <paramref name="grant"/>'s scopes. Refused (<see cref="SubjectErasedException"/>) after an erasure.</summary>
    Task<ConsentState> GrantAsync(ConsentGrant grant);

    /// <summary>
    /// Withdraws one scope (the ledger stops what depends on it and erases what it covers); withdrawing "analysis" also
    /// ends the subject's cluster sessions and deletes their checkpoints. <paramref name="by"/>: who withdrew it, as recorded.
    /// </summary>
    Task<ConsentState> WithdrawAsync(string scope, string by = "cluster");

    /// <summary>Erases the subject everywhere (through the ledger) and returns the receipt; a second erasure returns the first receipt.</summary>
    Task<ErasureReceipt> EraseAsync(string reason);

    /// <summary>The subject's consent as the cluster knows it.</summary>
    Task<ConsentState> StateAsync();

    /// <summary>
    /// A session grain says it analyses this subject (one-way, so a session never waits on its subject while the subject
    /// may be waiting on it). After an erasure the session is ended at once instead.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task AttachAsync(string session);

    /// <summary>A session of this subject was closed by its client.</summary>
    [Orleans.Concurrency.OneWay]
    Task DetachAsync(string session);
}

/// <summary>Consent to record.</summary>
[GenerateSerializer, Immutable]
public sealed record ConsentGrant([property: Id(0)] IReadOnlyList<string> Scopes, [property: Id(1)] string TextVersion, [property: Id(2)] string CollectedBy);

/// <summary>A subject's consent: scopes granted now, whether erased, and a version that grows with every change.</summary>
/// <param name="Subject">The subject key.</param>
/// <param name="Scopes">Scopes granted through the cluster now.</param>
/// <param name="Erased">Whether the subject was erased.</param>
/// <param name="Version">Grows with every change.</param>
/// <param name="Receipt">The ledger's own receipt of this change as JSON (a withdrawal's erasure receipt), or null.</param>
/// <param name="Sessions">Cluster sessions analysing the subject now.</param>
/// <param name="SessionsEnded">Sessions this change ended (their checkpoints deleted).</param>
[GenerateSerializer, Immutable]
public sealed record ConsentState(
    [property: Id(0)] string Subject, [property: Id(1)] IReadOnlyList<string> Scopes, [property: Id(2)] bool Erased, [property: Id(3)] long Version,
    [property: Id(4)] string? Receipt = null, [property: Id(5)] int Sessions = 0, [property: Id(6)] int SessionsEnded = 0);

/// <summary>What an erasure did.</summary>
/// <param name="Subject">The subject key.</param>
/// <param name="At">When it completed.</param>
/// <param name="Version">The consent version it closed.</param>
/// <param name="Silo">The silo that ran it.</param>
/// <param name="Steps">What the ledger erased, in order, then the cluster sessions ended.</param>
/// <param name="Detail">The ledger's own receipt as JSON (a server's erasure receipt), or null.</param>
/// <param name="SessionsEnded">The subject's cluster sessions it ended (their checkpoints deleted).</param>
[GenerateSerializer, Immutable]
public sealed record ErasureReceipt(
    [property: Id(0)] string Subject, [property: Id(1)] DateTimeOffset At, [property: Id(2)] long Version, [property: Id(3)] string Silo, [property: Id(4)] IReadOnlyList<string> Steps,
    [property: Id(5)] string? Detail = null, [property: Id(6)] int SessionsEnded = 0);

/// <summary>A consent was offered for a subject that has been erased: nothing is recorded.</summary>
[GenerateSerializer]
public sealed class SubjectErasedException : Exception
{
    /// <summary>Creates the refusal.</summary>
    public SubjectErasedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the refusal with the default message.</summary>
    public SubjectErasedException()
        : base("the subject has been erased")
    {
    }

    /// <summary>Creates the refusal with an inner cause.</summary>
    public SubjectErasedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Where a silo records consent and does erasure for real (the server's store, files and audit log). Called inside the
/// subject grain's turn, so never concurrently for one subject. Without one, the grain's own state is the record.
/// </summary>
public interface ISubjectLedger
{
    /// <summary>Records consent.</summary>
    Task GrantedAsync(string subject, ConsentGrant grant, CancellationToken cancellationToken);

    /// <summary>Withdraws a scope (recorded as withdrawn by <paramref name="by"/>): stops what depends on it, erases what it covers.</summary>
    Task<LedgerReceipt> WithdrawnAsync(string subject, string scope, string by, CancellationToken cancellationToken);

    /// <summary>Erases the subject; returns the steps done, in order.</summary>
    Task<LedgerReceipt> EraseAsync(string subject, string reason, CancellationToken cancellationToken);
}

/// <summary>What a ledger did: the steps in order, and its own receipt as JSON for the host to answer with (or null).</summary>
public sealed record LedgerReceipt(IReadOnlyList<string> Steps, string? Json);
