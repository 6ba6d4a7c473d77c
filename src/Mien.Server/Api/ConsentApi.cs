using Mien.Privacy;
using Mien.Server.Audit;
using Mien.Server.Privacy;
using Mien.Server.Security;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>
/// The project's declared purpose, and consent per subject and scope: recorded and withdrawn by admins only
/// (analysts cannot change consent); a withdrawal stops the subject's running analyses at once and erases what the
/// scope covered, returning the receipt.
/// </summary>
internal static class ConsentApi
{
    public static void Map(RouteGroupBuilder project)
    {
        project.MapPut("/policy", SetPolicyAsync).RequireAuthorization(Roles.Admin).Audited("project.policy").WithSummary("Declare the project's purpose, setting, medical/safety basis and media policy");
        project.MapGet("/subjects/{subjectId:guid}/consents", ListAsync).RequireAuthorization(Roles.Analyst).Audited("consent.read").WithSummary("A subject's consent history and current scopes");
        project.MapPost("/subjects/{subjectId:guid}/consents", GiveAsync).RequireAuthorization(Roles.Admin).Audited("consent.give").WithSummary("Record consent for one or more scopes");
        project.MapDelete("/subjects/{subjectId:guid}/consents/{scope}", WithdrawAsync).RequireAuthorization(Roles.Admin).Audited("consent.withdraw")
            .WithSummary("Withdraw a scope: stops the subject's analyses and erases what the scope covered; returns the receipt");
    }

    /// <summary>Body of PUT /policy.</summary>
    internal sealed record PolicyRequest(string Purpose, string Setting, string? Basis = null, string? Justification = null, bool KeepMedia = false);

    /// <summary>Answer of a withdrawal: the consents closed and the receipt of what was erased.</summary>
    internal sealed record Withdrawal(IReadOnlyList<object> Withdrawn, ErasureReceipt Receipt);

    /// <summary>Body of POST /consents.</summary>
    internal sealed record ConsentRequest(IReadOnlyList<string> Scopes, string TextVersion, string CollectedBy);

    /// <summary>Parses a project declaration from the wire, or says what is wrong.</summary>
    internal static (ProjectPolicy? Policy, string? Problem) Parse(string? purpose, string? setting, string? basis, string? justification, bool keepMedia)
    {
        if (!Names.TryParse<ProcessingPurpose>(purpose, out var p))
        {
            return (null, $"purpose '{Text.Clip(purpose)}': must be one of {Names.List<ProcessingPurpose>()}");
        }

        if (!Names.TryParse<ProcessingSetting>(setting, out var s))
        {
            return (null, $"setting '{Text.Clip(setting)}': must be one of {Names.List<ProcessingSetting>()}");
        }

        var b = InferenceBasis.None;
        if (basis is not null && !Names.TryParse(basis, out b))
        {
            return (null, $"basis '{Text.Clip(basis)}': must be one of {Names.List<InferenceBasis>()}");
        }

        if (justification is not null && Text.Invalid(justification, 1, 2000) is { } bad)
        {
            return (null, "justification: " + bad);
        }

        return PurposePolicy.Validate(s, b, justification) is { } problem ? (null, problem) : (new ProjectPolicy(p, s, b, justification, keepMedia), null);
    }

    private static async Task<IResult> SetPolicyAsync(Guid projectId, PolicyRequest body, IMienStore store, CancellationToken ct)
    {
        var (policy, problem) = Parse(body.Purpose, body.Setting, body.Basis, body.Justification, body.KeepMedia);
        if (policy is null)
        {
            return Problems.BadRequest(problem!);
        }

        return await store.UpdateProjectPolicyAsync(projectId, policy, ct).ConfigureAwait(false) is { } project ? TypedResults.Ok(project) : Problems.NotFound("project");
    }

    private static async Task<IResult> ListAsync(Guid projectId, Guid subjectId, IMienStore store, CancellationToken ct)
    {
        if (await store.GetSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("subject");
        }

        var history = await store.ListConsentsAsync(projectId, subjectId, ct).ConfigureAwait(false);
        return TypedResults.Ok(new
        {
            current = history.Where(c => c.IsCurrent).Select(c => Names.Of(c.Scope)).Order(StringComparer.Ordinal),
            history = history.Select(View),
        });
    }

