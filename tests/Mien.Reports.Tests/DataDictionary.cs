using System.Text.Json;
using System.Text.RegularExpressions;
using Mien.Results;
using Mien.Testing;

namespace Mien.Reports.Tests;

/// <summary>
/// The tables of docs/output-format.md marked <c>&lt;!-- fields: name --&gt;</c>, as field paths, and the same paths
/// read off real JSON: <c>a.b</c> for nested objects, <c>a[].b</c> for objects in arrays, <c>a.*</c> for a
/// documented "any key", <c>&lt;label&gt;</c> and <c>&lt;AU&gt;</c> for the expression labels and action unit codes.
/// </summary>
internal static partial class DataDictionary
{
    public static string Path { get; } = System.IO.Path.Combine(Repository.Root, "docs", "output-format.md");

    /// <summary>The documented names of table <paramref name="name"/>, in order, with the families expanded.</summary>
    public static IReadOnlyList<string> Fields(string name)
    {
        var lines = File.ReadAllLines(Path);
        var marker = Array.FindIndex(lines, l => l.Trim() == $"<!-- fields: {name} -->");
        Assert.True(marker >= 0, $"docs/output-format.md has no table marked <!-- fields: {name} -->");
        var fields = new List<string>();
        foreach (var line in lines.Skip(marker + 1).SkipWhile(l => !l.StartsWith('|')).Skip(2).TakeWhile(l => l.StartsWith('|')))
        {
            var cell = line.Split('|')[1].Trim();
            var match = Code().Match(cell);
            Assert.True(match.Success, $"first cell of '{line}' is not a `name`");
            fields.AddRange(Expand(match.Groups[1].Value));
        }

        return fields;
    }

    private static IEnumerable<string> Expand(string field) =>
        field.Contains("<label>", StringComparison.Ordinal) ? ExpressionEstimate.Labels.Select(l => field.Replace("<label>", l, StringComparison.Ordinal))
        : field.Contains("<AU>", StringComparison.Ordinal) ? ActionUnits.Codes.Select(c => field.Replace("<AU>", c, StringComparison.Ordinal))
        : [field];

    /// <summary>Every path in <paramref name="element"/>: each property (objects also as themselves), arrays of objects as <c>[]</c>.</summary>
    public static SortedSet<string> Paths(JsonElement element)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        Walk(element, "", paths);
        return paths;
    }

    private static void Walk(JsonElement element, string prefix, SortedSet<string> paths)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    var path = prefix.Length == 0 ? p.Name : prefix + "." + p.Name;
                    paths.Add(path);
                    Walk(p.Value, path, paths);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
                {
                    Walk(item, prefix + "[]", paths);
                }

                break;
            default:
                break;
        }
    }

    /// <summary>Whether an emitted <paramref name="path"/> is documented (a documented <c>x.*</c> covers one key under x).</summary>
    public static bool Covers(IReadOnlyCollection<string> documented, string path)
    {
        if (documented.Contains(path))
        {
            return true;
        }

        var dot = path.LastIndexOf('.');
        return dot > 0 && documented.Contains(path[..dot] + ".*");
    }

    /// <summary>
    /// Asserts that every path emitted is documented, and (when <paramref name="complete"/>) that every documented
    /// path was emitted: the doc lists nothing the writer does not write.
    /// </summary>
    public static void AssertAgree(string table, IReadOnlyCollection<string> documented, IReadOnlySet<string> emitted, bool complete)
    {
        var undocumented = emitted.Where(p => !Covers(documented, p)).ToList();
        Assert.True(undocumented.Count == 0, $"{table}: written but not in docs/output-format.md: {string.Join(", ", undocumented)}");
        if (complete)
        {
            var stale = documented.Where(d => !emitted.Contains(d) && !(d.EndsWith(".*", StringComparison.Ordinal) && emitted.Any(e => e.StartsWith(d[..^1], StringComparison.Ordinal)))).ToList();
            Assert.True(stale.Count == 0, $"{table}: documented but never written: {string.Join(", ", stale)}");
        }
    }

    [GeneratedRegex("^`([^`]+)`")]
    private static partial Regex Code();
}
