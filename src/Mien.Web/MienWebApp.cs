using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Mien.Web;

/// <summary>
/// Serves the browser app at the root of the server: <c>/</c> is <c>index.html</c> (sign-in and the list of pages),
/// every other file of <c>wwwroot</c> at its own path (<c>/live.html</c>, <c>/app.js</c>, <c>/style.css</c>). Each file is
/// one explicit route, so the API's routes (<c>/api/v1/…</c>, <c>/healthz</c>, <c>/metrics</c>) can never be shadowed by
/// a catch-all and an unknown path still answers the API's 404.
/// </summary>
public static partial class MienWebApp
{
    /// <summary>The header a browser session's state-changing requests must carry (set by app.js from the sign-in answer).</summary>
    public const string CsrfHeader = "X-Mien-Csrf";

    /// <summary>Maps every file of the embedded web app; returns the group so a host can add conventions.</summary>
    public static RouteGroupBuilder MapMienWebApp(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var assets = WebAssets.Load();
        var group = endpoints.MapGroup("");
        // Static files are not API: they stay out of the OpenAPI document (and so out of the authorisation matrix).
        group.ExcludeFromDescription().AllowAnonymous();
        foreach (var asset in assets.Files.Values)
        {
            group.MapMethods("/" + asset.Path, [HttpMethods.Get, HttpMethods.Head], context => WriteAsync(context, asset));
        }

        if (assets.Files.TryGetValue("index.html", out var index))
        {
            group.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], context => WriteAsync(context, index));
        }

        return group;
    }

    private static Task WriteAsync(HttpContext context, WebAsset asset)
    {
        var response = context.Response;
        var headers = response.Headers;
        headers.ETag = asset.ETag;
        // Names carry no content hash, so every use revalidates; an unchanged file costs a 304 without a body.
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = PagePolicy(context.Request);
        if (context.Request.Headers.IfNoneMatch is { Count: > 0 } match
            && EntityTagHeaderValue.TryParseList(match, out var tags)
            && tags.Any(t => t.Tag.Equals(asset.ETag, StringComparison.Ordinal) || t.Equals(EntityTagHeaderValue.Any)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    /// <summary>
    /// The pages' Content-Security-Policy: scripts, styles and connections from this origin only (no inline script, no
    /// eval), the live WebSocket on this host, camera frames and downloaded media as blobs. The API keeps its stricter
    /// <c>default-src 'self'</c> (set by the server for every response that has none).
    /// </summary>
    internal static string PagePolicy(HttpRequest request)
    {
        // Older browsers do not count ws: as 'self', so the socket on this very host is named. Kestrel has checked the
        // Host header; the pattern keeps anything odd out of the header regardless.
        var host = request.Host.HasValue && HostPattern().IsMatch(request.Host.Value) ? request.Host.Value : null;
        var sockets = host is null ? "" : $" ws://{host} wss://{host}";
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
            + $"connect-src 'self'{sockets}; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    [GeneratedRegex(@"^[A-Za-z0-9.\-\[\]:]{1,255}$")]
    private static partial Regex HostPattern();
}
