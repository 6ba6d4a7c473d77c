using System.Globalization;
using System.Text;
using Mien.Results;

namespace Mien.Reports;

/// <summary>Options of <see cref="HtmlReport"/>.</summary>
public sealed record HtmlReportOptions
{
    /// <summary>
    /// Most points drawn per series per chart (default 1500). Longer series are reduced: lines keep each time
    /// bucket's minimum and maximum, expression areas each bucket's mean. At least 20.
    /// </summary>
    public int MaxPointsPerSeries { get; init; } = 1500;

    /// <summary>Date shown as the report date (default: when the report is written).</summary>
    public DateTimeOffset? GeneratedAt { get; init; }

    /// <summary>
    /// Lay the report out for unrelated still images (no time charts, no blink rate, one picture per face) instead
    /// of a recording. Null (default): stills when the source is a single image, or a folder of images in which no
    /// face was followed over more than one image.
    /// </summary>
    public bool? Stills { get; init; }

    internal void Validate()
    {
        if (MaxPointsPerSeries < 20)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxPointsPerSeries), MaxPointsPerSeries, $"{nameof(HtmlReportOptions)}.{nameof(MaxPointsPerSeries)} is {MaxPointsPerSeries}; it must be at least 20");
        }
    }
}

/// <summary>
/// Writes the analysis as one self-contained HTML page: inline CSS and SVG, key-moment pictures as data URIs,
/// no script and no network access (a Content-Security-Policy forbids both). The page is also well-formed XML.
/// </summary>
/// <remarks>
/// Content: a header (source, duration, resolution, frames, speed, tracks, anonymisation, date) with
/// <see cref="AnalysisSummary.Disclaimer"/>; an overview of when each track was seen, coloured by its top
/// expression; per track a stats table, the expression estimates as a stacked area over time, a
/// top-expression ribbon, head pose, eye openness with blinks, mouth opening and key-moment pictures; then
/// stage timings and problems. Every text from data is escaped.
/// </remarks>
public static partial class HtmlReport
{
    /// <summary>Writes the report to <paramref name="writer"/>.</summary>
    /// <param name="writer">Destination (the page is UTF-8 when the writer encodes so).</param>
    /// <param name="summary">The run's summary (header, per-track stats, timings, problems).</param>
    /// <param name="series">Per-track series from <see cref="ReportSeriesBuilder"/> (may be <see cref="ReportSeries.Empty"/>).</param>
    /// <param name="keyMoments">Pictures to show per track (may be empty).</param>
    /// <param name="options">Options, or null for the defaults.</param>
    /// <param name="attachments">Expression segments, voice, fused estimates and skin per track, when analysed.</param>
    public static void Write(TextWriter writer, AnalysisSummary summary, ReportSeries series, IReadOnlyList<KeyMoment> keyMoments, HtmlReportOptions? options = null, ReportAttachments? attachments = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(keyMoments);
        options ??= new HtmlReportOptions();
        options.Validate();
        new Page(writer, summary, series, keyMoments, options, attachments ?? ReportAttachments.None).Render();
        writer.Flush();
    }

