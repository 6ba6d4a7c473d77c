using Mien.Media;

namespace Mien.Server.Api;

/// <summary>
/// Checks an upload against the service's limits the way analysis would open it, refusing what is too large from
/// its headers before any pixel is decoded: a photo's declared size is read from its header, a video's from its
/// container, so a pixel bomb (a few kB declaring 60000x60000) costs the server a few bytes of reading.
/// </summary>
internal static class UploadProbe
{
    /// <summary>Null when the upload is usable, else what is wrong with it (for a 422).</summary>
    public static async Task<string?> ProblemAsync(string path, ServerOptions options)
    {
        if (StillProblem(path, options) is { } still)
        {
            return still;
        }

        try
        {
            // MaxSide makes the opener refuse an oversized video before it decodes a frame (a one-frame video is read once to tell it from a photo).
            await using var source = MediaSource.Open(path, new MediaSourceOptions { MaxSide = options.MaxVideoSide });
            var info = source.Info;
            if (info.Width > options.MaxVideoSide || info.Height > options.MaxVideoSide)
            {
                return $"frames of {info.Width}x{info.Height} exceed {options.MaxVideoSide} pixels a side (MaxVideoSide)";
            }

            if (info.Duration is { } d && d > options.MaxDuration)
            {
                return $"duration {d.TotalMinutes:0.#} min exceeds {options.MaxDuration.TotalMinutes:0} min (MaxDuration)";
            }

            return null;
        }
        catch (MediaException e)
        {
            return e.Problem.Contains("outside 1..", StringComparison.Ordinal) ? e.Problem + " (MaxVideoSide)" : e.Problem;
        }
    }

    /// <summary>For a still image: its header's size against <see cref="ServerOptions.MaxVideoSide"/>, without decoding.</summary>
    private static string? StillProblem(string path, ServerOptions options)
    {
        var head = new byte[64 * 1024];
        int n;
        using (var file = File.OpenRead(path))
        {
            n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        if (ImageHeader.Sniff(head.AsSpan(0, n)) is not ("jpeg" or "png" or "bmp" or "webp" or "tiff" or "pnm"))
        {
            return null;
        }

        if (!ImageHeader.TryRead(head.AsSpan(0, n), out var header, out var problem))
        {
            return "the image " + problem;
        }

        return header.Width > options.MaxVideoSide || header.Height > options.MaxVideoSide
            ? $"the image declares {header.Width}x{header.Height} pixels ({header.Format.ToUpperInvariant()} header); images over {options.MaxVideoSide} pixels a side are refused before decoding (MaxVideoSide)"
            : null;
    }
}
