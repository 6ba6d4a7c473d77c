using System.Globalization;

namespace Mien.Evaluation;

/// <summary>The figures of a <see cref="ConfusionMatrix"/> as a serialisable record (undefined ratios are null).</summary>
/// <param name="Total">Samples scored.</param>
/// <param name="Correct">Samples predicted right.</param>
/// <param name="Unpredicted">Samples that got no prediction (counted wrong).</param>
/// <param name="Accuracy">Correct / total.</param>
/// <param name="MacroF1">Mean F1 over classes in the truth or the predictions.</param>
/// <param name="BalancedAccuracy">Mean recall over classes with support.</param>
/// <param name="Classes">Per-class precision, recall, F1 and support.</param>
/// <param name="Confusion">The matrix itself.</param>
public sealed record MetricsReport(
    int Total,
    int Correct,
    int Unpredicted,
    double? Accuracy,
    double? MacroF1,
    double? BalancedAccuracy,
    IReadOnlyList<ClassScores> Classes,
    ConfusionTable Confusion)
{
    /// <summary>Reports <paramref name="matrix"/>; <paramref name="unpredictedColumn"/> names its no-prediction column (e.g. "no face"), or null to leave it out when it is empty.</summary>
    public static MetricsReport From(ConfusionMatrix matrix, string? unpredictedColumn)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return new MetricsReport(matrix.Total, matrix.Correct, matrix.Unpredicted, matrix.Accuracy, matrix.MacroF1, matrix.BalancedAccuracy,
            matrix.AllScores(), ConfusionTable.From(matrix, unpredictedColumn));
    }
}

/// <summary>A confusion matrix as rows of counts: rows are true classes, columns predicted classes (plus an optional no-prediction column).</summary>
/// <param name="Rows">True-class labels.</param>
/// <param name="Columns">Predicted-class labels, then the no-prediction column if any.</param>
/// <param name="Counts">Counts[row][column].</param>
public sealed record ConfusionTable(IReadOnlyList<string> Rows, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<int>> Counts)
{
    /// <summary>The table of <paramref name="matrix"/>; the no-prediction column is kept when named or when non-empty (then named "none").</summary>
    public static ConfusionTable From(ConfusionMatrix matrix, string? unpredictedColumn)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var withNone = unpredictedColumn is not null || matrix.Unpredicted > 0;
        var n = matrix.ClassCount;
        var rows = new IReadOnlyList<int>[n];
        for (var a = 0; a < n; a++)
        {
            var row = new int[withNone ? n + 1 : n];
            for (var p = 0; p < n; p++)
            {
                row[p] = matrix[a, p];
            }

            if (withNone)
            {
                row[n] = matrix.UnpredictedOf(a);
            }

            rows[a] = row;
        }

        IReadOnlyList<string> columns = withNone ? [.. matrix.Labels, unpredictedColumn ?? "none"] : matrix.Labels;
        return new ConfusionTable(matrix.Labels, columns, rows);
    }
}

/// <summary>Writes a <see cref="MetricsReport"/> as readable fixed-width text.</summary>
public static class MetricsText
{
    /// <summary>Headline figures, the per-class table and the confusion matrix.</summary>
    public static void Write(TextWriter writer, MetricsReport report, string title)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        var c = CultureInfo.InvariantCulture;
        writer.WriteLine(title);
        writer.WriteLine(string.Create(c,
            $"  accuracy {Percent(report.Accuracy)}   macro-F1 {Ratio(report.MacroF1)}   balanced accuracy {Percent(report.BalancedAccuracy)}   ({report.Correct} of {report.Total} right{(report.Unpredicted > 0 ? $", {report.Unpredicted} without a prediction" : "")})"));
        writer.WriteLine();

        var width = Math.Max(10, report.Confusion.Rows.Max(r => r.Length) + 1);
        writer.WriteLine(string.Create(c, $"  {"class".PadRight(width)} {"precision",9} {"recall",8} {"F1",6} {"support",8} {"predicted",9}"));
        foreach (var s in report.Classes)
        {
            writer.WriteLine(string.Create(c,
                $"  {s.Label.PadRight(width)} {Percent(s.Precision),9} {Percent(s.Recall),8} {Ratio(s.F1),6} {s.Support,8} {s.Predicted,9}"));
        }

        writer.WriteLine();
        var columns = report.Confusion.Columns;
        var cell = Math.Max(6, columns.Max(l => l.Length) + 1);
        writer.Write("  " + "true \\ est".PadRight(width));
        foreach (var col in columns)
        {
            writer.Write(col.PadLeft(cell));
        }

        // The recall column is wider than any "100.0%", so it never runs into the last count ("15100.0%").
        var recallWidth = Math.Max(cell, 8) + 1;
        writer.WriteLine("recall".PadLeft(recallWidth));
        for (var r = 0; r < report.Confusion.Rows.Count; r++)
        {
            writer.Write("  " + report.Confusion.Rows[r].PadRight(width));
            foreach (var count in report.Confusion.Counts[r])
            {
                writer.Write(count.ToString(c).PadLeft(cell));
            }

            writer.WriteLine(Percent(report.Classes[r].Recall).PadLeft(recallWidth));
        }

        writer.WriteLine();
    }

    /// <summary>A ratio as a percentage with one decimal, or "n/a" when undefined.</summary>
    public static string Percent(double? value) => value is { } v ? (v * 100).ToString("F1", CultureInfo.InvariantCulture) + "%" : "n/a";

    /// <summary>A ratio with three decimals, or "n/a" when undefined.</summary>
    public static string Ratio(double? value) => value is { } v ? v.ToString("F3", CultureInfo.InvariantCulture) : "n/a";
}
