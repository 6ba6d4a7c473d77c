using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Mien.Text.Transcripts;

/// <summary>
/// Parses SubRip (.srt) and WebVTT (.vtt) transcripts into utterances. Tolerant of what real files do (a byte-order
/// mark, CRLF or CR line ends, missing or wrong cue numbers, '.' instead of ',' in SRT times, extra blank lines,
/// formatting tags, ASS positioning codes, WebVTT notes, styles, regions and cue settings); strict about what would
/// make a wrong timeline (a timing line that does not parse, minutes or seconds ≥ 60, an end before its start, text
/// without a timing), with an error naming the file and the line.
/// </summary>
public static partial class SubtitleParser
{
    /// <summary>Largest transcript accepted (16 MiB: days of speech).</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>Reads the transcript at <paramref name="path"/>; the format comes from the extension (.srt, .vtt), else from the content.</summary>
    /// <exception cref="Mien.Failures.InputException">The file is missing, unreadable, too large, or malformed.</exception>
    public static Transcript Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = Path.GetFileName(path);
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new Mien.Failures.InputException(Directory.Exists(path) ? $"{path}: is a folder, not a transcript file (.srt or .vtt)." : $"{path}: transcript file not found.");
            }

            if (info.Length > MaxBytes)
            {
                throw new Mien.Failures.InputException($"{path}: {info.Length:N0} bytes is larger than a transcript may be ({MaxBytes:N0} bytes).");
            }

            text = Decode(File.ReadAllBytes(path), name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Mien.Failures.InputException($"{path}: the transcript cannot be read ({e.Message}).", e);
        }

        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".srt" => ParseSrt(text, name),
            ".vtt" => ParseVtt(text, name),
            _ => Parse(text, name),
        };
    }

    /// <summary>Parses <paramref name="text"/> as WebVTT when it starts with "WEBVTT", else as SRT.</summary>
    public static Transcript Parse(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        return StripBom(text).StartsWith("WEBVTT", StringComparison.Ordinal) ? ParseVtt(text, name) : ParseSrt(text, name);
    }

    /// <summary>Decodes transcript bytes: UTF-8 (with or without a BOM), UTF-16 with a BOM; anything else is refused with the file's name.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetString(bytes[2..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetString(bytes[2..]);
        }

        if (bytes.IndexOf((byte)0) >= 0)
        {
            throw new TranscriptFormatException(name, 0, "contains NUL bytes: not a text transcript (expected UTF-8 SRT or WebVTT).");
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            // Older subtitle files are often Windows-1252; Latin-1 keeps every byte and the words VADER knows are ASCII.
            return Encoding.Latin1.GetString(bytes);
        }
    }

    /// <summary>Parses SubRip text; <paramref name="name"/> names the transcript in errors.</summary>
    /// <exception cref="TranscriptFormatException">A cue has no or a malformed timing line, or ends before it starts.</exception>
    public static Transcript ParseSrt(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = Lines(StripBom(text));
        var cues = new List<Utterance>();
        var i = 0;
        while (i < lines.Length)
        {
            if (lines[i].Trim().Length == 0)
            {
                i++;
                continue;
            }

            // A block: [number] timing text…; the number is optional (and often wrong), the timing is not.
            var first = i;
            if (!lines[i].Contains("-->", StringComparison.Ordinal) && IsCueNumber(lines[i]) && i + 1 < lines.Length)
            {
                i++;
            }

            if (!lines[i].Contains("-->", StringComparison.Ordinal))
            {
                throw new TranscriptFormatException(name, i + 1,
                    $"expected a cue timing 'HH:MM:SS,mmm --> HH:MM:SS,mmm'{(i > first ? " after the cue number" : "")}, got '{Shorten(lines[i])}'.");
            }

            var (start, end) = Timing(lines[i], i + 1, name, vtt: false);
            var timingLine = i + 1;
            i++;
            var textLines = new List<string>();
            while (i < lines.Length && lines[i].Trim().Length > 0)
            {
                if (lines[i].Contains("-->", StringComparison.Ordinal) && TimingPattern().IsMatch(lines[i]))
                {
                    // A cue without the blank line before the next one: end this cue here (its number is not text).
                    if (textLines.Count > 0 && IsCueNumber(textLines[^1]))
                    {
                        textLines.RemoveAt(textLines.Count - 1);
                    }

                    break;
                }

                textLines.Add(lines[i]);
                i++;
            }

            Add(cues, start, end, textLines, timingLine, vtt: false);
        }

        return Build(name, "srt", cues);
    }

    /// <summary>Parses WebVTT text; <paramref name="name"/> names the transcript in errors.</summary>
    /// <exception cref="TranscriptFormatException">The "WEBVTT" signature is missing, a cue timing is malformed, or a cue ends before it starts.</exception>
    public static Transcript ParseVtt(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = Lines(StripBom(text));
        if (lines.Length == 0 || !(lines[0] == "WEBVTT" || lines[0].StartsWith("WEBVTT ", StringComparison.Ordinal) || lines[0].StartsWith("WEBVTT\t", StringComparison.Ordinal)))
        {
            throw new TranscriptFormatException(name, 1, $"a WebVTT file must start with 'WEBVTT', got '{Shorten(lines.Length > 0 ? lines[0] : "")}'.");
        }

        // The header runs to the first blank line.
        var i = 1;
        while (i < lines.Length && lines[i].Trim().Length > 0)
        {
            if (lines[i].Contains("-->", StringComparison.Ordinal))
            {
                throw new TranscriptFormatException(name, i + 1, "a cue must be separated from the 'WEBVTT' header by a blank line.");
            }

            i++;
        }

        var cues = new List<Utterance>();
        while (i < lines.Length)
        {
            if (lines[i].Trim().Length == 0)
            {
                i++;
                continue;
            }

            var head = lines[i];
            if (!head.Contains("-->", StringComparison.Ordinal) && (IsBlock(head, "NOTE") || IsBlock(head, "STYLE") || IsBlock(head, "REGION")))
            {
                while (i < lines.Length && lines[i].Trim().Length > 0)
                {
                    i++;
                }

                continue;
            }

            if (!head.Contains("-->", StringComparison.Ordinal))
            {
                // A cue identifier; the timing must follow on the next line.
                i++;
                if (i >= lines.Length || !lines[i].Contains("-->", StringComparison.Ordinal))
                {
                    throw new TranscriptFormatException(name, Math.Min(i + 1, lines.Length),
                        $"expected a cue timing '[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm' after the cue identifier '{Shorten(head)}' (line {i}), got '{Shorten(i < lines.Length ? lines[i] : "end of file")}'.");
                }
            }

            var (start, end) = Timing(lines[i], i + 1, name, vtt: true);
            var timingLine = i + 1;
            i++;
            var textLines = new List<string>();
            while (i < lines.Length && lines[i].Trim().Length > 0)
            {
                textLines.Add(lines[i]);
                i++;
            }

            Add(cues, start, end, textLines, timingLine, vtt: true);
        }

        return Build(name, "vtt", cues);
    }

    private static bool IsBlock(string line, string keyword) =>
        line == keyword || line.StartsWith(keyword + " ", StringComparison.Ordinal) || line.StartsWith(keyword + "\t", StringComparison.Ordinal);

    private static Transcript Build(string name, string format, List<Utterance> cues)
    {
        // Time order (stable: cues that start together keep the file's order), renumbered from 1.
        var ordered = cues.Select((c, k) => (c, k)).OrderBy(p => p.c.Start).ThenBy(p => p.k).Select((p, k) => p.c with { Index = k + 1 }).ToArray();
        return new Transcript(name, format, ordered);
    }

    private static void Add(List<Utterance> cues, TimeSpan start, TimeSpan end, List<string> textLines, int line, bool vtt)
    {
        string? speaker = null;
        var words = new StringBuilder();
        foreach (var raw in textLines)
        {
            var clean = vtt ? CleanVtt(raw, ref speaker) : CleanSrt(raw);
            if (clean.Length > 0)
            {
                words.Append(words.Length > 0 ? " " : "").Append(clean);
            }
        }

        // A cue with no words (a sound-effect marker that was all markup, an empty cue) says nothing to score.
        if (words.Length > 0)
        {
            cues.Add(new Utterance(0, start, end, words.ToString(), speaker, line));
        }
    }

    private static string CleanSrt(string line)
    {
        var s = AssCode().Replace(line, "");
        s = Tag().Replace(s, "");
        return WebUtility.HtmlDecode(s).Trim();
    }

    private static string CleanVtt(string line, ref string? speaker)
    {
        var voice = VoiceTag().Match(line);
        if (voice.Success && speaker is null)
        {
            var who = voice.Groups["name"].Value.Trim();
            speaker = who.Length > 0 ? WebUtility.HtmlDecode(who) : null;
        }

        var s = Tag().Replace(line, "");
        return WebUtility.HtmlDecode(s).Replace('\u00a0', ' ').Replace("\u200e", "", StringComparison.Ordinal).Replace("\u200f", "", StringComparison.Ordinal).Trim();
    }

    private static (TimeSpan Start, TimeSpan End) Timing(string line, int lineNumber, string name, bool vtt)
    {
        var match = TimingPattern().Match(line);
        var expected = vtt ? "'[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm'" : "'HH:MM:SS,mmm --> HH:MM:SS,mmm'";
        if (!match.Success)
        {
            throw new TranscriptFormatException(name, lineNumber, $"malformed cue timing '{Shorten(line)}': expected {expected}.");
        }

        var start = Time(match.Groups["start"].Value, lineNumber, name, expected);
        var end = Time(match.Groups["end"].Value, lineNumber, name, expected);
        if (end < start)
        {
            throw new TranscriptFormatException(name, lineNumber,
                string.Create(CultureInfo.InvariantCulture, $"the cue ends ({end.TotalSeconds:0.###} s) before it starts ({start.TotalSeconds:0.###} s)."));
        }

        return (start, end);
    }

    private static TimeSpan Time(string value, int lineNumber, string name, string expected)
    {
        var m = TimePattern().Match(value);
        if (!m.Success)
        {
            throw new TranscriptFormatException(name, lineNumber, $"malformed time '{value}': expected {expected}.");
        }

        var hours = m.Groups["h"].Success ? long.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture) : 0;
        var minutes = int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture);
        var seconds = int.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture);
        var fraction = m.Groups["f"].Value;
        if (minutes >= 60 || seconds >= 60)
        {
            throw new TranscriptFormatException(name, lineNumber, $"time '{value}' has {(minutes >= 60 ? "minutes" : "seconds")} ≥ 60.");
        }

        if (hours > 1000)
        {
            throw new TranscriptFormatException(name, lineNumber, $"time '{value}' is over 1000 hours: not a media time.");
        }

        var ms = int.Parse(fraction.PadRight(3, '0'), CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds((((hours * 60) + minutes) * 60 * 1000) + (seconds * 1000L) + ms);
    }

    private static bool IsCueNumber(string line)
    {
        var t = line.Trim();
        return t.Length is > 0 and < 10 && t.All(char.IsAsciiDigit);
    }

    private static string StripBom(string text) => text.Length > 0 && text[0] == '\ufeff' ? text[1..] : text;

    private static string[] Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');

    private static string Shorten(string line) => line.Length <= 60 ? line : line[..60] + "…";

    [GeneratedRegex(@"^\s*(?<start>\S+)\s+-->\s+(?<end>\S+)(\s.*)?$", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex TimingPattern();

    [GeneratedRegex(@"^(?:(?<h>\d{1,4}):)?(?<m>\d{1,2}):(?<s>\d{2})[.,](?<f>\d{1,3})$", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Tag();

    [GeneratedRegex(@"\{\\[^}]*\}", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex AssCode();

    [GeneratedRegex(@"<v(?:\.[^\s>]*)?\s+(?<name>[^>]*)>", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex VoiceTag();
}