    /// <summary>
    /// Writes the report to the file at <paramref name="path"/> (UTF-8). It is written next to it first and then
    /// moved into place, so a reader never sees half a report.
    /// </summary>
    public static void WriteFile(string path, AnalysisSummary summary, ReportSeries series, IReadOnlyList<KeyMoment> keyMoments, HtmlReportOptions? options = null, ReportAttachments? attachments = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var temporary = path + ".partial";
        try
        {
            using (var writer = new StreamWriter(temporary, append: false, new UTF8Encoding(false)))
            {
                Write(writer, summary, series, keyMoments, options, attachments);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private sealed partial class Page
    {
        private static readonly int LabelCount = ExpressionEstimate.Labels.Count;
        private readonly TextWriter w;
        private readonly AnalysisSummary summary;
        private readonly ReportSeries series;
        private readonly IReadOnlyList<KeyMoment> moments;
        private readonly HtmlReportOptions options;
        private readonly double t0, t1;
        private readonly double sampleWidth;
        private readonly bool stills;

        public Page(TextWriter writer, AnalysisSummary summary, ReportSeries series, IReadOnlyList<KeyMoment> moments, HtmlReportOptions options, ReportAttachments attachments)
        {
            w = writer;
            this.attachments = attachments;
            this.summary = summary;
            this.series = series;
            this.moments = moments;
            this.options = options;
            stills = options.Stills ?? (summary.Source.Kind == "image"
                || (summary.Source.Kind == "images" && series.Tracks.All(t => t.Count <= 1)));
            if (series.Frames > 0)
            {
                sampleWidth = series.FrameInterval > 0 ? series.FrameInterval : Math.Max((series.End - series.Start) / 1000, 1e-3);
                t0 = series.Start;
                t1 = series.End + sampleWidth;

                // A 60 s video ends at 59.967 s + one frame: snap to the round tick just after, so the axis
                // shows "60" instead of stopping a hair short of it.
                var step = TimeChart.NiceStep(t1 - t0, 10);
                var snapped = Math.Ceiling((t1 - (step * 1e-9)) / step) * step;
                if (snapped - t1 <= 0.02 * (t1 - t0))
                {
                    t1 = snapped;
                }
            }
            else
            {
                sampleWidth = 0.04;
                t0 = 0;
                t1 = summary.Source.Duration is { } d && d > TimeSpan.Zero ? d.TotalSeconds : 1;
            }
        }

        private int Buckets => options.MaxPointsPerSeries / 2;

        public void Render()
        {
            var title = "Mien report – " + summary.Source.Name;
            w.Write("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
            w.Write("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\" />\n");
            w.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n<meta name=\"generator\" content=\"Mien\" />\n");
            w.Write($"<title>{Markup.Escape(title)}</title>\n");
            Style();
            w.Write("</head>\n<body>\n<div class=\"page\">\n");
            Header();
            if (stills)
            {
                StillsOverview();
            }
            else
            {
                Overview();
            }

            foreach (var id in TrackIds())
            {
                if (stills)
                {
                    StillFace(id);
                }
                else
                {
                    Track(id);
                }
            }

            Processing();
            w.Write($"<footer>Generated by Mien on {Markup.Escape(GeneratedAt().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))}. ");
            w.Write("This page is self-contained: it loads nothing from the network and runs no scripts.</footer>\n");
            w.Write("</div>\n</body>\n</html>\n");
        }

        private DateTimeOffset GeneratedAt() => (options.GeneratedAt ?? DateTimeOffset.UtcNow).ToUniversalTime();

        private List<int> TrackIds()
        {
            var ids = new SortedSet<int>();
            foreach (var t in summary.Tracks)
            {
                ids.Add(t.TrackId);
            }

            foreach (var t in series.Tracks)
            {
                ids.Add(t.TrackId);
            }

            return [.. ids];
        }

        private TrackSummary? SummaryOf(int id)
        {
            foreach (var t in summary.Tracks)
            {
                if (t.TrackId == id)
                {
                    return t;
                }
            }

            return null;
        }

        private void Style()
        {
            w.Write("<style>\n");
            w.Write(Css);
            w.Write(ModalityCss);
            w.Write(PhysiologyCss);
            for (var i = 0; i < LabelCount; i++)
            {
                var key = ExpressionPalette.Key(i);
                var color = ExpressionPalette.Color(i);
                w.Write($".f-{key}{{fill:{color}}}.sw-{key}{{background:{color}}}\n");
            }

            w.Write("</style>\n");
        }

        private void Header()
        {
            var source = summary.Source;
            w.Write("<header class=\"head\">\n<div class=\"eyebrow\">Mien · face and expression analysis</div>\n");
            w.Write($"<h1>{Markup.Escape(source.Name)}</h1>\n");

            var meta = new List<string> { source.Kind };
            if (!string.IsNullOrWhiteSpace(source.Codec))
            {
                meta.Add(source.Codec);
            }

            if (source.NominalFps is { } nominal && nominal > 0)
            {
                meta.Add(Markup.Number(nominal, 2).TrimEnd('0').TrimEnd('.') + " fps declared");
            }

            w.Write($"<p class=\"meta\">{Markup.Escape(string.Join(" · ", meta))}</p>\n<dl class=\"facts\">\n");

            var duration = source.Duration is { } d ? d.TotalSeconds : series.Frames > 1 ? series.End - series.Start : double.NaN;
            if (stills)
            {
                Fact("Images", Markup.Number(summary.FramesAnalysed, 0), "unrelated stills, each analysed on its own");
            }
            else
            {
                Fact("Duration", Markup.Duration(duration), null);
            }

            Fact("Resolution", source.Width > 0 && source.Height > 0 ? $"{source.Width} × {source.Height}" : "–", source.Width > 0 ? "pixels" : null);
            var read = summary.FramesDropped > 0
                ? $"of {Markup.Number(summary.FramesRead, 0)} read, {Markup.Number(summary.FramesDropped, 0)} dropped"
                : $"of {Markup.Number(summary.FramesRead, 0)} read";
            Fact("Frames analysed", Markup.Number(summary.FramesAnalysed, 0), read);
            string? speedNote = null;
            if (source.NominalFps is { } fps && fps > 0 && summary.FramesPerSecond > 0)
            {
                speedNote = Markup.Number(summary.FramesPerSecond / fps, 1) + "× real time";
            }

            Fact("Processing speed", Markup.Number(summary.FramesPerSecond, 1) + " fps", speedNote);
            if (stills)
            {
                Fact("Faces", Markup.Number(TrackIds().Count, 0), TrackIds().Count == 1 ? "face found" : "faces found");
            }
            else
            {
                Fact("Tracks", Markup.Number(TrackIds().Count, 0), TrackIds().Count == 1 ? "face followed" : "faces followed");
            }

            Fact("Anonymised", summary.Anonymized ? "Yes" : "No", summary.Anonymized ? "faces blurred in pictures" : "pictures show faces");
            var date = GeneratedAt();
            Fact("Report date", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), date.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture));
            w.Write("</dl>\n");
            w.Write($"<aside class=\"notice\"><strong>How to read these results.</strong> {Markup.Escape(AnalysisSummary.Disclaimer)}</aside>\n");
            w.Write("</header>\n");
        }

        private void Fact(string name, string value, string? note)
        {
            w.Write($"<div><dt>{Markup.Escape(name)}</dt><dd>{Markup.Escape(value)}");
            if (note is not null)
            {
                w.Write($"<small>{Markup.Escape(note)}</small>");
            }

            w.Write("</dd></div>\n");
        }

        private void Legend()
        {
            w.Write("<div class=\"legend\">");
            for (var i = LabelCount - 1; i >= 0; i--)
            {
                w.Write($"<span><i class=\"sw-{ExpressionPalette.Key(i)}\"></i>{ExpressionPalette.Key(i)}</span>");
            }

            w.Write("</div>");
        }

        private void Overview()
        {
            var ids = TrackIds();
            w.Write("<section class=\"card\" id=\"overview\">\n<div class=\"card-head\"><h2>Overview</h2>");
            if (ids.Count > 0)
            {
                Legend();
            }

            w.Write("</div>\n");
            if (ids.Count == 0)
            {
                var frames = summary.FramesAnalysed > 0 ? summary.FramesAnalysed : series.Frames;
                w.Write("<div class=\"empty\"><p class=\"empty-title\">No face was found.</p>");
                w.Write($"<p>Mien looked at {Markup.Number(frames, 0)} frame{(frames == 1 ? string.Empty : "s")} of this source and detected no face in any of them, ");
                w.Write("so there are no expression, pose or blink timelines. Faces that are very small, strongly turned away, ");
                w.Write("covered or badly lit may be missed; the processing details below list any problems.</p></div>\n</section>\n");
                return;
            }

            w.Write("<p class=\"hint\">When each face was seen, coloured by the expression estimated as most likely. Gaps: the face was not seen.</p>\n");
            const double lane = 26;
            var chart = new TimeChart(t0, t1, 0, ids.Count, (ids.Count * lane) + 10 + 34);
            w.Write("<div class=\"plot\">");
            chart.Open(w, "overview", "When each track was seen, coloured by its most likely expression");
            chart.TimeAxis(w);
            for (var row = 0; row < ids.Count; row++)
            {
                var id = ids[row];
                var top = TimeChart.Top + (row * lane) + 4;
                w.Write($"<a href=\"#track-{id}\"><text class=\"lane\" x=\"{Markup.Coordinate(TimeChart.Left - 8)}\" y=\"{Markup.Coordinate(top + 13)}\">Track {id}</text></a>");
                w.Write($"<rect class=\"lane-bg\" x=\"{Markup.Coordinate(chart.PlotLeft)}\" y=\"{Markup.Coordinate(top)}\" width=\"{Markup.Coordinate(chart.PlotRight - chart.PlotLeft)}\" height=\"{Markup.Coordinate(lane - 8)}\" />");
                if (series.Find(id) is { } s)
                {
                    Ribbon(chart, s, top, lane - 8);
                }
            }

            TimeChart.Close(w);
            w.Write("</div>\n</section>\n");
        }

        // Rectangles of the top expression over time: bucket means, merged while the top label stays the same.
        private void Ribbon(TimeChart chart, TrackSeries s, double top, double height)
        {
            if (!s.HasExpression)
            {
                // Seen, but no estimates: show presence in slate so the gap pattern is still visible.
                foreach (var run in PresenceRuns(s))
                {
                    RibbonRect(chart, run.Start, run.End, top, height, "presence", "seen, no expression estimate");
                }

                return;
            }

            foreach (var run in Downsampling.ExpressionMeans(s, t0, t1, Buckets, sampleWidth))
            {
                var start = 0;
                for (var i = 1; i <= run.Length; i++)
                {
                    if (i < run.Length && run[i].Dominant == run[start].Dominant)
                    {
                        continue;
                    }

                    var label = run[start].Dominant;
                    var key = ExpressionPalette.Key(label);
                    RibbonRect(chart, run[start].Start, run[i - 1].End, top, height, "f-" + key, $"{key}, {Markup.Time(run[start].Start)} – {Markup.Time(run[i - 1].End)}");
                    start = i;
                }
            }
        }

        private void RibbonRect(TimeChart chart, double start, double end, double top, double height, string cssClass, string title)
        {
            var x0 = chart.X(start);
            var width = Math.Max(chart.X(end) - x0, 0.8);
            w.Write($"<rect class=\"{cssClass}\" x=\"{Markup.Coordinate(x0)}\" y=\"{Markup.Coordinate(top)}\" width=\"{Markup.Coordinate(width)}\" height=\"{Markup.Coordinate(height)}\"><title>{Markup.Escape(title)}</title></rect>");
        }

        private List<(double Start, double End)> PresenceRuns(TrackSeries s)
        {
            var runs = new List<(double, double)>();
            var segments = s.SegmentStarts;
            var times = s.Times;
            for (var k = 0; k < segments.Length; k++)
            {
                var first = segments[k];
                var last = (k + 1 < segments.Length ? segments[k + 1] : times.Length) - 1;
                runs.Add((times[first], times[last] + sampleWidth));
            }

            return runs;
        }

        private void Track(int id)
        {
            var s = series.Find(id);
            var ts = SummaryOf(id);
            w.Write($"<section class=\"card track\" id=\"track-{id}\">\n<div class=\"card-head\"><h2>Track {id}</h2>");
            if (ts is not null)
            {
                var seen = (ts.LastSeen - ts.FirstSeen).TotalSeconds;
                w.Write($"<p class=\"sub\">seen from {Markup.Time(ts.FirstSeen.TotalSeconds)} to {Markup.Time(ts.LastSeen.TotalSeconds)} · {Markup.Number(ts.Frames, 0)} frames");
                if (seen > 0)
                {
                    w.Write($" · {Markup.Duration(seen)}");
                }

                w.Write("</p>");
            }

            w.Write("</div>\n<div class=\"track-top\">\n");
            StatsTable(ts, s);
            MeanExpressionBars(ts);
            w.Write("</div>\n");

            if (s is null || s.Count == 0)
            {
                w.Write("<p class=\"note\">No time series were recorded for this track.</p>\n</section>\n");
                return;
            }

            var trackMoments = MomentsOf(id);
            ExpressionChart(s, trackMoments);
            AffectSections(s);
            if (s.HasPose || s.HasEyes || s.HasMouth)
            {
                PoseChart(s);
                EyesChart(s);
                MouthChart(s);
            }
            else
            {
                w.Write("<p class=\"note mesh-note\">Head pose, eyes and mouth were not measured for this track (no face mesh), so only expression estimates are shown.</p>\n");
            }

            PhysiologySection(s);
            BodySection(s);
            SkinSection(id, s);
            OcclusionSection(s);
            Moments(trackMoments);
            w.Write("</section>\n");
        }

        private List<KeyMoment> MomentsOf(int id)
        {
            var list = new List<KeyMoment>();
            foreach (var m in moments)
            {
                if (m.TrackId == id)
                {
                    list.Add(m);
                }
            }

            list.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
            return list;
        }

        private void StatsTable(TrackSummary? ts, TrackSeries? s)
        {
            w.Write("<table class=\"stats\"><tbody>\n");
            if (ts is null)
            {
                w.Write("<tr><td colspan=\"2\">No summary for this track.</td></tr>\n</tbody></table>\n");
                return;
            }

            Row("First seen", Markup.Time(ts.FirstSeen.TotalSeconds));
            Row("Last seen", Markup.Time(ts.LastSeen.TotalSeconds));
            Row("Frames", Markup.Number(ts.Frames, 0));
            if (ts.DominantExpression is { } dominant)
            {
                var index = ExpressionPalette.IndexOf(dominant);
                var swatch = index >= 0 ? $"<i class=\"dot sw-{ExpressionPalette.Key(index)}\"></i>" : string.Empty;
                RowHtml("Most likely expression (mean)", swatch + Markup.Escape(dominant));
                Row("Top label in", Markup.Percent(ts.DominantShare) + " of frames with an estimate");
            }
            else
            {
                Row("Most likely expression (mean)", "not estimated");
            }

            if (s is { HasEyes: false })
            {
                Row("Blinks", "eyes not measured");
            }
            else
            {
                Row("Blinks", Markup.Number(ts.Blinks, 0));
                Row("Blinks per minute", ts.BlinksPerMinute is { } rate ? Markup.Number(rate, 1) : "– (eyes seen too briefly for a rate)");
            }
            if (ts.MeanPose is { } pose)
            {
                Row("Mean head pose", $"yaw {Degrees(pose.Yaw)}, pitch {Degrees(pose.Pitch)}, roll {Degrees(pose.Roll)}");
            }
            else
            {
                Row("Mean head pose", "not measured");
            }

            Row("Mean mouth opening", ts.MeanMouthOpening is { } mouth ? Markup.Number(mouth, 2) : "not measured");
            w.Write("</tbody></table>\n");
        }

        private static string Degrees(float value) => Markup.Number(value, 1).Replace("-", "−", StringComparison.Ordinal) + "°";

        private void Row(string name, string value) => RowHtml(name, Markup.Escape(value));

        private void RowHtml(string name, string valueHtml) =>
            w.Write($"<tr><th scope=\"row\">{Markup.Escape(name)}</th><td>{valueHtml}</td></tr>\n");

        private void MeanExpressionBars(TrackSummary? ts)
        {
            w.Write(stills ? "<div class=\"bars\"><h3>Expression estimate <small>per-image probabilities</small></h3>\n" : "<div class=\"bars\"><h3>Mean expression estimate</h3>\n");
            if (ts is null || ts.MeanExpression.Count == 0)
            {
                w.Write("<p class=\"note\">No expression was estimated for this track.</p></div>\n");
                return;
            }

            for (var i = 0; i < LabelCount; i++)
            {
                var key = ExpressionPalette.Key(i);
                var p = ts.MeanExpression.TryGetValue(ExpressionEstimate.Labels[i], out var v) ? v : 0;
                var width = Markup.Number(Math.Clamp(p, 0, 1) * 100, 1);
                w.Write($"<div class=\"bar\"><span class=\"bar-label\">{key}</span><span class=\"bar-track\"><span class=\"bar-fill sw-{key}\" style=\"width:{width}%\"></span></span><span class=\"bar-value\">{Markup.Number(p, 2)}</span></div>\n");
            }

            w.Write("</div>\n");
        }

        private void FigureStart(string title, string? legendHtml)
        {
            w.Write($"<figure><figcaption><span class=\"fig-title\">{title}</span>");
            if (legendHtml is not null)
            {
                w.Write(legendHtml);
            }

            w.Write("</figcaption>\n");
        }

        private void ExpressionChart(TrackSeries s, List<KeyMoment> trackMoments)
        {
            var legend = new StringBuilder("<span class=\"legend\">");
            for (var i = LabelCount - 1; i >= 0; i--)
            {
                legend.Append(CultureInfo.InvariantCulture, $"<span><i class=\"sw-{ExpressionPalette.Key(i)}\"></i>{ExpressionPalette.Key(i)}</span>");
            }

            legend.Append("</span>");
            FigureStart("Expression estimates <small>probability of each expression, stacked</small>", s.HasExpression ? legend.ToString() : null);
            if (!s.HasExpression)
            {
                w.Write("<p class=\"note\">No expression was estimated for this track.</p></figure>\n");
                return;
            }

            var chart = new TimeChart(t0, t1, 0, 1, 230);
            chart.Open(w, "expression-timeline", $"Expression probabilities over time, track {s.TrackId}");
            chart.YAxis(w, [0, 0.25, 0.5, 0.75, 1], v => TimeChart.Format(v, 2), "probability");
            chart.TimeAxis(w);
            var runs = Downsampling.ExpressionMeans(s, t0, t1, Buckets, sampleWidth);

            // Painter's stack: label k is filled from the baseline up to the sum of labels 0..k, from the top
            // label down, so each band shows between its neighbours; one path per label, a subpath per run.
            for (var k = LabelCount - 1; k >= 0; k--)
            {
                w.Write($"<path class=\"f-{ExpressionPalette.Key(k)}\" d=\"");
                foreach (var run in runs)
                {
                    var baseline = Markup.Coordinate(chart.Y(0));
                    w.Write($"M{Markup.Coordinate(chart.X(run[0].Start))},{baseline}");
                    w.Write($"L{Markup.Coordinate(chart.X(run[0].Start))},{Markup.Coordinate(chart.YClamped(Cumulative(run[0], k)))}");
                    foreach (var g in run)
                    {
                        w.Write($"L{Markup.Coordinate(chart.X(g.X))},{Markup.Coordinate(chart.YClamped(Cumulative(g, k)))}");
                    }

                    var last = run[^1];
                    w.Write($"L{Markup.Coordinate(chart.X(last.End))},{Markup.Coordinate(chart.YClamped(Cumulative(last, k)))}");
                    w.Write($"L{Markup.Coordinate(chart.X(last.End))},{baseline}Z");
                }

                w.Write("\" />");
            }

            // Light guides over the stack, so levels can be read inside the bands.
            w.Write("<g class=\"guides\">");
            foreach (var level in new[] { 0.25, 0.5, 0.75 })
            {
                var y = Markup.Coordinate(chart.Y(level));
                w.Write($"<line x1=\"{Markup.Coordinate(chart.PlotLeft)}\" x2=\"{Markup.Coordinate(chart.PlotRight)}\" y1=\"{y}\" y2=\"{y}\" />");
            }

            w.Write("</g>");
            for (var i = 0; i < trackMoments.Count; i++)
            {
                var x = Markup.Coordinate(chart.X(trackMoments[i].Timestamp.TotalSeconds));
                w.Write($"<g class=\"moment-mark\"><line x1=\"{x}\" x2=\"{x}\" y1=\"{Markup.Coordinate(chart.PlotTop)}\" y2=\"{Markup.Coordinate(chart.PlotBottom)}\" />");
                w.Write($"<circle cx=\"{x}\" cy=\"{Markup.Coordinate(chart.PlotTop + 9)}\" r=\"8\" /><text x=\"{x}\" y=\"{Markup.Coordinate(chart.PlotTop + 12.5)}\">{i + 1}</text>");
                w.Write($"<title>{Markup.Escape(trackMoments[i].Label)} at {Markup.Time(trackMoments[i].Timestamp.TotalSeconds)}</title></g>");
            }

            TimeChart.Close(w);

            var ribbon = new TimeChart(t0, t1, 0, 1, 26, timeLabels: false);
            ribbon.Open(w, "ribbon", $"Most likely expression over time, track {s.TrackId}");
            w.Write($"<text class=\"ribbon-label\" x=\"{Markup.Coordinate(TimeChart.Left - 8)}\" y=\"15\">top label</text>");
            Ribbon(ribbon, s, 2, 20);
            TimeChart.Close(w);
            w.Write("</figure>\n");
        }

        private static double Cumulative(MeanGroup g, int k)
        {
            double sum = 0;
            for (var i = 0; i <= k; i++)
            {
                sum += g.Values[i];
            }

            return sum;
        }

        private void PoseChart(TrackSeries s)
        {
            const string legend = "<span class=\"legend\"><span><i class=\"ln yaw\"></i>yaw (turn)</span><span><i class=\"ln pitch\"></i>pitch (nod)</span><span><i class=\"ln roll\"></i>roll (tilt)</span></span>";
            FigureStart("Head pose <small>degrees; 0 = facing the camera</small>", s.HasPose ? legend : null);
            if (!s.HasPose)
            {
                w.Write("<p class=\"note\">Head pose was not measured for this track.</p></figure>\n");
                return;
            }

            var extent = Math.Max(MaxAbs(s.Yaw), Math.Max(MaxAbs(s.Pitch), MaxAbs(s.Roll)));
            var range = Math.Min(180, Math.Max(30, Math.Ceiling(extent / 15) * 15));
            var step = range <= 45 ? 15 : range <= 90 ? 30 : 60;
            var chart = new TimeChart(t0, t1, -range, range, 190);
            chart.Open(w, "pose-timeline", $"Head yaw, pitch and roll over time, track {s.TrackId}");
            chart.YAxis(w, TimeChart.Ticks(-range, range, step), v => TimeChart.Format(v, 0).Replace("-", "−", StringComparison.Ordinal) + "°", "degrees", emphasise: 0);
            chart.TimeAxis(w);
            var max = options.MaxPointsPerSeries;
            chart.Line(w, Downsampling.MinMax(s.Times, s.Roll, s.SegmentStarts, t0, t1, max), "ln roll");
            chart.Line(w, Downsampling.MinMax(s.Times, s.Pitch, s.SegmentStarts, t0, t1, max), "ln pitch");
            chart.Line(w, Downsampling.MinMax(s.Times, s.Yaw, s.SegmentStarts, t0, t1, max), "ln yaw");
            TimeChart.Close(w);
            w.Write("</figure>\n");
        }

        private void EyesChart(TrackSeries s)
        {
            var blinks = BlinkSpans(s);
            var legend = $"<span class=\"legend\"><span><i class=\"ln eye\"></i>openness</span><span><i class=\"blink-key\"></i>blink ({blinks.Count})</span></span>";
            FigureStart("Eyes <small>openness, 1 = as open as usual for this person</small>", s.HasEyes ? legend : null);
            if (!s.HasEyes)
            {
                w.Write("<p class=\"note\">The eyes were not measured for this track.</p></figure>\n");
                return;
            }

            var top = Math.Min(3, Math.Max(1.2, Math.Ceiling(MaxValue(s.Openness) * 5) / 5));
            var chart = new TimeChart(t0, t1, 0, top, 150);
            chart.Open(w, "eyes-timeline", $"Eye openness and blinks over time, track {s.TrackId}");
            chart.YAxis(w, TimeChart.Ticks(0, top, top > 2 ? 1 : 0.5), v => TimeChart.Format(v, 1), "openness");
            chart.TimeAxis(w);
            foreach (var (start, end) in blinks)
            {
                var x = chart.X(start);
                var width = Math.Max(chart.X(end) - x, 1.2);
                w.Write($"<rect class=\"blink\" x=\"{Markup.Coordinate(x)}\" y=\"{Markup.Coordinate(chart.PlotTop)}\" width=\"{Markup.Coordinate(width)}\" height=\"{Markup.Coordinate(chart.PlotBottom - chart.PlotTop)}\"><title>blink at {Markup.Time(start)}</title></rect>");
                w.Write($"<path class=\"blink-tick\" d=\"M{Markup.Coordinate(x + (width / 2) - 4)},{Markup.Coordinate(chart.PlotTop)}h8l-4,6z\" />");
            }

            var reference = Markup.Coordinate(chart.Y(1));
            w.Write($"<line class=\"reference\" x1=\"{Markup.Coordinate(chart.PlotLeft)}\" x2=\"{Markup.Coordinate(chart.PlotRight)}\" y1=\"{reference}\" y2=\"{reference}\" />");
            chart.Line(w, Downsampling.MinMax(s.Times, s.Openness, s.SegmentStarts, t0, t1, options.MaxPointsPerSeries), "ln eye");
            TimeChart.Close(w);
            w.Write("</figure>\n");
        }

        // Blinks as [start, end) spans: rising edge to the first sample out of the blink (or the last measured
        // sample plus one frame), matching how TrackSummaryBuilder counts them.
        private List<(double Start, double End)> BlinkSpans(TrackSeries s)
        {
            var spans = new List<(double, double)>();
            var times = s.Times;
            var blink = s.InBlink;
            var open = s.Openness;
            bool? last = null;
            double start = double.NaN, lastInside = 0;
            for (var i = 0; i < times.Length; i++)
            {
                if (!float.IsFinite(open[i]))
                {
                    continue; // eyes not measured: the state carries over, as in the summary
                }

                if (blink[i] && last == false)
                {
                    start = times[i];
                }
                else if (!blink[i] && last == true && !double.IsNaN(start))
                {
                    spans.Add((start, times[i]));
                    start = double.NaN;
                }

                if (blink[i])
                {
                    lastInside = times[i];
                }

                last = blink[i];
            }

            if (last == true && !double.IsNaN(start))
            {
                spans.Add((start, lastInside + sampleWidth));
            }

            return spans;
        }

        private void MouthChart(TrackSeries s)
        {
            FigureStart("Mouth opening <small>inner-lip gap ÷ mouth width; 0 = closed</small>", null);
            if (!s.HasMouth)
            {
                w.Write("<p class=\"note\">Mouth opening was not measured for this track.</p></figure>\n");
                return;
            }

            var top = Math.Min(2, Math.Max(0.5, Math.Ceiling(MaxValue(s.MouthOpening) * 10) / 10));
            var chart = new TimeChart(t0, t1, 0, top, 130);
            chart.Open(w, "mouth-timeline", $"Mouth opening over time, track {s.TrackId}");
            var mouthStep = top > 1 ? 0.5 : top > 0.5 ? 0.2 : 0.25;
            chart.YAxis(w, TimeChart.Ticks(0, top, mouthStep), v => v.ToString("0.0#", CultureInfo.InvariantCulture), "ratio");
            chart.TimeAxis(w);
            var runs = Downsampling.MinMax(s.Times, s.MouthOpening, s.SegmentStarts, t0, t1, options.MaxPointsPerSeries);
            var baseline = Markup.Coordinate(chart.Y(0));
            w.Write("<path class=\"mouth-area\" d=\"");
            foreach (var run in runs)
            {
                w.Write($"M{Markup.Coordinate(chart.X(run[0].X))},{baseline}");
                foreach (var p in run)
                {
                    w.Write($"L{Markup.Coordinate(chart.X(p.X))},{Markup.Coordinate(chart.YClamped(p.Y))}");
                }

                w.Write($"L{Markup.Coordinate(chart.X(run[^1].X))},{baseline}Z");
            }

            w.Write("\" />");
            chart.Line(w, runs, "ln mouth");
            TimeChart.Close(w);
            w.Write("</figure>\n");
        }

        private void Moments(List<KeyMoment> trackMoments)
        {
            if (trackMoments.Count == 0)
            {
                return;
            }

            w.Write("<h3 class=\"moments-title\">Key moments");
            if (summary.Anonymized)
            {
                w.Write(" <small>faces blurred</small>");
            }

            w.Write("</h3>\n<div class=\"moments\">\n");
            for (var i = 0; i < trackMoments.Count; i++)
            {
                var m = trackMoments[i];
                var time = Markup.Time(m.Timestamp.TotalSeconds);
                w.Write($"<figure class=\"moment\"><span class=\"badge\">{i + 1}</span>");
                if (IsJpeg(m.Jpeg))
                {
                    w.Write($"<img src=\"data:image/jpeg;base64,{Convert.ToBase64String(m.Jpeg)}\" alt=\"{Markup.Escape(m.Label)} at {time}\" />");
                }
                else
                {
                    w.Write("<div class=\"no-image\">no picture</div>");
                }

                w.Write($"<figcaption><b>{time}</b><span>{Markup.Escape(m.Label)}</span></figcaption></figure>\n");
            }

            w.Write("</div>\n");
        }

        // Only JPEG data goes into the data URI (SOI marker): anything else is shown as missing, not guessed at.
        private static bool IsJpeg(byte[]? bytes) => bytes is { Length: > 3 } && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;

        private void Processing()
        {
            w.Write("<section class=\"card\" id=\"processing\">\n<div class=\"card-head\"><h2>Processing</h2>");
            w.Write($"<p class=\"sub\">{Markup.Number(summary.FramesAnalysed, 0)} frames in {Markup.Duration(summary.Elapsed.TotalSeconds)} of wall time</p></div>\n");
            w.Write("<div class=\"processing\">\n<div><h3>Stage timings</h3>\n");
            if (summary.Stages.Count == 0)
            {
                w.Write("<p class=\"note\">No stage timings were recorded.</p>\n");
            }
            else
            {
                double slowest = 0;
                foreach (var stage in summary.Stages)
                {
                    slowest = Math.Max(slowest, stage.P90Ms);
                }

                w.Write("<table class=\"timings\"><thead><tr><th scope=\"col\">stage</th><th scope=\"col\" class=\"num\">median</th><th scope=\"col\" class=\"num\">90th pct.</th><th scope=\"col\" class=\"num\">runs</th><th scope=\"col\"><span class=\"visually-hidden\">median, relative</span></th></tr></thead><tbody>\n");
                foreach (var stage in summary.Stages)
                {
                    var width = slowest > 0 ? Markup.Number(Math.Clamp(stage.MedianMs / slowest, 0, 1) * 100, 1) : "0";
                    var p90 = slowest > 0 ? Markup.Number(Math.Clamp(stage.P90Ms / slowest, 0, 1) * 100, 1) : "0";
                    w.Write($"<tr><td>{Markup.Escape(stage.Stage)}</td><td class=\"num\">{Markup.Number(stage.MedianMs, 2)} ms</td><td class=\"num\">{Markup.Number(stage.P90Ms, 2)} ms</td><td class=\"num\">{Markup.Number(stage.Count, 0)}</td>");
                    w.Write($"<td class=\"timing-bar\"><span class=\"p90\" style=\"width:{p90}%\"></span><span class=\"median\" style=\"width:{width}%\"></span></td></tr>\n");
                }

                w.Write("</tbody></table>\n<p class=\"note timing-note\">Bars: median (dark) and 90th percentile (light), relative to the slowest stage.</p>\n");
            }

            w.Write("</div>\n<div><h3>Problems</h3>\n");
            if (summary.Problems.Count == 0)
            {
                w.Write("<p class=\"ok\">No problems were reported.</p>\n");
            }
            else
            {
                w.Write("<ol class=\"problems\">\n");
                foreach (var problem in summary.Problems)
                {
                    w.Write($"<li>{Markup.Escape(problem)}</li>\n");
                }

                w.Write("</ol>\n");
            }

            w.Write("</div>\n</div>\n");
            ProvenanceSection();
            w.Write("</section>\n");
        }

        /// <summary>Where the numbers come from: the build, the command, the settings, each model with its hash, the start time.</summary>
        private void ProvenanceSection()
        {
            if (summary.Provenance is not { } p)
            {
                return;
            }

            w.Write("<div class=\"provenance\" id=\"provenance\"><h3>Provenance</h3>\n<dl class=\"facts\">\n");
            Fact("Mien", p.MienVersion, null);
            Fact("Started", ProvenanceJson.Utc(p.StartedUtc), "UTC");
            if (p.CommandLine is { } command)
            {
                Fact("Command", command, null);
            }

            if (p.Settings.Count > 0)
            {
                Fact("Settings", string.Join(", ", p.Settings.Select(s => $"{s.Key} {s.Value}")), null);
            }

            if (p.ExpressionModel is { } e)
            {
                Fact("Expression model", ExpressionModelText(e), null);
            }

            w.Write("</dl>\n");
            if (p.Models.Count > 0)
            {
                w.Write("<table class=\"timings\"><thead><tr><th scope=\"col\">model</th><th scope=\"col\">package</th><th scope=\"col\">ONNX SHA-256</th></tr></thead><tbody>\n");
                foreach (var m in p.Models)
                {
                    w.Write($"<tr><td>{Markup.Escape(m.Id)}</td><td>{Markup.Escape(m.Package)}</td><td><code>{Markup.Escape(m.OnnxSha256)}</code></td></tr>\n");
                }

                w.Write("</tbody></table>\n");
            }

            w.Write("</div>\n");
        }

        /// <summary>"human+teacher (ensemble, probabilities, mirror): emotion ×0.5, teacher ×0.5 every 30 frames".</summary>
        private static string ExpressionModelText(ExpressionModelProvenance e)
        {
            var c = CultureInfo.InvariantCulture;
            var how = new List<string> { e.Kind };
            if (e.Combine is { } combine)
            {
                how.Add(combine);
            }

            if (e.Mirror)
            {
                how.Add("mirror");
            }

            if (e.Shift > 0)
            {
                how.Add(string.Create(c, $"shifts of {e.Shift:0.###}"));
            }

            var members = e.Members.Select(m =>
                string.Create(c, $"{m.Id} ×{m.Weight:0.###}")
                + (m.Every > 1 ? string.Create(c, $" every {m.Every} frames") : string.Empty)
                + (m.Temperature != 1f ? string.Create(c, $" T {m.Temperature:0.###}") : string.Empty));
            // A single model is its own only member: its id once is enough.
            return e.Members is [{ } only] && only.Id == e.Id && only.Every == 1 && only.Temperature == 1f
                ? $"{e.Id} ({string.Join(", ", how)})"
                : $"{e.Id} ({string.Join(", ", how)}): {string.Join(", ", members)}";
        }

        private static double MaxAbs(ReadOnlySpan<float> values)
        {
            double max = 0;
            foreach (var v in values)
            {
                if (float.IsFinite(v))
                {
                    max = Math.Max(max, Math.Abs(v));
                }
            }

            return max;
        }

        private static double MaxValue(ReadOnlySpan<float> values)
        {
            double max = 0;
            foreach (var v in values)
            {
                if (float.IsFinite(v))
                {
                    max = Math.Max(max, v);
                }
            }

            return max;
        }
    }

    private const string Css = """
        :root{--ink:#1f2933;--muted:#616e7c;--faint:#9aa5b1;--line:#e4e7eb;--bg:#f4f6f8;--card:#fff;--slate:#243b53;--slate2:#486581;--slate3:#829ab1}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans",sans-serif;font-variant-numeric:tabular-nums}
        .page{max-width:1180px;margin:0 auto;padding:36px 28px 48px}
        .eyebrow{font-size:12px;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:var(--muted)}
        h1{font-size:28px;line-height:1.2;margin:6px 0 4px;overflow-wrap:anywhere;font-weight:650}
        h2{font-size:19px;margin:0;font-weight:650}
        h3{font-size:14px;margin:0 0 8px;font-weight:600;color:var(--ink)}
        small{font-size:12px;font-weight:400;color:var(--muted)}
        .meta{margin:0 0 18px;color:var(--muted)}
        .facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden}
        .facts div{padding:12px 16px;box-shadow:1px 1px 0 var(--line)}
        .facts dt{font-size:12px;color:var(--muted)}
        .facts dd{margin:2px 0 0;font-size:19px;font-weight:600}
        .facts dd small{display:block;margin-top:1px}
        .notice{margin-top:16px;padding:12px 16px;border-left:4px solid var(--slate3);background:#eaf0f6;border-radius:6px;color:#334e68;font-size:14px}
        .notice strong{color:var(--slate)}
        .card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:22px 26px 24px;margin-top:24px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
        .card-head{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:8px 24px;margin-bottom:12px}
        .sub{margin:0;color:var(--muted);font-size:14px}
        .hint,.note{color:var(--muted);font-size:13px;margin:0 0 8px}
        .legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12.5px;font-weight:400;color:var(--muted)}
        .legend i{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:5px;vertical-align:-1px}
        .legend i.ln{height:0;border-radius:0;border-top:2.5px solid var(--slate);vertical-align:3px;width:18px}
        .legend i.pitch{border-top:2.5px dashed var(--slate2)}
        .legend i.roll{border-top:2.5px dotted #7b93ab}
        .legend i.eye{border-top-color:var(--slate)}
        .legend i.blink-key{background:#cdd8e4;border-radius:2px}
        .empty{padding:28px 24px;text-align:center;background:#f8fafc;border:1px dashed #cbd2d9;border-radius:10px;color:var(--muted)}
        .empty p{max-width:640px;margin:6px auto 0}
        .empty .empty-title{font-size:18px;font-weight:600;color:var(--ink)}
        figure{margin:20px 0 0}
        figcaption{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:4px 16px;margin-bottom:4px}
        .fig-title{font-weight:600;font-size:14px}
        .fig-title small{margin-left:6px}
        svg.chart{display:block;width:100%;min-width:640px;height:auto;overflow:visible}
        figure,.plot{overflow-x:auto}
        svg text{font-size:11px;fill:var(--muted)}
        .grid line{stroke:#edf0f3;stroke-width:1}
        .grid line.zero{stroke:#b8c2cc}
        .baseline{stroke:#b8c2cc;stroke-width:1}
        .ylabels text,.lane,.ribbon-label{text-anchor:end}
        .xlabels text{text-anchor:middle}
        .xtitle{text-anchor:end;font-size:11px}
        .ytitle{text-anchor:middle;font-size:11px}
        .lane{font-size:12px;fill:var(--ink);font-weight:600}
        .lane-bg{fill:#f1f4f7}
        .presence{fill:var(--slate3)}
        .ln{fill:none;stroke-linejoin:round;stroke-linecap:round}
        path.yaw{stroke:var(--slate);stroke-width:1.8}
        path.pitch{stroke:var(--slate2);stroke-width:1.6;stroke-dasharray:6 3}
        path.roll{stroke:#7b93ab;stroke-width:1.6;stroke-dasharray:1.5 3}
        path.eye{stroke:var(--slate);stroke-width:1.5}
        path.mouth{stroke:var(--slate);stroke-width:1.5}
        .mouth-area{fill:#dce6f0}
        .reference{stroke:#b8c2cc;stroke-dasharray:3 3}
        .blink{fill:#cdd8e4;opacity:.75}
        .blink-tick{fill:var(--slate2)}
        .guides line{stroke:#fff;stroke-opacity:.55;stroke-width:1}
        .timing-note{margin-top:8px}
        .mesh-note{margin-top:16px}
        .moment-mark line{stroke:var(--slate);stroke-width:1;stroke-dasharray:2 2;opacity:.7}
        .moment-mark circle{fill:var(--slate);stroke:#fff;stroke-width:1.5}
        .moment-mark text{fill:#fff;font-size:10px;font-weight:700;text-anchor:middle}
        .track-top{display:grid;grid-template-columns:minmax(0,1.1fr) minmax(0,1fr);gap:28px;align-items:start}
        @media (max-width:820px){.track-top,.processing{grid-template-columns:1fr}}
        table{border-collapse:collapse;width:100%;font-size:14px}
        .stats th{text-align:left;font-weight:400;color:var(--muted);padding:5px 12px 5px 0;width:46%}
        .stats td{padding:5px 0;font-weight:600}
        .stats tr+tr th,.stats tr+tr td{border-top:1px solid #f0f2f4}
        .dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:7px}
        .bar{display:grid;grid-template-columns:78px 1fr 42px;align-items:center;gap:10px;font-size:13px;margin:5px 0}
        .bar-label{color:var(--muted)}
        .bar-track{height:10px;background:#f1f4f7;border-radius:5px;overflow:hidden}
        .bar-fill{display:block;height:100%;border-radius:5px}
        .bar-value{text-align:right;font-weight:600}
        .moments-title{margin-top:24px}
        .moments{display:grid;grid-template-columns:repeat(auto-fill,minmax(132px,1fr));gap:14px}
        .moment{position:relative;margin:0}
        .moment img,.no-image{display:block;width:100%;aspect-ratio:1;object-fit:cover;border-radius:8px;background:#e4e7eb}
        .no-image{display:flex;align-items:center;justify-content:center;color:var(--muted);font-size:12px}
        .moment figcaption{display:block;font-size:12.5px;margin-top:6px}
        .moment figcaption b{display:block;font-weight:600}
        .moment figcaption span{color:var(--muted)}
        .badge{position:absolute;top:6px;left:6px;width:20px;height:20px;border-radius:50%;background:var(--slate);color:#fff;font-size:11px;font-weight:700;display:flex;align-items:center;justify-content:center;box-shadow:0 0 0 2px #fff}
        .processing{display:grid;grid-template-columns:minmax(0,1.4fr) minmax(0,1fr);gap:32px}
        .timings th{text-align:left;font-weight:600;font-size:12px;color:var(--muted);padding:6px 10px 6px 0;border-bottom:1px solid var(--line)}
        .timings td{padding:6px 10px 6px 0;border-bottom:1px solid #f0f2f4}
        .timings .num{text-align:right;white-space:nowrap}
        .timing-bar{position:relative;width:30%;min-width:80px}
        .timing-bar span{position:absolute;left:0;top:50%;height:8px;margin-top:-4px;border-radius:4px}
        .timing-bar .p90{background:#dce6f0}
        .timing-bar .median{background:var(--slate2)}
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
        .problems{margin:0;padding-left:20px;font-size:14px}
        .problems li{margin:4px 0;overflow-wrap:anywhere}
        .ok{color:#2f7d4f;font-size:14px;margin:0}
        footer{margin-top:28px;color:var(--faint);font-size:12px;text-align:center}

        """;
}
