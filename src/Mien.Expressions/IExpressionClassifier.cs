using Mien.Faces.Mesh;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Expressions;

/// <summary>
/// What the pipeline and <c>mien eval</c> ask of an expression model: one model (<see cref="EmotionClassifier"/>) or
/// several averaged (<see cref="ExpressionEnsemble"/>). Not thread-safe: each stream has its own.
/// </summary>
public interface IExpressionClassifier : IDisposable
{
    /// <summary>Estimates the expression of the face in <paramref name="box"/> of a BGR frame.</summary>
    ExpressionEstimate Classify(Mat bgr, FaceBox box);

    /// <summary>
    /// Estimates the expression in a rotated square of a BGR video frame for a tracked face; <paramref name="track"/>
    /// lets an ensemble run slow members only every N-th frame of that track (−1 = no track: run everything).
    /// </summary>
    ExpressionEstimate ClassifyAligned(Mat bgr, FaceRoi roi, int track);

    /// <summary>
    /// As <see cref="ClassifyAligned(Mat, FaceRoi, int)"/> with the face's mesh (frame pixels), for classifiers that read
    /// its geometry; the others ignore it.
    /// </summary>
    ExpressionEstimate ClassifyAligned(Mat bgr, FaceRoi roi, int track, IReadOnlyList<Point3> mesh) => ClassifyAligned(bgr, roi, track);

    /// <summary>Estimates the expression of an already cropped face (8-bit greyscale or BGR).</summary>
    ExpressionEstimate ClassifyCrop(Mat face);

    /// <summary>Drops what is kept for a track that ended.</summary>
    void Forget(int track);
}
