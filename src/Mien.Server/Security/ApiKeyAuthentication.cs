using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Mien.Storage;

namespace Mien.Server.Security;

/// <summary>
/// Authenticates a request by its project API key: <c>Authorization: Bearer mien_…</c> or <c>X-Api-Key: mien_…</c>
/// (keys are stored hashed; the store compares in constant time), or by a single-use live ticket in <c>?ticket=</c>
/// for WebSocket clients that cannot set headers (browsers), or by a browser session cookie (<see cref="WebSessions"/>:
/// the same key's project and role; never for the WebSocket, which takes a ticket). The principal carries the project
/// and the role.
/// </summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IMienStore store, LiveTickets tickets, WebSessions sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ProjectClaim = "mien:project";
    public const string KeyClaim = "mien:key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // A ticket opens the live WebSocket and nothing else: anywhere else a URL credential would leak through logs
        // and history and let a link act with the key's role.
        if (Request.Query.TryGetValue("ticket", out var ticket) && ticket.Count == 1
            && Context.GetEndpoint()?.Metadata.GetMetadata<AcceptsLiveTicket>() is not null && Context.WebSockets.IsWebSocketRequest)
        {
            if (tickets.Redeem(ticket[0]!) is not { } fromTicket)
            {
                return AuthenticateResult.Fail("the live ticket is unknown, used or expired");
            }

            // The key may have been revoked since the ticket was issued.
            var keys = await store.ListApiKeysAsync(fromTicket.ProjectId, Context.RequestAborted).ConfigureAwait(false);
            return keys.Any(k => k.Id == fromTicket.KeyId && k.RevokedAt is null) ? Success(fromTicket) : AuthenticateResult.Fail("the API key that issued the live ticket has been revoked");
        }

        var secret = Secret();
        if (secret is null)
        {
            return await FromCookieAsync().ConfigureAwait(false);
        }

        if (secret.Length > 256)
        {
            return AuthenticateResult.Fail("the API key is malformed");
        }

        var identity = await store.AuthenticateAsync(secret, Context.RequestAborted).ConfigureAwait(false);
        return identity is null ? AuthenticateResult.Fail("the API key is unknown or revoked") : Success(identity);
    }

    /// <summary>A browser session cookie, when the request carries no key. A key always wins over a cookie.</summary>
    private async Task<AuthenticateResult> FromCookieAsync()
    {
        // Cross-site WebSocket hijacking rides on cookies; the live socket takes a ticket (POSTed with the CSRF header).
        if (!Request.Cookies.TryGetValue(WebSessions.CookieName, out var token) || Context.WebSockets.IsWebSocketRequest)
        {
            return AuthenticateResult.NoResult();
        }

        var (session, problem) = sessions.Find(token);
        if (session is null)
        {
            return AuthenticateResult.Fail(problem!);
        }

        var keys = await store.ListApiKeysAsync(session.Identity.ProjectId, Context.RequestAborted).ConfigureAwait(false);
        if (!keys.Any(k => k.Id == session.Identity.KeyId && k.RevokedAt is null))
        {
            sessions.SignOut(token);
            return AuthenticateResult.Fail("the API key this browser signed in with has been revoked; sign in again");
        }

        Context.Items[typeof(WebSession)] = session;
        return Success(session.Identity);
    }

    private AuthenticateResult Success(ApiKeyIdentity identity)
    {
        Context.Items[typeof(ApiKeyIdentity)] = identity;
        var claims = new[]
        {
            new Claim(ProjectClaim, identity.ProjectId.ToString("D")),
            new Claim(KeyClaim, identity.KeyId.ToString("D")),
            new Claim(ClaimTypes.Role, identity.Role.ToString().ToLowerInvariant()),
        };
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    private string? Secret()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header[7..].Trim();
        }

        var key = Request.Headers["X-Api-Key"].ToString();
        return key.Length > 0 ? key.Trim() : null;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        await Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            result.Failure?.Message ?? "an API key is required: send 'Authorization: Bearer <key>' (or 'X-Api-Key: <key>')").ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden", "this API key's role may not do this");
}

/// <summary>Endpoint metadata: this endpoint (the live WebSocket) accepts a single-use ticket in <c>?ticket=</c>.</summary>
internal sealed class AcceptsLiveTicket;

/// <summary>Roles as authorization policies: a higher role includes the lower ones.</summary>
internal static class Roles
{
    public const string Viewer = "viewer";
    public const string Analyst = "analyst";
    public const string Admin = "admin";

    public static readonly string[] AtLeastViewer = [Viewer, Analyst, Admin];
    public static readonly string[] AtLeastAnalyst = [Analyst, Admin];
    public static readonly string[] AdminOnly = [Admin];

    /// <summary>The authenticated key of this request (set by <see cref="ApiKeyAuthentication"/>).</summary>
    public static ApiKeyIdentity Identity(this HttpContext context) =>
        context.Items[typeof(ApiKeyIdentity)] as ApiKeyIdentity ?? throw new InvalidOperationException("no authenticated API key on this request");
}

/// <summary>
/// Keeps every project-scoped route inside the caller's project: another project's id answers 404, exactly like an
/// id that does not exist, so a key learns nothing about other projects. Runs as middleware after authorization and
/// before the endpoint, so a foreign request is refused before its body is even read.
/// </summary>
internal static class ProjectScope
{
    public static IApplicationBuilder UseProjectScope(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint() is not null
            && context.Request.RouteValues.TryGetValue("projectId", out var raw)
            && context.Items[typeof(ApiKeyIdentity)] is ApiKeyIdentity identity
            && (!Guid.TryParse(raw as string, out var projectId) || projectId != identity.ProjectId))
        {
            await Problems.WriteAsync(context, StatusCodes.Status404NotFound, "Not found", "no such project").ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    });
}
