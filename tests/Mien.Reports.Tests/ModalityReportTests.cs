using System.Xml;
using System.Xml.Linq;
using Mien.Results;
using Mien.Skin;

namespace Mien.Reports.Tests;

/// <summary>The report's sections for the temporal model, action units, voice, fusion, body and skin.</summary>
public sealed class ModalityReportTests
{
    private static readonly XNamespace Html = "http://www.w3.org/1999/xhtml";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>The synthetic session with, per face, an affect frame (valence following the smile), a body every third frame and skin every tenth.</summary>
    private static List<FrameAnalysis> Frames()
    {
        var frames = SyntheticSession.Create(30);
        for (var i = 0; i < frames.Count; i++)
        {
            var frame = frames[i];
            var t = frame.Timestamp.TotalSeconds;
            var smiling = t >= SyntheticSession.Smile.Start && t < SyntheticSession.Smile.End;
            frames[i] = frame with
            {
                Faces = [.. frame.Faces.Select(f => f with
                {
                    Affect = new AffectFrame(
                        new ActionUnits([.. ActionUnits.Codes.Select(c => c == "AU12" && smiling ? 3.5f : 0.1f)], baselineReady: t > 3),
                        FilteredExpression.From(f.Expression!.Probabilities),
                        new ValenceArousal(smiling ? 0.8f : -0.1f, smiling ? 0.5f : 0f, 0.7f),
                        0.9f),
                    Body = i % 3 == 0 ? Cues(frame.Timestamp, handAtFace: t is > 25 and < 27) : null,
                    Skin = i % 10 == 0 ? Skin(45 + (float)Math.Sin(t)) : null,
                })],
            };
        }

        return frames;
    }

    private static BodyCues Cues(TimeSpan t, bool handAtFace) => new(
        t, true, null, new BodyCue(0.2f, 0.8f), new BodyCue(3, 0.8f), new BodyCue(-1, 0.8f), new BodyCue(0, 0.5f),
        new BodyCue(0.4f, 0.8f), new BodyCue(0.1f, 0.6f), new HandToFace(handAtFace, handAtFace ? Hands.Right : Hands.None, 0.7f),
        new BodyFlag(false, 0.6f), new BodyAffect(0.1f, 0.4f));

    private static SkinFrame Skin(float ita)
    {
        var lab = new LabColor(65, 12, 16);
        var tone = new SkinTone(lab, lab, ita, ItaCategory.Light, 3, 0.6f);
        var face = new SkinFaceMeasurement(tone, 1.8f, 2, 4, 18, 3, 0.4f, 4.5f, 5);
        return new SkinFrame(new SkinQuality(true, [], 0.8f, 200, 0.9f, 60, 0.01f, 0.8f), [], face);
    }

    private static string Render(List<FrameAnalysis> frames, ReportAttachments attachments)
    {
        var writer = new StringWriter();
        HtmlReport.Write(writer, SyntheticSession.Summary(frames), SyntheticSession.Series(frames), [], new HtmlReportOptions { GeneratedAt = DateTimeOffset.UnixEpoch }, attachments);
        return writer.ToString();
    }

    private static XDocument Parse(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static XElement Chart(XDocument page, string cssClass) =>
        page.Descendants(Svg + "svg").Single(e => ((string?)e.Attribute("class") ?? string.Empty).Split(' ').Contains(cssClass));

    [Fact]
    public void Every_modality_section_is_drawn_from_the_results_and_the_page_stays_well_formed()
    {
        var frames = Frames();
        var aggregator = new SkinAggregator();
        foreach (var f in frames.Where(f => f.Faces.Count > 0 && f.Faces[0].Skin is not null))
        {
            aggregator.Add(f.Timestamp, f.Faces[0].Skin!);
        }

        var summary = aggregator.Summarise();
        var segment = new ExpressionSegment("happiness", TimeSpan.FromSeconds(10.2), TimeSpan.FromSeconds(14), TimeSpan.FromSeconds(19.8), 0.97f, 0.8f, 0.5f,
            [new AuContribution("AU12", 3.5f, 3.4f, 0.9f)]);
        var fused = new FusedAffect(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(12), new ValenceArousal(0.7f, 0.45f, 0.8f), null,
            [new SourceContribution(AffectSource.Face, 0.7f, new ValenceArousal(0.8f, 0.5f, 0.7f)), new SourceContribution(AffectSource.Voice, 0.3f, new ValenceArousal(0.4f, 0.4f, 0.3f))]);
        var attachments = new ReportAttachments
        {
            Segments = [new TrackSegment(1, segment)],
            Fused = [new TrackFusedAffect(1, fused)],
            Speech = [new SpeechSpan(1, TimeSpan.FromSeconds(11), TimeSpan.FromSeconds(13), 0.6f, 0.2f, 0.5f, 0.45f, "F0 180 Hz")],
            Skin = new Dictionary<int, SkinReport> { [1] = new SkinReport(summary, null, SkinRecommendations.For(summary), null) },
        };

        var html = Render(frames, attachments);
        var page = Parse(html);

        var va = Chart(page, "va-timeline");
        Assert.Contains(va.Descendants(Svg + "path"), p => ((string?)p.Attribute("class"))?.Contains("valence", StringComparison.Ordinal) == true);
        Assert.Contains(va.Descendants(Svg + "path"), p => ((string?)p.Attribute("class"))?.Contains("fused-v", StringComparison.Ordinal) == true);
        Assert.Single(va.Descendants(Svg + "rect"), r => (string?)r.Attribute("class") == "speech");
        Assert.Contains("face 70 %", html, StringComparison.Ordinal);

        var segments = Chart(page, "segments");
        Assert.Single(segments.Descendants(Svg + "rect"), r => (string?)r.Attribute("class") == "f-happiness");
        Assert.Contains("AU12 lip corner puller +3.4 (90 %)", html, StringComparison.Ordinal);

        // AU12 is drawn only while the smile lasts (10–20 s); the other units stay below a trace.
        var cells = Chart(page, "au-heatmap").Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "au-cell").Select(r => r.Element(Svg + "title")!.Value).ToList();
        Assert.NotEmpty(cells);
        Assert.All(cells, c => Assert.StartsWith("AU12", c, StringComparison.Ordinal));

        var body = Chart(page, "body-timeline");
        Assert.Single(body.Descendants(Svg + "rect"), r => (string?)r.Attribute("class") == "hand");

        Assert.NotEmpty(Chart(page, "ita-timeline").Descendants(Svg + "circle"));
        Assert.Contains("Visible shine", html, StringComparison.Ordinal);
        Assert.Contains(SkinRecommendations.Disclaimer, page.Descendants(Html + "p").Select(p => p.Value), StringComparer.Ordinal);
    }

    [Fact]
    public void A_person_without_usable_skin_gets_the_reasons_instead_of_numbers()
    {
        var frames = SyntheticSession.Create(10);
        var rejected = new SkinSummary(12, 0, new Dictionary<string, int> { ["face-too-small"] = 9, ["blurred"] = 3 }, [], [], null, []);
        var html = Render(frames, new ReportAttachments { Skin = new Dictionary<int, SkinReport> { [1] = new SkinReport(rejected, null, [], null) } });

        Assert.Contains("Insufficient quality", html, StringComparison.Ordinal);
        Assert.Contains("face-too-small (9 frames); blurred (3 frames)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("ita-timeline", html, StringComparison.Ordinal);
    }
}
