using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Mien.Server.Audit;
using Mien.Server.Jobs;
using Mien.Server.Privacy;
using Mien.Server.Security;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>Recordings: uploads and registered streams become analysis jobs; their status, results and downloads.</summary>
internal static class RecordingsApi
{
    /// <summary>Files a recording's folder may hold for download, and their content types.</summary>
    private static readonly Dictionary<string, string> Downloads = new(StringComparer.Ordinal)
    {
        ["faces.jsonl"] = "application/x-ndjson",
        ["faces.csv"] = "text/csv",
        ["summary.json"] = "application/json",
        ["report.html"] = "text/html",
        ["anonymized.mp4"] = "video/mp4",
        ["annotated.mp4"] = "video/mp4",
    };

    /// <summary>Downloads that show people (video frames or face thumbnails).</summary>
    private static readonly HashSet<string> ShowsFaces = new(StringComparer.Ordinal) { "report.html", "anonymized.mp4", "annotated.mp4" };

    public static void Map(RouteGroupBuilder project, ServerOptions options)
    {
        project.MapPost("/recordings", UploadAsync).RequireAuthorization(Roles.Analyst).Audited("recording.create")
            .WithSummary("Upload a video (request body, streamed to disk) and queue its analysis; ?name=clip.mp4&subject=<id>&options=<json>");
        project.MapPost("/streams", RegisterStreamAsync).RequireAuthorization(Roles.Analyst).Audited("recording.create").WithSummary("Register a camera/RTSP/HTTP source as an analysis job");
        project.MapGet("/recordings", ListAsync).RequireAuthorization(Roles.Viewer).Audited("recordings.list").WithSummary("Recordings and jobs, newest first (paged)");
        project.MapGet("/recordings/{recordingId:guid}", GetAsync).RequireAuthorization(Roles.Viewer).Audited("recording.read").WithSummary("A recording: status, progress, error");
        project.MapPost("/recordings/{recordingId:guid}/cancel", CancelAsync).RequireAuthorization(Roles.Analyst).Audited("recording.cancel").WithSummary("Cancel a queued or running job (results so far are kept)");
        project.MapDelete("/recordings/{recordingId:guid}", DeleteAsync).RequireAuthorization(Roles.Admin).Audited("recording.erase").WithSummary("Delete a recording, its results and files");
        project.MapGet("/recordings/{recordingId:guid}/files/{name}", DownloadAsync).RequireAuthorization(Roles.Viewer).Audited("results.export").WithSummary("Download faces.jsonl, faces.csv, summary.json, report.html or the (anonymised) video");
    }

    /// <summary>Body of POST /streams.</summary>
    internal sealed record StreamRequest(string Url, string? Name = null, Guid? Subject = null, AnalysisRequest? Options = null);

    private static async Task<IResult> UploadAsync(
        Guid projectId, HttpRequest request, IMienStore store, ConsentGate gate, JobRunner jobs, ServerOptions options, Protection.MediaVault vault, CancellationToken ct,
        string? name = null, Guid? subject = null)
    {
        // Uploads may be far larger than the JSON bodies every other endpoint is limited to; the copy below enforces this limit.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = options.MaxUploadBytes;
        }

        var requestOptions = request.Query["options"].ToString();
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

        // Purpose and consent are checked before a byte of the body is kept.
        if (await RefusedAsync(projectId, subject, analysis, store, gate, ct).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        if (request.ContentLength is { } declared && declared > options.MaxUploadBytes)
        {
            return Problems.Result(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"{declared} bytes exceed the limit of {options.MaxUploadBytes} bytes (MaxUploadBytes)");
        }

        var uploads = Path.Combine(options.DataDirectory, "uploads");
        Directory.CreateDirectory(uploads);
        // The stored name is ours (a GUID); the client's name is only a label, never a path.
        var path = vault.StagingPath(); // plaintext only in <data>/private until checked and sealed
        try
        {
            var written = await CopyBoundedAsync(request.Body, path, options.MaxUploadBytes, ct).ConfigureAwait(false);
            if (written == 0)
            {
                return Fail(path, StatusCodes.Status400BadRequest, "Empty upload", "the request body is empty: send the video file as the body");
            }

            return await AcceptAsync(projectId, path, name, subject, analysis, store, jobs, options, vault, ct).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Fail(path, StatusCodes.Status413PayloadTooLarge, "Upload too large", $"the upload exceeds the limit of {options.MaxUploadBytes} bytes (MaxUploadBytes)");
        }
        catch (UploadTooLargeException)
        {
            return Fail(path, StatusCodes.Status413PayloadTooLarge, "Upload too large", $"the upload exceeds the limit of {options.MaxUploadBytes} bytes (MaxUploadBytes)");
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            // A client that goes away mid-upload leaves nothing behind.
            TryDelete(path);
            if (e is OperationCanceledException)
            {
                throw;
            }

            return Problems.Result(StatusCodes.Status400BadRequest, "Upload failed", "the upload did not complete: " + e.Message);
        }
    }

