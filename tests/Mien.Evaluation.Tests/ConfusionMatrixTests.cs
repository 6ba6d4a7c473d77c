using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Mien.Evaluation.Tests;

/// <summary>Metrics of the confusion matrix: hand-computed cases and properties over random samples.</summary>
public sealed class ConfusionMatrixTests
{
    private const int A = 0, B = 1, C = 2;

    /// <summary>
    /// Ten samples over four classes, worked by hand:
    /// a (support 5): 3 → a, 1 → b, 1 → no prediction;  b (support 5): 2 → a, 2 → b, 1 → c;  c, d: no support.
    /// </summary>
    private static ConfusionMatrix Worked() => ConfusionMatrix.From(["a", "b", "c", "d"],
    [
        (A, A), (A, A), (A, A), (A, B), (A, null),
        (B, A), (B, A), (B, B), (B, B), (B, C),
    ]);

    [Fact]
    public void Worked_example_matches_the_hand_computed_figures()
    {
        var m = Worked();

        Assert.Equal(10, m.Total);
        Assert.Equal(5, m.Correct);
        Assert.Equal(1, m.Unpredicted);
        Assert.Equal(0.5, m.Accuracy);

        // a: TP 3, predicted 3 + 2 = 5, support 5 → P = R = 3/5, F1 = 6 / (6 + 2 + 2).
        Assert.Equal(new ClassScores("a", 5, 5, 3, 0.6, 0.6, 0.6), m.Scores(A));

        // b: TP 2, predicted 1 + 2 = 3, support 5 → P = 2/3, R = 2/5, F1 = 4 / (4 + 1 + 3) = 0.5 (= 2PR / (P + R)).
        var b = m.Scores(B);
        Assert.Equal((5, 3, 2), (b.Support, b.Predicted, b.TruePositives));
        Assert.Equal(2.0 / 3, b.Precision!.Value, 12);
        Assert.Equal(0.4, b.Recall!.Value, 12);
        Assert.Equal(0.5, b.F1!.Value, 12);

        // c: predicted once, never true → precision 0, recall undefined, F1 = 0 / (0 + 1 + 0) = 0.
        Assert.Equal(new ClassScores("c", 0, 1, 0, 0.0, null, 0.0), m.Scores(C));

        // d: neither support nor predictions → everything undefined, and left out of the macro average.
        Assert.Equal(new ClassScores("d", 0, 0, 0, null, null, null), m.Scores(3));

        Assert.Equal((0.6 + 0.5 + 0.0) / 3, m.MacroF1!.Value, 12);
        Assert.Equal((0.6 + 0.4) / 2, m.BalancedAccuracy!.Value, 12);
    }

    [Fact]
    public void A_class_with_support_that_is_never_predicted_has_undefined_precision_and_zero_f1()
    {
        var m = ConfusionMatrix.From(["x", "y"], [(0, 0), (1, 0)]);

        var y = m.Scores(1);

        Assert.Null(y.Precision);
        Assert.Equal(0.0, y.Recall);
        Assert.Equal(0.0, y.F1);
        Assert.Equal((2.0 / 3 + 0) / 2, m.MacroF1!.Value, 12);   // x: P = 1/2, R = 1 → F1 = 2/3
        Assert.Equal(0.5, m.BalancedAccuracy);
    }

    [Fact]
    public void Samples_without_a_prediction_are_wrong_but_nobodys_false_positive()
    {
        var m = ConfusionMatrix.From(["x", "y"], [(0, 0), (0, null), (1, 1)]);

        Assert.Equal(2.0 / 3, m.Accuracy!.Value, 12);
        Assert.Equal(1.0, m.Scores(0).Precision);
        Assert.Equal(0.5, m.Scores(0).Recall);
        Assert.Equal(1, m.UnpredictedOf(0));
        Assert.Equal(2, m.Support(0));
        Assert.Equal(1, m.PredictedAs(0));
    }

    [Fact]
    public void Perfect_predictions_score_one_everywhere()
    {
        var m = ConfusionMatrix.From(["x", "y", "z"], [(0, 0), (1, 1), (2, 2), (2, 2)]);

        Assert.Equal(1.0, m.Accuracy);
        Assert.Equal(1.0, m.MacroF1);
        Assert.Equal(1.0, m.BalancedAccuracy);
    }

    [Fact]
    public void An_empty_matrix_has_no_figures_rather_than_zeros()
    {
        var m = new ConfusionMatrix(["x", "y"]);

        Assert.Null(m.Accuracy);
        Assert.Null(m.MacroF1);
        Assert.Null(m.BalancedAccuracy);
    }

