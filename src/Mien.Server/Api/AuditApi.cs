using System.Text.Json;
using System.Text.Json.Serialization;
using Mien.Privacy.Audit;
using Mien.Privacy.Retention;
using Mien.Server.Audit;
using Mien.Server.Retention;
using Mien.Server.Security;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>The project's audit log (read, verify) and its retention periods (read, set, run now). Admin only.</summary>
internal static class AuditApi
{
    public static void Map(RouteGroupBuilder project)
    {
        project.MapGet("/audit", ReadAsync).RequireAuthorization(Roles.Admin)
            .WithSummary("The project's audit log, oldest first; ?after=<seq>&limit= (≤ 1000) to page, ?subject=<id> for one subject's entries");
        project.MapGet("/audit/verify", VerifyAsync).RequireAuthorization(Roles.Admin)
            .WithSummary("Recompute the audit log's hash chain: {valid, entries, firstBrokenSeq, headSeq, headHash, anchorSeq, problem}");
        project.MapGet("/retention", GetRetentionAsync).RequireAuthorization(Roles.Admin)
            .WithSummary("How long each kind of data is kept, in days (null: until erased)");
        project.MapPut("/retention", SetRetentionAsync).RequireAuthorization(Roles.Admin).Audited("retention.change")
            .WithSummary("Set the retention periods: mediaDays, resultsDays, aggregatesDays, profilesDays, auditLogDays (1–3653, or null)");
        project.MapPost("/retention/run", RunRetentionAsync).RequireAuthorization(Roles.Admin).Audited("retention.trigger")
            .WithSummary("Remove what is past its retention period now; returns what was removed (also audited)");
    }

    /// <summary>Body of PUT /retention: every period, in days; a missing or null one keeps that data until it is erased.</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record RetentionRequest(int? MediaDays = null, int? ResultsDays = null, int? AggregatesDays = null, int? ProfilesDays = null, int? AuditLogDays = null);

    /// <summary>One audit entry as the API shows it (the detail as a JSON object).</summary>
    internal sealed record AuditEntryView(long Seq, DateTimeOffset At, string Actor, string Action, string Outcome, string? SubjectRef, string? Target, JsonElement Detail, string Hash);

    private static async Task<IResult> ReadAsync(Guid projectId, IMienStore store, CancellationToken ct, long after = 0, int limit = 100, Guid? subject = null)
    {
        if (after < 0 || limit is < 1 or > 1000)
        {
            return Problems.BadRequest($"after {after} must be ≥ 0 and limit {limit} between 1 and 1000");
        }

        string? subjectRef = null;
        if (subject is { } s && (subjectRef = await store.GetSubjectRefAsync(projectId, s, ct).ConfigureAwait(false)) is null)
        {
            // An erased subject cannot be looked up any more: that is the point of the reference.
            return Problems.NotFound("subject (an erased subject's entries stay in the log under a reference that can no longer be linked to it)");
        }

        var page = await store.GetAuditAsync(projectId, new AuditQuery(after, limit, subjectRef), ct).ConfigureAwait(false);
        return TypedResults.Ok(new { entries = page.Entries.Select(View), next = page.NextAfter });
    }

    private static async Task<IResult> VerifyAsync(Guid projectId, IMienStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.VerifyAuditAsync(projectId, ct).ConfigureAwait(false));

    private static async Task<IResult> GetRetentionAsync(Guid projectId, IMienStore store, CancellationToken ct) =>
        await store.GetRetentionPolicyAsync(projectId, ct).ConfigureAwait(false) is { } policy ? TypedResults.Ok(policy) : Problems.NotFound("project");

    private static async Task<IResult> SetRetentionAsync(Guid projectId, RetentionRequest body, IMienStore store, CancellationToken ct)
    {
        var policy = new RetentionPolicy(body.MediaDays, body.ResultsDays, body.AggregatesDays, body.ProfilesDays, body.AuditLogDays);
        try
        {
            policy.Validate();
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }

        return await store.SetRetentionPolicyAsync(projectId, policy, ct).ConfigureAwait(false) is { } set ? TypedResults.Ok(set) : Problems.NotFound("project");
    }

    private static async Task<IResult> RunRetentionAsync(Guid projectId, RetentionService retention, CancellationToken ct)
    {
        var report = await retention.RunProjectAsync(projectId, ct).ConfigureAwait(false);
        return report is null ? Problems.NotFound("project") : TypedResults.Ok(new
        {
            at = report.At,
            elapsedMs = Math.Round(report.Elapsed.TotalMilliseconds, 1),
            kinds = RetentionPolicy.Kinds.ToDictionary(k => RetentionPolicy.FieldName(k)[..^4], k => new { recordings = report.Recordings[k], rows = report.Rows[k], files = report.Files[k] }),
            problems = report.Problems,
        });
    }

    private static AuditEntryView View(AuditEntry e)
    {
        using var detail = JsonDocument.Parse(e.Record.DetailJson);
        return new AuditEntryView(e.Seq, e.At, e.Record.Actor, e.Record.Action, e.Record.Outcome, e.Record.SubjectRef, e.Record.Target, detail.RootElement.Clone(), e.Hash);
    }
}

/// <summary>Registers the audit trail and the retention job (one line in the host).</summary>
internal static class AuditServices
{
    public static IServiceCollection AddAuditAndRetention(this IServiceCollection services)
    {
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        return services;
    }
}
