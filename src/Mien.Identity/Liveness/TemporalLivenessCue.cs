using Mien.Results;

namespace Mien.Identity.Liveness;

/// <summary>
/// Motion between consecutive captures of one face: what a still image cannot show.
/// </summary>
/// <param name="Pairs">Consecutive pairs compared.</param>
/// <param name="NonRigidMotion">Median over pairs of the mesh's RMS residual after the best 2-D similarity alignment, in inter-ocular distances: 0 for the same picture shown again; a photo moved or tilted as a whole stays near 0 (a plane seen from a distance moves almost rigidly in the image); a live face shows expression, blinks and parallax.</param>
/// <param name="OpennessRange">Largest minus smallest eye openness (eye aspect ratio) over the captures: a blink or a squint shows here.</param>
/// <param name="IdenticalPairs">Pairs whose meshes are identical (the same image submitted twice).</param>
/// <param name="NonPlanarMotion">Median over pairs of the mesh's RMS residual after the best homography, in inter-ocular distances: a flat picture (print, screen) moved or tilted in any way maps onto itself by a homography, so only a three-dimensional, deforming face leaves a residual beyond the mesh's own noise.</param>
public sealed record TemporalCues(int Pairs, float NonRigidMotion, float OpennessRange, int IdenticalPairs, float NonPlanarMotion = 0);

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
        var planar = new List<float>();
        var identical = 0;
        for (var i = 1; i < meshes.Count; i++)
        {
            var r = Residual(meshes[i - 1], meshes[i]);
            identical += r == 0 ? 1 : 0;
            residuals.Add(r);
            planar.Add(HomographyResidual(meshes[i - 1], meshes[i]));
        }

        var median = Median(residuals);
        float min = float.MaxValue, max = float.MinValue;
        foreach (var o in openness)
        {
            if (o is { } v)
            {
                min = MathF.Min(min, v);
                max = MathF.Max(max, v);
            }
        }

        return new TemporalCues(residuals.Count, median, max >= min ? max - min : 0, identical, Median(planar));
    }

    private static float Median(List<float> values)
    {
        values.Sort();
        return values.Count == 0 ? 0 : values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }

    /// <summary>
    /// RMS distance of <paramref name="a"/>'s points from <paramref name="b"/>'s mapped by the least-squares homography
    /// (direct linear transform with h₃₃ = 1 on centred, scaled coordinates), over a's inter-ocular distance.
    /// </summary>
    internal static float HomographyResidual(IReadOnlyList<Point3> a, IReadOnlyList<Point3> b)
    {
        if (a.Count < Points || b.Count < Points)
        {
            throw new ArgumentException($"a face mesh has at least {Points} points; got {a.Count} and {b.Count}");
        }

        var (ax, ay, asc) = Normalisation(a);
        var (bx, by, bsc) = Normalisation(b);
        // Normal equations of the 2N linear equations in h = (h11 h12 h13 h21 h22 h23 h31 h32).
        Span<double> m = stackalloc double[64];
        Span<double> v = stackalloc double[8];
        m.Clear();
        v.Clear();
        Span<double> row = stackalloc double[8];
        for (var i = 0; i < Points; i++)
        {
            double x = (b[i].X - bx) * bsc, y = (b[i].Y - by) * bsc, u = (a[i].X - ax) * asc, w = (a[i].Y - ay) * asc;
            for (var eq = 0; eq < 2; eq++)
            {
                row.Clear();
                double target;
                if (eq == 0)
                {
                    row[0] = x;
                    row[1] = y;
                    row[2] = 1;
                    row[6] = -u * x;
                    row[7] = -u * y;
                    target = u;
                }
                else
                {
                    row[3] = x;
                    row[4] = y;
                    row[5] = 1;
                    row[6] = -w * x;
                    row[7] = -w * y;
                    target = w;
                }

                for (var r = 0; r < 8; r++)
                {
                    v[r] += row[r] * target;
                    for (var c = 0; c < 8; c++)
                    {
                        m[(r * 8) + c] += row[r] * row[c];
                    }
                }
            }
        }

        if (!Solve(m, v))
        {
            return 0;
        }

        double sum = 0;
        for (var i = 0; i < Points; i++)
        {
            double x = (b[i].X - bx) * bsc, y = (b[i].Y - by) * bsc;
            var d = (v[6] * x) + (v[7] * y) + 1;
            var u = ((v[0] * x) + (v[1] * y) + v[2]) / d;
            var w = ((v[3] * x) + (v[4] * y) + v[5]) / d;
            double du = (u / asc) + ax - a[i].X, dw = (w / asc) + ay - a[i].Y;
            sum += (du * du) + (dw * dw);
        }

        var eyes = Math.Sqrt(Math.Pow(a[33].X - a[263].X, 2) + Math.Pow(a[33].Y - a[263].Y, 2));
        return eyes <= 0 ? 0 : (float)(Math.Sqrt(sum / Points) / eyes);
    }

    /// <summary>Centroid and the scale that makes the mean distance from it √2 (Hartley), for a well-conditioned fit.</summary>
    private static (double X, double Y, double Scale) Normalisation(IReadOnlyList<Point3> p)
    {
        double x = 0, y = 0;
        for (var i = 0; i < Points; i++)
        {
            x += p[i].X;
            y += p[i].Y;
        }

        x /= Points;
        y /= Points;
        double d = 0;
        for (var i = 0; i < Points; i++)
        {
            d += Math.Sqrt(Math.Pow(p[i].X - x, 2) + Math.Pow(p[i].Y - y, 2));
        }

        d /= Points;
        return (x, y, d > 0 ? Math.Sqrt(2) / d : 1);
    }

    /// <summary>Solves the 8×8 system in place (Gaussian elimination with partial pivoting); the solution replaces <paramref name="v"/>. False when singular.</summary>
    private static bool Solve(Span<double> m, Span<double> v)
    {
        const int N = 8;
        for (var col = 0; col < N; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < N; r++)
            {
                if (Math.Abs(m[(r * N) + col]) > Math.Abs(m[(pivot * N) + col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(m[(pivot * N) + col]) < 1e-12)
            {
                return false;
            }

            if (pivot != col)
            {
                for (var c = 0; c < N; c++)
                {
                    (m[(col * N) + c], m[(pivot * N) + c]) = (m[(pivot * N) + c], m[(col * N) + c]);
                }

                (v[col], v[pivot]) = (v[pivot], v[col]);
            }

            for (var r = col + 1; r < N; r++)
            {
                var f = m[(r * N) + col] / m[(col * N) + col];
                for (var c = col; c < N; c++)
                {
                    m[(r * N) + c] -= f * m[(col * N) + c];
                }

                v[r] -= f * v[col];
            }
        }

        for (var r = N - 1; r >= 0; r--)
        {
            var s = v[r];
            for (var c = r + 1; c < N; c++)
            {
                s -= m[(r * N) + c] * v[c];
            }

            v[r] = s / m[(r * N) + r];
        }

        return true;
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
