using Mien.Pipeline;
using Mien.Results;
using Mien.Skin;

namespace Mien.Sessions;

/// <summary>What one analysis session does beyond the pipeline's own options.</summary>
public sealed record SessionOptions
{
    /// <summary>The face pipeline's options (detector, tracker, modalities, inference).</summary>
    public PipelineOptions Pipeline { get; init; } = new();

    /// <summary>Include the 478 landmarks per face in the frame updates sent to sinks (default false: large).</summary>
    public bool OutputLandmarks { get; init; }

    /// <summary>Analyse the audio track of a video file (voice activity, prosody, voice affect, speaker attribution) when a voice analyser is given.</summary>
    public bool Voice { get; init; } = true;

    /// <summary>Blur every face in thumbnails and in the annotated output; no skin overlay is kept (it shows the face).</summary>
    public bool Anonymize { get; init; }

    /// <summary>Folder for the annotated (or anonymised) video, or the annotated still; null writes none.</summary>
    public string? AnnotatedOutput { get; init; }

    /// <summary>Length of a fused face + voice + body window (default 2 s).</summary>
    public TimeSpan FusionWindow { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Pseudonymous subject whose skin profile receives this session (with <see cref="SkinProfiles"/>).</summary>
    public string? SubjectId { get; init; }

    /// <summary>Where the subject's skin sessions are kept.</summary>
    public ISkinProfileStore? SkinProfiles { get; init; }

    /// <summary>
    /// The host's part of the results' provenance (the Mien version and, for the CLI, the command line); the session
    /// adds the settings, the models with their hashes and the start time, and the summary carries the result. Null:
    /// this build's version without a command line.
    /// </summary>
    public Provenance? Provenance { get; init; }

    /// <summary>A transcript to place on the timeline of a recording (utterance events, text in fusion); null: none. Ignored for live sources.</summary>
    public TranscriptOptions? Transcript { get; init; }

    /// <summary>Most problems kept in the summary (default 200); more are counted, not listed.</summary>
    public int MaxProblems { get; init; } = 200;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, its value and the limit.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Pipeline);
        Pipeline.Validate();
        if (FusionWindow < TimeSpan.FromMilliseconds(250) || FusionWindow > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException($"{nameof(FusionWindow)} = {FusionWindow.TotalSeconds} s: must be between 0.25 s and 60 s.", nameof(FusionWindow));
        }

        if (MaxProblems is < 1 or > 100_000)
        {
            throw new ArgumentException($"{nameof(MaxProblems)} = {MaxProblems}: must be between 1 and 100000.", nameof(MaxProblems));
        }

        if (SubjectId is not null && !SkinProfileStore.IsValidId(SubjectId))
        {
            throw new ArgumentException($"{nameof(SubjectId)} = '{SubjectId}': use 1–64 letters, digits, '-', '_' or '.', not starting with '.' (a pseudonymous id, not a name).", nameof(SubjectId));
        }

        if (SubjectId is not null && SkinProfiles is not null && !Pipeline.Skin)
        {
            throw new ArgumentException($"{nameof(SubjectId)} = '{SubjectId}' stores skin measurements, but skin analysis is off ({nameof(PipelineOptions)}.{nameof(PipelineOptions.Skin)} = false): nothing would be stored.", nameof(SubjectId));
        }
    }
}

/// <summary>Where a running session is, for progress bars and job status; safe to read from any thread.</summary>
/// <param name="Position">Timestamp of the last analysed frame.</param>
/// <param name="Duration">Duration the source declares, if any.</param>
/// <param name="FramesRead">Frames read from the source.</param>
/// <param name="FramesAnalysed">Frames analysed.</param>
/// <param name="FramesDropped">Frames a live source dropped.</param>
/// <param name="Elapsed">Wall time since the session started.</param>
public sealed record SessionProgress(TimeSpan Position, TimeSpan? Duration, long FramesRead, long FramesAnalysed, long FramesDropped, TimeSpan Elapsed)
{
    /// <summary>Share done (0..1), when the duration is known.</summary>
    public double? Fraction => Duration is { } d && d > TimeSpan.Zero ? Math.Clamp(Position / d, 0, 1) : null;

    /// <summary>Frames analysed per second of wall time.</summary>
    public double FramesPerSecond => FramesAnalysed / Math.Max(Elapsed.TotalSeconds, 1e-3);
}
