using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Mien.Text.Transcripts;

/// <summary>
/// Where a video's transcript comes from: a file the user names, a sidecar file next to the video (same name, .srt or
/// .vtt, optionally with a language tag: clip.srt, clip.en.vtt), or a subtitle track inside the video, extracted with
/// Debian's <c>ffmpeg</c> (converted to WebVTT on the way, so every text codec ffmpeg reads works).
/// </summary>
public static class TranscriptSources
{
    /// <summary>The sidecar transcript of <paramref name="videoPath"/>, or null: clip.srt, clip.vtt, then clip.&lt;lang&gt;.srt/.vtt (alphabetical).</summary>
    public static string? FindSidecar(string videoPath)
    {
        ArgumentNullException.ThrowIfNull(videoPath);
        var dir = Path.GetDirectoryName(Path.GetFullPath(videoPath));
        if (dir is null || !Directory.Exists(dir))
        {
            return null;
        }

        var stem = Path.GetFileNameWithoutExtension(videoPath);
        foreach (var ext in (ReadOnlySpan<string>)[".srt", ".vtt"])
        {
            var exact = Path.Combine(dir, stem + ext);
            if (File.Exists(exact))
            {
                return exact;
            }
        }

        try
        {
            return Directory.EnumerateFiles(dir, stem + ".*")
                .Where(f => Path.GetExtension(f) is ".srt" or ".vtt" && Path.GetFileNameWithoutExtension(f).Length > stem.Length)
                .Order(StringComparer.Ordinal)
                .FirstOrDefault();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Extracts the <paramref name="track"/>-th subtitle track (0-based, among subtitle tracks) of <paramref name="videoPath"/>
    /// with ffmpeg, or returns null when the video has no such track.
    /// </summary>
    /// <exception cref="Mien.Failures.InputException">ffmpeg is not installed, or it failed on the file (its message is included).</exception>
    public static async Task<Transcript?> ExtractEmbeddedAsync(string videoPath, int track = 0, string ffmpeg = "ffmpeg", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(videoPath);
        ArgumentOutOfRangeException.ThrowIfNegative(track);
        if (!File.Exists(videoPath))
        {
            throw new Mien.Failures.InputException($"{videoPath}: video file not found.");
        }

        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in (ReadOnlySpan<string>)["-nostdin", "-v", "error", "-i", Path.GetFullPath(videoPath), "-map", string.Create(CultureInfo.InvariantCulture, $"0:s:{track}"), "-c:s", "webvtt", "-f", "webvtt", "-"])
        {
            start.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Mien.Failures.InputException($"{ffmpeg} could not be started.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new Mien.Failures.InputException(
                $"reading the subtitle track of {Path.GetFileName(videoPath)} needs ffmpeg, which was not found ({e.Message}). " +
                "Install it (`apt-get install ffmpeg` on Debian), or give the transcript as a file with --transcript clip.srt.", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var text = await output.ConfigureAwait(false);
            var error = (await errors.ConfigureAwait(false)).Trim();
            var name = string.Create(CultureInfo.InvariantCulture, $"subtitle track {track} of {Path.GetFileName(videoPath)}");
            if (process.ExitCode != 0)
            {
                if (error.Contains("matches no streams", StringComparison.Ordinal))
                {
                    return null;
                }

                throw new Mien.Failures.InputException($"{name}: ffmpeg could not extract it (exit code {process.ExitCode}): {Last(error)}");
            }

            return SubtitleParser.ParseVtt(text, name);
        }
    }

    private static string Last(string error)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "no message" : lines[^1];
    }
}
