using System.Text;
using Mien.Server.Audit;
using Mien.Server.Security;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>
/// A recording's results in the public schema (docs/schema): per-frame results by time range (paged), events by kind,
/// per-person summaries and the run summary. Payloads are returned as stored, so the REST API, the files and the live
/// socket show the same JSON.
/// </summary>
internal static class ResultsApi
{
    private static readonly HashSet<string> EventKinds = new(StringComparer.Ordinal)
    {
        "track-started", "track-ended", "expression-segment", "fused-affect", "speech", "expression-path", "skin", "person-link", "person-split", "utterance",
    };

    public static void Map(RouteGroupBuilder project)
    {
        project.MapGet("/recordings/{recordingId:guid}/frames", FramesAsync).RequireAuthorization(Roles.Viewer).Audited("results.read")
            .WithSummary("Per-frame results; ?from=&to= seconds, ?after=<frame index> and ?limit= (≤ 2000) to page");
        project.MapGet("/recordings/{recordingId:guid}/events", EventsAsync).RequireAuthorization(Roles.Viewer).Audited("results.read")
            .WithSummary("Events (track-started/ended, person-link, expression-segment, fused-affect, speech, utterance, expression-path, skin); ?kind=&from=&to=&after=&limit=");
        project.MapGet("/recordings/{recordingId:guid}/people", PeopleAsync).RequireAuthorization(Roles.Viewer).Audited("results.read").WithSummary("Per-person summaries");
        project.MapGet("/recordings/{recordingId:guid}/summary", SummaryAsync).RequireAuthorization(Roles.Viewer).Audited("results.read").WithSummary("The run summary (as summary.json)");
    }

    private static async Task<IResult> FramesAsync(Guid projectId, Guid recordingId, IMienStore store, CancellationToken ct, double? from = null, double? to = null, long after = -1, int limit = 500)
    {
        if (Range(from, to, limit, 2000) is { } problem)
        {
            return Problems.BadRequest(problem);
        }

        var page = await store.GetFramesAsync(projectId, recordingId, new FrameQuery(from, to, after, limit), ct).ConfigureAwait(false);
        if (page is null)
        {
            return Problems.NotFound("recording");
        }

        return Page("frames", page.Frames.Select(f => f.PayloadJson), page.NextAfter);
    }

    private static async Task<IResult> EventsAsync(Guid projectId, Guid recordingId, IMienStore store, CancellationToken ct, string? kind = null, double? from = null, double? to = null, long after = -1, int limit = 1000)
    {
        if (kind is not null && !EventKinds.Contains(kind))
        {
            return Problems.BadRequest($"kind '{Text.Clip(kind)}': must be one of {string.Join(", ", EventKinds)}");
        }

        if (Range(from, to, limit, 5000) is { } problem)
        {
            return Problems.BadRequest(problem);
        }

        var page = await store.GetEventsAsync(projectId, recordingId, new EventQuery(kind, from, to, after, limit), ct).ConfigureAwait(false);
        if (page is null)
        {
            return Problems.NotFound("recording");
        }

        return Page("events", page.Events.Select(e => e.PayloadJson), page.NextAfter);
    }

    private static async Task<IResult> PeopleAsync(Guid projectId, Guid recordingId, IMienStore store, CancellationToken ct)
    {
        var people = await store.GetPersonSummariesAsync(projectId, recordingId, ct).ConfigureAwait(false);
        return people is null ? Problems.NotFound("recording") : TypedResults.Text("[" + string.Join(",", people.Select(p => p.PayloadJson)) + "]", "application/json");
    }

    private static async Task<IResult> SummaryAsync(Guid projectId, Guid recordingId, IMienStore store, CancellationToken ct)
    {
        if (await store.GetRecordingAsync(projectId, recordingId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("recording");
        }

        var summary = await store.GetRecordingSummaryAsync(projectId, recordingId, ct).ConfigureAwait(false);
        return summary is null ? Problems.NotFound("summary (the analysis has not finished)") : TypedResults.Text(summary, "application/json");
    }

    /// <summary>A page of stored payloads as they are (already in the public schema) and the cursor for the next page.</summary>
    private static IResult Page(string name, IEnumerable<string> payloads, long? next)
    {
        var json = new StringBuilder("{\"").Append(name).Append("\":[");
        json.AppendJoin(',', payloads);
        json.Append("],\"next\":").Append(next is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null").Append('}');
        return TypedResults.Text(json.ToString(), "application/json");
    }

    private static string? Range(double? from, double? to, int limit, int maxLimit) =>
        from is { } f && (!double.IsFinite(f) || f < 0) ? $"from {f}: must be a finite number of seconds ≥ 0"
        : to is { } t && (!double.IsFinite(t) || t < 0) ? $"to {t}: must be a finite number of seconds ≥ 0"
        : from is { } a && to is { } b && b < a ? $"to {b} is before from {a}"
        : limit < 1 || limit > maxLimit ? $"limit {limit}: must be between 1 and {maxLimit}"
        : null;
}
