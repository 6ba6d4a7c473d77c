namespace Mien.Evaluation;

/// <summary>
/// Counts of (true class, predicted class) pairs over a fixed list of classes, plus, per true class, the
/// samples that got no prediction at all (e.g. no face was found). A sample without a prediction is wrong:
/// it lowers the accuracy and its class's recall, and is nobody's false positive.
/// </summary>
/// <remarks>
/// Undefined ratios are <see langword="null"/>, never 0 or NaN, so a report cannot pass them off as measured:
/// precision of a class never predicted (0/0), recall of a class with no support (0/0), and F1 of a class
/// with neither support nor predictions. F1 is computed as 2·TP / (2·TP + FP + FN), which equals the
/// harmonic mean of precision and recall whenever both exist and is 0 for a class that has support but is
/// never predicted, or is predicted but has no support. Macro-F1 averages F1 over the classes where it is
/// defined (those in the truth or in the predictions, as scikit-learn's default label set does); a class
/// absent from both gives no evidence either way and is left out. Balanced accuracy is the mean recall over
/// classes with support.
/// </remarks>
public sealed class ConfusionMatrix
{
    private readonly string[] _labels;

    // Row-major [actual, predicted]; column ClassCount holds the samples without a prediction.
    private readonly int[] _counts;

    /// <summary>An empty matrix over <paramref name="labels"/> (distinct, non-empty names).</summary>
    public ConfusionMatrix(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0)
        {
            throw new ArgumentException("a confusion matrix needs at least one class", nameof(labels));
        }

        if (labels.Any(string.IsNullOrEmpty) || labels.Distinct(StringComparer.Ordinal).Count() != labels.Count)
        {
            throw new ArgumentException($"class labels must be distinct and non-empty, got [{string.Join(", ", labels)}]", nameof(labels));
        }

        _labels = [.. labels];
        _counts = new int[_labels.Length * (_labels.Length + 1)];
    }

    /// <summary>Class names, in index order.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Number of classes.</summary>
    public int ClassCount => _labels.Length;

    /// <summary>All samples added.</summary>
    public int Total { get; private set; }

    /// <summary>Samples whose prediction equals their class (the trace).</summary>
    public int Correct { get; private set; }

    /// <summary>Samples that got no prediction.</summary>
    public int Unpredicted { get; private set; }

    /// <summary>Samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted]
    {
        get
        {
            CheckClass(actual, nameof(actual));
            CheckClass(predicted, nameof(predicted));
            return _counts[Cell(actual, predicted)];
        }
    }

    /// <summary>Builds a matrix from (actual, predicted) pairs; a null prediction means none was made.</summary>
    public static ConfusionMatrix From(IReadOnlyList<string> labels, IEnumerable<(int Actual, int? Predicted)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var matrix = new ConfusionMatrix(labels);
        foreach (var (actual, predicted) in samples)
        {
            matrix.Add(actual, predicted);
        }

        return matrix;
    }

    /// <summary>Counts one sample of class <paramref name="actual"/>; <paramref name="predicted"/> null = no prediction.</summary>
    public void Add(int actual, int? predicted)
    {
        CheckClass(actual, nameof(actual));
        if (predicted is { } p)
        {
            CheckClass(p, nameof(predicted));
            _counts[Cell(actual, p)]++;
            if (p == actual)
            {
                Correct++;
            }
        }
        else
        {
            _counts[Cell(actual, ClassCount)]++;
            Unpredicted++;
        }

        Total++;
    }

    /// <summary>Samples of class <paramref name="actual"/> that got no prediction.</summary>
    public int UnpredictedOf(int actual)
    {
        CheckClass(actual, nameof(actual));
        return _counts[Cell(actual, ClassCount)];
    }

    /// <summary>Samples whose true class is <paramref name="c"/> (with or without a prediction).</summary>
    public int Support(int c)
    {
        CheckClass(c, nameof(c));
        var sum = 0;
        for (var p = 0; p <= ClassCount; p++)
        {
            sum += _counts[Cell(c, p)];
        }

        return sum;
    }

    /// <summary>Samples predicted as class <paramref name="c"/>.</summary>
    public int PredictedAs(int c)
    {
        CheckClass(c, nameof(c));
        var sum = 0;
        for (var a = 0; a < ClassCount; a++)
        {
            sum += _counts[Cell(a, c)];
        }

        return sum;
    }

    /// <summary>Precision, recall and F1 of class <paramref name="c"/> (null where undefined; see the class remarks).</summary>
    public ClassScores Scores(int c)
    {
        var support = Support(c);
        var predicted = PredictedAs(c);
        var tp = _counts[Cell(c, c)];
        var fp = predicted - tp;
        var fn = support - tp;
        return new ClassScores(
            _labels[c],
            support,
            predicted,
            tp,
            predicted == 0 ? null : (double)tp / predicted,
            support == 0 ? null : (double)tp / support,
            support == 0 && predicted == 0 ? null : 2.0 * tp / ((2.0 * tp) + fp + fn));
    }

    /// <summary>Scores of every class, in index order.</summary>
    public IReadOnlyList<ClassScores> AllScores()
    {
        var scores = new ClassScores[ClassCount];
        for (var c = 0; c < ClassCount; c++)
        {
            scores[c] = Scores(c);
        }

        return scores;
    }

    /// <summary>Correct / total (null when empty). Samples without a prediction count as wrong.</summary>
    public double? Accuracy => Total == 0 ? null : (double)Correct / Total;

    /// <summary>Mean F1 over the classes where F1 is defined (null when none is).</summary>
    public double? MacroF1 => Mean(AllScores().Select(s => s.F1));

    /// <summary>Mean recall over classes with support (null when empty).</summary>
    public double? BalancedAccuracy => Mean(AllScores().Select(s => s.Recall));

    private static double? Mean(IEnumerable<double?> values)
    {
        var sum = 0.0;
        var n = 0;
        foreach (var v in values)
        {
            if (v is { } x)
            {
                sum += x;
                n++;
            }
        }

        return n == 0 ? null : sum / n;
    }

    private int Cell(int actual, int predicted) => (actual * (ClassCount + 1)) + predicted;

    private void CheckClass(int c, string name)
    {
        if ((uint)c >= (uint)ClassCount)
        {
            throw new ArgumentOutOfRangeException(name, c, $"class index must be within [0, {ClassCount - 1}]");
        }
    }
}

/// <summary>Per-class figures of a <see cref="ConfusionMatrix"/>; null = undefined (0/0).</summary>
/// <param name="Label">Class name.</param>
/// <param name="Support">Samples of this class.</param>
/// <param name="Predicted">Samples predicted as this class.</param>
/// <param name="TruePositives">Samples of this class predicted as it.</param>
/// <param name="Precision">TP / predicted; null when never predicted.</param>
/// <param name="Recall">TP / support; null when there is no support.</param>
/// <param name="F1">2·TP / (2·TP + FP + FN); null when there is neither support nor a prediction.</param>
public readonly record struct ClassScores(string Label, int Support, int Predicted, int TruePositives, double? Precision, double? Recall, double? F1);
