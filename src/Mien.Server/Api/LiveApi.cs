using Mien.Server.Audit;
using Mien.Server.Live;
using Mien.Server.Security;

namespace Mien.Server.Api;

/// <summary>The live WebSocket and the tickets browsers use to open it.</summary>
internal static class LiveApi
{
    public static void Map(RouteGroupBuilder project)
    {
        project.MapGet("/live", (HttpContext context, LiveSessions live, ServerOptions options) =>
            {
                LiveSocketGuard.Install(context, options);
                return live.HandleAsync(context, context.Identity());
            })
            .RequireAuthorization(Roles.Analyst).Audited("live.session").WithMetadata(new AcceptsLiveTicket()).WithSummary("Live analysis over WebSocket (docs/live-protocol.md)");
        // Cluster only (mien serve --cluster): a dashboard on any node receives a live session's results.
        project.MapGet("/live/{session}/watch", (HttpContext context, Guid projectId, string session, LiveSessions live) =>
            {
                if (live.Cluster is not { } cluster)
                {
                    return Problems.WriteAsync(context, StatusCodes.Status404NotFound, "Not found", "watching a live session from another node needs a cluster (mien serve --cluster)");
                }

                // No LiveSocketGuard: a dashboard only listens, so the guard's idle timeout would close every one; the
                // watch reads at most one message (any message ends it), so there is nothing to flood.
                return cluster.WatchAsync(context, projectId, session);
            })
            .RequireAuthorization(Roles.Analyst).Audited("live.watch").WithMetadata(new AcceptsLiveTicket()).WithSummary("A cluster live session's results on any node, over WebSocket (docs/deploy.md)");
        // Cluster only: this node's silo, the membership view and the figures aggregated over the silos.
        project.MapGet("/cluster", (LiveSessions live, IServiceProvider services) => live.Cluster is { } cluster
                ? cluster.HealthAsync(services.GetRequiredService<ILocalSiloDetails>())
                : Task.FromResult(Problems.Result(StatusCodes.Status404NotFound, "Not found", "this server runs on its own (start it with --cluster to join a cluster)")))
            .RequireAuthorization(Roles.Admin).WithSummary("The cluster's health: this silo, membership, per-silo figures and totals (docs/deploy.md)");
        project.MapPost("/live/tickets", (HttpContext context, LiveTickets tickets) =>
        {
            var (ticket, expires) = tickets.Issue(context.Identity());
            return TypedResults.Ok(new { ticket, expires });
        }).RequireAuthorization(Roles.Analyst).WithSummary("A single-use ticket (60 s) to open the live WebSocket with ?ticket= (for browsers)");
    }
}