    /// <summary>
    /// Takes a complete upload received into the private staging area (a plain request body or an upload session's
    /// assembled chunks): checks it by content and against the limits, seals it and queues its analysis. The staged
    /// file is consumed either way (sealed, or deleted with the refusal).
    /// </summary>
    internal static async Task<IResult> AcceptAsync(
        Guid projectId, string path, string? name, Guid? subject, AnalysisRequest analysis, IMienStore store, JobRunner jobs, ServerOptions options, Protection.MediaVault vault, CancellationToken ct)
    {
        try
        {
            if (MediaSniffer.Identify(path) is not { } kind)
            {
                return Fail(path, StatusCodes.Status415UnsupportedMediaType, "Unsupported media", "the upload is not a video or image Mien can read (checked by content: MP4/MOV, Matroska/WebM, AVI, MPEG-TS, JPEG, PNG)");
            }

            // Name the stored file for what it is, so the media layer opens it as that (a photo as a still, not a 1-frame video).
            var typed = Path.ChangeExtension(path, kind switch { "matroska" => ".mkv", "mpegts" => ".ts", "jpeg" => ".jpg", _ => "." + kind });
            File.Move(path, typed);
            path = typed;
            if (await UploadProbe.ProblemAsync(path, options).ConfigureAwait(false) is { } problem)
            {
                return Fail(path, StatusCodes.Status422UnprocessableEntity, "Unusable media", problem);
            }

            path = await vault.SealUploadAsync(projectId, path, ct).ConfigureAwait(false);
            var label = Label(name, kind);
            var recording = await store.CreateRecordingAsync(new NewRecording(projectId, label, SourceKind.Upload, subject, path, JsonSerializer.Serialize(analysis, DatabaseSink.Json)), ct).ConfigureAwait(false);
            jobs.Wake();
            return TypedResults.Accepted($"/api/v1/projects/{projectId}/recordings/{recording.Id}", recording);
        }
        catch
        {
            TryDelete(path);
            throw;
        }
    }

    private static IResult Fail(string path, int status, string title, string detail)
    {
        TryDelete(path);
        return Problems.Result(status, title, detail);
    }

    private static string Label(string? name, string kind) => RecordingLabel.Of(name, "upload." + kind);

    internal static async Task<long> CopyBoundedAsync(Stream body, string path, long limit, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > limit)
            {
                throw new UploadTooLargeException();
            }

