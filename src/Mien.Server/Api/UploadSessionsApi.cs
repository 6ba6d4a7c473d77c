using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Mien.Server.Audit;
using Mien.Server.Jobs;
using Mien.Server.Privacy;
using Mien.Server.Security;
using Mien.Server.Uploads;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>
/// Resumable uploads (for browsers and flaky networks): <c>POST /uploads?subject=&amp;size=&amp;name=&amp;options=</c>
/// opens a session, <c>PUT /uploads/{id}</c> with <c>Content-Range: bytes a-b/size</c> writes the chunk that starts at
/// the server's offset, <c>GET /uploads/{id}</c> tells that offset after a dropped connection, and
/// <c>POST /uploads/{id}/complete</c> queues the analysis exactly like <c>POST /recordings</c>.
/// </summary>
internal static class UploadSessionsApi
{
    /// <summary>Response header with the bytes received so far (on every answer about a session).</summary>
    public const string OffsetHeader = "Upload-Offset";

    public static void Map(RouteGroupBuilder project)
    {
        project.MapPost("/uploads", OpenAsync).RequireAuthorization(Roles.Analyst).Audited("upload.create")
            .WithSummary("Open a resumable upload: ?subject=<id>&size=<bytes>&name=clip.mp4&options=<json>; purpose and consent are checked here, before any byte is kept");
        project.MapGet("/uploads/{uploadId:guid}", Status).RequireAuthorization(Roles.Analyst)
            .WithSummary("An upload session: the offset to resume from (also in the Upload-Offset header), size, expiry");
        project.MapPut("/uploads/{uploadId:guid}", WriteAsync).RequireAuthorization(Roles.Analyst)
            .WithSummary("Write the chunk that starts at the session's offset: Content-Range: bytes <start>-<end>/<size>; all or nothing");
        project.MapPost("/uploads/{uploadId:guid}/complete", CompleteAsync).RequireAuthorization(Roles.Analyst).Audited("recording.create")
            .WithSummary("Finish a fully received upload: checked, sealed and queued for analysis like POST /recordings (202 with the recording)");
        project.MapDelete("/uploads/{uploadId:guid}", CancelAsync).RequireAuthorization(Roles.Analyst).Audited("upload.cancel")
            .WithSummary("Cancel an upload session and delete what it received");
    }

    /// <summary>What a client needs to go on.</summary>
    internal sealed record UploadStatus(Guid Id, long Offset, long Size, DateTimeOffset ExpiresAt, int MaxChunkBytes);

    private static UploadStatus Describe(UploadSession s, ServerOptions options) => new(s.Id, s.Offset, s.Size, s.ExpiresAt, options.MaxUploadChunkBytes);

    private static async Task<IResult> OpenAsync(
        Guid projectId, HttpContext context, IMienStore store, ConsentGate gate, UploadSessions sessions, ServerOptions options, CancellationToken ct,
        Guid? subject = null, long? size = null, string? name = null)
    {
        var requestOptions = context.Request.Query["options"].ToString();
        AnalysisRequest analysis;
        try
        {
            analysis = requestOptions.Length == 0 ? new AnalysisRequest() : JsonSerializer.Deserialize<AnalysisRequest>(requestOptions, DatabaseSink.Json) ?? new AnalysisRequest();
            analysis.Validate();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return Problems.BadRequest("options: " + e.Message);
        }

        // Purpose and consent first: a refused upload never gets a session, let alone a byte on disk.
        if (await RecordingsApi.RefusedAsync(projectId, subject, analysis, store, gate, ct).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        if (size is null)
        {
            return Problems.BadRequest("size: required, the file's size in bytes (?size=…)");
        }

        var (session, refusal) = await sessions.OpenAsync(projectId, context.Identity().KeyId, subject!.Value, name, analysis, size.Value).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal.ToResult();
        }

        context.Response.Headers[OffsetHeader] = "0";
        return TypedResults.Created($"/api/v1/projects/{projectId}/uploads/{session!.Id}", Describe(session, options));
    }

    private static IResult Status(Guid projectId, Guid uploadId, HttpContext context, UploadSessions sessions, ServerOptions options)
    {
        if (sessions.Find(projectId, context.Identity().KeyId, uploadId) is not { } session)
        {
            return Gone();
        }

        context.Response.Headers[OffsetHeader] = session.Offset.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(Describe(session, options));
    }

