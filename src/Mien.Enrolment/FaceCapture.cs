using Mien.Identity.Liveness;

namespace Mien.Enrolment;

/// <summary>What became of one submitted image.</summary>
public enum SampleOutcome
{
    /// <summary>Its face went into the template.</summary>
    Used,

    /// <summary>Not a decodable image (or too large).</summary>
    NotAnImage,

    /// <summary>No face found.</summary>
    NoFace,

    /// <summary>More than one face: enrolment needs one person per image.</summary>
    SeveralFaces,

    /// <summary>Head turned too far.</summary>
    Pose,

    /// <summary>Face too small.</summary>
    Size,

    /// <summary>Face covered or cut off by the frame.</summary>
    Occlusion,

    /// <summary>Face blurred.</summary>
    Blur,
}

/// <summary>One submitted image's outcome.</summary>
/// <param name="Index">Its position in the request (0-based).</param>
/// <param name="Outcome">Used, or why not.</param>
/// <param name="Quality">The quality gate's score of its face (0–1), or null.</param>
/// <param name="Liveness">The presentation-attack models' scores of its face, or null.</param>
public sealed record CaptureSample(int Index, SampleOutcome Outcome, float? Quality, LivenessScores? Liveness);

/// <summary>Whether the captures show a live face, and on what evidence.</summary>
/// <param name="Checked">Whether liveness was checked at all.</param>
/// <param name="Live">The verdict (false when not checked).</param>
/// <param name="MedianReal">Median `antispoof` score over the used faces.</param>
/// <param name="MedianLive">Median `liveness` score over the used faces.</param>
/// <param name="Temporal">Motion between consecutive used captures (null for one capture).</param>
/// <param name="Reason">Why the faces were not judged live, or null.</param>
public sealed record LivenessVerdict(bool Checked, bool Live, float? MedianReal, float? MedianLive, TemporalCues? Temporal, string? Reason);

/// <summary>
/// A burst of images turned into one identity descriptor: the quality-weighted mean of the usable faces' descriptors.
/// The descriptor is biometric data: keep it in memory, store it only sealed and under consent, never return it.
/// </summary>
/// <param name="Model">Embedding model.</param>
/// <param name="Descriptor">Unit descriptor, or null when no face was usable.</param>
/// <param name="FacesUsed">Faces in the descriptor.</param>
/// <param name="TotalQuality">Their summed quality.</param>
/// <param name="Samples">Every image's outcome, in order.</param>
/// <param name="Liveness">The liveness verdict.</param>
public sealed record FaceCapture(string Model, float[]? Descriptor, int FacesUsed, float TotalQuality, IReadOnlyList<CaptureSample> Samples, LivenessVerdict Liveness);
