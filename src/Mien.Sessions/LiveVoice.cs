using Mien.Results;
using Mien.Voice;

namespace Mien.Sessions;

/// <summary>
/// Voice for a live session: takes the audio a host pushed (<see cref="AudioPushSource"/>) on the session's thread,
/// runs it through a <see cref="VoiceStream"/>, attributes each closed speech segment to the visible face whose mouth
/// moves with the sound (recent mouth openings only: bounded), and hands it to fusion. Fused windows wait at most
/// <see cref="Hold"/> for speech that has not closed yet.
/// </summary>
internal sealed class LiveVoice(VoiceAnalyzer analyzer, AudioPushSource source) : IDisposable
{
    /// <summary>Longest a fused window waits for late voice.</summary>
    public static readonly TimeSpan Hold = TimeSpan.FromSeconds(2);

    // Mouth openings are kept as long as the longest segment a stream reports, plus the attribution lag.
    private static readonly TimeSpan MouthWindow = new VoiceStreamOptions().MaxSegment + TimeSpan.FromSeconds(1);

    private readonly Dictionary<int, Queue<(TimeSpan T, float MouthOpening)>> _mouths = [];
    private VoiceStream? _stream;
    private int _segments;
    private int _attributed;
    private long _refused;

    /// <summary>Keeps the frame's mouth openings (and forgets those older than the longest segment).</summary>
    public void Observe(FrameAnalysis analysis)
    {
        foreach (var face in analysis.Faces)
        {
            if (face.MouthOpening is { } mouth)
            {
                if (!_mouths.TryGetValue(face.TrackId, out var series))
                {
                    series = new Queue<(TimeSpan, float)>();
                    _mouths[face.TrackId] = series;
                }

                series.Enqueue((analysis.Timestamp, mouth));
            }
        }

        var oldest = analysis.Timestamp - MouthWindow;
        List<int>? gone = null;
        foreach (var (id, series) in _mouths)
        {
            while (series.TryPeek(out var first) && first.T < oldest)
            {
                series.Dequeue();
            }

            if (series.Count == 0)
            {
                (gone ??= []).Add(id);
            }
        }

        foreach (var id in gone ?? [])
        {
            _mouths.Remove(id);
        }
    }

    /// <summary>Analyses the audio waiting in the queue; emits the speech that closed and gives it to fusion.</summary>
    public void Drain(Action<AnalysisUpdate> emit, FusionCollector fusion, Action<string> problem)
    {
        while (source.TryTake(out var samples, out var timestamp))
        {
            _stream ??= analyzer.CreateStream(source.SampleRate, timestamp);
            IReadOnlyList<VoiceSegment> closed;
            try
            {
                closed = _stream.Push(samples, timestamp);
            }
            catch (ArgumentException e)
            {
                // The chunk passed the source's checks but not the stream's (e.g. a stamp far behind): skip it, say so.
                if (_refused++ < 10)
                {
                    problem("an audio chunk was skipped: " + e.Message);
                }

                continue;
            }

            Emit(closed, emit, fusion);
        }
    }

    /// <summary>Where fusion may close its windows at <paramref name="now"/>: before any speech still open, but never more than <see cref="Hold"/> behind.</summary>
    public TimeSpan FlushPoint(TimeSpan now)
    {
        var settled = _stream?.Settled ?? now - Hold;
        return settled >= now ? now : settled > now - Hold ? settled : now - Hold;
    }

    /// <summary>The session ended: analyses what is queued and closes the open speech. Returns why there is no (complete) voice analysis, if so.</summary>
    public string? Complete(Action<AnalysisUpdate> emit, FusionCollector fusion, Action<string> problem)
    {
        Drain(emit, fusion, problem);
        if (_stream is not null)
        {
            Emit(_stream.Complete(), emit, fusion);
        }

        if (source.Dropped > 0)
        {
            problem($"{source.Dropped} audio chunks were dropped because analysis fell behind");
        }

        return _stream is null ? "no audio was received"
            : _segments == 0 ? "no speech was detected in the audio"
            : _attributed < _segments ? $"{_segments - _attributed} of {_segments} speech segments could not be attributed to a visible face"
            : null;
    }

    private void Emit(IReadOnlyList<VoiceSegment> closed, Action<AnalysisUpdate> emit, FusionCollector fusion)
    {
        if (closed.Count == 0)
        {
            return;
        }

        var envelope = _stream!.Envelope();
        foreach (var segment in closed)
        {
            var window = segment.Segment;
            var series = new Dictionary<int, IReadOnlyList<(TimeSpan T, float MouthOpening)>>();
            foreach (var (id, mouths) in _mouths)
            {
                var inside = mouths.Where(m => m.T >= window.Start && m.T < window.End).ToList();
                if (inside.Count > 0)
                {
                    series[id] = inside;
                }
            }

            var match = SpeakerAttribution.Attribute([window], envelope, series)[0];
            _segments++;
            emit(new SpeechUpdate(ToResult(segment, match)));
            if (match.TrackId is { } track)
            {
                _attributed++;
                var affect = segment.Affect;
                fusion.AddVoice(track, window.Start, window.End, new ValenceArousal(affect.Valence, affect.Arousal, affect.Confidence));
            }
        }
    }

    /// <summary>A measured, attributed segment as the public result.</summary>
    public static SpeechResult ToResult(VoiceSegment segment, SpeakerMatch match)
    {
        var (span, p, affect) = segment;
        float? correlation = float.IsFinite(match.Correlation) ? match.Correlation : null;
        var prosody = new SpeechProsody(p.VoicedFraction, p.F0MeanHz, p.F0SdSemitones, p.F0RangeSemitones, p.LoudnessMeanDb, p.LoudnessSdDb,
            p.SpeakingRate, p.JitterPercent, p.ShimmerPercent, p.HnrDb, p.AlphaRatioDb, p.SpectralSlopeDbPerOctave);
        return new SpeechResult(match.TrackId, span.Start, span.End, affect.Arousal, affect.Valence, affect.Confidence, correlation, prosody);
    }

    public void Dispose() => _stream?.Dispose();
}
