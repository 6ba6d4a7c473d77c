using Mien.Results;

namespace Mien.Reports;

/// <content>
/// The layout for unrelated still images: a still has no time, so no time charts, blink counts or rates, no
/// smoothing and no segments; each face gets its measurements, its per-image expression estimate, its action units
/// against a population neutral and one picture.
/// </content>
public static partial class HtmlReport
{
    private sealed partial class Page
    {
        private void StillsOverview()
        {
            var ids = TrackIds();
            w.Write("<section class=\"card\" id=\"overview\">\n<div class=\"card-head\"><h2>Overview</h2></div>\n");
            if (ids.Count == 0)
            {
                var images = summary.FramesAnalysed > 0 ? summary.FramesAnalysed : series.Frames;
                w.Write("<div class=\"empty\"><p class=\"empty-title\">No face was found.</p>");
                w.Write($"<p>Mien looked at {Markup.Number(images, 0)} image{(images == 1 ? string.Empty : "s")} and detected no face. ");
                w.Write("Faces that are very small, strongly turned away, covered or badly lit may be missed; the processing details below list any problems.</p></div>\n</section>\n");
                return;
            }

            w.Write("<p class=\"hint\">Still images: each face is estimated from one picture, with nothing before or after it, so there are no timelines, ");
            w.Write("no blink rate and no smoothing over time; action units are measured against a population-average neutral face, not this person's own.</p>\n<ul class=\"faces\">");
            foreach (var id in ids)
            {
                var dominant = SummaryOf(id)?.DominantExpression;
                var index = dominant is null ? -1 : ExpressionPalette.IndexOf(dominant);
                var swatch = index >= 0 ? $"<i class=\"dot sw-{ExpressionPalette.Key(index)}\"></i>" : string.Empty;
                w.Write($"<li><a href=\"#track-{id}\">Face {id}</a> {swatch}{Markup.Escape(dominant ?? "no expression estimate")}</li>");
            }

            w.Write("</ul>\n</section>\n");
        }

        private void StillFace(int id)
        {
            var s = series.Find(id);
            var ts = SummaryOf(id);
            w.Write($"<section class=\"card track\" id=\"track-{id}\">\n<div class=\"card-head\"><h2>Face {id}</h2>");
            w.Write("<p class=\"sub\">still image</p></div>\n<div class=\"track-top\">\n");
            StillStats(ts, s);
            MeanExpressionBars(ts);
            w.Write("</div>\n");
            if (s is { Count: > 0, Modalities.HasUnits: true })
            {
                StillUnits(s);
            }

            SkinSection(id, s);

            // One picture per face: a still's "first seen" and its "peak" are the same frame.
            var trackMoments = MomentsOf(id);
            if (trackMoments.Count > 0)
            {
                Moments([trackMoments[^1]]);
            }

            w.Write("</section>\n");
        }

        private void StillStats(TrackSummary? ts, TrackSeries? s)
        {
            w.Write("<table class=\"stats\"><tbody>\n");
            if (ts is null)
            {
                w.Write("<tr><td colspan=\"2\">No summary for this face.</td></tr>\n</tbody></table>\n");
                return;
            }

            if (ts.DominantExpression is { } dominant)
            {
                var index = ExpressionPalette.IndexOf(dominant);
                var swatch = index >= 0 ? $"<i class=\"dot sw-{ExpressionPalette.Key(index)}\"></i>" : string.Empty;
                var p = ts.MeanExpression.TryGetValue(dominant, out var v) ? v : float.NaN;
                RowHtml("Most likely expression", swatch + Markup.Escape(dominant) + (float.IsFinite(p) ? $" <small>probability {Markup.Number(p, 2)}</small>" : string.Empty));
            }
            else
            {
                Row("Most likely expression", "not estimated");
            }

            if (s is { Count: > 0 } && float.IsFinite(s.Modalities.Valence.Length > 0 ? s.Modalities.Valence[0] : float.NaN))
            {
                Row("Valence, arousal", $"{Signed(s.Modalities.Valence[0])}, {Signed(s.Modalities.Arousal[0])} (−1 … +1, from the expression estimate)");
            }

            Row("Head pose", ts.MeanPose is { } pose ? $"yaw {Degrees(pose.Yaw)}, pitch {Degrees(pose.Pitch)}, roll {Degrees(pose.Roll)}" : "not measured");
            Row("Mouth opening", ts.MeanMouthOpening is { } mouth ? Markup.Number(mouth, 2) : "not measured");
            if (s is { Count: > 0, HasEyes: true } && float.IsFinite(s.Openness[0]))
            {
                Row("Eyes", s.InBlink[0] ? "closed" : "open");
            }

            w.Write("</tbody></table>\n");
        }

        private void StillUnits(TrackSeries s)
        {
            w.Write("<div class=\"bars units\"><h3>Action units <small>0–5 from mesh geometry against a population-average neutral face (estimates, not FACS coding); ");
            w.Write("part of each value may be this face's shape rather than an expression</small></h3>\n");
            for (var u = 0; u < ActionUnits.Codes.Count; u++)
            {
                var value = s.Modalities.Unit(u)[0];
                if (!float.IsFinite(value))
                {
                    continue;
                }

                var width = Markup.Number(Math.Clamp(value / 5, 0, 1) * 100, 1);
                w.Write($"<div class=\"bar\"><span class=\"bar-label\" title=\"{Markup.Escape(ActionUnits.Names[u])}\">{ActionUnits.Codes[u]}</span><span class=\"bar-track\"><span class=\"bar-fill au-key\" style=\"width:{width}%\"></span></span><span class=\"bar-value\">{Markup.Number(value, 1)}</span></div>\n");
            }

            w.Write("</div>\n");
        }
    }
}