    [Fact]
    public void Bad_labels_and_indices_are_refused_with_the_range()
    {
        Assert.Throws<ArgumentException>(() => new ConfusionMatrix([]));
        Assert.Throws<ArgumentException>(() => new ConfusionMatrix(["x", "x"]));
        var m = new ConfusionMatrix(["x", "y"]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => m.Add(2, 0));
        Assert.Contains("[0, 1]", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Add(0, -1));
        Assert.Equal(0, m.Total);
    }

    // ---- properties over random samples ----

    internal static Gen<(int Classes, (int Actual, int? Predicted)[] Samples)> Samples() =>
        from k in Gen.Choose(1, 8)
        from n in Gen.Choose(0, 200)
        from samples in Gen.ArrayOf(
            from a in Gen.Choose(0, k - 1)
            from p in Gen.Choose(-1, k - 1)
            select (a, p < 0 ? (int?)null : p), n)
        select (k, samples);

    private static string[] Labels(int k) => [.. Enumerable.Range(0, k).Select(i => $"c{i}")];

    [Property(MaxTest = 300)]
    public Property Accuracy_is_the_trace_over_the_total() =>
        Prop.ForAll(Samples().ToArbitrary(), s =>
        {
            var m = ConfusionMatrix.From(Labels(s.Classes), s.Samples);
            var trace = Enumerable.Range(0, s.Classes).Sum(c => m[c, c]);
            var cells = Enumerable.Range(0, s.Classes).Sum(a => Enumerable.Range(0, s.Classes).Sum(p => m[a, p]) + m.UnpredictedOf(a));
            return cells == s.Samples.Length
                && m.Correct == trace
                && (s.Samples.Length == 0 ? m.Accuracy is null : Math.Abs(m.Accuracy!.Value - ((double)trace / s.Samples.Length)) < 1e-12);
        });

    [Property(MaxTest = 300)]
    public Property Macro_f1_and_balanced_accuracy_stay_within_zero_and_one() =>
        Prop.ForAll(Samples().ToArbitrary(), s =>
        {
            var m = ConfusionMatrix.From(Labels(s.Classes), s.Samples);
            return s.Samples.Length == 0
                ? m.MacroF1 is null && m.BalancedAccuracy is null
                : m.MacroF1 is >= 0 and <= 1 && m.BalancedAccuracy is >= 0 and <= 1;
        });

    [Property(MaxTest = 300)]
    public Property F1_is_the_harmonic_mean_of_precision_and_recall_where_both_exist() =>
        Prop.ForAll(Samples().ToArbitrary(), s =>
            ConfusionMatrix.From(Labels(s.Classes), s.Samples).AllScores().All(c =>
                c is not { Precision: { } p, Recall: { } r }
                || (p + r == 0 ? c.F1 == 0 : Math.Abs(c.F1!.Value - (2 * p * r / (p + r))) < 1e-12)));

    [Property(MaxTest = 200)]
    public Property Permuting_the_samples_changes_nothing() =>
        Prop.ForAll(Samples().ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (s, seed) =>
        {
            var shuffled = s.Samples.ToArray();
            new Random(seed).Shuffle(shuffled);
            var x = MetricsReport.From(ConfusionMatrix.From(Labels(s.Classes), s.Samples), "none");
            var y = MetricsReport.From(ConfusionMatrix.From(Labels(s.Classes), shuffled), "none");
            return x.Accuracy == y.Accuracy && x.MacroF1 == y.MacroF1 && x.BalancedAccuracy == y.BalancedAccuracy
                && x.Classes.SequenceEqual(y.Classes)
                && x.Confusion.Counts.Zip(y.Confusion.Counts).All(r => r.First.SequenceEqual(r.Second));
        });

    [Property(MaxTest = 200)]
    public Property Losing_a_prediction_never_raises_accuracy_or_recall() =>
        Prop.ForAll(Samples().ToArbitrary(), s =>
        {
            var withAbstention = s.Samples.Append((0, null)).ToArray();
            var before = ConfusionMatrix.From(Labels(s.Classes), s.Samples);
            var after = ConfusionMatrix.From(Labels(s.Classes), withAbstention);
            return (before.Accuracy ?? 1) >= after.Accuracy!.Value && (before.Scores(0).Recall ?? 1) >= after.Scores(0).Recall!.Value;
        });
}
