namespace Mien.Evaluation.Tests;

/// <summary>The fixed-width text report stays readable: columns never run into each other.</summary>
public sealed class MetricsTextTests
{
    [Fact]
    public void A_perfect_recall_after_a_two_digit_count_is_a_separate_column()
    {
        // 15 of 15 "high" right (recall 100 %): the row used to end in "15100.0%".
        var samples = Enumerable.Repeat((0, (int?)0), 15).Concat(Enumerable.Repeat((1, (int?)0), 3)).Concat(Enumerable.Repeat((1, (int?)1), 17));
        var text = new StringWriter();
        MetricsText.Write(text, MetricsReport.From(ConfusionMatrix.From(["high", "low"], samples), null), "binary");
        var row = text.ToString().Split('\n').Last(l => l.TrimStart().StartsWith("high", StringComparison.Ordinal));
        Assert.DoesNotContain("15100", row, StringComparison.Ordinal);
        Assert.Equal(["high", "15", "0", "100.0%"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
