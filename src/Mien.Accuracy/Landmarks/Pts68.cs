using System.Globalization;
using Mien.Failures;

namespace Mien.Accuracy.Landmarks;

/// <summary>A 2-D point in image pixels.</summary>
/// <param name="X">Column, pixels.</param>
/// <param name="Y">Row, pixels.</param>
public readonly record struct Point2(double X, double Y)
{
    /// <summary>Euclidean distance to <paramref name="other"/>.</summary>
    public double DistanceTo(Point2 other) => Math.Sqrt(((X - other.X) * (X - other.X)) + ((Y - other.Y) * (Y - other.Y)));
}

/// <summary>
/// Reads the 300-W / iBUG <c>.pts</c> annotation format (<c>version: 1</c>, <c>n_points: 68</c>, then <c>{</c>, one
/// "x y" line per point, <c>}</c>), or only the 68 "x y" lines as some copies keep them. Coordinates are 1-based in Matlab convention in the original files; like most
/// published evaluations we use them as they are (the half-pixel shift is far below the errors measured).
/// </summary>
public static class Pts68
{
    /// <summary>Points in the 68-point scheme.</summary>
    public const int Count = 68;

    /// <summary>Reads the 68 points of <paramref name="path"/>.</summary>
    /// <exception cref="InputException">The file is missing, malformed or does not hold 68 points (the message names the file and line).</exception>
    public static Point2[] Read(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{path}: cannot read the annotation ({e.Message}).", e);
        }

        return Parse(lines, path);
    }

    /// <summary>Parses the lines of a <c>.pts</c> file; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InputException">Malformed or not 68 points.</exception>
    public static Point2[] Parse(IReadOnlyList<string> lines, string source)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var open = -1;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Trim() == "{")
            {
                open = i;
                break;
            }
        }

        // Some copies drop the header and braces and keep only the 68 "x y" lines: read those from the first line.
        var points = new List<Point2>(Count);
        for (var i = open + 1; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (line == "}")
            {
                break;
            }

            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2
                || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
                || !double.IsFinite(x) || !double.IsFinite(y))
            {
                throw new InputException($"{source}:{i + 1}: expected 'x y', got '{line}'.");
            }

            points.Add(new Point2(x, y));
        }

        if (points.Count != Count)
        {
            throw new InputException($"{source}: {points.Count} points, expected {Count} (300-W convention).");
        }

        return [.. points];
    }
}
