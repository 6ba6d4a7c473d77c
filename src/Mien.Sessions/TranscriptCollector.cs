using Mien.Results;
using Mien.Text;
using Mien.Text.Sentiment;
using Mien.Text.Transcripts;

namespace Mien.Sessions;

/// <summary>A transcript for a recording and what scores it (the host loads both: the lexicon comes from the package store).</summary>
/// <param name="Transcript">The parsed transcript (SRT, WebVTT or a subtitle track), on the media's clock.</param>
/// <param name="Analyzer">VADER over the verified lexicon (<see cref="VaderPackage.CreateAnalyzerAsync"/>).</param>
public sealed record TranscriptOptions(Transcript Transcript, VaderSentimentAnalyzer Analyzer)
{
    /// <summary>How sentiment becomes a valence cue for fusion.</summary>
    public TextAffectOptions Cue { get; init; } = new();
}

/// <summary>
/// Notes who is visible when while the frames are analysed, and at the end places the transcript's utterances on that
/// timeline (<see cref="UtteranceAligner"/>): emits one utterance update each and feeds the attributed ones to fusion
/// as a valence-only text source.
/// </summary>
internal sealed class TranscriptCollector(TranscriptOptions options)
{
    private readonly PresenceTimeline _presence = new();
    private readonly TextAffectCue _cue = new(options.Cue);

    public void Observe(FrameAnalysis analysis)
    {
        foreach (var face in analysis.Faces)
        {
            _presence.Observe(face.TrackId, analysis.Timestamp);
        }
    }

    public void Complete(Action<AnalysisUpdate> emit, FusionCollector fusion, IReadOnlyList<SpeakerSpan> speech, TimeSpan? mediaEnd, Action<string> problem)
    {
        var aligned = UtteranceAligner.Align(options.Transcript, options.Analyzer, _cue, _presence, speech, mediaEnd, problem);
        foreach (var (result, cue) in aligned)
        {
            emit(new UtteranceUpdate(result));
            if (result.TrackId is { } track && cue is not null)
            {
                fusion.AddText(track, result.Start, result.End, cue);
            }
        }
    }
}
