namespace Mien.Results;

/// <summary>
/// One item of the ordered stream an analysis session produces. Within a frame the order is: track events,
/// closed expression segments, the frame's results, then fused windows that ended; after the last frame come the
/// remaining events and segments, per-person skin, speech, fused windows, the offline expression path, key moments
/// and finally <see cref="SessionCompleted"/>. Sinks (files, report, database, live clients) read nothing else.
/// </summary>
public abstract record AnalysisUpdate;

/// <summary>The results of one analysed frame.</summary>
/// <param name="Frame">Per-face results; landmarks are present only when the session keeps them.</param>
public sealed record FrameUpdate(FrameAnalysis Frame) : AnalysisUpdate;

/// <summary>A person appeared or left (track ids are the public person ids of the results).</summary>
/// <param name="Event">The event.</param>
public sealed record TrackUpdate(TrackEvent Event) : AnalysisUpdate;

/// <summary>An expression segment closed (the expression changed or the person left).</summary>
/// <param name="Segment">The segment with its person.</param>
public sealed record SegmentUpdate(TrackSegment Segment) : AnalysisUpdate;

/// <summary>A fused face + voice + body window of one person.</summary>
/// <param name="Fused">The window.</param>
public sealed record FusedUpdate(TrackFusedAffect Fused) : AnalysisUpdate;

/// <summary>A run of one expression on a person's offline most likely path (recordings only, at the end).</summary>
/// <param name="Run">The run.</param>
public sealed record PathUpdate(ExpressionRun Run) : AnalysisUpdate;

/// <summary>A thumbnail of a person's most expressive moment (blurred when the session anonymises).</summary>
/// <param name="Moment">The moment.</param>
public sealed record KeyMomentUpdate(KeyMoment Moment) : AnalysisUpdate;

/// <summary>How a session ended.</summary>
public enum SessionEnd
{
    /// <summary>The source ended and everything was analysed.</summary>
    Completed,

    /// <summary>The source stopped early (a decoding error, a stream that died); results up to then are complete.</summary>
    Stopped,

    /// <summary>Cancelled (Ctrl-C, job cancelled, client gone); results up to the last complete frame are kept.</summary>
    Interrupted,
}

/// <summary>The last update of every session.</summary>
/// <param name="Summary">Counts, per-person summaries, stage timings and problems.</param>
/// <param name="End">How the session ended.</param>
/// <param name="VoiceNote">Why there is no voice analysis (no audio track, unreadable audio…), or null.</param>
public sealed record SessionCompleted(AnalysisSummary Summary, SessionEnd End, string? VoiceNote) : AnalysisUpdate;

/// <summary>
/// Receives a session's updates in order, on the session's thread, one at a time. A sink that does slow I/O
/// (network, database) queues internally with a bound and says what it dropped; it never blocks the analysis for
/// long and never throws for a full queue. A sink is disposed by whoever created it, after
/// <see cref="SessionCompleted"/> or when the session fails.
/// </summary>
public interface IAnalysisSink
{
    /// <summary>Takes the next update.</summary>
    void Write(AnalysisUpdate update);
}
