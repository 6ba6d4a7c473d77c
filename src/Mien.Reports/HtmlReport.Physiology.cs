using System.Globalization;
using System.Text;
using Mien.Affect;
using Mien.Results;

namespace Mien.Reports;

/// <content>Timelines of pulse rate with its quality, head gestures, facial asymmetry with trends, and driver indicators.</content>
public static partial class HtmlReport
{
    private sealed partial class Page
    {
        private static readonly float CueGate = new PulseArousalOptions().MinQuality;

        private void PhysiologySection(TrackSeries s)
        {
            var p = s.Physiology;
            if (!p.HasAny)
            {
                return;
            }

            w.Write($"<div class=\"physiology\" id=\"physiology-{s.TrackId}\"><h3>Physiology and behaviour <small>estimates of what the video shows, not medical measurements (docs/physiology.md)</small></h3>\n");
            if (p.HasHeartRate)
            {
                HeartRateChart(s);
            }

            GestureLane(s);
            if (p.HasAsymmetry)
            {
                AsymmetryChart(s);
            }

            if (p.HasDriver)
            {
                DriverChart(s);
            }

            w.Write("</div>\n");
        }

        private void HeartRateChart(TrackSeries s)
        {
            var windows = s.Physiology.HeartRates;
            var reported = windows.Where(h => h.BeatsPerMinute is not null).ToList();
            var step = PulseStep(windows);
            var used = PulseCueWindows(s.TrackId);
            const string legend = "<span class=\"legend\"><span><i class=\"hr-key\"></i>reported rate</span><span><i class=\"hr-key used\"></i>also an arousal cue in the fusion</span><span><i class=\"withheld-key\"></i>withheld</span><span><i class=\"ln quality\"></i>signal quality</span></span>";
            FigureStart("Pulse rate <small>beats per minute from skin colour (rPPG, POS with CHROM as a check), one 10 s window a second</small>", legend);
            double top = 120;
            foreach (var h in reported)
            {
                top = Math.Max(top, Math.Ceiling((h.BeatsPerMinute!.Value + 10) / 20) * 20);
            }

            top = Math.Min(top, 220);
            var chart = new TimeChart(t0, t1, 40, top, 170);
            chart.Open(w, "heart-rate", $"Pulse rate over time, track {s.TrackId}");
            chart.YAxis(w, TimeChart.Ticks(40, top, top > 140 ? 40 : 20), v => TimeChart.Format(v, 0), "BPM");
            chart.TimeAxis(w);

            // Withheld windows: one band per run with the same reason, along the bottom of the plot.
            var runStart = -1;
            for (var i = 0; i <= windows.Count; i++)
            {
                var withheld = i < windows.Count && windows[i].BeatsPerMinute is null;
                if (runStart >= 0 && (!withheld || windows[i].Issue?.Code != windows[runStart].Issue?.Code || Gap(windows[i - 1], windows[i], step)))
                {
                    var first = windows[runStart];
                    var last = windows[i - 1];
                    var x = chart.X(first.WindowEnd.TotalSeconds);
                    var width = Math.Max(chart.X(last.WindowEnd.TotalSeconds + step) - x, 1.5);
                    var count = i - runStart;
                    w.Write($"<rect class=\"hr-withheld\" x=\"{Markup.Coordinate(x)}\" y=\"{Markup.Coordinate(chart.PlotBottom - 6)}\" width=\"{Markup.Coordinate(width)}\" height=\"6\">");
                    w.Write($"<title>withheld {Markup.Time(first.WindowEnd.TotalSeconds)}–{Markup.Time(last.WindowEnd.TotalSeconds)} ({Markup.Number(count, 0)} window{(count == 1 ? string.Empty : "s")}): {Markup.Escape(first.Issue?.Code ?? "withheld")} – {Markup.Escape(first.Issue?.Message ?? string.Empty)}</title></rect>");
                    runStart = -1;
                }

                if (withheld && runStart < 0)
                {
                    runStart = i;
                }
            }

            // Reported rates: a line through consecutive windows, a dot per window.
            var d = new StringBuilder();
            HeartRateEstimate? previous = null;
            foreach (var h in reported)
            {
                var command = previous is { } prev && !Gap(prev, h, step) && IsNext(windows, prev, h) ? 'L' : 'M';
                d.Append(CultureInfo.InvariantCulture, $"{command}{Markup.Coordinate(chart.X(h.WindowEnd.TotalSeconds))},{Markup.Coordinate(chart.YClamped(h.BeatsPerMinute!.Value))}");
                previous = h;
            }

            if (d.Length > 0)
            {
                w.Write($"<path class=\"ln hr\" d=\"{d}\" />");
            }

            foreach (var h in reported)
            {
                var cue = used.Contains(h.WindowEnd);
                w.Write($"<circle class=\"hr{(cue ? " used" : string.Empty)}\" cx=\"{Markup.Coordinate(chart.X(h.WindowEnd.TotalSeconds))}\" cy=\"{Markup.Coordinate(chart.YClamped(h.BeatsPerMinute!.Value))}\" r=\"2.6\">");
                w.Write($"<title>{Markup.Number(h.BeatsPerMinute!.Value, 0)} BPM over {Markup.Time(h.WindowStart.TotalSeconds)}–{Markup.Time(h.WindowEnd.TotalSeconds)}: quality {Markup.Number(h.Quality, 2)}");
                w.Write($"{(h.SnrDb is { } snr ? $", SNR {Signed(snr)} dB" : string.Empty)}{(h.ChromBeatsPerMinute is { } chrom ? $", CHROM {Markup.Number(chrom, 0)} BPM" : string.Empty)}{(cue ? "; used as an arousal cue" : string.Empty)}</title></circle>");
            }

            TimeChart.Close(w);

            var quality = new TimeChart(t0, t1, 0, 1, 74);
            quality.Open(w, "heart-rate-quality", $"Pulse signal quality over time, track {s.TrackId}");
            quality.YAxis(w, [0, 0.5, 1], v => TimeChart.Format(v, 1), "quality");
            quality.TimeAxis(w);
            var gate = Markup.Coordinate(quality.Y(CueGate));
            w.Write($"<line class=\"cue-gate\" x1=\"{Markup.Coordinate(quality.PlotLeft)}\" x2=\"{Markup.Coordinate(quality.PlotRight)}\" y1=\"{gate}\" y2=\"{gate}\"><title>arousal-cue gate: quality ≥ {Markup.Number(CueGate, 2)}</title></line>");
            var q = new StringBuilder();
            previous = null;
            foreach (var h in windows)
            {
                var command = previous is { } prev && !Gap(prev, h, step) ? 'L' : 'M';
                q.Append(CultureInfo.InvariantCulture, $"{command}{Markup.Coordinate(quality.X(h.WindowEnd.TotalSeconds))},{Markup.Coordinate(quality.YClamped(h.Quality))}");
                previous = h;
            }

            w.Write($"<path class=\"ln quality\" d=\"{q}\" />");
            TimeChart.Close(w);

            var note = new StringBuilder();
            note.Append(CultureInfo.InvariantCulture, $"{Markup.Number(reported.Count, 0)} of {Markup.Number(windows.Count, 0)} pulse windows reported ({Markup.Percent((double)reported.Count / windows.Count)})");
            if (reported.Count > 0)
            {
                var rates = reported.Select(h => (double)h.BeatsPerMinute!.Value).Order().ToList();
                note.Append(CultureInfo.InvariantCulture, $"; median {Markup.Number(rates[rates.Count / 2], 0)} BPM (range {Markup.Number(rates[0], 0)}–{Markup.Number(rates[^1], 0)})");
            }

            var cues = reported.Count(h => used.Contains(h.WindowEnd));
            note.Append(CultureInfo.InvariantCulture, $"; {Markup.Number(cues, 0)} fed the fusion as an arousal cue (quality ≥ {Markup.Number(CueGate, 2)}, relative to this person's median rate)");
            var reasons = windows.Where(h => h.Issue is not null).GroupBy(h => h.Issue!.Code).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}").ToList();
            if (reasons.Count > 0)
            {
                note.Append(". Withheld: ").Append(string.Join(", ", reasons));
            }

