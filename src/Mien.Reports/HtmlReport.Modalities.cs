using System.Globalization;
using System.Text;
using Mien.Results;
using Mien.Skin;

namespace Mien.Reports;

/// <summary>One person's skin for the report: the aggregate, an overlay of the measured regions, suggestions and the stored profile.</summary>
/// <param name="Summary">The track's skin aggregate.</param>
/// <param name="OverlayJpeg">A JPEG of the face with the measured regions drawn (blurred when anonymised: then null).</param>
/// <param name="Suggestions">Rule-based, non-medical suggestions with the measurement that triggered each.</param>
/// <param name="Profile">The subject's stored sessions including this one, when a subject id was given.</param>
public sealed record SkinReport(SkinSummary Summary, byte[]? OverlayJpeg, IReadOnlyList<SkinSuggestion> Suggestions, SkinProfile? Profile);

/// <summary>A stretch of speech for the report, with the voice estimate and who it was attributed to.</summary>
/// <param name="TrackId">The visible speaker it was attributed to, or null (off-screen or unclear).</param>
/// <param name="Start">Start.</param>
/// <param name="End">End.</param>
/// <param name="Arousal">Voice arousal in [−1, 1].</param>
/// <param name="Valence">Voice valence in [−1, 1] (weak evidence; see docs/voice.md).</param>
/// <param name="Confidence">Confidence of the voice estimate in [0, 1].</param>
/// <param name="Correlation">Mouth-movement ↔ audio-energy correlation behind the attribution, when computed.</param>
/// <param name="Details">Prosody in words for the tooltip (e.g. "F0 182 Hz ± 31, 4.1 syll/s").</param>
public sealed record SpeechSpan(int? TrackId, TimeSpan Start, TimeSpan End, float Arousal, float Valence, float Confidence, float? Correlation, string Details);

/// <summary>What the report shows beyond the per-frame series: segments, speech, fused estimates and skin.</summary>
public sealed record ReportAttachments
{
    /// <summary>Nothing attached.</summary>
    public static ReportAttachments None { get; } = new();

    /// <summary>Expression segments of every track.</summary>
    public IReadOnlyList<TrackSegment> Segments { get; init; } = [];

    /// <summary>Speech segments (all, attributed or not).</summary>
    public IReadOnlyList<SpeechSpan> Speech { get; init; } = [];

    /// <summary>Why there is no voice analysis (e.g. "no audio track"), or null when there is one or it was off.</summary>
    public string? VoiceNote { get; init; }

    /// <summary>Fused estimates per track and window.</summary>
    public IReadOnlyList<TrackFusedAffect> Fused { get; init; } = [];

    /// <summary>Each person's offline most likely expression path (recordings only).</summary>
    public IReadOnlyList<ExpressionRun> Paths { get; init; } = [];

    /// <summary>Skin per track.</summary>
    public IReadOnlyDictionary<int, SkinReport> Skin { get; init; } = new Dictionary<int, SkinReport>();
}

/// <content>Sections for the temporal model, action units, voice, fusion, body and skin.</content>
public static partial class HtmlReport
{
    private sealed partial class Page
    {
        private const int UnitBuckets = 120;
        private readonly ReportAttachments attachments;

        private void AffectSections(TrackSeries s)
        {
            var m = s.Modalities;
            if (!m.HasAffect)
            {
                return;
            }

            ValenceArousalChart(s);
            Segments(s);
            if (m.HasUnits)
            {
                UnitHeatmap(s);
            }
        }

