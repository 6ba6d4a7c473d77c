namespace Mien.Results;

/// <summary>A point of the face mesh in frame pixels; Z is relative depth in the same scale as X (smaller = nearer the camera).</summary>
public readonly record struct Point3(float X, float Y, float Z);

/// <summary>
/// Head orientation in degrees, from the face mesh: <see cref="Yaw"/> positive when the face turns towards
/// the image's right, <see cref="Pitch"/> positive when it tilts up, <see cref="Roll"/> positive when it
/// rotates clockwise in the image. Zero is a face looking straight into the camera.
/// </summary>
public readonly record struct HeadPose(float Yaw, float Pitch, float Roll);

/// <summary>
/// Gaze direction in degrees relative to the camera axis (head pose plus the eyes' rotation in the head):
/// <see cref="Yaw"/> positive towards the image's right, <see cref="Pitch"/> positive upwards.
/// </summary>
public readonly record struct Gaze(float Yaw, float Pitch);

/// <summary>
/// Eye state of one frame: eye aspect ratios (lid distance over eye width, about 0.25–0.35 open and below
/// 0.1 closed), openness normalised to the person's own open-eye baseline (1 = as open as usual), and
/// whether the frame is inside a blink.
/// </summary>
public readonly record struct EyeState(float LeftAspectRatio, float RightAspectRatio, float Openness, bool InBlink);

/// <summary>
/// One face in one frame: identity over time (<see cref="TrackId"/>), where it is, and what was measured.
/// Measurements are null when they could not be made reliably (e.g. no mesh for a face seen side-on).
/// </summary>
/// <param name="TrackId">Stable id of the person within one analysis (1, 2, …).</param>
/// <param name="Box">Face box in frame pixels.</param>
/// <param name="DetectionScore">Detector or tracker confidence in [0, 1].</param>
/// <param name="MeshConfidence">Face-mesh presence score in [0, 1] (null when no mesh was run).</param>
/// <param name="Pose">Head pose in degrees.</param>
/// <param name="Gaze">Gaze direction in degrees.</param>
/// <param name="Eyes">Eye openness and blink state.</param>
/// <param name="MouthOpening">Inner-lip gap over mouth width (0 closed, about 0.5 wide open).</param>
/// <param name="Expression">Expression estimate (probabilities of seven expressions).</param>
/// <param name="Landmarks">478 mesh points (468 face + 10 iris) when landmarks are kept, else null.</param>
public sealed record FaceObservation(
    int TrackId,
    FaceBox Box,
    float DetectionScore,
    float? MeshConfidence,
    HeadPose? Pose,
    Gaze? Gaze,
    EyeState? Eyes,
    float? MouthOpening,
    ExpressionEstimate? Expression,
    IReadOnlyList<Point3>? Landmarks)
{
    /// <summary>Action units, the temporal model's smoothed expression and valence/arousal (null when that stage is off).</summary>
    public AffectFrame? Affect { get; init; }

    /// <summary>The body pose estimated below this face, on frames where it was estimated (every few frames).</summary>
    public BodyPose? BodyPose { get; init; }

    /// <summary>Body-language cues from that pose, on the same frames.</summary>
    public BodyCues? Body { get; init; }

    /// <summary>Skin measurements, on frames where skin was measured (a few per second).</summary>
    public SkinFrame? Skin { get; init; }

    /// <summary>Pulse, head gestures, asymmetry and driver indicators of this frame (null when that stage is off).</summary>
    public PhysiologyFrame? Physiology { get; init; }

    /// <summary>
    /// How much of the face is covered (mask, hand, sunglasses, frame edge) and which estimates were withheld because of
    /// it (null when occlusion estimation is off or the forehead is not in view).
    /// </summary>
    public FaceOcclusion? Occlusion { get; init; }

    /// <summary>
    /// The person this track shows, stable across tracks when someone leaves and returns (re-identification by face
    /// descriptor within one analysis; null while the track has too few good faces to tell, or identity is off).
    /// A <see cref="TrackEventKind.PersonLinked"/> event records each decision and its similarity.
    /// </summary>
    public int? Person { get; init; }
}

/// <summary>Everything measured in one frame. Immutable: sinks may keep it.</summary>
/// <param name="FrameIndex">0-based index of the frame in the source (counts dropped frames too).</param>
/// <param name="Timestamp">Presentation time of the frame from the container (not frame count / fps).</param>
/// <param name="Faces">Faces in the frame, by track id.</param>
public sealed record FrameAnalysis(long FrameIndex, TimeSpan Timestamp, IReadOnlyList<FaceObservation> Faces)
{
    /// <summary>
    /// Faces seen in this frame but not reported as people yet (a new face is confirmed over a few frames first).
    /// They carry no measurements, but anything that hides faces must hide these too: a face is a face from its
    /// first frame.
    /// </summary>
    public IReadOnlyList<FaceBox> Unconfirmed { get; init; } = [];
}

/// <summary>What happened to a track.</summary>
public enum TrackEventKind
{
    /// <summary>A new person appeared (or one was not recognised again after a long absence).</summary>
    Started,

    /// <summary>The person has not been seen for longer than the tracker's patience: per-track state is released.</summary>
    Ended,

    /// <summary>The track was attached to a person: one seen before (re-identified) or a new one; <see cref="TrackEvent.Link"/> says which and why.</summary>
    PersonLinked,
}

/// <summary>A track starting or ending, or attached to a person, at a frame time.</summary>
public sealed record TrackEvent(TrackEventKind Kind, int TrackId, TimeSpan Timestamp)
{
    /// <summary>For <see cref="TrackEventKind.PersonLinked"/>: the decision and the similarity behind it.</summary>
    public PersonLinkInfo? Link { get; init; }
}

/// <summary>Why a track was attached to a person (explainable merges).</summary>
/// <param name="Person">The person id.</param>
/// <param name="Linked">True when the track was linked to a person seen before; false when it became a new person.</param>
/// <param name="Similarity">Cosine similarity of the track's face descriptor to the most similar person not on screen (null when there was none).</param>
/// <param name="Candidate">That most similar person (null when there was none).</param>
/// <param name="Threshold">The similarity a link needed.</param>
public sealed record PersonLinkInfo(int Person, bool Linked, float? Similarity, int? Candidate, float Threshold)
{
    /// <summary>The consenting enrolled subject this person was recognised as (a pseudonymous subject id), or null.</summary>
    public string? Subject { get; init; }

    /// <summary>Cosine similarity to that subject's template, or null.</summary>
    public float? SubjectSimilarity { get; init; }

    /// <summary>
    /// When the analysis requires liveness before naming: <c>pending</c>, <c>passed</c> or <c>failed</c> (a track's link is
    /// given again once its check decides); null when liveness is not required.
    /// </summary>
    public string? Liveness { get; init; }

    /// <summary>The liveness decision's reason in words (with its scores), once decided.</summary>
    public string? LivenessReason { get; init; }
}

/// <summary>A moment worth a picture in the report (e.g. the peak of an expression), with a JPEG of the face.</summary>
/// <param name="TrackId">Whose face.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Label">Why it was chosen, e.g. "happiness peak 0.97".</param>
/// <param name="Jpeg">JPEG-encoded face crop (already blurred when the analysis is anonymised).</param>
public sealed record KeyMoment(int TrackId, TimeSpan Timestamp, string Label, byte[] Jpeg);
