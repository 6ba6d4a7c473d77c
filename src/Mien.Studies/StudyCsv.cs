using System.Globalization;
using System.Text;

namespace Mien.Studies;

/// <summary>
/// CSV export of per-second results: one row per (group,) second; per metric its viewer count, mean and interval.
/// Withheld cells are empty — never zero — so a spreadsheet cannot mistake them for measurements.
/// </summary>
public static class StudyCsv
{
    /// <summary>The header line (without a group column).</summary>
    public static string Header(bool grouped) =>
        (grouped ? "group," : "") + "second," + string.Join(",", StudyMetrics.All.Select(StudyMetrics.Name).SelectMany(m => new[] { m + "_n", m + "_mean", m + "_low", m + "_high" }));

    /// <summary>Writes the per-second table of one aggregate.</summary>
    public static string PerSecond(StudyAggregate aggregate) => Groups([(null, aggregate)]);

    /// <summary>Writes the per-second tables of several groups (a breakdown), one group column first; a null group name writes no group column.</summary>
    public static string Groups(IReadOnlyList<(string? Group, StudyAggregate Aggregate)> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var grouped = groups.Any(g => g.Group is not null);
        var text = new StringBuilder();
        text.Append(Header(grouped)).Append('\n');
        foreach (var (group, aggregate) in groups)
        {
            for (var s = 0; s < aggregate.Seconds; s++)
            {
                if (grouped)
                {
                    text.Append(Field(group ?? "")).Append(',');
                }

                text.Append(s.ToString(CultureInfo.InvariantCulture));
                foreach (var curve in aggregate.Curves)
                {
                    var e = curve.Seconds[s];
                    text.Append(',').Append(e.N?.ToString(CultureInfo.InvariantCulture))
                        .Append(',').Append(Number(e.Mean)).Append(',').Append(Number(e.Low)).Append(',').Append(Number(e.High));
                }

                text.Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Number(double? v) => v is { } d ? d.ToString("0.######", CultureInfo.InvariantCulture) : "";

    /// <summary>Quotes a field that holds a comma, quote or line break; prefixes formula-like text so spreadsheets do not run it.</summary>
    internal static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