            note.Append(". No reference pulse was recorded with this video, so these rates are unverified; a withheld window means the colour signal was too weak or disturbed to state a rate.");
            w.Write($"<p class=\"note\">{Markup.Escape(note.ToString())}</p>\n</figure>\n");
        }

        /// <summary>The window ends of this track's pulse estimates that fell in a fused window the pulse contributed to.</summary>
        private HashSet<TimeSpan> PulseCueWindows(int trackId)
        {
            var used = new HashSet<TimeSpan>();
            var fused = attachments.Fused.Where(f => f.TrackId == trackId && f.Affect.Contributions.Any(c => c.Source == AffectSource.Pulse && c.Weight > 0)).ToList();
            if (fused.Count == 0)
            {
                return used;
            }

            foreach (var h in series.Find(trackId)?.Physiology.HeartRates ?? [])
            {
                if (h.BeatsPerMinute is not null && h.Quality >= CueGate && fused.Any(f => h.WindowEnd >= f.Affect.Start && h.WindowEnd < f.Affect.End))
                {
                    used.Add(h.WindowEnd);
                }
            }

            return used;
        }

        private static double PulseStep(IReadOnlyList<HeartRateEstimate> windows)
        {
            if (windows.Count < 2)
            {
                return 1;
            }

            var steps = new List<double>(windows.Count - 1);
            for (var i = 1; i < windows.Count; i++)
            {
                steps.Add((windows[i].WindowEnd - windows[i - 1].WindowEnd).TotalSeconds);
            }

            steps.Sort();
            return Math.Max(steps[steps.Count / 2], 1e-3);
        }

