using Mien.Expressions;
using Mien.Faces.Mesh;
using Mien.Models;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Accuracy.CkPlus;

/// <summary>
/// The shipped CK+ posed-expression model (<see cref="CkPlusGeometry"/>) as an expression classifier the pipeline and
/// <c>--expression-model ckplus-geometry</c> can run: each face's CNN embedding and mesh geometry go through the
/// regression exactly as in <c>mien audit ckplus</c>. It has no neutral class, so neutral is always 0 — it answers
/// "which posed expression is this", and on ordinary video, where most frames are neutral, every frame still gets one of
/// the six. The fitting stays in <see cref="CkPlusExperiment"/>; this is only the runtime part. Not thread-safe.
/// </summary>
public sealed class PosedExpressionClassifier : IExpressionClassifier
{
    /// <summary>Provenance kind of this classifier (<c>provenance.expressionModel.kind</c>).</summary>
    public const string Kind = "posed";

    /// <summary>Where its parameters come from, as provenance lists it.</summary>
    public const string Source = "mien (embedded ckplus-geometry.json, fitted by `mien audit ckplus --write-model`)";

    /// <summary>Model ids it needs in the store: BlazeFace, mesh and iris (for crops and boxes without a mesh), and the emotion CNN.</summary>
    public static IReadOnlyList<string> ModelIds { get; } = [.. StillFaces.ModelIds, EmotionClassifier.ModelId];

    /// <summary>
    /// ROI side around a detector box for the mesh, as a multiple of the box's larger side (MediaPipe's 1.5× box scale).
    /// </summary>
    private const float BoxRoiScale = 1.5f;

    private readonly CkPlusGeometry _model;
    private readonly ExpressionFeatureExtractor _extractor;
    private readonly StillFaces _faces;
    private readonly IDisposable[] _owned;

    /// <summary>Creates the classifier over loaded parts; it disposes <paramref name="owned"/> (the caller keeps the rest).</summary>
    public PosedExpressionClassifier(CkPlusGeometry model, EmotionEmbedder embedder, StillFaces faces, params IDisposable[] owned)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentNullException.ThrowIfNull(embedder);
        _faces = faces ?? throw new ArgumentNullException(nameof(faces));
        _extractor = new ExpressionFeatureExtractor(embedder, faces);
        _owned = owned ?? [];
    }

    /// <summary>
    /// What <c>--expression-model ckplus-geometry</c> hands the pipeline: each pipeline gets its own classifier over
    /// its own sessions of the four models (<see cref="ModelIds"/>, in that order, already fetched).
    /// </summary>
    public static ExpressionClassifierChoice Choice(IReadOnlyList<ModelArtifact> artifacts, InferenceOptions? inference = null)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        if (artifacts.Count != ModelIds.Count)
        {
            throw new ArgumentException($"{CkPlusGeometry.Name} needs {ModelIds.Count} models ({string.Join(", ", ModelIds)}), got {artifacts.Count}.", nameof(artifacts));
        }

        var model = CkPlusGeometry.LoadShipped(); // once, so a missing resource fails before any pipeline starts
        return new ExpressionClassifierChoice(CkPlusGeometry.Name, Kind, () =>
        {
            var loaded = new List<IDisposable>();
            try
            {
                var onnx = artifacts.Take(3).Select(a => OnnxModel.Load(a, inference)).ToArray();
                loaded.AddRange(onnx);
                var faces = new StillFaces(onnx[0], onnx[1], onnx[2]);
                loaded.Insert(0, faces);
                var embedder = new EmotionEmbedder(artifacts[3]);
                loaded.Insert(0, embedder);
                return new PosedExpressionClassifier(model, embedder, faces, [.. loaded]);
            }
            catch
            {
                foreach (var d in loaded)
                {
                    d.Dispose();
                }

                throw;
            }
        }, Source, model.Sha256);
    }

    /// <inheritdoc />
    public ExpressionEstimate Classify(Mat bgr, FaceBox box)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        var side = Math.Max(box.Width, box.Height);
        var roi = new FaceRoi(box.X + (box.Width / 2), box.Y + (box.Height / 2), side * BoxRoiScale, 0);
        return FromMesh(bgr, roi, _faces.MeshOf(bgr, roi), null);
    }

    /// <inheritdoc />
    public ExpressionEstimate ClassifyAligned(Mat bgr, FaceRoi roi, int track)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        // No mesh given: find it in the square (refined once in its own ROI, as a still's is).
        return FromMesh(bgr, roi, _faces.MeshOf(bgr, roi), roi);
    }

    /// <inheritdoc />
    public ExpressionEstimate ClassifyAligned(Mat bgr, FaceRoi roi, int track, IReadOnlyList<Point3> mesh)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(mesh);
        return _model.Classify(_extractor.FromFrame(bgr, mesh, roi));
    }

    /// <inheritdoc />
    public ExpressionEstimate ClassifyCrop(Mat face)
    {
        ArgumentNullException.ThrowIfNull(face);
        return _model.Classify(_extractor.FromCrop(face));
    }

    /// <inheritdoc />
    public void Forget(int track)
    {
    }

    private ExpressionEstimate FromMesh(Mat bgr, FaceRoi meshRoi, FaceMesh? mesh, FaceRoi? cnnRoi)
    {
        if (mesh is null)
        {
            // No face mesh: the CNN part alone, the geometry replaced by the training means (as the regression does for NaN).
            using var crop = new Mat();
            var m = meshRoi.CropToFrame(EmotionEmbedder.Size * 2);
            using (var matrix = Mat.FromPixelData(2, 3, MatType.CV_32FC1, m))
            {
                Cv2.WarpAffine(bgr, crop, matrix, new Size(EmotionEmbedder.Size * 2, EmotionEmbedder.Size * 2), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Replicate);
            }

            return ClassifyCrop(crop);
        }

        return _model.Classify(_extractor.FromFrame(bgr, mesh.Points, cnnRoi ?? FaceRoi.FromMesh(mesh.Points, 1.1f)));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _extractor.Dispose();
        foreach (var d in _owned)
        {
            d.Dispose();
        }
    }
}
