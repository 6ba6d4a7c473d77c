using Mien.Privacy;
using Mien.Privacy.Audit;
using Mien.Server.Audit;
using Mien.Server.Privacy;
using Mien.Server.Security;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>
/// Consent links (docs/web-app.md): an admin issues a link for one subject; the subject opens <c>/consent.html#&lt;token&gt;</c>
/// and, with no API key, reads what the project measures and keeps, records consent per scope (text version
/// <see cref="ConsentLinks.TextVersion"/>, collected by "self via consent link") and withdraws it (which stops analyses
/// and erases, as the admin endpoint does). The token travels in the <c>X-Mien-Consent-Link</c> header; every use is
/// audited in the project's log with the actor <c>subject:consent-link</c>.
/// </summary>
internal static class ConsentLinksApi
{
    private const string Actor = "subject:consent-link";

    public static void Map(RouteGroupBuilder api, RouteGroupBuilder project)
    {
        project.MapPost("/subjects/{subjectId:guid}/consent-links", IssueAsync).RequireAuthorization(Roles.Admin).Audited("consent.link")
            .WithSummary("A link (default 14 days) the subject opens to read what is measured and record or withdraw consent themselves");
        api.MapGet("/consent", ReadAsync).AllowAnonymous().WithSummary("Consent page: what the project measures and keeps, and the subject's current consent (token in X-Mien-Consent-Link)");
        api.MapPost("/consent", GiveAsync).AllowAnonymous().WithSummary("Consent page: the subject records consent to scopes (token in X-Mien-Consent-Link)");
        api.MapDelete("/consent/{scope}", WithdrawAsync).AllowAnonymous()
            .WithSummary("Consent page: the subject withdraws a scope; stops analyses and erases what it covered (token in X-Mien-Consent-Link)");
    }

    /// <summary>Body of POST …/consent-links.</summary>
    internal sealed record LinkRequest(double? Days = null);

    /// <summary>Body of POST /consent.</summary>
    internal sealed record SelfConsentRequest(IReadOnlyList<string>? Scopes);

    private static async Task<IResult> IssueAsync(Guid projectId, Guid subjectId, LinkRequest? body, IMienStore store, ConsentLinks links, CancellationToken ct)
    {
        var lifetime = body?.Days is { } days ? TimeSpan.FromDays(days) : ConsentLinks.DefaultLifetime;
        if (body?.Days is { } d && (!double.IsFinite(d) || lifetime < ConsentLinks.MinLifetime || lifetime > ConsentLinks.MaxLifetime))
        {
            return Problems.BadRequest($"days = {d}: must be between {ConsentLinks.MinLifetime.TotalDays:0.###} and {ConsentLinks.MaxLifetime.TotalDays:0} (default {ConsentLinks.DefaultLifetime.TotalDays:0})");
        }

        if (await store.GetSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("subject");
        }

        var (token, expires) = links.Issue(projectId, subjectId, lifetime);
        // The token goes in the fragment: browsers never send it to the server in the URL, so no log or referrer holds it.
        return TypedResults.Created("/consent.html", new { url = "/consent.html#" + token, token, expires });
    }

    private static async Task<IResult> ReadAsync(HttpContext context, IMienStore store, ConsentLinks links, CancellationToken ct)
    {
        var (link, subject, project, refusal) = await OpenAsync(context, store, links, ct).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var retention = await store.GetRetentionPolicyAsync(project!.Id, ct).ConfigureAwait(false);
        var history = await store.ListConsentsAsync(project.Id, subject!.Id, ct).ConfigureAwait(false);
        var current = history.Where(c => c.IsCurrent).ToDictionary(c => c.Scope);
        return TypedResults.Ok(new
        {
            project = new { name = project.Name, purpose = Names.Of(project.Purpose), setting = Names.Of(project.Setting), purposeText = ConsentLinks.Purpose(project.Purpose), keepsMedia = project.KeepMedia },
            subject = subject.Pseudonym,
            textVersion = ConsentLinks.TextVersion,
            expires = link!.Expires,
            scopes = ConsentLinks.Explain(project, retention).Select(s => new
            {
                scope = Names.Of(s.Scope),
                title = s.Title,
                what = s.What,
                why = s.Why,
                stored = s.Stored,
                howLong = s.HowLong,
                given = current.TryGetValue(s.Scope, out var c),
                givenAt = current.TryGetValue(s.Scope, out var g) ? g.GivenAt : (DateTimeOffset?)null,
            }),
            history = history.Select(ConsentApi.View),
        });
    }

