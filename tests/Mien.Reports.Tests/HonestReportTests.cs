using System.Xml;
using System.Xml.Linq;
using Mien.Results;

namespace Mien.Reports.Tests;

/// <summary>
/// The report says only what the data supports: a still image gets a still layout, body bands need confidence and
/// duration, the AU heatmap has a colour scale, and segment peaks are named for what they are.
/// </summary>
public sealed class HonestReportTests
{
    private static readonly XNamespace Html = "http://www.w3.org/1999/xhtml";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static XDocument Parse(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static IEnumerable<XElement> Charts(XDocument page) => page.Descendants(Svg + "svg");

    /// <summary>One photo with two faces, analysed as a still: raw estimates, AUs against the population neutral, no smoothing.</summary>
    private static (AnalysisSummary Summary, ReportSeries Series, List<KeyMoment> Moments) Still()
    {
        FaceObservation Face(int id, float x, int top, float au12)
        {
            var p = new float[7];
            for (var i = 0; i < 7; i++)
            {
                p[i] = i == top ? 0.91f : 0.015f;
            }

            var estimate = new ExpressionEstimate(p);
            var units = new ActionUnits([.. ActionUnits.Codes.Select(c => c == "AU12" ? au12 : 0.3f)], ActionUnitBaseline.Population);
            return new FaceObservation(id, new FaceBox(x, 50, 120, 140), 0.98f, 0.99f, new HeadPose(3, -2, 1), null,
                new EyeState(0.3f, 0.3f, 1, false), 0.05f, estimate, null)
            {
                Affect = new AffectFrame(units, null, new ValenceArousal(top == 3 ? 0.8f : 0, 0.3f, 0.9f), 0.95f),
            };
        }

        var frame = new FrameAnalysis(0, TimeSpan.Zero, [Face(1, 40, 3, 2.6f), Face(2, 400, 6, 0.1f)]);
        var builder = new TrackSummaryBuilder();
        builder.Add(frame);
        var series = new ReportSeriesBuilder();
        series.Add(frame);
        var summary = new AnalysisSummary(new SourceInfo("party.jpg", "image", 800, 600, null, null, null), 1, 1, 0, TimeSpan.FromSeconds(0.2), builder.Build(), [], false, []);

        // The collector keeps a "first seen" and a "peak" picture per face: on a still they are the same frame.
        List<KeyMoment> moments =
        [
            new(1, TimeSpan.Zero, "first seen", SyntheticPictures.Smile),
            new(1, TimeSpan.Zero, "happiness peak 0.91", SyntheticPictures.Smile),
            new(2, TimeSpan.Zero, "first seen", SyntheticPictures.EyesClosed),
            new(2, TimeSpan.Zero, "neutral peak 0.91", SyntheticPictures.EyesClosed),
        ];
        return (summary, series.Build(), moments);
    }

    [Fact]
    public void A_still_image_gets_no_time_charts_no_blink_rate_one_picture_per_face_and_its_action_units_as_stated()
    {
        var (summary, series, moments) = Still();
        var writer = new StringWriter();
        HtmlReport.Write(writer, summary, series, moments, new HtmlReportOptions { GeneratedAt = DateTimeOffset.UnixEpoch });
        var html = writer.ToString();
        var page = Parse(html);

        Assert.Empty(Charts(page)); // a still has no time axis
        Assert.DoesNotContain("per minute", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Blinks", html, StringComparison.Ordinal);
        Assert.Equal(2, page.Descendants(Html + "img").Count());
        Assert.Contains("population-average neutral", html, StringComparison.Ordinal);

        // The face's action units are shown as numbers, AU12 at its value.
        var face1 = page.Descendants(Html + "section").Single(s => (string?)s.Attribute("id") == "track-1");
        var au12 = face1.Descendants(Html + "div").Single(d => (string?)d.Attribute("class") == "bar" && d.Elements().First().Value == "AU12");
        Assert.Equal("2.6", au12.Elements().Last().Value);
    }

    [Fact]
    public void A_video_keeps_its_timelines()
    {
        var frames = SyntheticSession.Create(20);
        var writer = new StringWriter();
        HtmlReport.Write(writer, SyntheticSession.Summary(frames), SyntheticSession.Series(frames), SyntheticSession.Moments(), new HtmlReportOptions { GeneratedAt = DateTimeOffset.UnixEpoch });
        var page = Parse(writer.ToString());
        Assert.Contains(Charts(page), c => ((string?)c.Attribute("class"))!.Contains("expression-timeline", StringComparison.Ordinal));
        Assert.Contains("Blinks per minute", writer.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A 20 s video with body cues every third frame: <paramref name="hand"/> says, per time, whether a hand is at the face and how sure.</summary>
    private static string BodyReport(Func<double, (bool Present, float Confidence)?> hand)
    {
        var frames = SyntheticSession.Create(20);
        for (var i = 0; i < frames.Count; i++)
        {
            var t = frames[i].Timestamp.TotalSeconds;
            var flag = hand(t);
            frames[i] = frames[i] with
            {
                Faces = [.. frames[i].Faces.Select(f => f with
                {
                    Body = i % 3 != 0 ? null : new BodyCues(frames[i].Timestamp, true, null, new BodyCue(0, 0.8f), null, null, null, new BodyCue(0.1f, 0.8f), null,
                        flag is { } h ? new HandToFace(h.Present, h.Present ? Hands.Right : Hands.None, h.Confidence) : null, null, null),
                })],
            };
        }

        var writer = new StringWriter();
        HtmlReport.Write(writer, SyntheticSession.Summary(frames), SyntheticSession.Series(frames), [], new HtmlReportOptions { GeneratedAt = DateTimeOffset.UnixEpoch });
        return writer.ToString();
    }

    private static List<XElement> HandBands(string html) =>
        [.. Charts(Parse(html)).Single(c => ((string?)c.Attribute("class"))!.Contains("body-timeline", StringComparison.Ordinal))
            .Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "hand")];

    [Fact]
    public void Isolated_weak_hand_flags_with_unmeasured_frames_between_draw_no_band()
    {
        // The case: nine isolated flags at confidence 0.31–0.35 across the clip, the wrist unseen in between
        // (null cue), which used to draw one band from the first flag to the end.
        var flags = new[] { 1.0, 2.9, 4.6, 6.1, 8.2, 10.0, 12.7, 15.1, 19.0 };
        var html = BodyReport(t => flags.Any(f => Math.Abs(f - t) < 0.05) ? (true, 0.31f + (0.005f * (float)(t % 8))) : null);
        Assert.Empty(HandBands(html));
    }

    [Fact]
    public void A_single_confident_flag_is_too_short_for_a_band_but_a_sustained_one_is_drawn_where_it_lasts()
    {
        Assert.Empty(HandBands(BodyReport(t => Math.Abs(t - 5) < 0.05 ? (true, 0.9f) : (false, 0.8f))));

        var html = BodyReport(t => t is >= 6 and < 9 ? (true, 0.8f) : (false, 0.8f));
        var band = Assert.Single(HandBands(html));
        var title = band.Element(Svg + "title")!.Value;
        Assert.StartsWith("hand at face 6.0 s–9.0 s", title, StringComparison.Ordinal);
    }

    [Fact]
    public void Bands_follow_the_confidence_and_duration_rules()
    {
        double[] times = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 3.0, 3.1];
        float[] flags = [1, 1, 1, 1, 1, 1, 1, 0, 1, 1];
        float[] confidences = [0.9f, 0.9f, 0.4f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f, 0.9f];
        var bands = CueBands.Find(times, flags, confidences, new CueBandRules { MinDuration = TimeSpan.FromSeconds(0.3) });

        // 0–0.2 is broken by a weak flag and too short; 0.3–0.7 lasts 0.4 s; 3.0–3.1 is too short.
        var band = Assert.Single(bands);
        Assert.Equal(0.3, band.Start, 6);
        Assert.Equal(0.7, band.End, 6);
        Assert.Equal(4, band.Measurements);

        // Unmeasured frames are held for at most MaxGap.
        var held = CueBands.Find([0, 0.1, 0.2, 0.3, 5], [1, 1, 1, 1, float.NaN], [0.9f, 0.9f, 0.9f, 0.9f, float.NaN], new CueBandRules { MinDuration = TimeSpan.Zero });
        Assert.Equal(0.8, Assert.Single(held).End, 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => CueBands.Find([], [], [], new CueBandRules { MinConfidence = 2 }));
    }

    [Fact]
    public void The_action_unit_heatmap_has_a_colour_scale_and_segment_peaks_are_named_filtered_probabilities()
    {
        var frames = SyntheticSession.Create(30);
        for (var i = 0; i < frames.Count; i++)
        {
            var t = frames[i].Timestamp.TotalSeconds;
            frames[i] = frames[i] with
            {
                Faces = [.. frames[i].Faces.Select(f => f with
                {
                    Affect = new AffectFrame(
                        new ActionUnits([.. ActionUnits.Codes.Select(c => c == "AU12" && t is >= 10 and < 20 ? 3.5f : 0.1f)], t > 3 ? ActionUnitBaseline.Person : ActionUnitBaseline.Provisional),
                        FilteredExpression.From(f.Expression!.Probabilities), new ValenceArousal(0, 0, 0.7f), 0.9f),
                })],
            };
        }

        var segment = new ExpressionSegment("happiness", TimeSpan.FromSeconds(10.2), TimeSpan.FromSeconds(14), TimeSpan.FromSeconds(19.8), 0.998f, 0.8f, 0.5f,
            [new AuContribution("AU12", 3.5f, 3.4f, 0.9f)]);
        var early = new ExpressionSegment("happiness", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.5), 0.9f, 0.8f, 0.5f, [])
        {
            UnitsAttributed = false,
        };
        var writer = new StringWriter();
        HtmlReport.Write(writer, SyntheticSession.Summary(frames), SyntheticSession.Series(frames), [], new HtmlReportOptions { GeneratedAt = DateTimeOffset.UnixEpoch },
            new ReportAttachments { Segments = [new TrackSegment(1, early), new TrackSegment(1, segment)] });
        var html = writer.ToString();
        var page = Parse(html);

        var figure = page.Descendants(Html + "figure").Single(f => f.Descendants(Svg + "svg").Any(s => ((string?)s.Attribute("class"))!.Contains("au-heatmap", StringComparison.Ordinal)));
        var scale = figure.Descendants(Html + "span").Single(s => ((string?)s.Attribute("class"))?.Contains("au-scale", StringComparison.Ordinal) == true);
        Assert.Contains("5 E extreme", scale.Value, StringComparison.Ordinal);
        Assert.Contains("blank: below 0.5", scale.Value, StringComparison.Ordinal);
        Assert.Contains("Shaded until 3.", html, StringComparison.Ordinal); // the provisional baseline is marked

        Assert.DoesNotContain("100 %", html, StringComparison.Ordinal);
        Assert.Contains("peak filtered probability", html, StringComparison.Ordinal);
        Assert.Contains("&gt; 0.99 at 14.0 s", html, StringComparison.Ordinal);
        Assert.Contains("neutral baseline was still being learnt", html, StringComparison.Ordinal);
    }
}