        private void ValenceArousalChart(TrackSeries s)
        {
            var fused = attachments.Fused.Where(f => f.TrackId == s.TrackId).ToList();
            var speech = attachments.Speech.Where(p => p.TrackId == s.TrackId).ToList();
            var legend = "<span class=\"legend\"><span><i class=\"ln valence\"></i>valence (face)</span><span><i class=\"ln arousal\"></i>arousal (face)</span>"
                + (fused.Count > 0 ? "<span><i class=\"ln fused-v\"></i>fused valence</span><span><i class=\"ln fused-a\"></i>fused arousal</span>" : string.Empty)
                + (speech.Count > 0 ? "<span><i class=\"speech-key\"></i>speech (voice arousal)</span>" : string.Empty) + "</span>";
            FigureStart("Valence and arousal <small>−1 … +1; circumplex estimate from expression and action units, not a measure of feeling</small>", legend);
            var chart = new TimeChart(t0, t1, -1, 1, 190);
            chart.Open(w, "va-timeline", $"Valence and arousal over time, track {s.TrackId}");
            chart.YAxis(w, [-1, -0.5, 0, 0.5, 1], v => TimeChart.Format(v, 1).Replace("-", "−", StringComparison.Ordinal), "value", emphasise: 0);
            chart.TimeAxis(w);
            foreach (var p in speech)
            {
                var x = chart.X(p.Start.TotalSeconds);
                var width = Math.Max(chart.X(p.End.TotalSeconds) - x, 1);
                var opacity = Markup.Number(0.15 + (0.5 * Math.Clamp((p.Arousal + 1) / 2, 0, 1)), 2);
                w.Write($"<rect class=\"speech\" x=\"{Markup.Coordinate(x)}\" y=\"{Markup.Coordinate(chart.PlotTop)}\" width=\"{Markup.Coordinate(width)}\" height=\"{Markup.Coordinate(chart.PlotBottom - chart.PlotTop)}\" fill-opacity=\"{opacity}\">");
                w.Write($"<title>speech {Markup.Time(p.Start.TotalSeconds)}–{Markup.Time(p.End.TotalSeconds)}: voice arousal {Signed(p.Arousal)}, valence {Signed(p.Valence)} (confidence {Markup.Percent(p.Confidence)}){(p.Correlation is { } c ? $", mouth–audio r = {Markup.Number(c, 2)}" : string.Empty)}; {Markup.Escape(p.Details)}</title></rect>");
            }

            var max = options.MaxPointsPerSeries;
            chart.Line(w, Downsampling.MinMax(s.Times, s.Modalities.Arousal, s.SegmentStarts, t0, t1, max), "ln arousal");
            chart.Line(w, Downsampling.MinMax(s.Times, s.Modalities.Valence, s.SegmentStarts, t0, t1, max), "ln valence");
            if (fused.Count > 0)
            {
                FusedSteps(chart, fused, a => a.Valence, "fused-v");
                FusedSteps(chart, fused, a => a.Arousal, "fused-a");
            }

            TimeChart.Close(w);
            if (fused.Count > 0)
            {
                FusedTable(fused);
            }

            if (attachments.VoiceNote is { } note)
            {
                w.Write($"<p class=\"note\">Voice: {Markup.Escape(note)}.</p>\n");
            }
            else if (speech.Count > 0)
            {
                w.Write($"<p class=\"note\">Voice: {Markup.Number(speech.Count, 0)} speech segments attributed to this person (mouth movement follows the audio energy); shading shows voice arousal.</p>\n");
            }

            w.Write("</figure>\n");
        }

        private void FusedSteps(TimeChart chart, List<TrackFusedAffect> fused, Func<ValenceArousal, float> value, string cssClass)
        {
            var d = new StringBuilder();
            foreach (var f in fused)
            {
                var y = Markup.Coordinate(chart.YClamped(value(f.Affect.Affect)));
                d.Append(CultureInfo.InvariantCulture, $"M{Markup.Coordinate(chart.X(f.Affect.Start.TotalSeconds))},{y}H{Markup.Coordinate(chart.X(f.Affect.End.TotalSeconds))}");
            }

            w.Write($"<path class=\"ln {cssClass}\" d=\"{d}\" />");
        }

        private void FusedTable(List<TrackFusedAffect> fused)
        {
            // Average weight of each source over the windows: how much each modality shaped the fused line.
            var totals = new Dictionary<AffectSource, (double Weight, int Windows)>();
            foreach (var f in fused)
            {
                foreach (var c in f.Affect.Contributions)
                {
                    var (weight, windows) = totals.GetValueOrDefault(c.Source);
                    totals[c.Source] = (weight + c.Weight, windows + 1);
                }
            }

            w.Write("<p class=\"note\">Fused over ");
            w.Write(Markup.Number(fused.Count, 0));
            w.Write(" windows. Mean contribution: ");
            w.Write(string.Join(" · ", totals.OrderByDescending(t => t.Value.Weight).Select(t =>
                $"{t.Key.ToString().ToLowerInvariant()} {Markup.Percent(t.Value.Weight / fused.Count)} (present in {Markup.Number(t.Value.Windows, 0)})")));
            w.Write(".</p>\n");
        }