        private static bool Gap(HeartRateEstimate a, HeartRateEstimate b, double step) => (b.WindowEnd - a.WindowEnd).TotalSeconds > 1.6 * step;

        // Two reported windows are joined by a line only when no withheld window lies between them.
        private static bool IsNext(IReadOnlyList<HeartRateEstimate> all, HeartRateEstimate a, HeartRateEstimate b)
        {
            foreach (var h in all)
            {
                if (h.WindowEnd > a.WindowEnd && h.WindowEnd < b.WindowEnd && h.BeatsPerMinute is null)
                {
                    return false;
                }
            }

            return true;
        }

        private void GestureLane(TrackSeries s)
        {
            var gestures = s.Physiology.Gestures;
            if (gestures.Count == 0)
            {
                w.Write("<p class=\"note\">Head gestures: no nod or shake was detected.</p>\n");
                return;
            }

            var nods = gestures.Count(g => g.Kind == HeadGestureKind.Nod);
            var legend = $"<span class=\"legend\"><span><i class=\"nod-key\"></i>nod ({nods})</span><span><i class=\"shake-key\"></i>shake ({gestures.Count - nods})</span></span>";
            FigureStart("Head gestures <small>nods (pitch) and shakes (yaw) found in the head-pose trajectory</small>", legend);
            var chart = new TimeChart(t0, t1, 0, 1, 48, timeLabels: false);
            chart.Open(w, "gestures", $"Head nods and shakes over time, track {s.TrackId}");
            chart.TimeAxis(w);
            foreach (var g in gestures)
            {
                var kind = g.Kind == HeadGestureKind.Nod ? "nod" : "shake";
                var x = chart.X(g.Start.TotalSeconds);
                var width = Math.Max(chart.X(g.End.TotalSeconds) - x, 3);
                var top = g.Kind == HeadGestureKind.Nod ? chart.PlotTop : (chart.PlotTop + chart.PlotBottom) / 2;
                w.Write($"<rect class=\"gesture {kind}\" x=\"{Markup.Coordinate(x)}\" y=\"{Markup.Coordinate(top)}\" width=\"{Markup.Coordinate(width)}\" height=\"{Markup.Coordinate(((chart.PlotBottom - chart.PlotTop) / 2) - 2)}\" rx=\"2\">");
                w.Write($"<title>{kind} {Markup.Time(g.Start.TotalSeconds)}–{Markup.Time(g.End.TotalSeconds)}: {Markup.Number(g.HalfCycles, 0)} swings of {Markup.Number(g.AmplitudeDegrees, 1)}°</title></rect>");
            }

            w.Write($"<text class=\"ribbon-label\" x=\"{Markup.Coordinate(TimeChart.Left - 8)}\" y=\"{Markup.Coordinate(chart.PlotTop + 10)}\">nod</text>");
            w.Write($"<text class=\"ribbon-label\" x=\"{Markup.Coordinate(TimeChart.Left - 8)}\" y=\"{Markup.Coordinate(((chart.PlotTop + chart.PlotBottom) / 2) + 10)}\">shake</text>");
            TimeChart.Close(w);
            w.Write("</figure>\n");
        }

