using System.Globalization;
using System.Text.RegularExpressions;
using Mien.Sessions;
using Mien.Text.Sentiment;
using Mien.Text.Transcripts;

namespace Mien.Cli.Commands;

/// <summary>
/// Finds each input's transcript for `mien analyze`: the file `--transcript` names (or 'track[:N]', a subtitle track
/// of the video), else a sidecar clip.srt/clip.vtt next to clip.mp4, else the video's first subtitle track when ffmpeg
/// is installed. Loads the VADER lexicon once, only when a transcript is found.
/// </summary>
internal sealed partial class TranscriptLookup(CliStore store, string? explicitSpec, bool automatic)
{
    // Containers that can carry a subtitle track (the others are not worth starting ffmpeg for).
    private static readonly string[] VideoExtensions = [".mp4", ".m4v", ".mov", ".mkv", ".webm", ".ts", ".mts", ".avi"];

    private VaderSentimentAnalyzer? _analyzer;

    public async Task<TranscriptOptions?> ForAsync(string input, CancellationToken ct)
    {
        var transcript = await FindAsync(input, ct);
        if (transcript is null)
        {
            return null;
        }

        _analyzer ??= await VaderPackage.CreateAnalyzerAsync(store.Packages, cancellationToken: ct);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mien: {input}: transcript {transcript.Source} ({transcript.Utterances.Count} utterances)"));
        return new TranscriptOptions(transcript, _analyzer);
    }

    private async Task<Transcript?> FindAsync(string input, CancellationToken ct)
    {
        if (explicitSpec is { } spec)
        {
            var track = TrackSpec().Match(spec);
            if (track.Success && !File.Exists(spec))
            {
                var n = track.Groups[1].Success ? int.Parse(track.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
                return await TranscriptSources.ExtractEmbeddedAsync(input, n, cancellationToken: ct)
                    ?? throw new InputException(string.Create(CultureInfo.InvariantCulture, $"--transcript {spec}: {Path.GetFileName(input)} has no subtitle track {n} (tracks count from 0)."));
            }

            return SubtitleParser.Load(spec);
        }

        if (!automatic || !File.Exists(input))
        {
            return null;
        }

        if (TranscriptSources.FindSidecar(input) is { } sidecar)
        {
            return SubtitleParser.Load(sidecar);
        }

        if (!VideoExtensions.Contains(Path.GetExtension(input), StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            return await TranscriptSources.ExtractEmbeddedAsync(input, 0, cancellationToken: ct);
        }
        catch (InputException)
        {
            // Looking for an embedded track is a courtesy: without ffmpeg, or on a track ffmpeg cannot convert, go on without.
            return null;
        }
    }

    [GeneratedRegex(@"^track(?::(\d{1,2}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex TrackSpec();
}
