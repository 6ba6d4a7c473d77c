namespace Mien.Server.Security;

/// <summary>
/// Headers every response carries, whoever writes it (an endpoint, the exception handler, the rate limiter, the
/// authentication challenge): set when the response starts, so a handler that cleared the headers cannot drop them.
/// </summary>
internal static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            // The web app's pages set their own (stricter about sources, allowing the camera's blobs); everything else gets this.
            if (Microsoft.Extensions.Primitives.StringValues.IsNullOrEmpty(headers.ContentSecurityPolicy))
            {
                headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'";
            }

            headers.Remove("Server");
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    });
}
