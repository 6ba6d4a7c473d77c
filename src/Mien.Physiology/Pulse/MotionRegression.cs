namespace Mien.Physiology.Pulse;

/// <summary>
/// Removes from a pulse signal the part a linear combination of the (band-passed) head-motion traces explains: colour
/// changes that move with the head in the pulse band (a sampling region sliding over the skin, shading that follows the
/// head) are motion, not pulse. Ordinary least squares with a small ridge, five regressors: a 5×5 solve per window.
/// </summary>
internal static class MotionRegression
{
    public static void Remove(Span<double> pulse, double[][] regressors)
    {
        var k = regressors.Length;
        var n = pulse.Length;
        Span<double> a = stackalloc double[k * k];
        Span<double> b = stackalloc double[k];
        double trace = 0;
        for (var i = 0; i < k; i++)
        {
            var ri = regressors[i].AsSpan(0, n);
            for (var j = i; j < k; j++)
            {
                var rj = regressors[j].AsSpan(0, n);
                double sum = 0;
                for (var t = 0; t < n; t++)
                {
                    sum += ri[t] * rj[t];
                }

                a[(i * k) + j] = sum;
                a[(j * k) + i] = sum;
            }

            double bs = 0;
            for (var t = 0; t < n; t++)
            {
                bs += ri[t] * pulse[t];
            }

            b[i] = bs;
            trace += a[(i * k) + i];
        }

        if (!(trace > 0))
        {
            return; // no motion at all
        }

        // Ridge: a regressor with next to no variance (a still head) gets a coefficient near zero instead of a wild one.
        for (var i = 0; i < k; i++)
        {
            a[(i * k) + i] += 1e-6 * trace;
        }

        if (!Solve(a, b, k))
        {
            return;
        }

        for (var t = 0; t < n; t++)
        {
            double fit = 0;
            for (var i = 0; i < k; i++)
            {
                fit += b[i] * regressors[i][t];
            }

            pulse[t] -= fit;
        }
    }

    /// <summary>Solves a·x = b in place (Gaussian elimination with partial pivoting); x replaces b.</summary>
    internal static bool Solve(Span<double> a, Span<double> b, int k)
    {
        for (var c = 0; c < k; c++)
        {
            var pivot = c;
            for (var r = c + 1; r < k; r++)
            {
                if (Math.Abs(a[(r * k) + c]) > Math.Abs(a[(pivot * k) + c]))
                {
                    pivot = r;
                }
            }

            if (!(Math.Abs(a[(pivot * k) + c]) > 1e-300))
            {
                return false;
            }

            if (pivot != c)
            {
                for (var j = 0; j < k; j++)
                {
                    (a[(c * k) + j], a[(pivot * k) + j]) = (a[(pivot * k) + j], a[(c * k) + j]);
                }

                (b[c], b[pivot]) = (b[pivot], b[c]);
            }

            for (var r = c + 1; r < k; r++)
            {
                var f = a[(r * k) + c] / a[(c * k) + c];
                for (var j = c; j < k; j++)
                {
                    a[(r * k) + j] -= f * a[(c * k) + j];
                }

                b[r] -= f * b[c];
            }
        }

        for (var r = k - 1; r >= 0; r--)
        {
            var sum = b[r];
            for (var j = r + 1; j < k; j++)
            {
                sum -= a[(r * k) + j] * b[j];
            }

            b[r] = sum / a[(r * k) + r];
        }

        return true;
    }
}