        private void Segments(TrackSeries s)
        {
            var segments = attachments.Segments.Where(g => g.TrackId == s.TrackId).Select(g => g.Segment).ToList();
            FigureStart("Expression segments <small>from the temporal model: onset → apex → offset, with the action units that drove each</small>", null);
            if (segments.Count == 0)
            {
                w.Write("<p class=\"note\">No expression other than neutral lasted long enough to form a segment.</p></figure>\n");
                return;
            }

            var chart = new TimeChart(t0, t1, 0, 1, 64);
            chart.Open(w, "segments", $"Expression segments, track {s.TrackId}");
            chart.TimeAxis(w);
            foreach (var g in segments)
            {
                var k = ExpressionPalette.IndexOf(g.Expression);
                var x = chart.X(g.Onset.TotalSeconds);
                var width = Math.Max(chart.X(g.Offset.TotalSeconds) - x, 1.5);
                w.Write($"<rect class=\"f-{(k >= 0 ? ExpressionPalette.Key(k) : "neutral")}\" x=\"{Markup.Coordinate(x)}\" y=\"{Markup.Coordinate(chart.PlotTop)}\" width=\"{Markup.Coordinate(width)}\" height=\"{Markup.Coordinate(chart.PlotBottom - chart.PlotTop)}\" rx=\"2\">");
                w.Write($"<title>{Markup.Escape(g.Expression)} {Markup.Time(g.Onset.TotalSeconds)}–{Markup.Time(g.Offset.TotalSeconds)}, peak filtered probability {Probability(g.PeakIntensity)} at {Markup.Time(g.Apex.TotalSeconds)}; {Markup.Escape(Units(g))}</title></rect>");
                var apex = Markup.Coordinate(chart.X(g.Apex.TotalSeconds));
                w.Write($"<path class=\"apex\" d=\"M{apex},{Markup.Coordinate(chart.PlotTop)}v{Markup.Coordinate(chart.PlotBottom - chart.PlotTop)}\" />");
            }

            TimeChart.Close(w);
            PathRibbon(s.TrackId);
            w.Write("<table class=\"segments\"><thead><tr><th>expression</th><th>onset → offset</th><th>duration</th><th title=\"the temporal model&#39;s highest probability for this expression in the segment: how sure the filter was, not how strong the expression was\">peak filtered probability</th><th>valence</th><th>arousal</th><th>driven by (action units above this person's neutral)</th></tr></thead><tbody>\n");
            foreach (var g in segments.OrderByDescending(g => g.Duration).Take(12).OrderBy(g => g.Onset))
            {
                var k = ExpressionPalette.IndexOf(g.Expression);
                w.Write($"<tr><td><i class=\"dot sw-{(k >= 0 ? ExpressionPalette.Key(k) : "neutral")}\"></i>{Markup.Escape(g.Expression)}</td>");
                w.Write($"<td>{Markup.Time(g.Onset.TotalSeconds)} → {Markup.Time(g.Offset.TotalSeconds)}</td><td>{Markup.Duration(g.Duration.TotalSeconds)}</td>");
                w.Write($"<td>{Probability(g.PeakIntensity)} at {Markup.Time(g.Apex.TotalSeconds)}</td><td>{Signed(g.MeanValence)}</td><td>{Signed(g.MeanArousal)}</td>");
                w.Write($"<td>{Markup.Escape(Units(g))}</td></tr>\n");
            }

            w.Write("</tbody></table>\n");
            w.Write("<p class=\"note\">Peak filtered probability: the temporal model's highest probability for the expression in the segment, i.e. how consistently the face showed it, not how intense it was; the filter's probabilities run higher than the per-frame classifier's.</p>\n");
            if (segments.Count > 12)
            {
                w.Write($"<p class=\"note\">The 12 longest of {Markup.Number(segments.Count, 0)} segments are listed; all are in faces.jsonl.</p>\n");
            }

            w.Write("</figure>\n");
        }

