namespace Mien.Results;

/// <summary>
/// One utterance of a transcript on the media's timeline, with the sentiment of its words and the person it was
/// attributed to. The sentiment is of the text (VADER), an estimate of what the words express, not of what the
/// speaker feels.
/// </summary>
/// <param name="Index">Position in the transcript (time order), from 1.</param>
/// <param name="Start">Start on the media clock.</param>
/// <param name="End">End on the media clock.</param>
/// <param name="Text">The words.</param>
/// <param name="Speaker">The speaker the transcript names, if any.</param>
/// <param name="TrackId">The visible person the utterance was attributed to, or null.</param>
/// <param name="Attribution">How: "voice" (speech attributed to that person's moving mouth), "only-person" (the only person visible), or why not: "several-people", "no-person", "outside-media".</param>
/// <param name="Negative">VADER's negative share, 0..1.</param>
/// <param name="Neutral">VADER's neutral share, 0..1.</param>
/// <param name="Positive">VADER's positive share, 0..1.</param>
/// <param name="Compound">VADER's compound score, −1..1.</param>
/// <param name="Valence">The valence cue given to fusion, −1..1 (the compound score).</param>
/// <param name="Confidence">The cue's confidence, 0..1 (0: the words carry no sentiment, or it was not attributed).</param>
public sealed record UtteranceResult(
    int Index,
    TimeSpan Start,
    TimeSpan End,
    string Text,
    string? Speaker,
    int? TrackId,
    string Attribution,
    float Negative,
    float Neutral,
    float Positive,
    float Compound,
    float Valence,
    float Confidence);

/// <summary>An utterance of the transcript with its sentiment (recordings with a transcript, after the last frame).</summary>
/// <param name="Utterance">The utterance.</param>
public sealed record UtteranceUpdate(UtteranceResult Utterance) : AnalysisUpdate;