    private static async Task<IResult> GiveAsync(Guid projectId, Guid subjectId, ConsentRequest body, IMienStore store, ClusterSubjects cluster, CancellationToken ct)
    {
        if (body.Scopes is null || body.Scopes.Count == 0)
        {
            return Problems.BadRequest($"scopes: name at least one of {Names.List<ConsentScope>()}");
        }

        var scopes = new List<ConsentScope>();
        foreach (var name in body.Scopes)
        {
            if (!Names.TryParse<ConsentScope>(name, out var scope))
            {
                return Problems.BadRequest($"scope '{Text.Clip(name)}': must be one of {Names.List<ConsentScope>()}");
            }

            scopes.Add(scope);
        }

        if (Text.Invalid(body.TextVersion, 1, 100) is { } badVersion)
        {
            return Problems.BadRequest("textVersion: " + badVersion);
        }

        if (Text.Invalid(body.CollectedBy, 1, 200) is { } badCollector)
        {
            return Problems.BadRequest("collectedBy: " + badCollector);
        }

        if (await store.GetSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("subject");
        }

        if (cluster.Enabled)
        {
            // Under --cluster through the subject's grain: serialised with every other change to the subject, whichever node it came through.
            var recorded = await cluster.GiveAsync(projectId, subjectId, scopes.Distinct().ToList(), body.TextVersion, body.CollectedBy).ConfigureAwait(false);
            return TypedResults.Created($"/api/v1/projects/{projectId}/subjects/{subjectId}/consents", recorded.Select(View));
        }

        var given = new List<Consent>();
        foreach (var scope in scopes.Distinct())
        {
            given.Add(await store.GiveConsentAsync(projectId, subjectId, new NewConsent(scope, body.TextVersion, body.CollectedBy), ct).ConfigureAwait(false));
        }

        return TypedResults.Created($"/api/v1/projects/{projectId}/subjects/{subjectId}/consents", given.Select(View));
    }

    internal static async Task<IResult> WithdrawAsync(Guid projectId, Guid subjectId, string scope, IMienStore store, Erasure erasure, ClusterSubjects cluster, CancellationToken ct, string? by = null)
    {
        if (!Names.TryParse<ConsentScope>(scope, out var parsed))
        {
            return Problems.BadRequest($"scope '{Text.Clip(scope)}': must be one of {Names.List<ConsentScope>()}");
        }

        var withdrawnBy = by ?? "subject";
        if (Text.Invalid(withdrawnBy, 1, 200) is { } bad)
        {
            return Problems.BadRequest("by: " + bad);
        }

        if (await store.GetSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("subject");
        }

        if (cluster.Enabled)
        {
            // Under --cluster through the subject's grain: the same rows and erasure (its ledger is this store), and
            // the subject's cluster sessions on every silo end with their checkpoints deleted.
            var (closed, clusterReceipt) = await cluster.WithdrawAsync(projectId, subjectId, parsed, withdrawnBy).ConfigureAwait(false);
            return clusterReceipt is null ? Problems.NotFound("subject") : TypedResults.Ok(new Withdrawal([.. closed.Select(View)], clusterReceipt));
        }

        // Withdrawing analysis withdraws every scope; the consent rows close first so no new analysis can start.
        IEnumerable<ConsentScope> scopes = parsed == ConsentScope.Analysis ? Enum.GetValues<ConsentScope>() : [parsed];
        var withdrawn = new List<Consent>();
        foreach (var s in scopes)
        {
            if (await store.WithdrawConsentAsync(projectId, subjectId, s, withdrawnBy, ct).ConfigureAwait(false) is { } consent)
            {
                withdrawn.Add(consent);
            }
        }

        // Erasure runs even when nothing was current: a withdrawal must never leave data the scope covered.
        var receipt = await erasure.EraseScopeAsync(projectId, subjectId, parsed, CancellationToken.None).ConfigureAwait(false);
        return receipt is null ? Problems.NotFound("subject") : TypedResults.Ok(new Withdrawal([.. withdrawn.Select(View)], receipt));
    }

    internal static object View(Consent c) => new
    {
        c.Id,
        scope = Names.Of(c.Scope),
        c.TextVersion,
        c.CollectedBy,
        c.GivenAt,
        c.WithdrawnAt,
        c.WithdrawnBy,
        current = c.IsCurrent,
    };
}
