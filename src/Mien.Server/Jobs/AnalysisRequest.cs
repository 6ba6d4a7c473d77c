using System.Text.Json.Serialization;
using Mien.Faces.Detection;
using Mien.Pipeline;

namespace Mien.Server.Jobs;

/// <summary>
/// What a client may ask of an analysis (upload job, registered stream or live session). Every field is optional;
/// defaults match `mien analyze`. Unknown fields are refused, so a typo is not silently ignored.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record AnalysisRequest
{
    /// <summary>Expression estimates (default true).</summary>
    public bool Expressions { get; init; } = true;

    /// <summary>
    /// Recognise the project's enrolled subjects who hold current 'identity-template' consent: a person whose face
    /// matches one is named by that subject's reference in their person-link event (default false; docs/identity.md).
    /// </summary>
    public bool RecogniseSubjects { get; init; }

    /// <summary>
    /// Require a live face before anyone is named as an enrolled subject (with <see cref="RecogniseSubjects"/>; default
    /// false): each track's own video is checked over 2 s (antispoof and liveness models, non-rigid motion or a blink);
    /// until it passes its person-link says "liveness": "pending" and names nobody, and a failed track is never named
    /// (docs/identity.md).
    /// </summary>
    public bool RequireLiveness { get; init; }

    /// <summary>Action units, temporal expression model, valence/arousal, segments (default true).</summary>
    public bool Affect { get; init; } = true;

    /// <summary>Body pose and body-language cues (default true for jobs, false live: it costs as much as the face).</summary>
    public bool? Body { get; init; }

    /// <summary>Skin measurements (default true for jobs, false live).</summary>
    public bool? Skin { get; init; }

    /// <summary>Voice from the audio track (jobs only; default true).</summary>
    public bool Voice { get; init; } = true;

    /// <summary>Include the 478 landmarks per face (default false).</summary>
    public bool Landmarks { get; init; }

    /// <summary>Most faces per frame (default 20).</summary>
    public int MaxFaces { get; init; } = 20;

    /// <summary>Write an annotated video for download (jobs only; default true). It is anonymised unless <see cref="Anonymize"/> is false.</summary>
    public bool Video { get; init; } = true;

    /// <summary>Blur faces in the video and thumbnails (default true: exports are anonymised unless asked otherwise).</summary>
    public bool Anonymize { get; init; } = true;

    /// <summary>
    /// The recording's transcript as SRT or WebVTT text (jobs only; at most <see cref="MaxTranscriptChars"/> characters):
    /// utterance events with the sentiment of their words, and text as a fourth source in fusion. Null: none.
    /// </summary>
    public string? Transcript { get; init; }

    /// <summary>Longest transcript accepted inline (256 Ki characters, hours of speech).</summary>
    public const int MaxTranscriptChars = 256 * 1024;

    /// <summary>"back" (full range, default) or "front" (near faces, faster).</summary>
    public string Detector { get; init; } = "back";

    /// <summary>
    /// Whether the request infers anything the EU AI Act counts as emotion recognition: expressions, action units with
    /// their temporal model and valence/arousal, or voice emotion.
    /// </summary>
    [JsonIgnore]
    public bool InfersEmotion => Expressions || Affect || Voice;

    /// <summary>Throws <see cref="ArgumentException"/> naming the field, value and limit.</summary>
    public void Validate()
    {
        if (MaxFaces is < 1 or > 100)
        {
            throw new ArgumentException($"maxFaces = {MaxFaces}: must be between 1 and 100.");
        }

        if (Detector is not ("back" or "front"))
        {
            throw new ArgumentException($"detector = '{Detector}': must be 'back' or 'front'.");
        }

        if (Transcript is { } transcript)
        {
            if (transcript.Length > MaxTranscriptChars)
            {
                throw new ArgumentException($"transcript: {transcript.Length} characters, more than the limit of {MaxTranscriptChars}.");
            }

            try
            {
                _ = ParseTranscript();
            }
            catch (Mien.Text.Transcripts.TranscriptFormatException e)
            {
                throw new ArgumentException(e.Message, e);
            }
        }
    }

    /// <summary>The transcript parsed (SRT, or WebVTT when it starts with "WEBVTT"), or null.</summary>
    /// <exception cref="Mien.Text.Transcripts.TranscriptFormatException">It is malformed (the message names the line).</exception>
    public Mien.Text.Transcripts.Transcript? ParseTranscript() =>
        Transcript is { } text ? Mien.Text.Transcripts.SubtitleParser.Parse(text, "transcript") : null;

    /// <summary>The session options for this request.</summary>
    public Sessions.SessionOptions ToSession(bool live, string? annotatedFolder) => new()
    {
        Pipeline = new PipelineOptions
        {
            Detector = new BlazeFaceOptions { Variant = Detector == "front" ? BlazeFaceVariant.Front : BlazeFaceVariant.Back, MaxFaces = MaxFaces },
            Expressions = Expressions,
            Affect = Affect ? new Affect.AffectOptions() : null,
            Body = Body ?? !live,
            Skin = Skin ?? !live,
            Identity = RequireLiveness ? new Identity.IdentityOptions { Liveness = new Identity.Liveness.LiveLivenessOptions() } : new Identity.IdentityOptions(),
        },
        OutputLandmarks = Landmarks,
        Voice = Voice && !live,
        Anonymize = Anonymize,
        AnnotatedOutput = Video && !live ? annotatedFolder : null,
    };
}