        private void AsymmetryChart(TrackSeries s)
        {
            var p = s.Physiology;
            const string legend = "<span class=\"legend\"><span><i class=\"ln asym-mouth\"></i>mouth corner</span><span><i class=\"ln asym-brow\"></i>brow</span><span><i class=\"ln asym-naso\"></i>nasolabial</span><span><i class=\"trend-key\"></i>mouth-corner trend, 95 % interval</span><span><i class=\"trend-key changed\"></i>changed beyond noise</span></span>";
            FigureStart("Facial asymmetry <small>left minus right, % of face height, in a pose-normalised face (positive: the person's left corner lower, left brow higher); an indicator, never a diagnosis</small>", legend);
            var extent = Math.Max(MaxAbs(p.MouthCorner), Math.Max(MaxAbs(p.Brow), MaxAbs(p.Nasolabial)));
            foreach (var t in p.Trends)
            {
                if (t.Index is "mouth-corner")
                {
                    extent = Math.Max(extent, Math.Max(Math.Abs(t.Low), Math.Abs(t.High)));
                }
            }

            var range = Math.Min(20, Math.Max(3, Math.Ceiling(extent)));
            var chart = new TimeChart(t0, t1, -range, range, 170);
            chart.Open(w, "asymmetry", $"Facial asymmetry indices over time, track {s.TrackId}");
            chart.YAxis(w, TimeChart.Ticks(-range, range, range <= 4 ? 1 : range <= 10 ? 2 : 5), v => TimeChart.Format(v, 0).Replace("-", "−", StringComparison.Ordinal) + " %", "% face height", emphasise: 0);
            chart.TimeAxis(w);
            foreach (var t in p.Trends.Where(t => t.Index == "mouth-corner"))
            {
                var x = chart.X(t.Start.TotalSeconds);
                var width = Math.Max(chart.X(t.End.TotalSeconds) - x, 1);
                var y = chart.YClamped(t.High);
                var height = Math.Max(chart.YClamped(t.Low) - y, 1.5);
                w.Write($"<rect class=\"trend{(t.Changed ? " changed" : string.Empty)}\" x=\"{Markup.Coordinate(x)}\" y=\"{Markup.Coordinate(y)}\" width=\"{Markup.Coordinate(width)}\" height=\"{Markup.Coordinate(height)}\"><title>{Markup.Escape(TrendText(t))}</title></rect>");
            }

            var max = options.MaxPointsPerSeries;
            chart.Line(w, Downsampling.MinMax(s.Times, p.Nasolabial, s.SegmentStarts, t0, t1, max), "ln asym-naso");
            chart.Line(w, Downsampling.MinMax(s.Times, p.Brow, s.SegmentStarts, t0, t1, max), "ln asym-brow");
            chart.Line(w, Downsampling.MinMax(s.Times, p.MouthCorner, s.SegmentStarts, t0, t1, max), "ln asym-mouth");
            TimeChart.Close(w);

            var changed = p.Trends.Where(t => t.Changed).ToList();
            if (changed.Count > 0)
            {
                w.Write("<table class=\"segments asymmetry-changes\"><thead><tr><th>index</th><th>stretch</th><th>mean [95 % interval]</th><th>baseline</th></tr></thead><tbody>\n");
                foreach (var t in changed)
                {
                    w.Write($"<tr><td>{Markup.Escape(t.Index)}</td><td>{Markup.Time(t.Start.TotalSeconds)} → {Markup.Time(t.End.TotalSeconds)}</td><td>{Signed(t.Mean)} [{Signed(t.Low)}, {Signed(t.High)}]</td><td>{(t.Baseline is { } b ? Signed(b) : "–")}</td></tr>\n");
                }

                w.Write("</tbody></table>\n");
            }

            var stretches = p.Trends.Count(t => t.Baseline is not null);
            w.Write($"<p class=\"note\">{Markup.Escape(changed.Count > 0 ? $"{changed.Count} of {stretches} index stretches changed from this person's baseline beyond measurement noise." : $"No index changed from this person's baseline beyond measurement noise ({stretches} stretches compared).")} ");
            w.Write("Frames with the head turned or tilted beyond 20° are left out. The mouth-corner and brow indices combine the face mesh with the image around both corners and brows: a one-sided droop warped into real faces reads at about 0.85 of its size (on 60 photos and 6 video faces; docs/physiology.md); frames where the two sides could not be matched in the image are left out of the trends.</p>\n</figure>\n");
        }

