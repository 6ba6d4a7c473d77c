using Mien.Server.Audit;
using Mien.Server.Security;
using Mien.Storage;
using Mien.Timelines;

namespace Mien.Server.Api;

/// <summary>
/// A recording's timelines for charts: per person, every series over a time range reduced server-side to at most
/// <c>points</c> points that keep each extreme (<see cref="TimelineBuilder"/>), plus the expression segments with
/// their action units and the voice segments. An hour of 25 fps data comes back as a few hundred points per series.
/// </summary>
internal static class TimelineApi
{
    public static void Map(RouteGroupBuilder project) =>
        project.MapGet("/recordings/{recordingId:guid}/timeline", GetAsync).RequireAuthorization(Roles.Viewer).Audited("results.read")
            .WithSummary("Per-person series (expressions, valence/arousal, top action units, blinks, head pose, skin, voice) reduced to ≤ points; ?from=&to= seconds, ?points= (10–4000, default 600), ?aus= (0–16, default 5)");

    private static async Task<IResult> GetAsync(Guid projectId, Guid recordingId, IMienStore store, CancellationToken ct, double? from = null, double? to = null, int points = 600, int aus = 5)
    {
        if (await store.GetRecordingAsync(projectId, recordingId, ct).ConfigureAwait(false) is not { } recording)
        {
            return Problems.NotFound("recording");
        }

        var start = from ?? 0;
        // A still running recording has no duration yet: then the caller names the end of the range.
        if ((to ?? recording.DurationS) is not { } end)
        {
            return Problems.BadRequest("to: required while the recording's duration is not known yet (the analysis is still running)");
        }

        TimelineBuilder builder;
        try
        {
            builder = new TimelineBuilder(new TimelineOptions { From = start, To = Math.Max(end, start), MaxPoints = points, TopActionUnits = aus });
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message.Replace("MaxPoints", "points", StringComparison.Ordinal).Replace("TopActionUnits", "aus", StringComparison.Ordinal));
        }

        // Frames by pages of the store's largest size, one pass, memory bounded by the builder.
        for (var after = -1L; ;)
        {
            var page = await store.GetFramesAsync(projectId, recordingId, new FrameQuery(start, end, after, 2000), ct).ConfigureAwait(false);
            if (page is null)
            {
                return Problems.NotFound("recording");
            }

            foreach (var frame in page.Frames)
            {
                builder.Add(frame.PayloadJson);
            }

            if (page.NextAfter is not { } next)
            {
                break;
            }

            after = next;
        }

        foreach (var kind in new[] { "expression-segment", "speech", "fused-affect" })
        {
            for (var after = -1L; ;)
            {
                var page = await store.GetEventsAsync(projectId, recordingId, new EventQuery(kind, start, end, after, 5000), ct).ConfigureAwait(false);
                if (page is null)
                {
                    return Problems.NotFound("recording");
                }

                foreach (var e in page.Events)
                {
                    builder.Add(e.PayloadJson);
                }

                if (page.NextAfter is not { } next)
                {
                    break;
                }

                after = next;
            }
        }

        return TypedResults.Ok(builder.Build());
    }
}