        private void PathRibbon(int trackId)
        {
            var runs = attachments.Paths.Where(r => r.TrackId == trackId).ToList();
            if (runs.Count == 0)
            {
                return;
            }

            var ribbon = new TimeChart(t0, t1, 0, 1, 26, timeLabels: false);
            ribbon.Open(w, "ribbon path", $"Most likely expression path over the recording, track {trackId}");
            w.Write($"<text class=\"ribbon-label\" x=\"{Markup.Coordinate(TimeChart.Left - 8)}\" y=\"15\">path</text>");
            foreach (var r in runs)
            {
                var k = ExpressionPalette.IndexOf(r.Expression);
                var x = ribbon.X(r.Start.TotalSeconds);
                var width = Math.Max(ribbon.X(r.End.TotalSeconds + sampleWidth) - x, 1);
                w.Write($"<rect class=\"f-{(k >= 0 ? ExpressionPalette.Key(k) : "neutral")}\" x=\"{Markup.Coordinate(x)}\" y=\"2\" width=\"{Markup.Coordinate(width)}\" height=\"20\"><title>{Markup.Escape(r.Expression)} {Markup.Time(r.Start.TotalSeconds)}–{Markup.Time(r.End.TotalSeconds)}</title></rect>");
            }

            TimeChart.Close(w);
            w.Write($"<p class=\"note\">Path: the single most likely expression sequence over the whole recording ({Markup.Number(runs.Count, 0)} stretches; offline decoding of the same model, so changes sit where the evidence turns, without the filter's delay).</p>\n");
        }

        /// <summary>A probability with two decimals; never "1.00", which would claim certainty.</summary>
        private static string Probability(float p) => p >= 0.995f ? "&gt; 0.99" : Markup.Number(p, 2);

        private static string Units(ExpressionSegment g)
        {
            if (g.TopUnits.Count == 0)
            {
                return g.UnitsAttributed ? "no action unit above baseline" : "not attributed: this person's neutral baseline was still being learnt";
            }

            return string.Join(", ", g.TopUnits.Select(u =>
            {
                var i = IndexOfUnit(u.Code);
                var name = i >= 0 ? ActionUnits.Names[i] : u.Code;
                return $"{u.Code} {name} +{Markup.Number(u.AboveBaseline, 1)} ({Markup.Percent(u.Share)})";
            }));
        }

