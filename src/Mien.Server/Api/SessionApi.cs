using Mien.Server.Audit;
using Mien.Server.Security;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>
/// Browser sign-in: the web app POSTs the API key (as the usual Bearer header) once and gets an HttpOnly,
/// SameSite=Strict session cookie plus the anti-forgery token its state-changing requests must echo in
/// <c>X-Mien-Csrf</c>; GET tells a page who is signed in; DELETE signs out.
/// </summary>
internal static class SessionApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/session", SignIn).RequireAuthorization(Roles.Viewer).Audited("session.sign-in")
            .WithSummary("Browser sign-in: exchanges the API key in the Authorization header for a session cookie (HttpOnly, SameSite=Strict)");
        api.MapGet("/session", Current).RequireAuthorization(Roles.Viewer).WithSummary("Who is signed in: project, role, and for a browser session its anti-forgery token and expiry");
        api.MapDelete("/session", SignOut).RequireAuthorization(Roles.Viewer).WithSummary("Browser sign-out: ends the session and clears the cookie");
    }

    /// <summary>What a page learns about its sign-in.</summary>
    internal sealed record SessionView(Guid Project, string Role, bool Browser, string? Csrf, DateTimeOffset? Expires, string CsrfHeader);

    private static IResult SignIn(HttpContext context, WebSessions sessions)
    {
        if (context.Items[typeof(WebSession)] is not null)
        {
            return Problems.BadRequest("sign in with the API key (Authorization: Bearer <key>), not with an existing session cookie");
        }

        var identity = context.Identity();
        var (token, session) = sessions.SignIn(identity);
        context.Response.Cookies.Append(WebSessions.CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            // Behind plain http on loopback a Secure cookie would never come back; over https it must be Secure.
            Secure = context.Request.IsHttps,
            Path = "/",
            Expires = session.Expires,
            IsEssential = true,
        });
        return TypedResults.Ok(View(session.Identity, session));
    }

    private static IResult Current(HttpContext context) =>
        TypedResults.Ok(View(context.Identity(), context.Items[typeof(WebSession)] as WebSession));

    private static IResult SignOut(HttpContext context, WebSessions sessions)
    {
        if (context.Request.Cookies.TryGetValue(WebSessions.CookieName, out var token))
        {
            sessions.SignOut(token);
        }

        context.Response.Cookies.Delete(WebSessions.CookieName, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps });
        return TypedResults.NoContent();
    }

    private static SessionView View(ApiKeyIdentity identity, WebSession? session) =>
        new(identity.ProjectId, identity.Role.ToString().ToLowerInvariant(), session is not null, session?.Csrf, session?.Expires, Web.MienWebApp.CsrfHeader);
}
