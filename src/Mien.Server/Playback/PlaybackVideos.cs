using System.Collections.Concurrent;
using System.Diagnostics;
using Mien.Privacy;
using Mien.Privacy.Encryption;
using Mien.Server.Privacy;
using Mien.Server.Protection;
using Mien.Storage;

namespace Mien.Server.Playback;

/// <summary>
/// Browser playback of a recording's video. The analysis writes MPEG-4 Part 2 (the one encoder OpenCV's bundled
/// FFmpeg has), which browsers do not decode, so the first request makes a WebM (VP8) copy with Debian's
/// <c>ffmpeg</c>, sealed into the recording's folder like every other result (so erasure, media withdrawal,
/// retention and key rotation treat it as the video it is). Without <c>ffmpeg</c> the viewer says so and the
/// download still works.
/// </summary>
/// <remarks>
/// Made from <c>anonymized.mp4</c> (faces blurred) unless faces are asked for and the recording has
/// <c>annotated.mp4</c>. The plaintext exists only in the private folder while ffmpeg runs. A transcode registers
/// with the <see cref="ProcessingRegistry"/>: withdrawing media (or analysis, measurements) stops it and nothing is sealed.
/// </remarks>
internal sealed partial class PlaybackVideos(IMienStore store, MediaVault vault, ProcessingRegistry registry, ILogger<PlaybackVideos> log) : IDisposable
{
    private readonly ConcurrentDictionary<(Guid Recording, bool Faces), Task> _running = new();
    private readonly ConcurrentDictionary<(Guid Recording, bool Faces), string> _failed = new();
    private readonly CancellationTokenSource _stopping = new();
    private static readonly Lazy<string?> Ffmpeg = new(FindFfmpeg);

    /// <summary>The sealed playback file's name in the recording's folder.</summary>
    public static string FileName(bool faces) => faces ? "playback-faces.webm" : "playback.webm";

    /// <summary>Every name this class may write (for erasure and retention lists).</summary>
    public static IReadOnlyList<string> FileNames { get; } = [FileName(false), FileName(true)];

    /// <summary>Where playback stands: ready, preparing (started now or before), or unavailable with the reason.</summary>
    public async Task<PlaybackStatus> PrepareAsync(Recording recording, bool faces, CancellationToken ct)
    {
        var name = FileName(faces);
        if (File.Exists(Path.Combine(vault.Folder(recording.Id), name)))
        {
            return new PlaybackStatus("ready", name, null);
        }

        var source = faces ? "annotated.mp4" : "anonymized.mp4";
        if (!File.Exists(Path.Combine(vault.Folder(recording.Id), source)))
        {
            var why = recording.Status is RecordingStatus.Queued or RecordingStatus.Running
                ? "the analysis has not finished yet"
                : $"this recording has no {source} (videos are kept only when the project keeps media and the subject consented to the media scope{(faces ? "; and only when the analysis was asked not to blur faces" : "")})";
            return new PlaybackStatus("unavailable", null, why);
        }

        if (Ffmpeg.Value is null)
        {
            return new PlaybackStatus("unavailable", null, "browser playback needs ffmpeg on the server (Debian: apt-get install ffmpeg); the video can still be downloaded");
        }

        var key = (recording.Id, faces);
        if (_failed.TryGetValue(key, out var failure))
        {
            return new PlaybackStatus("unavailable", null, failure);
        }

        _ = _running.GetOrAdd(key, k => Task.Run(() => TranscodeAsync(recording, faces, source, name), CancellationToken.None));
        await Task.Yield();
        return File.Exists(Path.Combine(vault.Folder(recording.Id), name)) ? new PlaybackStatus("ready", name, null) : new PlaybackStatus("preparing", null, "the browser copy of the video is being made");
    }

    /// <summary>Waits for a running transcode (tests).</summary>
    public Task WaitAsync(Guid recordingId, bool faces) => _running.TryGetValue((recordingId, faces), out var task) ? task : Task.CompletedTask;

    private async Task TranscodeAsync(Recording recording, bool faces, string source, string name)
    {
        var work = Path.Combine(vault.PrivateRoot, "playback", recording.Id.ToString("N") + (faces ? "-faces" : ""));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        using var registration = recording.SubjectId is { } subject
            ? registry.Register(recording.ProjectId, subject, async scope =>
            {
                if (scope is ConsentScope.Media or ConsentScope.Analysis or ConsentScope.Measurements)
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                    await WaitAsync(recording.Id, faces).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                }
            })
            : null;
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(work);
            }
            else
            {
                Directory.CreateDirectory(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var input = Path.Combine(work, "source.mp4");
            var output = Path.Combine(work, "playback.webm");
            await using (var sealedSource = await vault.OpenResultAsync(recording.ProjectId, recording.Id, source, stop.Token).ConfigureAwait(false)
                ?? throw new FileNotFoundException($"{source} is gone"))
            await using (var plain = new FileStream(input, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await sealedSource.CopyToAsync(plain, SealedFile.ChunkSize, stop.Token).ConfigureAwait(false);
            }

            // VP8 at real-time speed: a one-hour 640x360 video takes minutes on one core, not an hour; keyframes every
            // second so a seek lands close to where it was asked.
            var problem = await RunAsync(Ffmpeg.Value!, ["-nostdin", "-v", "error", "-y", "-i", input, "-an", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
                "-b:v", "1M", "-crf", "12", "-g", "25", "-threads", "1", output], stop.Token).ConfigureAwait(false);
            if (problem is not null)
            {
                _failed[(recording.Id, faces)] = "the browser copy could not be made: " + problem;
                LogFailed(log, recording.Id, problem);
                return;
            }

            stop.Token.ThrowIfCancellationRequested();
            // The recording or its media may have been erased while ffmpeg ran: never bring a folder back.
            var folder = vault.Folder(recording.Id);
            if (!File.Exists(Path.Combine(folder, source)) || await store.GetRecordingAsync(recording.ProjectId, recording.Id, stop.Token).ConfigureAwait(false) is null)
            {
                return;
            }

            var key = await store.Encryption.ActiveDataKeyAsync(recording.ProjectId, stop.Token).ConfigureAwait(false);
            SealedFile.Seal(output, Path.Combine(folder, name), key, MediaVault.ResultContext(recording.Id, name));
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or EncryptionException or MienStoreException)
        {
            _failed[(recording.Id, faces)] = "the browser copy could not be made: " + e.Message;
            LogFailed(log, recording.Id, e.Message);
        }
        finally
        {
            try
            {
                if (Directory.Exists(work))
                {
                    Directory.Delete(work, recursive: true);
                }
            }
            catch (IOException)
            {
                // Wiped at the next start with the rest of the private folder.
            }

            _running.TryRemove((recording.Id, faces), out _);
        }
    }

    private static async Task<string?> RunAsync(string exe, string[] arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new IOException($"cannot start {exe}");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        _ = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var error = (await stderr.ConfigureAwait(false)).Trim();
        return process.ExitCode == 0 ? null : $"ffmpeg exited with {process.ExitCode}: {Api.Text.Clip(error)}";
    }

    private static string? FindFfmpeg()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, "ffmpeg");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not make the browser copy of recording {RecordingId}'s video: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid recordingId, string reason);
}

/// <summary>Playback state for the viewer.</summary>
/// <param name="State">ready, preparing or unavailable.</param>
/// <param name="File">The file to play (under <c>playback/</c>) when ready.</param>
/// <param name="Reason">Why not (yet).</param>
internal sealed record PlaybackStatus(string State, string? File, string? Reason);
