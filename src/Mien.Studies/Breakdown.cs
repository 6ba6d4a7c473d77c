namespace Mien.Studies;

/// <summary>One viewing with the audience attributes its viewer declared (all optional).</summary>
/// <param name="Seconds">The aligned viewing.</param>
/// <param name="Attributes">Declared attributes, e.g. age band → "25-34", gender → "female", group → "loyal".</param>
public sealed record AttributedViewing(ViewerSeconds Seconds, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One group of a breakdown.</summary>
/// <param name="Value">The attribute value ("(not declared)" for viewers who did not declare it).</param>
/// <param name="Viewers">Viewers in the group, or null when withheld.</param>
/// <param name="Overall">Per metric, the mean of the group's viewer means over the whole stimulus (withheld below k).</param>
/// <param name="PerSecond">The group's per-second curves (cells withheld below k, and complementary cells, see <see cref="AudienceBreakdown"/>).</param>
/// <param name="Suppressed">Why the whole group is withheld, or null.</param>
public sealed record BreakdownGroup(string Value, int? Viewers, IReadOnlyList<Estimate> Overall, StudyAggregate PerSecond, string? Suppressed);

/// <summary>A breakdown of one stimulus's viewers by one declared attribute.</summary>
/// <param name="Attribute">The attribute.</param>
/// <param name="Groups">The groups, largest first.</param>
public sealed record BreakdownResult(string Attribute, IReadOnlyList<BreakdownGroup> Groups);

/// <summary>
/// Results by declared audience attribute with k-anonymity in every cell. Small groups are withheld; and because the
/// all-viewers figures are shown too, a single withheld group could be recovered by subtraction (total − the other
/// groups), so when exactly one group (or one cell of a second) is withheld, the next smallest is withheld as well
/// (complementary suppression, as statistical offices do for tables with margins).
/// </summary>
public static class AudienceBreakdown
{
    /// <summary>The label of viewers who did not declare the attribute.</summary>
    public const string NotDeclared = "(not declared)";

    /// <summary>Breaks <paramref name="viewings"/> down by <paramref name="attribute"/>.</summary>
    /// <exception cref="ArgumentException">The attribute name is empty, or the viewings cover different numbers of seconds.</exception>
    public static BreakdownResult By(string attribute, IReadOnlyList<AttributedViewing> viewings, int seconds, StudyOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(attribute);
        ArgumentNullException.ThrowIfNull(viewings);
        options ??= new StudyOptions();
        options.Validate();
        var k = options.MinViewers;
        var groups = viewings.GroupBy(v => v.Attributes.TryGetValue(attribute, out var value) && !string.IsNullOrWhiteSpace(value) ? value : NotDeclared, StringComparer.Ordinal)
            .Select(g => (Value: g.Key, Viewers: (IReadOnlyList<ViewerSeconds>)[.. g.Select(v => v.Seconds)]))
            .OrderByDescending(g => g.Viewers.Count).ThenBy(g => g.Value, StringComparer.Ordinal).ToList();

        // Whole groups: withhold the small ones, then one more when exactly one would be withheld.
        var withheld = groups.Select(g => g.Viewers.Count < k ? $"fewer than {k} viewers" : null).ToArray();
        if (withheld.Count(w => w is not null) == 1 && groups.Count > 1)
        {
            var next = Enumerable.Range(0, groups.Count).Where(i => withheld[i] is null).OrderBy(i => groups[i].Viewers.Count).First();
            withheld[next] = "withheld so that a smaller withheld group cannot be recovered from the totals";
        }

        var perSecond = groups.Select((g, i) => withheld[i] is null ? StudyAggregator.PerSecond(g.Viewers, seconds, options) : Empty(seconds, k)).ToArray();
        ComplementCells(perSecond, withheld, seconds);
        var result = groups.Select((g, i) => new BreakdownGroup(
            g.Value,
            withheld[i] is null ? g.Viewers.Count : null,
            withheld[i] is null ? StudyAggregator.OverSpan(g.Viewers, 0, seconds, options) : [.. Enumerable.Repeat(Estimate.Withheld, StudyMetrics.Count)],
            perSecond[i],
            withheld[i])).ToArray();
        return new BreakdownResult(attribute, result);
    }

    /// <summary>Per metric and second across the shown groups: when exactly one shown group's cell is withheld, withhold the smallest other shown cell too.</summary>
    private static void ComplementCells(StudyAggregate[] perSecond, string?[] withheld, int seconds)
    {
        var shown = Enumerable.Range(0, perSecond.Length).Where(i => withheld[i] is null).ToArray();
        if (shown.Length < 2)
        {
            return;
        }

        foreach (var metric in StudyMetrics.All)
        {
            var cells = shown.Select(i => (Estimate[])perSecond[i][metric].Seconds).ToArray();
            for (var s = 0; s < seconds; s++)
            {
                var hidden = cells.Count(c => c[s].Suppressed);
                if (hidden != 1)
                {
                    continue;
                }

                var smallest = Enumerable.Range(0, cells.Length).Where(j => !cells[j][s].Suppressed).OrderBy(j => cells[j][s].N).First();
                cells[smallest][s] = Estimate.Withheld;
            }
        }
    }

    private static StudyAggregate Empty(int seconds, int k) =>
        new(null, k, seconds, [.. StudyMetrics.All.Select(m => new StudyCurve(m, [.. Enumerable.Repeat(Estimate.Withheld, seconds)]))]);
}
