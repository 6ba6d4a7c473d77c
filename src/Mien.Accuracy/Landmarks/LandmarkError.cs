namespace Mien.Accuracy.Landmarks;

/// <summary>One image's landmark error, normalised by the inter-ocular distance (outer eye corners).</summary>
/// <param name="All68">Mean point-to-point error over all 68 points ÷ inter-ocular distance.</param>
/// <param name="Inner51">The same without the 17 jaw points (brows, nose, eyes, mouth).</param>
/// <param name="InterOcular">Distance between the annotated outer eye corners (pixels).</param>
/// <param name="PerPoint">Each point's error ÷ inter-ocular distance.</param>
public sealed record LandmarkError(double All68, double Inner51, double InterOcular, IReadOnlyList<double> PerPoint)
{
    /// <summary>Compares predicted with annotated 68-point sets.</summary>
    /// <exception cref="ArgumentException">Not 68 points each, or the annotated eye corners coincide.</exception>
    public static LandmarkError Measure(IReadOnlyList<Point2> predicted, IReadOnlyList<Point2> annotated)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(annotated);
        if (predicted.Count != Pts68.Count || annotated.Count != Pts68.Count)
        {
            throw new ArgumentException($"expected 68 points each, got {predicted.Count} predicted and {annotated.Count} annotated");
        }

        var d = annotated[MeshTo68.RightEyeOuter].DistanceTo(annotated[MeshTo68.LeftEyeOuter]);
        if (!(d > 1e-6))
        {
            throw new ArgumentException("the annotated outer eye corners coincide: inter-ocular distance is zero", nameof(annotated));
        }

        var per = new double[Pts68.Count];
        double all = 0, inner = 0;
        for (var i = 0; i < per.Length; i++)
        {
            per[i] = predicted[i].DistanceTo(annotated[i]) / d;
            all += per[i];
            if (i >= MeshTo68.JawCount)
            {
                inner += per[i];
            }
        }

        return new LandmarkError(all / Pts68.Count, inner / (Pts68.Count - MeshTo68.JawCount), d, per);
    }
}
