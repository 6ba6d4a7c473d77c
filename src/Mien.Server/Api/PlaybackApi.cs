using Mien.Server.Audit;
using Mien.Server.Playback;
using Mien.Server.Security;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>
/// The recording's video for the browser viewer: <c>GET …/playback</c> says whether the browser copy is ready (and
/// starts making it), <c>GET …/playback/{file}</c> streams it with HTTP Range (seeking). Like every video download
/// it needs an analyst: viewers see numbers, never images of people. Faces are blurred unless <c>?faces=true</c>.
/// </summary>
internal static class PlaybackApi
{
    public static void Map(RouteGroupBuilder project)
    {
        project.MapGet("/recordings/{recordingId:guid}/playback", StatusAsync).RequireAuthorization(Roles.Analyst).Audited("media.prepare")
            .WithSummary("Browser playback of the (anonymised) video: state ready/preparing/unavailable with the reason; ?faces=true for the unblurred video when one was made");
        project.MapGet("/recordings/{recordingId:guid}/playback/{file}", StreamAsync).RequireAuthorization(Roles.Analyst).Audited("media.read")
            .WithSummary("The browser copy of the video (WebM), with Range requests");
    }

    private static async Task<IResult> StatusAsync(Guid projectId, Guid recordingId, IMienStore store, PlaybackVideos videos, CancellationToken ct, bool faces = false)
    {
        if (await store.GetRecordingAsync(projectId, recordingId, ct).ConfigureAwait(false) is not { } recording)
        {
            return Problems.NotFound("recording");
        }

        var status = await videos.PrepareAsync(recording, faces, ct).ConfigureAwait(false);
        return TypedResults.Ok(status with { File = status.File is null ? null : $"/api/v1/projects/{projectId}/recordings/{recordingId}/playback/{status.File}" });
    }

    private static async Task<IResult> StreamAsync(Guid projectId, Guid recordingId, string file, IMienStore store, Protection.MediaVault vault, CancellationToken ct)
    {
        if (!PlaybackVideos.FileNames.Contains(file))
        {
            return Problems.NotFound($"playback file (names: {string.Join(", ", PlaybackVideos.FileNames)})");
        }

        if (await store.GetRecordingAsync(projectId, recordingId, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound("recording");
        }

        return await vault.OpenResultAsync(projectId, recordingId, file, ct).ConfigureAwait(false) is { } stream
            ? TypedResults.Stream(stream, "video/webm", enableRangeProcessing: true)
            : Problems.NotFound("playback file (ask GET …/playback first: it is made on demand)");
    }
}