    private static async Task<IResult> WriteAsync(
        Guid projectId, Guid uploadId, HttpContext context, IMienStore store, ConsentGate gate, UploadSessions sessions, ServerOptions options, CancellationToken ct)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxUploadChunkBytes;
        }

        if (sessions.Find(projectId, context.Identity().KeyId, uploadId) is not { } session)
        {
            return Gone();
        }

        if (ParseRange(context.Request.Headers.ContentRange.ToString(), session.Size) is not { } range)
        {
            return WithOffset(context, session, Problems.BadRequest($"Content-Range '{Text.Clip(context.Request.Headers.ContentRange.ToString())}': send 'bytes <start>-<end>/{session.Size}' (inclusive end, the session's size)"));
        }

        var length = range.End - range.Start + 1;
        if (context.Request.ContentLength is { } declared && declared != length)
        {
            return WithOffset(context, session, Problems.BadRequest($"Content-Length {declared} differs from the {length} bytes of Content-Range {range.Start}-{range.End}"));
        }

        // Consent may have been withdrawn since the session opened: checked again before this chunk is kept.
        if (await RecordingsApi.RefusedAsync(projectId, session.Subject, session.Analysis, store, gate, ct).ConfigureAwait(false) is { } refused)
        {
            await sessions.DiscardAsync(session, "refused").ConfigureAwait(false);
            return refused;
        }

        UploadRefusal? refusal;
        try
        {
            refusal = await sessions.WriteAsync(session, range.Start, length, context.Request.Body, ct).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            refusal = new UploadRefusal(StatusCodes.Status413PayloadTooLarge, "Chunk too large", $"the chunk exceeds the limit of {options.MaxUploadChunkBytes} bytes (MaxUploadChunkBytes)");
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException)
        {
            refusal = new UploadRefusal(StatusCodes.Status400BadRequest, "Chunk failed", $"the chunk did not arrive whole ({e.Message}); the upload stays at byte {session.Offset}: resend from there");
        }

        return WithOffset(context, session, refusal?.ToResult() ?? TypedResults.Ok(Describe(session, options)));
    }

    private static async Task<IResult> CompleteAsync(
        Guid projectId, Guid uploadId, HttpContext context, IMienStore store, ConsentGate gate, JobRunner jobs, UploadSessions sessions, ServerOptions options, Protection.MediaVault vault, CancellationToken ct)
    {
        if (sessions.Find(projectId, context.Identity().KeyId, uploadId) is not { } session)
        {
            return Gone();
        }

        if (await RecordingsApi.RefusedAsync(projectId, session.Subject, session.Analysis, store, gate, ct).ConfigureAwait(false) is { } refused)
        {
            await sessions.DiscardAsync(session, "refused").ConfigureAwait(false);
            return refused;
        }

        var (path, refusal) = await sessions.TakeAsync(session, ct).ConfigureAwait(false);
        if (refusal is not null)
        {
            return WithOffset(context, session, refusal.ToResult());
        }

        return await RecordingsApi.AcceptAsync(projectId, path!, session.Name, session.Subject, session.Analysis, store, jobs, options, vault, ct).ConfigureAwait(false);
    }

    private static async Task<IResult> CancelAsync(Guid projectId, Guid uploadId, HttpContext context, UploadSessions sessions)
    {
        if (sessions.Find(projectId, context.Identity().KeyId, uploadId) is not { } session)
        {
            return Gone();
        }

        await sessions.DiscardAsync(session, "cancelled").ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static IResult Gone() => Problems.NotFound("upload session (unknown, another key's, cancelled, completed, or expired without a chunk: open a new one)");

    private static IResult WithOffset(HttpContext context, UploadSession session, IResult result)
    {
        context.Response.Headers[OffsetHeader] = session.Offset.ToString(CultureInfo.InvariantCulture);
        return result;
    }

    /// <summary>Parses <c>bytes a-b/size</c> (inclusive end; size may be <c>*</c>); null when malformed or not inside the session.</summary>
    internal static (long Start, long End)? ParseRange(string header, long size)
    {
        if (!header.StartsWith("bytes ", StringComparison.Ordinal))
        {
            return null;
        }

        var span = header.AsSpan(6).Trim();
        var dash = span.IndexOf('-');
        var slash = span.IndexOf('/');
        if (dash <= 0 || slash <= dash + 1)
        {
            return null;
        }

        var total = span[(slash + 1)..];
        if (!long.TryParse(span[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !long.TryParse(span[(dash + 1)..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var end)
            || end < start
            || !(total.SequenceEqual("*") || (long.TryParse(total, NumberStyles.None, CultureInfo.InvariantCulture, out var declared) && declared == size)))
        {
            return null;
        }

        return (start, end);
    }
}
