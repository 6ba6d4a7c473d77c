namespace Mien.Training.Expressions;

/// <summary>Calibration of a classifier on held-back data: one temperature, and the expected calibration error before and after.</summary>
/// <param name="Temperature">Divides the logits before the softmax (1 = unchanged; above 1 = softer).</param>
/// <param name="NllBefore">Mean negative log-likelihood at temperature 1.</param>
/// <param name="NllAfter">Mean negative log-likelihood at <paramref name="Temperature"/>.</param>
/// <param name="EceBefore">Expected calibration error (15 equal-width confidence bins) at temperature 1.</param>
/// <param name="EceAfter">The same at <paramref name="Temperature"/>.</param>
/// <param name="Samples">Images used.</param>
public sealed record CalibrationResult(double Temperature, double NllBefore, double NllAfter, double EceBefore, double EceAfter, int Samples);

/// <summary>
/// Temperature scaling (Guo et al., 2017): the single T that minimises the negative log-likelihood of the validation
/// labels under softmax(logits / T). Accuracy is unchanged (the arg-max does not move); probabilities become honest,
/// which the temporal model's evidence relies on.
/// </summary>
public static class TemperatureScaling
{
    /// <summary>Confidence bins of <see cref="ExpectedCalibrationError"/>.</summary>
    public const int Bins = 15;

    /// <summary>Fits T on <paramref name="logits"/> (row-major, <paramref name="classes"/> per row) and <paramref name="labels"/>.</summary>
    public static CalibrationResult Fit(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (labels.Length == 0 || logits.Length != labels.Length * classes)
        {
            throw new ArgumentException($"need {classes} logits per label and at least one label; got {logits.Length} logits for {labels.Length} labels", nameof(logits));
        }

        var l = logits.ToArray();
        var y = labels.ToArray();
        // NLL is convex in 1/T; golden-section search over log T in [ln 0.05, ln 20] is exact enough (|Δ log T| < 1e-4).
        double lo = Math.Log(0.05), hi = Math.Log(20);
        var phi = (Math.Sqrt(5) - 1) / 2;
        var a = hi - (phi * (hi - lo));
        var b = lo + (phi * (hi - lo));
        var fa = Nll(l, y, classes, Math.Exp(a));
        var fb = Nll(l, y, classes, Math.Exp(b));
        while (hi - lo > 1e-4)
        {
            if (fa < fb)
            {
                hi = b;
                b = a;
                fb = fa;
                a = hi - (phi * (hi - lo));
                fa = Nll(l, y, classes, Math.Exp(a));
            }
            else
            {
                lo = a;
                a = b;
                fa = fb;
                b = lo + (phi * (hi - lo));
                fb = Nll(l, y, classes, Math.Exp(b));
            }
        }

        var t = Math.Exp((lo + hi) / 2);
        return new CalibrationResult(t, Nll(l, y, classes, 1), Nll(l, y, classes, t), ExpectedCalibrationError(l, y, classes, 1), ExpectedCalibrationError(l, y, classes, t), y.Length);
    }

    /// <summary>Mean negative log-likelihood of the labels under softmax(logits / <paramref name="temperature"/>).</summary>
    public static double Nll(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, double temperature)
    {
        double sum = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var row = logits.Slice(i * classes, classes);
            var max = double.NegativeInfinity;
            foreach (var v in row)
            {
                max = Math.Max(max, v / temperature);
            }

            double z = 0;
            foreach (var v in row)
            {
                z += Math.Exp((v / temperature) - max);
            }

            sum -= (row[labels[i]] / temperature) - max - Math.Log(z);
        }

        return sum / labels.Length;
    }

    /// <summary>
    /// Expected calibration error: the confidence of the arg-max class against the accuracy, averaged over
    /// <see cref="Bins"/> equal-width confidence bins weighted by their share of images.
    /// </summary>
    public static double ExpectedCalibrationError(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes, double temperature)
    {
        var confidence = new double[Bins];
        var correct = new double[Bins];
        var count = new int[Bins];
        for (var i = 0; i < labels.Length; i++)
        {
            var row = logits.Slice(i * classes, classes);
            var best = 0;
            for (var k = 1; k < classes; k++)
            {
                if (row[k] > row[best])
                {
                    best = k;
                }
            }

            double z = 0;
            foreach (var v in row)
            {
                z += Math.Exp((v - row[best]) / temperature);
            }

            var p = 1 / z;
            var bin = Math.Min(Bins - 1, (int)(p * Bins));
            confidence[bin] += p;
            correct[bin] += best == labels[i] ? 1 : 0;
            count[bin]++;
        }

        double ece = 0;
        for (var b = 0; b < Bins; b++)
        {
            if (count[b] > 0)
            {
                ece += Math.Abs(confidence[b] - correct[b]) / labels.Length;
            }
        }

        return ece;
    }
}
