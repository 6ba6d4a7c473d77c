namespace Mien.Reports;

/// <content>Per track: how often mouth and nose or the eyes were covered, and which estimates were withheld for it.</content>
public static partial class HtmlReport
{
    private sealed partial class Page
    {
        private static readonly (string Item, string Words)[] WithheldItems =
        [
            ("expression", "expression estimates (no label given)"),
            ("skin", "skin measurements"),
            ("identity", "identity descriptors (not used to re-identify)"),
        ];

        private void OcclusionSection(TrackSeries s)
        {
            var o = s.Occlusion;
            if (o.Frames == 0)
            {
                return;
            }

            w.Write($"<div class=\"occlusion\" id=\"occlusion-{s.TrackId}\"><h3>Covered face <small>estimated from the face's pixels against its own forehead skin: masks, hands, dark lenses, the frame's edge (docs/identity.md)</small></h3>\n");
            if (o.Estimated == 0)
            {
                w.Write("<p class=\"note\">Not estimated on any frame of this track (occlusion off, the face under 24 px between the eyes, or its forehead out of view, colourless or shaded), so no estimate was withheld for it.</p>\n</div>\n");
                return;
            }

            w.Write("<table class=\"stats\"><tbody>\n");
            Row("Frames with an estimate", $"{Markup.Number(o.Estimated, 0)} of {Markup.Number(o.Frames, 0)}");
            Row("Mouth and nose covered", Share(o.MouthNoseCovered, o.Estimated));
            Row("Eyes covered", Share(o.EyesCovered, o.Estimated));
            foreach (var (item, words) in WithheldItems)
            {
                Row("Withheld: " + words, Share(o.Withheld.GetValueOrDefault(item), o.Frames, "of the track's frames"));
            }

            w.Write("</tbody></table>\n");
            if (o.MouthNoseCovered + o.EyesCovered == 0)
            {
                w.Write("<p class=\"note\">No region was judged covered: nothing was withheld.</p>\n");
            }
            else
            {
                w.Write("<p class=\"note\">On frames with a covered region, the estimates above were withheld as insufficient rather than guessed; the timelines show gaps there.</p>\n");
            }

            w.Write("</div>\n");
        }

        private static string Share(int count, int of, string what = "of frames with an estimate") =>
            count == 0 ? "none" : $"{Markup.Number(count, 0)} frames ({Markup.Percent((double)count / of)} {what})";
    }
}
