using Mien.Affect;
using Mien.Body;
using Mien.Expressions;
using Mien.Skin;
using Mien.Faces.Detection;
using Mien.Faces.Mesh;
using Mien.Faces.Tracking;
using Mien.Identity;
using Mien.Models;
using Mien.Physiology;
using Mien.Results;

namespace Mien.Pipeline;

/// <summary>Options of <see cref="FaceAnalysisPipeline"/>; each part has its own validated options record.</summary>
public sealed record PipelineOptions
{
    /// <summary>Face detector options (variant, thresholds, maximum faces).</summary>
    public BlazeFaceOptions Detector { get; init; } = new();

    /// <summary>Tracker options (re-detection period, patience, re-acquisition).</summary>
    public TrackerOptions Tracker { get; init; } = new();

    /// <summary>Face mesh options (presence threshold, iris).</summary>
    public FaceMeshOptions Mesh { get; init; } = new();

    /// <summary>Expression classifier options (mirror averaging; a plugged-in model's labels).</summary>
    public EmotionClassifierOptions Expression { get; init; } = new();

    /// <summary>
    /// A plugged-in expression model (from an <see cref="ExpressionModelSpec"/>, e.g. one `mien train expression` wrote)
    /// used instead of the manifest's <c>emotion</c>; its labels go in <see cref="Expression"/>. Null = Human's model.
    /// </summary>
    public ModelArtifact? ExpressionModel { get; init; }

    /// <summary>
    /// An expression ensemble (several models averaged, test-time views, slow members on a per-track schedule) used
    /// instead of the manifest's <c>emotion</c> or <see cref="ExpressionModel"/>. Null = no ensemble.
    /// </summary>
    public ExpressionEnsembleSpec? ExpressionEnsemble { get; init; }

    /// <summary>
    /// An expression classifier the host builds (e.g. the CK+ posed classifier <c>ckplus-geometry</c>), used instead of
    /// the others; its models must be in the host's store (the host ensures them). Null = none.
    /// </summary>
    public ExpressionClassifierChoice? ExpressionClassifier { get; init; }

    /// <summary>
    /// Face-mesh presence a new face needs before a track starts (default 0.8). Following an existing track
    /// only needs the mesh's own threshold; starting one needs more, because a false start (a cartoon letter,
    /// a pattern on a shirt) becomes a whole spurious person in the results.
    /// </summary>
    public float MinStartPresence { get; init; } = 0.8f;

    /// <summary>
    /// Consecutive frames a new face must be confirmed in, each with <see cref="MinStartPresence"/>, before it
    /// is reported as a person (default 3, about 0.1 s of video). Set 1 for unrelated still images.
    /// </summary>
    public int ConfirmFrames { get; init; } = 3;

    /// <summary>
    /// Every frame is an unrelated still image, not part of a video (default false). Then nothing carries from one
    /// frame to the next: each image's faces are found afresh and confirmed at once (<see cref="ConfirmFrames"/> is
    /// not used), no temporal model smooths the expression (<see cref="AffectFrame.Expression"/> stays null; the
    /// per-frame estimate is the result), no segments are formed, and action units are measured against a
    /// population-average neutral face (<see cref="ActionUnitBaseline.Population"/>), because there is no earlier
    /// frame of the person to learn their own neutral from.
    /// </summary>
    public bool Stills { get; init; }

    /// <summary>Estimate expressions (default true).</summary>
    public bool Expressions { get; init; } = true;

    /// <summary>Keep all 478 landmarks in each observation (default false: large outputs).</summary>
    public bool KeepLandmarks { get; init; }

    /// <summary>Side of the expression crop relative to the mesh's extent in the eye-aligned frame (default 1.1).</summary>
    public float ExpressionCropScale { get; init; } = 1.1f;

    /// <summary>
    /// Action units, the temporal expression model (HMM by default), valence/arousal and expression segments per
    /// track (default on; null turns them off). Pure arithmetic on the mesh and the classifier's output: cheap.
    /// </summary>
    public AffectOptions? Affect { get; init; } = new();

    /// <summary>Body pose (MoveNet on a crop below each face) and body-language cues (default off: one more model).</summary>
    public bool Body { get; init; }

    /// <summary>MoveNet options (crop size relative to the face).</summary>
    public MoveNetOptions BodyPose { get; init; } = new();

    /// <summary>Body-language cue options (baselines, smoothing, thresholds).</summary>
    public BodyLanguageOptions BodyLanguage { get; init; } = new();

    /// <summary>
    /// Run MoveNet for a person on one frame in this many (default 3), and sooner when the face moves fast (see
    /// <see cref="BodyPoseSchedule"/>). MoveNet costs about as much as the whole face pipeline per frame; cues are
    /// smoothed over hundreds of milliseconds, so a pose every third frame loses little and keeps analysis at
    /// twice real time on two cores.
    /// </summary>
    public int BodyEveryFrames { get; init; } = 3;

    /// <summary>Skin measurements (tone, texture, redness, spots, shine) on mesh regions (default off).</summary>
    public bool Skin { get; init; }

