namespace Mien.Text.Transcripts;

/// <summary>One cue of a transcript: what was said between two times on the media's clock.</summary>
/// <param name="Index">Position in the transcript, from 1.</param>
/// <param name="Start">Start on the media clock.</param>
/// <param name="End">End on the media clock (not before <paramref name="Start"/>).</param>
/// <param name="Text">The words, with markup (tags, entities, positioning codes) removed and lines joined by a space.</param>
/// <param name="Speaker">The speaker the transcript names (a WebVTT voice tag <c>&lt;v Name&gt;</c>), if any.</param>
/// <param name="Line">The line of the cue's timing in the transcript file (for messages).</param>
public sealed record Utterance(int Index, TimeSpan Start, TimeSpan End, string Text, string? Speaker, int Line);

/// <summary>A parsed transcript.</summary>
/// <param name="Source">Where it came from (a file name, or "subtitle track N of clip.mkv").</param>
/// <param name="Format">"srt" or "vtt".</param>
/// <param name="Utterances">The cues in time order (by start, then by position in the file).</param>
public sealed record Transcript(string Source, string Format, IReadOnlyList<Utterance> Utterances);

/// <summary>A transcript file is malformed; the message names the file, the line and what was expected.</summary>
public sealed class TranscriptFormatException : Mien.Failures.InputException
{
    /// <summary>Creates the exception for <paramref name="source"/> at <paramref name="line"/> (1-based; 0 when the whole file is at fault).</summary>
    public TranscriptFormatException(string source, int line, string problem)
        : base(line > 0 ? $"{source} line {line}: {problem}" : $"{source}: {problem}")
    {
        TranscriptName = source;
        Line = line;
    }

    /// <summary>The transcript's name.</summary>
    public string TranscriptName { get; }

    /// <summary>The 1-based line at fault, or 0.</summary>
    public int Line { get; }
}
