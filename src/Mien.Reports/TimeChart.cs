using System.Globalization;

namespace Mien.Reports;

/// <summary>
/// Geometry and axes of one SVG chart over time. Every chart of the report has the same width and margins,
/// so the time axes of all charts line up vertically and can be read across.
/// </summary>
internal sealed class TimeChart
{
    public const double Width = 1000;
    public const double Left = 64;
    public const double Right = 14;
    public const double Top = 10;

    private readonly double t0, t1, y0, y1;
    private readonly double bottomMargin;

    public TimeChart(double t0, double t1, double y0, double y1, double height, bool timeLabels = true)
    {
        this.t0 = t0;
        this.t1 = t1 > t0 ? t1 : t0 + 1;
        this.y0 = y0;
        this.y1 = y1 > y0 ? y1 : y0 + 1;
        Height = height;
        bottomMargin = timeLabels ? 34 : 4;
        TimeLabels = timeLabels;
    }

    public double Height { get; }

    public bool TimeLabels { get; }

    public double PlotTop => Top;

    public double PlotBottom => Height - bottomMargin;

    public double PlotLeft => Left;

    public double PlotRight => Width - Right;

    public double X(double t) => Left + ((t - t0) / (t1 - t0) * (Width - Left - Right));

    public double Y(double v) => Top + ((1 - ((v - y0) / (y1 - y0))) * (PlotBottom - Top));

    /// <summary>Y clamped to the plot area (values outside the axis range are drawn at its edge).</summary>
    public double YClamped(double v) => Math.Clamp(Y(v), PlotTop, PlotBottom);

    public void Open(TextWriter w, string cssClass, string ariaLabel)
    {
        w.Write("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart ");
        w.Write(cssClass);
        w.Write("\" viewBox=\"0 0 ");
        w.Write(Markup.Coordinate(Width));
        w.Write(' ');
        w.Write(Markup.Coordinate(Height));
        w.Write("\" role=\"img\" aria-label=\"");
        w.Write(Markup.Escape(ariaLabel));
        w.Write("\">");
    }

    public static void Close(TextWriter w) => w.Write("</svg>\n");

    /// <summary>Horizontal grid lines and labels at <paramref name="ticks"/>, and the rotated axis title.</summary>
    public void YAxis(TextWriter w, IReadOnlyList<double> ticks, Func<double, string> label, string title, double? emphasise = null)
    {
        w.Write("<g class=\"grid\">");
        foreach (var tick in ticks)
        {
            var y = Markup.Coordinate(Y(tick));
            var cls = emphasise is { } e && Math.Abs(e - tick) < 1e-9 ? " class=\"zero\"" : string.Empty;
            w.Write($"<line{cls} x1=\"{Markup.Coordinate(Left)}\" x2=\"{Markup.Coordinate(PlotRight)}\" y1=\"{y}\" y2=\"{y}\" />");
        }

        w.Write("</g><g class=\"ylabels\">");
        foreach (var tick in ticks)
        {
            w.Write($"<text x=\"{Markup.Coordinate(Left - 8)}\" y=\"{Markup.Coordinate(Y(tick) + 3.5)}\">{Markup.Escape(label(tick))}</text>");
        }

        var middle = Markup.Coordinate((PlotTop + PlotBottom) / 2);
        w.Write($"</g><text class=\"ytitle\" transform=\"translate(14 {middle}) rotate(-90)\">{Markup.Escape(title)}</text>");
    }

    /// <summary>Vertical grid lines at round seconds, with labels and the axis title when this chart has them.</summary>
    public void TimeAxis(TextWriter w)
    {
        var step = NiceStep(t1 - t0, 10);
        var first = Math.Ceiling(t0 / step) * step;
        var ticks = Ticks(first, t1, step);
        w.Write("<g class=\"grid vgrid\">");
        foreach (var t in ticks)
        {
            var x = Markup.Coordinate(X(t));
            w.Write($"<line x1=\"{x}\" x2=\"{x}\" y1=\"{Markup.Coordinate(PlotTop)}\" y2=\"{Markup.Coordinate(PlotBottom)}\" />");
        }

        w.Write($"</g><line class=\"baseline\" x1=\"{Markup.Coordinate(Left)}\" x2=\"{Markup.Coordinate(PlotRight)}\" y1=\"{Markup.Coordinate(PlotBottom)}\" y2=\"{Markup.Coordinate(PlotBottom)}\" />");
        if (!TimeLabels)
        {
            return;
        }

        var decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
        w.Write("<g class=\"xlabels\">");
        foreach (var t in ticks)
        {
            w.Write($"<text x=\"{Markup.Coordinate(X(t))}\" y=\"{Markup.Coordinate(PlotBottom + 15)}\">{Markup.Number(t, decimals)}</text>");
        }

        w.Write($"</g><text class=\"xtitle\" x=\"{Markup.Coordinate(PlotRight)}\" y=\"{Markup.Coordinate(Height - 2)}\">time (s)</text>");
    }

    /// <summary>One path for all runs of a line: a run is a subpath, so gaps stay gaps.</summary>
    public void Line(TextWriter w, IReadOnlyList<PlotPoint[]> runs, string cssClass)
    {
        if (runs.Count == 0)
        {
            return;
        }

        w.Write($"<path class=\"{cssClass}\" d=\"");
        foreach (var run in runs)
        {
            for (var i = 0; i < run.Length; i++)
            {
                w.Write(i == 0 ? 'M' : 'L');
                w.Write(Markup.Coordinate(X(run[i].X)));
                w.Write(',');
                w.Write(Markup.Coordinate(YClamped(run[i].Y)));
            }

            if (run.Length == 1)
            {
                w.Write("h1.5"); // a lone sample: a short dash so it stays visible
            }
        }

        w.Write("\" />");
    }

    /// <summary>A round step (1, 2 or 5 × 10^k) giving about <paramref name="target"/> ticks over <paramref name="range"/>.</summary>
    public static double NiceStep(double range, int target)
    {
        if (!(range > 0))
        {
            return 1;
        }

        var raw = range / target;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var fraction = raw / magnitude;
        var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /// <summary>Ticks from <paramref name="from"/> to <paramref name="to"/> every <paramref name="step"/>.</summary>
    public static IReadOnlyList<double> Ticks(double from, double to, double step)
    {
        var ticks = new List<double>();
        for (var k = 0; k < 1000; k++)
        {
            var v = from + (k * step); // multiply, not accumulate, so ticks stay round
            if (v > to + (step * 1e-9))
            {
                break;
            }

            ticks.Add(Math.Round(v, 9));
        }

        return ticks;
    }

    public static string Format(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
