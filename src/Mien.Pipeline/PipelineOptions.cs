using Mien.Expressions;
using Mien.Faces.Detection;
using Mien.Faces.Mesh;
using Mien.Faces.Tracking;
using Mien.Models;

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

    /// <summary>Expression classifier options (mirror averaging).</summary>
    public EmotionClassifierOptions Expression { get; init; } = new();

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

    /// <summary>Estimate expressions (default true).</summary>
    public bool Expressions { get; init; } = true;

    /// <summary>Keep all 478 landmarks in each observation (default false: large outputs).</summary>
    public bool KeepLandmarks { get; init; }

    /// <summary>Side of the expression crop relative to the mesh's extent in the eye-aligned frame (default 1.1).</summary>
    public float ExpressionCropScale { get; init; } = 1.1f;

    /// <summary>ONNX Runtime session options shared by all models.</summary>
    public InferenceOptions Inference { get; init; } = new();

    /// <summary>Model ids the pipeline needs.</summary>
    public IReadOnlyList<string> ModelIds =>
        [BlazeFaceDetector.ModelId(Detector.Variant), FaceMeshEstimator.MeshModelId, .. Mesh.Iris ? [FaceMeshEstimator.IrisModelId] : Array.Empty<string>(), .. Expressions ? [EmotionClassifier.ModelId] : Array.Empty<string>()];
}