        private static int IndexOfUnit(string code)
        {
            for (var i = 0; i < ActionUnits.Codes.Count; i++)
            {
                if (ActionUnits.Codes[i] == code)
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>Cell opacity of an intensity: 0.15 at a trace, full at 5, so the legend's steps read directly.</summary>
        private static double UnitOpacity(double intensity) => Math.Clamp(0.15 + (0.85 * (intensity - 0.5) / 4.5), 0.15, 1);

        private static string UnitScaleLegend()
        {
            var legend = new StringBuilder("<span class=\"legend au-scale\" aria-label=\"colour scale: action unit intensity\">intensity");
            foreach (var (value, name) in new (double, string)[] { (1, "A trace"), (2, "B slight"), (3, "C marked"), (4, "D severe"), (5, "E extreme") })
            {
                legend.Append(CultureInfo.InvariantCulture, $"<span><i class=\"au-key\" style=\"opacity:{Markup.Number(UnitOpacity(value), 2)}\"></i>{Markup.Number(value, 0)} {name}</span>");
            }

            return legend.Append("<span>blank: below 0.5</span></span>").ToString();
        }

        private void UnitHeatmap(TrackSeries s)
        {
            FigureStart("Action units <small>intensity 0–5 from mesh geometry against a neutral baseline (estimates, not FACS coding)</small>", UnitScaleLegend());
            var codes = ActionUnits.Codes;
            const double row = 13;
            var chart = new TimeChart(t0, t1, 0, 1, (codes.Count * row) + 30);
            chart.Open(w, "au-heatmap", $"Action unit intensities over time, track {s.TrackId}");
            chart.TimeAxis(w);
            var times = s.Times;

            // Until the person's own neutral has settled the baseline is provisional: shade that stretch.
            var kinds = s.Modalities.UnitBaseline;
            var provisionalEnd = double.NaN;
            for (var i = 0; i < times.Length; i++)
            {
                if (float.IsFinite(kinds[i]) && (ActionUnitBaseline)(int)kinds[i] != ActionUnitBaseline.Person)
                {
                    provisionalEnd = times[i] + sampleWidth;
                }
                else if (float.IsFinite(kinds[i]))
                {
                    break;
                }
            }

            if (double.IsFinite(provisionalEnd))
            {
                var x0 = chart.X(times[0]);
                w.Write($"<rect class=\"au-provisional\" x=\"{Markup.Coordinate(x0)}\" y=\"{Markup.Coordinate(chart.PlotTop)}\" width=\"{Markup.Coordinate(Math.Max(chart.X(provisionalEnd) - x0, 1))}\" height=\"{Markup.Coordinate(codes.Count * row)}\"><title>provisional baseline until {Markup.Time(provisionalEnd)}</title></rect>");
            }

            var bucketWidth = (t1 - t0) / UnitBuckets;
            var sums = new double[UnitBuckets];
            var counts = new int[UnitBuckets];
            for (var u = 0; u < codes.Count; u++)
            {
                Array.Clear(sums);
                Array.Clear(counts);
                var values = s.Modalities.Unit(u);
                for (var i = 0; i < times.Length; i++)
                {
                    if (float.IsFinite(values[i]))
                    {
                        var b = Math.Clamp((int)((times[i] - t0) / bucketWidth), 0, UnitBuckets - 1);
                        sums[b] += values[i];
                        counts[b]++;
                    }
                }

                var y = chart.PlotTop + (u * row);
                w.Write($"<text class=\"lane au\" x=\"{Markup.Coordinate(TimeChart.Left - 6)}\" y=\"{Markup.Coordinate(y + row - 3)}\">{codes[u]}<title>{Markup.Escape(ActionUnits.Names[u])}</title></text>");
                for (var b = 0; b < UnitBuckets; b++)
                {
                    if (counts[b] == 0)
                    {
                        continue;
                    }

                    var mean = sums[b] / counts[b];
                    if (mean < 0.5)
                    {
                        continue; // below a trace: leave the cell empty so active units stand out
                    }

                    var x = chart.X(t0 + (b * bucketWidth));
                    w.Write($"<rect class=\"au-cell\" x=\"{Markup.Coordinate(x)}\" y=\"{Markup.Coordinate(y + 1)}\" width=\"{Markup.Coordinate(chart.X(t0 + ((b + 1) * bucketWidth)) - x)}\" height=\"{Markup.Coordinate(row - 2)}\" fill-opacity=\"{Markup.Number(UnitOpacity(mean), 2)}\"><title>{codes[u]} {Markup.Number(mean, 1)}</title></rect>");
                }
            }

            TimeChart.Close(w);
            if (double.IsFinite(provisionalEnd))
            {
                w.Write($"<p class=\"note\">Shaded until {Markup.Time(provisionalEnd)}: this person's own neutral baseline was still being learnt, so intensities there are relative to a population-average neutral face (blended with the first neutral frames) and less reliable.</p>\n");
            }

            w.Write("</figure>\n");
        }

        private void BodySection(TrackSeries s)
        {
            var m = s.Modalities;
            if (!m.HasBody)
            {
                return;
            }

            const string legend = "<span class=\"legend\"><span><i class=\"ln energy\"></i>movement energy</span><span><i class=\"ln lean\"></i>lean (+ towards camera)</span><span><i class=\"hand-key\"></i>hand at face</span><span><i class=\"arms-key\"></i>arms crossed</span></span>";
            FigureStart("Body language <small>MoveNet pose below the face; energy in shoulder widths per second, lean relative to this person's usual posture</small>", legend);
            var top = Math.Max(1, Math.Ceiling(MaxValue(m.Energy) * 2) / 2);
            var chart = new TimeChart(t0, t1, -1, top, 170);
            chart.Open(w, "body-timeline", $"Body movement and posture over time, track {s.TrackId}");
            chart.YAxis(w, TimeChart.Ticks(-1, top, top > 2 ? 1 : 0.5), v => TimeChart.Format(v, 1).Replace("-", "−", StringComparison.Ordinal), "value", emphasise: 0);
            chart.TimeAxis(w);
            Spans(chart, s, m.HandToFace, m.HandToFaceConfidence, "hand", "hand at face");
            Spans(chart, s, m.ArmsCrossed, m.ArmsCrossedConfidence, "arms", "arms crossed");
            var max = options.MaxPointsPerSeries;
            chart.Line(w, Downsampling.MinMax(s.Times, m.Lean, s.SegmentStarts, t0, t1, max), "ln lean");
            chart.Line(w, Downsampling.MinMax(s.Times, m.Energy, s.SegmentStarts, t0, t1, max), "ln energy");
            TimeChart.Close(w);
            var rules = new CueBandRules();
            w.Write($"<p class=\"note\">Bands: hand at face or arms crossed seen with confidence ≥ {Markup.Number(rules.MinConfidence, 1)} for at least {Markup.Number(rules.MinDuration.TotalSeconds, 1)} s; weaker or isolated detections are in faces.jsonl but not drawn.</p>\n");
            w.Write("</figure>\n");
        }

        // Bands follow CueBandRules (confidence, duration, hold across unmeasured frames), the rules exports use too:
        // isolated or weak flags draw nothing.
        private void Spans(TimeChart chart, TrackSeries s, ReadOnlySpan<float> flags, ReadOnlySpan<float> confidences, string cssClass, string title)
        {
            foreach (var band in CueBands.Find(s.Times, flags, confidences))
            {
                var x = chart.X(band.Start);
                w.Write($"<rect class=\"{cssClass}\" x=\"{Markup.Coordinate(x)}\" y=\"{Markup.Coordinate(chart.PlotTop)}\" width=\"{Markup.Coordinate(Math.Max(chart.X(band.End) - x, 1))}\" height=\"{Markup.Coordinate(chart.PlotBottom - chart.PlotTop)}\">");
                w.Write($"<title>{title} {Markup.Time(band.Start)}–{Markup.Time(band.End)} ({Markup.Number(band.Measurements, 0)} poses, mean confidence {Markup.Number(band.MeanConfidence, 2)})</title></rect>");
            }
        }

        private void SkinSection(int id, TrackSeries? s)
        {
            if (!attachments.Skin.TryGetValue(id, out var skin))
            {
                return;
            }

            var summary = skin.Summary;
            w.Write("<div class=\"skin\"><h3>Skin <small>");
            w.Write($"{Markup.Number(summary.FramesUsed, 0)} of {Markup.Number(summary.FramesAdded, 0)} measured frames usable");
            if (summary.FramesUsed > 0)
            {
                w.Write(summary.EyeWhiteFrames == summary.FramesUsed
                    ? "; colours referenced to the whites of the eyes"
                    : $"; colours referenced to the whites of the eyes in {Markup.Number(summary.EyeWhiteFrames, 0)}, the camera's white balance in the rest (a coloured light moves their tone)");
            }

            w.Write("</small></h3>\n");
            if (summary.FramesUsed == 0)
            {
                w.Write("<p class=\"note\"><strong>Insufficient quality</strong> in every measured frame: ");
                w.Write(Markup.Escape(string.Join("; ", summary.Rejections.OrderByDescending(r => r.Value).Select(r => $"{r.Key} ({r.Value} frames)"))));
                w.Write(".</p></div>\n");
                return;
            }

            w.Write("<div class=\"skin-top\">");
            if (skin.OverlayJpeg is { Length: > 3 } jpeg && jpeg[0] == 0xFF && jpeg[1] == 0xD8)
            {
                w.Write($"<figure class=\"overlay\"><img alt=\"Measured skin regions, track {id}\" src=\"data:image/jpeg;base64,{Convert.ToBase64String(jpeg)}\" /><figcaption>measured regions (eyes, brows, lips, nostrils, hair and highlights excluded)</figcaption></figure>");
            }

            w.Write("<table class=\"stats skin-face\"><tbody>\n");
            foreach (var metric in summary.Face)
            {
                var value = metric.Metric == SkinMetric.Monk ? Markup.Number(metric.Value, 0) : Markup.Number(metric.Value, 1);
                var swatch = metric.Metric == SkinMetric.Monk ? $"<i class=\"mst\" style=\"background:{MonkSkinTone.Hex[Math.Clamp((int)Math.Round(metric.Value), 1, 10) - 1]}\"></i>" : string.Empty;
                RowHtml(SkinMetrics.Name(metric.Metric), $"{swatch}{value} <small>{Markup.Escape(SkinMetrics.Unit(metric.Metric))} ± {Markup.Number(metric.Sd, 1)} over {Markup.Number(metric.Frames, 0)} frames</small>");
            }

            if (summary.Category is { } category)
            {
                // The same word as skin.json and faces.csv (very-light, not VeryLight): one vocabulary everywhere.
                Row("ITA category", JsonlWriter.Kebab(category));
            }

            w.Write("</tbody></table></div>\n");
            RegionTable(summary);
            if (s is { Modalities.HasSkin: true } && !stills)
            {
                var ita = s.Modalities.Ita;
                var lo = Math.Floor((MinFinite(ita) - 5) / 10) * 10;
                var hi = Math.Ceiling((MaxValue(ita) + 5) / 10) * 10;
                FigureStart("Skin tone over time <small>face ITA°, usable frames only</small>", null);
                var chart = new TimeChart(t0, t1, lo, hi, 120);
                chart.Open(w, "ita-timeline", $"ITA over time, track {id}");
                chart.YAxis(w, TimeChart.Ticks(lo, hi, hi - lo > 40 ? 20 : 10), v => TimeChart.Format(v, 0) + "°", "ITA°");
                chart.TimeAxis(w);
                foreach (var (t, v) in Finite(s.Times, ita))
                {
                    w.Write($"<circle class=\"ita\" cx=\"{Markup.Coordinate(chart.X(t))}\" cy=\"{Markup.Coordinate(chart.YClamped(v))}\" r=\"2.2\" />");
                }

                TimeChart.Close(w);
                w.Write("</figure>\n");
            }

            if (skin.Profile is { Sessions.Count: > 0 } profile)
            {
                ProfileTable(profile);
            }

            w.Write("<h3>Suggestions <small>rule-based, non-medical</small></h3>\n");
            if (skin.Suggestions.Count == 0)
            {
                w.Write("<p class=\"note\">No measurement crossed a suggestion threshold.</p>\n");
            }
            else
            {
                w.Write("<ul class=\"suggestions\">\n");
                foreach (var g in skin.Suggestions)
                {
                    w.Write($"<li>{Markup.Escape(g.Text)} <small>({Markup.Escape(SkinMetrics.Name(g.Metric))} {Markup.Number(g.Value, 1)} vs threshold {Markup.Number(g.Threshold, 1)})</small></li>\n");
                }

                w.Write("</ul>\n");
            }

            w.Write($"<p class=\"notice\">{Markup.Escape(SkinRecommendations.Disclaimer)}</p></div>\n");
        }

        private void RegionTable(SkinSummary summary)
        {
            if (summary.Regions.Count == 0)
            {
                return;
            }

            var metrics = new[] { SkinMetric.Ita, SkinMetric.Monk, SkinMetric.ErythemaIndex, SkinMetric.Roughness, SkinMetric.Spots, SkinMetric.Shine };
            w.Write("<table class=\"segments regions\"><thead><tr><th>region</th><th>usable frames</th>");
            foreach (var metric in metrics)
            {
                w.Write($"<th>{Markup.Escape(SkinMetrics.Name(metric))} <small>{Markup.Escape(SkinMetrics.Unit(metric))}</small></th>");
            }

            w.Write("</tr></thead><tbody>\n");
            foreach (var r in summary.Regions)
            {
                w.Write($"<tr><td>{Markup.Escape(r.Region.ToString())}</td><td>{Markup.Number(r.UsableFrames, 0)}</td>");
                foreach (var metric in metrics)
                {
                    var a = r.Metrics.FirstOrDefault(x => x.Metric == metric);
                    w.Write(a is null ? "<td>–</td>" : $"<td>{Markup.Number(a.Value, metric is SkinMetric.Monk or SkinMetric.Spots ? 0 : 1)}</td>");
                }

                w.Write("</tr>\n");
            }

            w.Write("</tbody></table>\n");
        }

        private void ProfileTable(SkinProfile profile)
        {
            w.Write($"<h3>Over time <small>{Markup.Number(profile.Sessions.Count, 0)} stored sessions of subject {Markup.Escape(profile.SubjectId)}; a change is flagged only when its 95 % interval excludes zero</small></h3>\n");
            w.Write("<table class=\"segments\"><thead><tr><th>measure</th><th>first</th><th>last</th><th>change (95 % interval)</th><th>verdict</th></tr></thead><tbody>\n");
            foreach (var t in profile.Trends())
            {
                w.Write($"<tr><td>{Markup.Escape(SkinMetrics.Name(t.Metric))}</td><td>{Markup.Number(t.First, 1)}</td><td>{Markup.Number(t.Last, 1)}</td>");
                w.Write($"<td>{Signed(t.Difference)} ({Signed(t.DifferenceLow)} … {Signed(t.DifferenceHigh)})</td><td>{Markup.Escape(t.Flag switch
                {
                    ChangeFlag.Increase => "increased",
                    ChangeFlag.Decrease => "decreased",
                    ChangeFlag.NoChange => "within noise",
                    _ => "one session",
                })}</td></tr>\n");
            }

            w.Write("</tbody></table>\n");
        }

        private static IEnumerable<(double T, float V)> Finite(ReadOnlySpan<double> times, ReadOnlySpan<float> values)
        {
            var list = new List<(double, float)>();
            for (var i = 0; i < times.Length; i++)
            {
                if (float.IsFinite(values[i]))
                {
                    list.Add((times[i], values[i]));
                }
            }

            return list;
        }

        private static double MinFinite(ReadOnlySpan<float> values)
        {
            var min = double.PositiveInfinity;
            foreach (var v in values)
            {
                if (float.IsFinite(v))
                {
                    min = Math.Min(min, v);
                }
            }

            return double.IsFinite(min) ? min : 0;
        }

        private static string Signed(float value) => (value >= 0 ? "+" : "−") + Markup.Number(Math.Abs(value), 2);

        private const string ModalityCss = """
            path.valence{stroke:#2f855a;stroke-width:1.8}
            path.arousal{stroke:#c05621;stroke-width:1.6;stroke-dasharray:5 3}
            path.fused-v{stroke:#22543d;stroke-width:3;opacity:.55}
            path.fused-a{stroke:#7b341e;stroke-width:3;opacity:.55}
            .legend i.valence{border-top-color:#2f855a}.legend i.arousal{border-top:2.5px dashed #c05621}
            .legend i.fused-v{border-top:4px solid #22543d;opacity:.55}.legend i.fused-a{border-top:4px solid #7b341e;opacity:.55}
            .speech{fill:#b794f4}.legend i.speech-key{background:#b794f4;opacity:.5}
            .apex{stroke:#1f2933;stroke-width:1;opacity:.5}
            .au-cell{fill:#2c5282}
            ul.faces{margin:0;padding-left:20px}ul.faces li{margin:3px 0}
            .units{margin-top:18px;max-width:560px}
            .au-key{background:#2c5282}.au-scale{align-items:center}
            .au-provisional{fill:#f6e05e;opacity:.18}
            text.au{font-size:10px;font-weight:500}
            path.energy{stroke:var(--slate);stroke-width:1.6}
            path.lean{stroke:#975a16;stroke-width:1.5;stroke-dasharray:4 3}
            .legend i.energy{border-top-color:var(--slate)}.legend i.lean{border-top:2.5px dashed #975a16}
            .hand{fill:#fbd38d;opacity:.7}.arms{fill:#feb2b2;opacity:.6}
            .legend i.hand-key{background:#fbd38d}.legend i.arms-key{background:#feb2b2}
            table.segments{border-collapse:collapse;width:100%;margin-top:10px;font-size:13px}
            table.segments th,table.segments td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
            table.segments th{font-weight:600;color:var(--muted);font-size:12px}
            i.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
            .skin{margin-top:22px;border-top:1px solid var(--line);padding-top:14px}
            .skin-top{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
            .overlay{margin:0;max-width:320px}.overlay img{width:100%;border-radius:8px;display:block}
            .overlay figcaption{font-size:12px;color:var(--muted)}
            i.mst{display:inline-block;width:14px;height:14px;border-radius:3px;margin-right:6px;vertical-align:-2px;border:1px solid #cbd2d9}
            circle.ita{fill:var(--slate2)}
            ul.suggestions{margin:4px 0 8px;padding-left:20px}
            """;
    }
}