            await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
        }

        return total;
    }

    internal sealed class UploadTooLargeException : Exception;

    /// <summary>
    /// The refusal for an analysis the project's purpose forbids, or of a subject without current analysis and
    /// measurements consent (jobs store their results, so they always need both); null when it may run.
    /// </summary>
    internal static async Task<IResult?> RefusedAsync(Guid projectId, Guid? subject, AnalysisRequest analysis, IMienStore store, ConsentGate gate, CancellationToken ct)
    {
        var project = await store.GetProjectAsync(projectId, ct).ConfigureAwait(false);
        if (project is null)
        {
            return Problems.NotFound("project");
        }

        if (ConsentGate.CheckPurpose(project, analysis) is { } purpose)
        {
            return Problems.Result(purpose.Status, purpose.Title, purpose.Detail);
        }

        var (_, refusal) = await gate.PlanAsync(project, subject, wantsStore: true, requireStore: true, ct).ConfigureAwait(false);
        return refusal is null ? null : Problems.Result(refusal.Status, refusal.Title, refusal.Detail);
    }

    private static async Task<IResult> RegisterStreamAsync(Guid projectId, StreamRequest body, IMienStore store, ConsentGate gate, JobRunner jobs, ServerOptions options, CancellationToken ct)
    {
        if (!Uri.TryCreate(body.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("rtsp" or "http" or "https" or "rtmp" or "srt" or "udp"))
        {
            return Problems.BadRequest($"url '{Text.Clip(body.Url)}': must be an absolute rtsp, http(s), rtmp, srt or udp URL");
        }

        if (await StreamTargets.ProblemAsync(uri, options, ct).ConfigureAwait(false) is { } refused)
        {
            return Problems.BadRequest($"url '{Text.Clip(body.Url)}': {refused}");
        }

        var analysis = body.Options ?? new AnalysisRequest();
        try
        {
            analysis.Validate();
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest("options: " + e.Message);
        }

        if (await RefusedAsync(projectId, body.Subject, analysis, store, gate, ct).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        var name = RecordingLabel.Of(body.Name, uri.Host);
        var recording = await store.CreateRecordingAsync(new NewRecording(projectId, name, SourceKind.Stream, body.Subject, uri.ToString(), JsonSerializer.Serialize(analysis with { Video = false }, DatabaseSink.Json)), ct).ConfigureAwait(false);
        jobs.Wake();
        return TypedResults.Accepted($"/api/v1/projects/{projectId}/recordings/{recording.Id}", recording);
    }

    private static async Task<IResult> ListAsync(Guid projectId, IMienStore store, CancellationToken ct, string? status = null, int offset = 0, int limit = 50)
    {
        RecordingStatus? filter = null;
        if (status is not null)
        {
            // Enum.TryParse also takes numbers and comma-joined flags ("done,cancelled" is no status): names only.
            if (!Enum.TryParse<RecordingStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || !status.All(char.IsAsciiLetter))
            {
                return Problems.BadRequest($"status '{Text.Clip(status)}': must be queued, running, done, failed or cancelled");
            }

            filter = parsed;
        }

        if (offset < 0 || limit is < 1 or > 500)
        {
            return Problems.BadRequest($"offset {offset} must be ≥ 0 and limit {limit} between 1 and 500");
        }

        return TypedResults.Ok(await store.ListRecordingsAsync(projectId, new RecordingQuery(filter, offset, limit), ct).ConfigureAwait(false));
    }

    private static async Task<IResult> GetAsync(Guid projectId, Guid recordingId, IMienStore store, CancellationToken ct) =>
        await store.GetRecordingAsync(projectId, recordingId, ct).ConfigureAwait(false) is { } r ? TypedResults.Ok(r) : Problems.NotFound("recording");

    private static async Task<IResult> CancelAsync(Guid projectId, Guid recordingId, IMienStore store, JobRunner jobs, CancellationToken ct)
    {
        var recording = await store.GetRecordingAsync(projectId, recordingId, ct).ConfigureAwait(false);
        if (recording is null)
        {
            return Problems.NotFound("recording");
        }

        if (recording.Status is RecordingStatus.Done or RecordingStatus.Failed or RecordingStatus.Cancelled)
        {
            return Problems.Conflict($"the recording is already {recording.Status.ToString().ToLowerInvariant()}");
        }

        var cancelledHere = jobs.Cancel(recordingId);
        await store.CancelAsync(projectId, recordingId, ct).ConfigureAwait(false);
        return TypedResults.Accepted($"/api/v1/projects/{projectId}/recordings/{recordingId}", new { cancelled = true, wasRunning = cancelledHere });
    }

    private static async Task<IResult> DeleteAsync(Guid projectId, Guid recordingId, IMienStore store, JobRunner jobs, ServerOptions options, CancellationToken ct)
    {
        jobs.Cancel(recordingId);
        var report = await store.DeleteRecordingAsync(projectId, recordingId, ct).ConfigureAwait(false);
        if (report is null)
        {
            return Problems.NotFound("recording");
        }

        DeleteFiles(options, report.MediaPaths);
        var folder = JobRunner.Folder(options, recordingId);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        return TypedResults.Ok(report);
    }

    /// <summary>Deletes media files the store says belonged to erased recordings (uploads only: URLs are not files).</summary>
    internal static void DeleteFiles(ServerOptions options, IReadOnlyList<string> paths)
    {
        var uploads = Path.GetFullPath(Path.Combine(options.DataDirectory, "uploads")) + Path.DirectorySeparatorChar;
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path);
            if (full.StartsWith(uploads, StringComparison.Ordinal))
            {
                TryDelete(full);
            }
        }
    }

    private static async Task<IResult> DownloadAsync(Guid projectId, Guid recordingId, string name, HttpContext context, IMienStore store, Protection.MediaVault vault, CancellationToken ct)
    {
        if (!Downloads.TryGetValue(name, out var contentType))
        {
            return Problems.NotFound("file (downloads: " + string.Join(", ", Downloads.Keys) + ")");
        }

        // Viewers see numbers, never images of people: videos and the report (face thumbnails) need an analyst.
        if (ShowsFaces.Contains(name) && context.Identity().Role == ApiKeyRole.Viewer)
        {
            return Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", $"{name} shows people's faces; viewers may download only faces.jsonl, faces.csv and summary.json");
        }

        if (await store.GetRecordingAsync(projectId, recordingId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("recording");
        }

        // Decrypted on the fly; the stream seeks chunk by chunk, so Range requests work.
        return await vault.OpenResultAsync(projectId, recordingId, name, ct).ConfigureAwait(false) is { } file
            ? TypedResults.Stream(file, contentType, name, enableRangeProcessing: true)
            : Problems.NotFound("file (not produced yet, or not for this recording)");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
