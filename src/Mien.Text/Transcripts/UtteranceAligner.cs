using System.Globalization;
using Mien.Results;
using Mien.Text.Sentiment;

namespace Mien.Text.Transcripts;

/// <summary>Stretches of speech the voice analysis attributed to a visible person (from speech updates).</summary>
/// <param name="TrackId">The person, or null when the speech could not be attributed.</param>
/// <param name="Start">Start on the media clock.</param>
/// <param name="End">End on the media clock.</param>
public readonly record struct SpeakerSpan(int? TrackId, TimeSpan Start, TimeSpan End);

/// <summary>
/// When each person was visible, as merged intervals (frames closer than <see cref="MaxGap"/> join), so a long
/// recording costs a few intervals per person, not one entry per frame. Not thread-safe.
/// </summary>
public sealed class PresenceTimeline
{
    /// <summary>Largest gap between two sightings of a person that still counts as continuously visible (1 s: detection misses a frame or two).</summary>
    public static readonly TimeSpan MaxGap = TimeSpan.FromSeconds(1);

    private readonly Dictionary<int, List<(TimeSpan Start, TimeSpan End)>> _tracks = [];

    /// <summary>Records that <paramref name="trackId"/> was seen at <paramref name="time"/> (times in increasing order per person).</summary>
    public void Observe(int trackId, TimeSpan time)
    {
        if (!_tracks.TryGetValue(trackId, out var intervals))
        {
            intervals = [];
            _tracks[trackId] = intervals;
        }

        if (intervals.Count > 0 && time - intervals[^1].End <= MaxGap && time >= intervals[^1].Start)
        {
            intervals[^1] = (intervals[^1].Start, time > intervals[^1].End ? time : intervals[^1].End);
        }
        else
        {
            intervals.Add((time, time));
        }
    }

    /// <summary>The people visible at some time within [<paramref name="start"/>, <paramref name="end"/>], in id order.</summary>
    public IReadOnlyList<int> VisibleDuring(TimeSpan start, TimeSpan end)
    {
        var result = new List<int>();
        foreach (var (id, intervals) in _tracks)
        {
            foreach (var (s, e) in intervals)
            {
                if (s <= end && e >= start)
                {
                    result.Add(id);
                    break;
                }
            }
        }

        result.Sort();
        return result;
    }
}

/// <summary>
/// Places a transcript's utterances on the analysed timeline: scores each with VADER, attributes it to a visible
/// person and gives the attributed ones a valence cue for fusion. Attribution, in order: the person the voice analysis
/// heard speaking during the utterance (largest overlap of attributed speech; "voice"); otherwise the only person
/// visible during it ("only-person"); otherwise none ("several-people", "no-person"). Utterances that start after the
/// media ends are kept but not attributed ("outside-media"), and reported as a problem (the wrong transcript, or a
/// transcript with an offset).
/// </summary>
public static class UtteranceAligner
{
    /// <summary>Slack after the last frame within which an utterance still belongs to the media (subtitles often outlast the last frame a little).</summary>
    public static readonly TimeSpan EndSlack = TimeSpan.FromSeconds(1);

    /// <summary>Aligns and scores every utterance of <paramref name="transcript"/>.</summary>
    /// <param name="transcript">The transcript.</param>
    /// <param name="analyzer">The sentiment analyser.</param>
    /// <param name="cue">Maps sentiment to the fusion cue.</param>
    /// <param name="presence">Who was visible when.</param>
    /// <param name="speech">Speech the voice analysis attributed (empty without voice).</param>
    /// <param name="mediaEnd">Time of the last analysed frame (or the media's duration), or null when unknown.</param>
    /// <param name="problem">Receives problems worth reporting (e.g. utterances after the end of the media).</param>
    /// <returns>Each utterance's result and, for attributed utterances with sentiment, the fusion cue.</returns>
    public static IReadOnlyList<(UtteranceResult Result, ModalityEstimate? Cue)> Align(
        Transcript transcript,
        VaderSentimentAnalyzer analyzer,
        TextAffectCue cue,
        PresenceTimeline presence,
        IReadOnlyList<SpeakerSpan> speech,
        TimeSpan? mediaEnd,
        Action<string>? problem = null)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(analyzer);
        ArgumentNullException.ThrowIfNull(cue);
        ArgumentNullException.ThrowIfNull(presence);
        ArgumentNullException.ThrowIfNull(speech);
        var results = new List<(UtteranceResult, ModalityEstimate?)>(transcript.Utterances.Count);
        var outside = 0;
        foreach (var u in transcript.Utterances)
        {
            var scores = analyzer.Score(u.Text);
            int? track = null;
            string attribution;
            if (mediaEnd is { } last && u.Start > last + EndSlack)
            {
                attribution = "outside-media";
                outside++;
            }
            else if (BySpeech(u, speech) is { } speaker)
            {
                track = speaker;
                attribution = "voice";
            }
            else
            {
                var visible = presence.VisibleDuring(u.Start, u.End);
                (track, attribution) = visible.Count switch
                {
                    1 => (visible[0], "only-person"),
                    0 => ((int?)null, "no-person"),
                    _ => (null, "several-people"),
                };
            }

            var estimate = track is null ? null : cue.Estimate(scores);
            var confidence = estimate?.Affect?.Confidence ?? 0;
            results.Add((new UtteranceResult(
                u.Index, u.Start, u.End, u.Text, u.Speaker, track, attribution,
                (float)scores.Negative, (float)scores.Neutral, (float)scores.Positive, (float)scores.Compound,
                (float)scores.Compound, confidence), estimate));
        }

        if (outside > 0 && mediaEnd is { } end)
        {
            problem?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"{transcript.Source}: {outside} of {transcript.Utterances.Count} utterances start after the media ends (t = {end.TotalSeconds:F1} s); they are listed but not attributed. Is it the right transcript, or does it need an offset?"));
        }

        return results;
    }

    private static int? BySpeech(Utterance u, IReadOnlyList<SpeakerSpan> speech)
    {
        var overlaps = new Dictionary<int, double>();
        foreach (var s in speech)
        {
            if (s.TrackId is not { } id)
            {
                continue;
            }

            var overlap = (Min(u.End, s.End) - Max(u.Start, s.Start)).TotalSeconds;
            if (overlap > 0)
            {
                overlaps[id] = overlaps.GetValueOrDefault(id) + overlap;
            }
        }

        return overlaps.Count == 0 ? null : overlaps.MaxBy(p => (p.Value, -p.Key)).Key;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
