using Mien.Results;

namespace Mien.Identity.Liveness;

/// <summary>
/// Motion between consecutive captures of one face: what a still image cannot show.
/// </summary>
/// <param name="Pairs">Consecutive pairs compared.</param>
/// <param name="NonRigidMotion">Median over pairs of the mesh's RMS residual after the best 2-D similarity alignment, in inter-ocular distances: 0 for the same picture shown again; a photo moved or tilted as a whole stays near 0 (a plane seen from a distance moves almost rigidly in the image); a live face shows expression, blinks and parallax.</param>
/// <param name="OpennessRange">Largest minus smallest eye openness (eye aspect ratio) over the captures: a blink or a squint shows here.</param>
/// <param name="IdenticalPairs">Pairs whose meshes are identical (the same image submitted twice).</param>
public sealed record TemporalCues(int Pairs, float NonRigidMotion, float OpennessRange, int IdenticalPairs);

/// <summary>Measures <see cref="TemporalCues"/> over a burst of captures. Pure (no pixels, no models).</summary>
public static class TemporalLivenessCue
{
    /// <summary>Mesh points compared: the 468 face points (iris points, when present, follow the eyes' gaze, not the head).</summary>
    private const int Points = 468;

    /// <summary>
    /// The cues over the meshes (frame pixels) of one face in consecutive captures, with each capture's eye openness
    /// (null when unknown). Fewer than two captures give zero pairs.
    /// </summary>
    public static TemporalCues Measure(IReadOnlyList<IReadOnlyList<Point3>> meshes, IReadOnlyList<float?> openness)
    {
        ArgumentNullException.ThrowIfNull(meshes);
        ArgumentNullException.ThrowIfNull(openness);
        if (openness.Count != meshes.Count)
        {
            throw new ArgumentException($"{meshes.Count} meshes but {openness.Count} openness values; give one per capture", nameof(openness));
        }

        var residuals = new List<float>();
        var identical = 0;
        for (var i = 1; i < meshes.Count; i++)
        {
            var r = Residual(meshes[i - 1], meshes[i]);
            identical += r == 0 ? 1 : 0;
            residuals.Add(r);
        }

        residuals.Sort();
        var median = residuals.Count == 0 ? 0 : residuals.Count % 2 == 1 ? residuals[residuals.Count / 2] : (residuals[(residuals.Count / 2) - 1] + residuals[residuals.Count / 2]) / 2;
        float min = float.MaxValue, max = float.MinValue;
        foreach (var o in openness)
        {
            if (o is { } v)
            {
                min = MathF.Min(min, v);
                max = MathF.Max(max, v);
            }
        }

        return new TemporalCues(residuals.Count, median, max >= min ? max - min : 0, identical);
    }

    /// <summary>RMS distance of <paramref name="b"/>'s points from <paramref name="a"/>'s after the least-squares similarity (scale, rotation, shift) mapping b onto a, over a's inter-ocular distance.</summary>
    internal static float Residual(IReadOnlyList<Point3> a, IReadOnlyList<Point3> b)
    {
        if (a.Count < Points || b.Count < Points)
        {
            throw new ArgumentException($"a face mesh has at least {Points} points; got {a.Count} and {b.Count}");
        }

        double ax = 0, ay = 0, bx = 0, by = 0;
        for (var i = 0; i < Points; i++)
        {
            ax += a[i].X;
            ay += a[i].Y;
            bx += b[i].X;
            by += b[i].Y;
        }

        ax /= Points;
        ay /= Points;
        bx /= Points;
        by /= Points;

        // Umeyama/Procrustes in 2-D: with complex numbers, the best z_a ≈ s·e^{iθ}·z_b is c = Σ conj(z_b)·z_a / Σ |z_b|².
        double re = 0, im = 0, nb = 0;
        for (var i = 0; i < Points; i++)
        {
            double px = b[i].X - bx, py = b[i].Y - by, qx = a[i].X - ax, qy = a[i].Y - ay;
            re += (px * qx) + (py * qy);
            im += (px * qy) - (py * qx);
            nb += (px * px) + (py * py);
        }

        if (nb == 0)
        {
            return 0;
        }

        double cr = re / nb, ci = im / nb, sum = 0;
        for (var i = 0; i < Points; i++)
        {
            double px = b[i].X - bx, py = b[i].Y - by;
            var dx = (cr * px) - (ci * py) - (a[i].X - ax);
            var dy = (ci * px) + (cr * py) - (a[i].Y - ay);
            sum += (dx * dx) + (dy * dy);
        }

        var eyes = Math.Sqrt(Math.Pow(a[33].X - a[263].X, 2) + Math.Pow(a[33].Y - a[263].Y, 2));
        return eyes <= 0 ? 0 : (float)(Math.Sqrt(sum / Points) / eyes);
    }
}
