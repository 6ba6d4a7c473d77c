using Mien.Faces;
using Mien.Faces.Detection;
using Mien.Faces.Mesh;
using Mien.Models;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Accuracy;

/// <summary>A face found in a still image: its detection and, when the mesh found the face, its 478-point mesh.</summary>
/// <param name="Detection">BlazeFace's detection.</param>
/// <param name="Mesh">The mesh (null when the mesh model's face flag was too low).</param>
public sealed record StillFace(FaceDetection Detection, FaceMesh? Mesh);

/// <summary>
/// Detection then face mesh on a still image, the way the pipeline sees the first frames of a face: the mesh runs in
/// the detection's ROI, then once more in the ROI its own points give (what every later video frame uses), so a still
/// gets the mesh a tracked face would. Not thread-safe.
/// </summary>
public sealed class StillFaces : IDisposable
{
    private readonly BlazeFaceDetector _detector;
    private readonly FaceMeshEstimator _mesh;

    /// <summary>Model ids needed.</summary>
    public static IReadOnlyList<string> ModelIds { get; } = [BlazeFaceDetector.ModelId(BlazeFaceVariant.Back), FaceMeshEstimator.MeshModelId, FaceMeshEstimator.IrisModelId];

    /// <summary>Creates the analyser over loaded models (the caller keeps ownership of the models).</summary>
    public StillFaces(OnnxModel detector, OnnxModel mesh, OnnxModel iris, float minScore = 0.5f, int refinements = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(refinements);
        _detector = new BlazeFaceDetector(detector, new BlazeFaceOptions { MinScore = minScore, MaxFaces = 20 });
        _mesh = new FaceMeshEstimator(mesh, iris);
        Refinements = refinements;
    }

    /// <summary>Mesh passes after the detection-seeded one.</summary>
    public int Refinements { get; }

    /// <summary>Every face of a BGR image, best detection score first.</summary>
    public IReadOnlyList<StillFace> Analyze(Mat bgr)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        var detections = _detector.Detect(bgr);
        var faces = new List<StillFace>(detections.Count);
        foreach (var d in detections)
        {
            faces.Add(new StillFace(d, MeshOf(bgr, FaceRoi.FromDetection(d))));
        }

        return faces;
    }

    /// <summary>The mesh in <paramref name="roi"/>, refined <see cref="Refinements"/> times; null when the face is not there.</summary>
    public FaceMesh? MeshOf(Mat bgr, FaceRoi roi)
    {
        var mesh = _mesh.Estimate(bgr, roi);
        for (var i = 0; i < Refinements && mesh is not null; i++)
        {
            mesh = _mesh.Estimate(bgr, FaceRoi.FromMesh(mesh.Points)) ?? mesh;
        }

        return mesh;
    }

    /// <summary>Intersection over union of two boxes.</summary>
    public static double Iou(FaceBox a, FaceBox b)
    {
        var x0 = Math.Max(a.X, b.X);
        var y0 = Math.Max(a.Y, b.Y);
        var x1 = Math.Min(a.X + a.Width, b.X + b.Width);
        var y1 = Math.Min(a.Y + a.Height, b.Y + b.Height);
        var inter = Math.Max(0, x1 - x0) * (double)Math.Max(0, y1 - y0);
        var union = (a.Width * (double)a.Height) + (b.Width * (double)b.Height) - inter;
        return union <= 0 ? 0 : inter / union;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _detector.Dispose();
        _mesh.Dispose();
    }
}
