using System.Globalization;
using System.Text;
using Mien.Accuracy.Statistics;

namespace Mien.Accuracy.Landmarks;

/// <summary>Summary of per-image normalised errors.</summary>
/// <param name="Images">Images in the set.</param>
/// <param name="Detected">Images whose annotated face was found (the rest are not in the error figures, and are listed as detection misses).</param>
/// <param name="Mean">Mean NME with its bootstrap 95 % interval.</param>
/// <param name="Median">Median NME.</param>
/// <param name="FailureAt8">Share of detected images with NME above 0.08 (Wilson 95 % interval).</param>
/// <param name="FailureAt10">Share above 0.10.</param>
/// <param name="AucAt8">Area under the CDF up to 0.08, divided by 0.08 (1 = every image perfect).</param>
public sealed record LandmarkSummary(int Images, int Detected, Interval Mean, double Median, Interval FailureAt8, Interval FailureAt10, double AucAt8)
{
    /// <summary>Summarises per-image errors (<paramref name="errors"/>, one per detected image) of a set of <paramref name="images"/>.</summary>
    public static LandmarkSummary From(IReadOnlyList<double> errors, int images)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var sorted = errors.Order().ToArray();
        return new LandmarkSummary(
            images,
            errors.Count,
            Bootstrap.Mean(errors),
            Bootstrap.MedianOf(errors),
            Interval.Wilson(errors.Count(e => e > 0.08), errors.Count),
            Interval.Wilson(errors.Count(e => e > 0.10), errors.Count),
            Auc(sorted, 0.08));
    }

    /// <summary>Area under the cumulative error distribution from 0 to <paramref name="limit"/>, over <paramref name="limit"/>.</summary>
    internal static double Auc(double[] sorted, double limit)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        // The CDF is a step function: image i (0-based, sorted) adds 1/n from its error to the limit.
        var area = 0.0;
        foreach (var e in sorted)
        {
            if (e < limit)
            {
                area += (limit - e) / sorted.Length;
            }
        }

        return area / limit;
    }
}

/// <summary>Draws cumulative error distributions as a self-contained SVG (no script, no fonts beyond the default).</summary>
public static class CdfPlot
{
    /// <summary>One curve: its name and its per-image errors.</summary>
    public sealed record Curve(string Name, IReadOnlyList<double> Errors, string Colour);

    /// <summary>The SVG text: share of images (y) whose error is at most x, for x in [0, <paramref name="maxError"/>].</summary>
    public static string Svg(IReadOnlyList<Curve> curves, double maxError, string title, string xLabel)
    {
        ArgumentNullException.ThrowIfNull(curves);
        const int W = 640, H = 420, L = 60, R = 20, T = 40, B = 50;
        var c = CultureInfo.InvariantCulture;
        double X(double e) => L + (Math.Min(e, maxError) / maxError * (W - L - R));
        double Y(double share) => H - B - (share * (H - T - B));
        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(c, $"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n");
        svg.Append(c, $"<text x=\"{W / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">{Escape(title)}</text>\n");
        for (var i = 0; i <= 10; i++)
        {
            var share = i / 10.0;
            svg.Append(c, $"<line x1=\"{L}\" x2=\"{W - R}\" y1=\"{Y(share):F1}\" y2=\"{Y(share):F1}\" stroke=\"#e4e4e4\"/>");
            svg.Append(c, $"<text x=\"{L - 6}\" y=\"{Y(share) + 4:F1}\" text-anchor=\"end\">{share:F1}</text>\n");
        }

        var steps = 8;
        for (var i = 0; i <= steps; i++)
        {
            var e = maxError * i / steps;
            svg.Append(c, $"<line x1=\"{X(e):F1}\" x2=\"{X(e):F1}\" y1=\"{T}\" y2=\"{H - B}\" stroke=\"#e4e4e4\"/>");
            svg.Append(c, $"<text x=\"{X(e):F1}\" y=\"{H - B + 16}\" text-anchor=\"middle\">{e * 100:F1}</text>\n");
        }

        svg.Append(c, $"<text x=\"{(L + W - R) / 2}\" y=\"{H - 10}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n");
        svg.Append(c, $"<text x=\"16\" y=\"{(T + H - B) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(T + H - B) / 2})\">share of images</text>\n");
        for (var k = 0; k < curves.Count; k++)
        {
            var curve = curves[k];
            var sorted = curve.Errors.Order().ToArray();
            var path = new StringBuilder();
            path.Append(c, $"M{X(0):F1},{Y(0):F1}");
            for (var i = 0; i < sorted.Length; i++)
            {
                if (sorted[i] > maxError)
                {
                    break;
                }

                path.Append(c, $" H{X(sorted[i]):F1} V{Y((i + 1.0) / sorted.Length):F1}");
            }

            path.Append(c, $" H{X(maxError):F1}");
            svg.Append(c, $"<path d=\"{path}\" fill=\"none\" stroke=\"{curve.Colour}\" stroke-width=\"2\"/>\n");
            svg.Append(c, $"<rect x=\"{W - R - 230}\" y=\"{T + 10 + (k * 18)}\" width=\"14\" height=\"4\" fill=\"{curve.Colour}\"/>");
            svg.Append(c, $"<text x=\"{W - R - 210}\" y=\"{T + 16 + (k * 18)}\">{Escape(curve.Name)}</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
