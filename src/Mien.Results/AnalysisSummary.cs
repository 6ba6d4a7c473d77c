namespace Mien.Results;

/// <summary>What was analysed.</summary>
/// <param name="Name">File name, folder, camera index or URL.</param>
/// <param name="Kind">video, images, camera or stream.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="NominalFps">Frame rate the container declares, if any.</param>
/// <param name="Duration">Duration the container declares, if any.</param>
/// <param name="Codec">Codec four-character code, if known.</param>
public sealed record SourceInfo(string Name, string Kind, int Width, int Height, double? NominalFps, TimeSpan? Duration, string? Codec);

/// <summary>Latency of one pipeline stage over a run, in milliseconds.</summary>
public sealed record StageTiming(string Stage, double MedianMs, double P90Ms, long Count);

/// <summary>Per-person aggregate over the whole analysis.</summary>
/// <param name="TrackId">The person.</param>
/// <param name="FirstSeen">First frame time.</param>
/// <param name="LastSeen">Last frame time.</param>
/// <param name="Frames">Frames the person was seen in.</param>
/// <param name="MeanExpression">Mean probability per expression label over the frames with an estimate.</param>
/// <param name="DominantExpression">Label with the highest mean probability.</param>
/// <param name="DominantShare">Share of frames in which <see cref="DominantExpression"/> was the top label.</param>
/// <param name="Blinks">Blinks counted.</param>
/// <param name="BlinksPerMinute">Blinks per minute of the time the eyes were measurable.</param>
/// <param name="MeanPose">Mean head pose.</param>
/// <param name="MeanMouthOpening">Mean mouth opening.</param>
public sealed record TrackSummary(
    int TrackId,
    TimeSpan FirstSeen,
    TimeSpan LastSeen,
    int Frames,
    IReadOnlyDictionary<string, float> MeanExpression,
    string? DominantExpression,
    float DominantShare,
    int Blinks,
    float? BlinksPerMinute,
    HeadPose? MeanPose,
    float? MeanMouthOpening);

/// <summary>The outcome of one analysis run.</summary>
/// <param name="Source">What was analysed.</param>
/// <param name="FramesRead">Frames decoded.</param>
/// <param name="FramesAnalysed">Frames that went through the face stages.</param>
/// <param name="FramesDropped">Frames a live source dropped under load (files never drop).</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="Tracks">Per-person summaries.</param>
/// <param name="Stages">Per-stage latency.</param>
/// <param name="Anonymized">Whether faces were blurred in every visual output.</param>
/// <param name="Problems">Non-fatal problems (e.g. a corrupt frame skipped), in order.</param>
public sealed record AnalysisSummary(
    SourceInfo Source,
    long FramesRead,
    long FramesAnalysed,
    long FramesDropped,
    TimeSpan Elapsed,
    IReadOnlyList<TrackSummary> Tracks,
    IReadOnlyList<StageTiming> Stages,
    bool Anonymized,
    IReadOnlyList<string> Problems)
{
    /// <summary>The build, settings, models (with hashes) and start time behind these results; null when the host gave none.</summary>
    public Provenance? Provenance { get; init; }

    /// <summary>Frames analysed per second of wall time.</summary>
    public double FramesPerSecond => Elapsed > TimeSpan.Zero ? FramesAnalysed / Elapsed.TotalSeconds : 0;

    /// <summary>How Mien's expression outputs must be read; every report and export carries it.</summary>
    public const string Disclaimer =
        "Expression labels are estimates of what a face shows, from a classifier trained on FER2013 photos; " +
        "they are not measurements of what anyone feels, intends or is, and are less reliable for faces, lighting and cultures under-represented in that data.";
}
