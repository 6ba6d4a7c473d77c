using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>Liveness and readiness for load balancers and orchestrators (no key needed, no data revealed).</summary>
internal static class HealthApi
{
    public static void Map(WebApplication app)
    {
        // Not rate limited: a probe from the same address as a flood must still see that the process is alive.
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" })).AllowAnonymous().DisableRateLimiting().ExcludeFromDescription();
        app.MapGet("/readyz", async (MienRuntime runtime, IMienStore store, CancellationToken ct) =>
        {
            if (runtime.NotReady is { } why)
            {
                return Problems.Result(StatusCodes.Status503ServiceUnavailable, "Not ready", why);
            }

            try
            {
                _ = await store.ListProjectsAsync(ct).ConfigureAwait(false);
            }
            catch (MienStoreException e)
            {
                return Problems.Result(StatusCodes.Status503ServiceUnavailable, "Not ready", "the database is unreachable: " + e.Message);
            }

            return TypedResults.Ok(new { status = "ready" });
        }).AllowAnonymous().ExcludeFromDescription();
    }
}
