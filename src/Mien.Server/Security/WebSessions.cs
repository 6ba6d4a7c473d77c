using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Mien.Storage;

namespace Mien.Server.Security;

/// <summary>
/// Browser sessions: a signed-in browser holds a random token in an HttpOnly, SameSite=Strict cookie instead of the
/// API key (so <c>&lt;video src&gt;</c> and downloads work and script never sees the key). A session acts with exactly
/// the key's project and role, ends at sign-out, after <see cref="Lifetime"/>, or when the key is revoked, and lives in
/// memory only: a restart signs every browser out, which is the safe direction. Tokens are kept by their SHA-256, so
/// the table itself holds nothing a request could present.
/// </summary>
internal sealed class WebSessions(TimeProvider time)
{
    /// <summary>The cookie's name.</summary>
    public const string CookieName = "mien_session";

    /// <summary>How long a session lasts from sign-in (absolute; a working day).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private const int MaxSessions = 10_000;
    private readonly ConcurrentDictionary<string, WebSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>Starts a session for a key; returns the cookie token (shown once) and the session.</summary>
    /// <exception cref="InvalidOperationException">Too many sessions are open.</exception>
    public (string Token, WebSession Session) SignIn(ApiKeyIdentity identity)
    {
        Sweep();
        if (_sessions.Count >= MaxSessions)
        {
            throw new InvalidOperationException($"more than {MaxSessions} browser sessions are open; try again later");
        }

        var token = RandomToken();
        var session = new WebSession(identity, RandomToken(), time.GetUtcNow() + Lifetime);
        _sessions[Hash(token)] = session;
        return (token, session);
    }

    /// <summary>The live session of a cookie token, or null with why not.</summary>
    public (WebSession? Session, string? Problem) Find(string token)
    {
        if (token.Length is 0 or > 100 || !_sessions.TryGetValue(Hash(token), out var session))
        {
            return (null, "the browser session is unknown or signed out; sign in again");
        }

        if (session.Expires <= time.GetUtcNow())
        {
            _sessions.TryRemove(Hash(token), out _);
            return (null, "the browser session has expired; sign in again");
        }

        return (session, null);
    }

    /// <summary>Ends a session (sign-out); true when it existed.</summary>
    public bool SignOut(string token) => _sessions.TryRemove(Hash(token), out _);

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, session) in _sessions)
        {
            if (session.Expires <= now)
            {
                _sessions.TryRemove(key, out _);
            }
        }
    }

    private static string RandomToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}

/// <summary>One signed-in browser: the key it acts for, its anti-forgery token and when it ends.</summary>
internal sealed record WebSession(ApiKeyIdentity Identity, string Csrf, DateTimeOffset Expires)
{
    /// <summary>True when <paramref name="presented"/> is this session's anti-forgery token (constant time).</summary>
    public bool CsrfMatches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(Csrf));
}

/// <summary>
/// Cross-site request forgery: a browser sends its cookie with any request, so a request authenticated by the session
/// cookie that changes state must also carry <c>X-Mien-Csrf</c> with the session's token, which only this origin's
/// script can know (SameSite=Strict is the first wall, this the second). Key-authenticated requests are not affected.
/// </summary>
internal static class CsrfProtection
{
    public static IApplicationBuilder UseCsrfProtection(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Items[typeof(WebSession)] is WebSession session
            && !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method))
            && !session.CsrfMatches(context.Request.Headers[Web.MienWebApp.CsrfHeader].ToString()))
        {
            await Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "CSRF token missing",
                $"a request signed in by the browser session cookie that changes something must carry the {Web.MienWebApp.CsrfHeader} header "
                + "with the token from sign-in (app.js's api() sends it); send the API key instead from scripts").ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    });
}