        private static string TrendText(AsymmetryTrend t) =>
            $"{t.Index} {Markup.Time(t.Start.TotalSeconds)}–{Markup.Time(t.End.TotalSeconds)}: mean {Markup.Number(t.Mean, 2)} [{Markup.Number(t.Low, 2)}, {Markup.Number(t.High, 2)}]"
            + (t.Baseline is { } b ? $", baseline {Markup.Number(b, 2)}" : ", the baseline stretch")
            + (t.Changed ? "; changed beyond noise" : string.Empty);

        private void DriverChart(TrackSeries s)
        {
            var p = s.Physiology;
            var warnings = p.Alerts.Count(a => a.Level == AlertLevel.Warning);
            var legend = $"<span class=\"legend\"><span><i class=\"ln perclos\"></i>PERCLOS</span><span><i class=\"caution-key\"></i>caution ({p.Alerts.Count - warnings})</span><span><i class=\"warning-key\"></i>warning ({warnings})</span></span>";
            FigureStart("Driver / operator indicators <small>PERCLOS (share of the last 60 s with the eyes shown shut) and alert levels; not a judgement of fitness to drive</small>", legend);
            var top = Math.Min(1, Math.Max(0.3, Math.Ceiling(MaxValue(p.Perclos) * 10) / 10));
            var chart = new TimeChart(t0, t1, 0, top, 150);
            chart.Open(w, "driver", $"PERCLOS and alert levels over time, track {s.TrackId}");
            chart.YAxis(w, TimeChart.Ticks(0, top, top > 0.5 ? 0.25 : 0.1), v => TimeChart.Format(v * 100, 0) + " %", "PERCLOS");
            chart.TimeAxis(w);
            foreach (var a in p.Alerts)
            {
                var level = a.Level == AlertLevel.Warning ? "warning" : "caution";
                var x = chart.X(a.Start);
                var width = Math.Max(chart.X(a.End + sampleWidth) - x, 1.5);
                w.Write($"<rect class=\"alert {level}\" x=\"{Markup.Coordinate(x)}\" y=\"{Markup.Coordinate(chart.PlotTop)}\" width=\"{Markup.Coordinate(width)}\" height=\"{Markup.Coordinate(chart.PlotBottom - chart.PlotTop)}\">");
                w.Write($"<title>{level} {Markup.Time(a.Start)}–{Markup.Time(a.End + sampleWidth)}: {Markup.Escape(string.Join("; ", a.Causes))}</title></rect>");
            }

            foreach (var threshold in new[] { 0.08, 0.15 })
            {
                var y = Markup.Coordinate(chart.Y(threshold));
                w.Write($"<line class=\"reference\" x1=\"{Markup.Coordinate(chart.PlotLeft)}\" x2=\"{Markup.Coordinate(chart.PlotRight)}\" y1=\"{y}\" y2=\"{y}\" />");
            }

            chart.Line(w, Downsampling.MinMax(s.Times, p.Perclos, s.SegmentStarts, t0, t1, options.MaxPointsPerSeries), "ln perclos");
            TimeChart.Close(w);
            if (p.Alerts.Count == 0)
            {
                w.Write("<p class=\"note\">No alert: no long eye closure, PERCLOS below 8 %, fewer than two yawns, no drowsy head drop and no long gaze away.</p>\n</figure>\n");
                return;
            }

            w.Write("<table class=\"segments alerts\"><thead><tr><th>level</th><th>from → to</th><th>duration</th><th>measurements that caused it</th></tr></thead><tbody>\n");
            foreach (var a in p.Alerts.OrderByDescending(a => (a.Level, a.End - a.Start)).Take(20).OrderBy(a => a.Start))
            {
                var level = a.Level == AlertLevel.Warning ? "warning" : "caution";
                w.Write($"<tr><td><i class=\"dot {level}-key\"></i>{level}</td><td>{Markup.Time(a.Start)} → {Markup.Time(a.End + sampleWidth)}</td><td>{Markup.Duration(a.End + sampleWidth - a.Start)}</td><td>{Markup.Escape(string.Join("; ", a.Causes))}</td></tr>\n");
            }

            w.Write("</tbody></table>\n");
            if (p.Alerts.Count > 20)
            {
                w.Write($"<p class=\"note\">20 of {Markup.Number(p.Alerts.Count, 0)} alert stretches are listed (warnings and the longest first); all are in faces.jsonl.</p>\n");
            }

            w.Write("</figure>\n");
        }