    private static async Task<IResult> GiveAsync(HttpContext context, SelfConsentRequest body, IMienStore store, ConsentLinks links, AuditTrail trail, CancellationToken ct)
    {
        var (_, subject, project, refusal) = await OpenAsync(context, store, links, ct).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var offered = ConsentLinks.Explain(project!, null).Select(s => s.Scope).ToHashSet();
        if (body.Scopes is null || body.Scopes.Count == 0)
        {
            return Problems.BadRequest($"scopes: name at least one of {string.Join(", ", offered.Select(Names.Of))}");
        }

        var scopes = new List<ConsentScope>();
        foreach (var name in body.Scopes)
        {
            if (!Names.TryParse<ConsentScope>(name, out var scope) || !offered.Contains(scope))
            {
                return Problems.BadRequest($"scope '{Text.Clip(name)}': this page offers {string.Join(", ", offered.Select(Names.Of))}");
            }

            scopes.Add(scope);
        }

        // Storing anything needs the analysis itself: a subject ticking only "measurements" consents to analysis too
        // only if they tick it; refuse rather than record a consent that can never take effect.
        if (!scopes.Contains(ConsentScope.Analysis) && !(await store.CurrentConsentAsync(project!.Id, subject!.Id, ct).ConfigureAwait(false)).Contains(ConsentScope.Analysis))
        {
            return Problems.BadRequest("scopes: the other permissions only take effect together with 'analysis'; give it too, or nothing is analysed");
        }

        var subjectRef = await store.GetSubjectRefAsync(project!.Id, subject!.Id, ct).ConfigureAwait(false);
        var given = new List<Consent>();
        foreach (var scope in scopes.Distinct())
        {
            given.Add(await store.GiveConsentAsync(project.Id, subject.Id, new NewConsent(scope, ConsentLinks.TextVersion, ConsentLinks.CollectedBy), ct).ConfigureAwait(false));
        }

        await trail.RecordAsync(project.Id, new AuditRecord(Actor, "consent.give", "201", subjectRef, null,
            AuditTrail.Serialize(new { scopes = scopes.Distinct().Select(Names.Of), textVersion = ConsentLinks.TextVersion })), CancellationToken.None).ConfigureAwait(false);
        return TypedResults.Created("/api/v1/consent", given.Select(ConsentApi.View));
    }

    private static async Task<IResult> WithdrawAsync(HttpContext context, string scope, IMienStore store, ConsentLinks links, Erasure erasure, ClusterSubjects cluster, AuditTrail trail, CancellationToken ct)
    {
        var (_, subject, project, refusal) = await OpenAsync(context, store, links, ct).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        // Resolved before the erasure, which may leave nothing to resolve afterwards.
        var subjectRef = await store.GetSubjectRefAsync(project!.Id, subject!.Id, ct).ConfigureAwait(false);
        var result = await ConsentApi.WithdrawAsync(project.Id, subject.Id, scope, store, erasure, cluster, ct, "subject via consent link").ConfigureAwait(false);
        var status = result is IStatusCodeHttpResult { StatusCode: int code } ? code : StatusCodes.Status200OK;
        await trail.RecordAsync(project.Id, new AuditRecord(Actor, "consent.withdraw", status.ToString(System.Globalization.CultureInfo.InvariantCulture), subjectRef, null,
            AuditTrail.Serialize(new { scope = Text.Clip(scope) })), CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    /// <summary>The link's subject and project, or the refusal: 401 for a missing, forged or expired link, 404 once the subject is erased.</summary>
    private static async Task<(ConsentLink? Link, Subject? Subject, Project? Project, IResult? Refusal)> OpenAsync(HttpContext context, IMienStore store, ConsentLinks links, CancellationToken ct)
    {
        var (link, problem) = links.Read(context.Request.Headers[ConsentLinks.Header].ToString());
        if (link is null)
        {
            return (null, null, null, Problems.Result(StatusCodes.Status401Unauthorized, "Consent link required", problem!));
        }

        var project = await store.GetProjectAsync(link.ProjectId, ct).ConfigureAwait(false);
        var subject = project is null ? null : await store.GetSubjectAsync(link.ProjectId, link.SubjectId, ct).ConfigureAwait(false);
        return subject is null
            ? (null, null, null, Problems.Result(StatusCodes.Status404NotFound, "Not found", "the person this link was made for is no longer in the project (erased)"))
            : (link, subject, project, null);
    }
}