    /// <summary>Skin analyser options (illumination normalisation, quality gates).</summary>
    public SkinAnalyzerOptions SkinAnalysis { get; init; } = new();

    /// <summary>
    /// Least time between two skin measurements of the same person (default 250 ms). Skin does not change within
    /// a second; more frames only add correlated samples, and each costs several milliseconds.
    /// </summary>
    public TimeSpan SkinInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Forget a person (baselines, skin aggregate, id mapping) this long after their track ended (default null: keep
    /// everyone, as a recording's end-of-run summaries need). Live streams set it, so a stream that runs for hours
    /// with people coming and going holds flat memory; a person who returns later gets a new id.
    /// </summary>
    public TimeSpan? ForgetPeopleAfter { get; init; }

    /// <summary>
    /// Pulse rate from skin colour, head gestures, facial asymmetry and (with <see cref="PhysiologyOptions.Driver"/>) the
    /// driver/operator indicators, per person (default on, driver profile off; null turns them all off). Pure arithmetic
    /// on the mesh and the frame's bytes: well under a millisecond per face (docs/physiology.md).
    /// </summary>
    public PhysiologyOptions? Physiology { get; init; } = new();

    /// <summary>
    /// Re-identification within the stream: a person who leaves for longer than the tracker's window and returns gets
    /// the same <see cref="FaceObservation.Person"/> (quality-gated face descriptors per track, linked at a calibrated
    /// threshold; docs/identity.md). Default on; null turns it off. Not used for <see cref="Stills"/>.
    /// </summary>
    public IdentityOptions? Identity { get; init; } = new();

    /// <summary>ONNX Runtime session options shared by all models.</summary>
    public InferenceOptions Inference { get; init; } = new();

    /// <summary>
    /// Occlusion per face (mask, hand, sunglasses; null = off): expression, skin and identity are withheld on frames where
    /// their regions are covered (default on; docs/identity.md, "Occlusion").
    /// </summary>
    public Faces.Occlusion.OcclusionOptions? Occlusion { get; init; } = new();

    /// <summary>Model ids the pipeline needs.</summary>
    public IReadOnlyList<string> ModelIds =>
        [BlazeFaceDetector.ModelId(Detector.Variant), FaceMeshEstimator.MeshModelId, .. Mesh.Iris ? [FaceMeshEstimator.IrisModelId] : Array.Empty<string>(), .. Expressions && (ExpressionEnsemble is { } ensemble ? ensemble.Members.Any(m => m.ModelId == EmotionClassifier.ModelId) : ExpressionModel is null) ? [EmotionClassifier.ModelId] : Array.Empty<string>(), .. Body ? [MoveNetPoseEstimator.ModelId] : Array.Empty<string>(), .. Identity is { } identity && !Stills ? [identity.Model] : Array.Empty<string>(), .. Identity is { Liveness: not null } && !Stills ? [Mien.Identity.Liveness.PresentationAttackDetector.AntispoofModelId, Mien.Identity.Liveness.PresentationAttackDetector.LivenessModelId] : Array.Empty<string>()];

    /// <summary>Checks every part's options; the message names the option, its value and the constraint.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        Detector.Validate();
        Tracker.Validate();
        Inference.Validate();
        Affect?.Validate();
        BodyPose.Validate();
        BodyLanguage.Validate();
        SkinAnalysis.Validate();
        Physiology?.Validate();
        Identity?.Validate();
        Occlusion?.Validate();
        if (ConfirmFrames is < 1 or > 100 || MinStartPresence is <= 0 or > 1)
        {
            throw new ArgumentException($"{nameof(ConfirmFrames)} = {ConfirmFrames} must be within 1..100 and {nameof(MinStartPresence)} = {MinStartPresence} within (0, 1].");
        }

        if (ExpressionClassifier is not null && (ExpressionModel is not null || ExpressionEnsemble is not null))
        {
            throw new ArgumentException($"{nameof(ExpressionClassifier)} ({ExpressionClassifier.Id}) is set together with {nameof(ExpressionModel)} or {nameof(ExpressionEnsemble)}: give one expression model.");
        }

        if (ExpressionModel is not null && ExpressionEnsemble is not null)
        {
            throw new ArgumentException($"{nameof(ExpressionModel)} ({ExpressionModel.Model.Id}) and {nameof(ExpressionEnsemble)} ({ExpressionEnsemble.Id}) are both set: give one expression model.");
        }

        if (ExpressionCropScale is <= 0 or > 4)
        {
            throw new ArgumentException($"{nameof(ExpressionCropScale)} = {ExpressionCropScale}: must be within (0, 4].");
        }

        if (BodyEveryFrames is < 1 or > 1000)
        {
            throw new ArgumentException($"{nameof(BodyEveryFrames)} = {BodyEveryFrames}: must be within 1..1000.");
        }

        if (ForgetPeopleAfter is { } forget && forget < TimeSpan.FromSeconds(5))
        {
            throw new ArgumentException($"{nameof(ForgetPeopleAfter)} = {forget.TotalSeconds} s: must be at least 5 s (longer than the tracker's revival window).");
        }

        if (SkinInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(SkinInterval)} = {SkinInterval}: must not be negative.");
        }
    }
}