        private const string PhysiologyCss = """
            .physiology{margin-top:22px;border-top:1px solid var(--line);padding-top:14px}
            circle.hr{fill:#c53030;opacity:.55}circle.hr.used{opacity:1;stroke:#742a2a;stroke-width:1}
            path.hr{stroke:#c53030;stroke-width:1.2;opacity:.6}
            .hr-withheld{fill:#cbd2d9}
            path.quality{stroke:var(--slate2);stroke-width:1.3}
            .cue-gate{stroke:#c53030;stroke-dasharray:4 3;opacity:.6}
            .legend i.hr-key{background:#c53030;opacity:.55;border-radius:50%}.legend i.hr-key.used{opacity:1}
            .legend i.withheld-key{background:#cbd2d9}.legend i.quality{border-top-color:var(--slate2)}
            .gesture.nod{fill:#3182ce}.gesture.shake{fill:#dd6b20}
            .legend i.nod-key{background:#3182ce}.legend i.shake-key{background:#dd6b20}
            path.asym-mouth{stroke:var(--slate);stroke-width:1.6}
            path.asym-brow{stroke:#805ad5;stroke-width:1.3;stroke-dasharray:5 3}
            path.asym-naso{stroke:#38a169;stroke-width:1.3;stroke-dasharray:1.5 3}
            .legend i.asym-mouth{border-top-color:var(--slate)}.legend i.asym-brow{border-top:2.5px dashed #805ad5}.legend i.asym-naso{border-top:2.5px dotted #38a169}
            .trend{fill:#829ab1;opacity:.35}.trend.changed{fill:#c53030;opacity:.45}
            .legend i.trend-key{background:#829ab1;opacity:.5}.legend i.trend-key.changed{background:#c53030}
            path.perclos{stroke:var(--slate);stroke-width:1.5}.legend i.perclos{border-top-color:var(--slate)}
            .alert.caution{fill:#f6e05e;opacity:.35}.alert.warning{fill:#fc8181;opacity:.45}
            .legend i.caution-key,i.caution-key{background:#f6e05e}.legend i.warning-key,i.warning-key{background:#fc8181}

            """;
    }
}
