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
        project.MapPost("/live/tickets", (HttpContext context, LiveTickets tickets) =>
        {
            var (ticket, expires) = tickets.Issue(context.Identity());
            return TypedResults.Ok(new { ticket, expires });
        }).RequireAuthorization(Roles.Analyst).WithSummary("A single-use ticket (60 s) to open the live WebSocket with ?ticket= (for browsers)");
    }
}
