using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Mien.Results;

namespace Mien.Reports.Tests;

public sealed partial class HtmlReportTests
{
    private static readonly XNamespace Html = "http://www.w3.org/1999/xhtml";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly HtmlReportOptions Fixed = new() { GeneratedAt = new DateTimeOffset(2025, 6, 2, 9, 30, 0, TimeSpan.Zero) };

    private static string Render(
        IReadOnlyList<FrameAnalysis> frames, AnalysisSummary? summary = null, IReadOnlyList<KeyMoment>? moments = null, HtmlReportOptions? options = null)
    {
        var writer = new StringWriter();
        HtmlReport.Write(writer, summary ?? SyntheticSession.Summary(frames), SyntheticSession.Series(frames), moments ?? [], options ?? Fixed);
        return writer.ToString();
    }

    // The page is written as well-formed XML (XHTML syntax), so an XML parser is a strict check of its structure.
    private static XDocument Parse(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static IEnumerable<XElement> Charts(XContainer root, string cssClass) =>
        root.Descendants(Svg + "svg").Where(e => ((string?)e.Attribute("class") ?? string.Empty).Split(' ').Contains(cssClass));

    private static XElement Section(XDocument page, string id) =>
        page.Descendants(Html + "section").Single(s => (string?)s.Attribute("id") == id);

    // Rendered pages are kept next to the test binaries (bin/, ignored by git) so a person can open them in a
    // browser or screenshot them; nothing here reads them back.
    private static void KeepForReview(string name, string html) => File.WriteAllText(Path.Combine(AppContext.BaseDirectory, name), html);

    private static int Subpaths(XElement path) => ((string)path.Attribute("d")!).Count(c => c == 'M');

    [Fact]
    public void Report_is_well_formed_and_self_contained()
    {
        var frames = SyntheticSession.Create(secondPerson: true);
        var html = Render(frames, moments: SyntheticSession.Moments(secondPerson: true));

        KeepForReview("sample-report.html", html);

        var page = Parse(html);
        Assert.Equal("html", page.Root!.Name.LocalName);
        Assert.DoesNotContain(page.Descendants(), e => e.Name.LocalName is "script" or "link" or "iframe" or "object");
        var csp = page.Descendants(Html + "meta").Single(m => (string?)m.Attribute("http-equiv") == "Content-Security-Policy");
        Assert.StartsWith("default-src 'none'", (string)csp.Attribute("content")!, StringComparison.Ordinal);

        var urls = page.Descendants().Attributes().Where(a => a.Name.LocalName is "src" or "href").Select(a => a.Value).ToList();
        Assert.All(urls, u => Assert.True(u.StartsWith("data:image/jpeg;base64,", StringComparison.Ordinal) || u.StartsWith('#'), u));
        Assert.DoesNotContain("url(", html, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        Assert.DoesNotContain("@font-face", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_header_shows_the_source_facts_and_the_disclaimer()
    {
        var page = Parse(Render(SyntheticSession.Create()));
        var header = page.Descendants(Html + "header").Single();
        var facts = header.Descendants(Html + "dt").ToDictionary(dt => dt.Value, dt => ((XElement)dt.NextNode!).Value);

        Assert.Equal("interview-2024-03-12.mp4", header.Element(Html + "h1")!.Value);
        Assert.Equal("1 min 00 s", facts["Duration"]);
        Assert.StartsWith("1280 × 720", facts["Resolution"], StringComparison.Ordinal);
        Assert.StartsWith("1,800of 1,800 read", facts["Frames analysed"], StringComparison.Ordinal);
        Assert.StartsWith("52.4 fps", facts["Processing speed"], StringComparison.Ordinal);
        Assert.StartsWith("1", facts["Tracks"], StringComparison.Ordinal);
        Assert.StartsWith("No", facts["Anonymised"], StringComparison.Ordinal);
        Assert.StartsWith("2025-06-02", facts["Report date"], StringComparison.Ordinal);
        Assert.Contains(AnalysisSummary.Disclaimer, header.Descendants(Html + "aside").Single().Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_text_from_data_is_escaped_everywhere()
    {
        const string name = "<script>alert(1)</script>.mp4";
        const string attack = "\"><img src=x onerror=alert(2)>";
        var frames = SyntheticSession.Create(seconds: 5);
        var summary = SyntheticSession.Summary(frames, name: name, problems: [attack, "bad\u0001byte"]) with
        {
            Stages = [new StageTiming("<b>decode</b>", 1, 2, 3)],
        };
        var moments = new[] { new KeyMoment(1, TimeSpan.FromSeconds(1), attack, SyntheticPictures.Smile) };
        var html = Render(frames, summary, moments);
        KeepForReview("sample-report-hostile.html", html);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>decode", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;.mp4", html, StringComparison.Ordinal);

        var page = Parse(html); // also proves the control character did not break the markup
        Assert.Equal(name, page.Descendants(Html + "h1").Single().Value);
        Assert.Equal("Mien report – " + name, page.Descendants(Html + "title").Single().Value);
        Assert.Contains(page.Descendants(Html + "li"), li => li.Value == attack);
        Assert.DoesNotContain(page.Descendants().Attributes(), a => a.Name.LocalName.StartsWith("on", StringComparison.Ordinal));
        Assert.Single(page.Descendants(Html + "img")); // only the key moment's picture
    }

    [Fact]
    public void Each_track_gets_its_own_timelines_and_missing_measurements_get_a_note_instead_of_a_chart()
    {
        var page = Parse(Render(SyntheticSession.Create(secondPerson: true)));
        var one = Section(page, "track-1");
        var two = Section(page, "track-2");

        Assert.Equal(2, Charts(page, "expression-timeline").Count());
        Assert.Single(Charts(one, "expression-timeline"));
        Assert.Single(Charts(two, "expression-timeline"));
        Assert.Single(Charts(one, "ribbon"));
        Assert.Single(Charts(two, "ribbon"));

        // Track 2 has no face mesh: no pose, eyes or mouth charts, and a sentence saying so.
        foreach (var chart in new[] { "pose-timeline", "eyes-timeline", "mouth-timeline" })
        {
            Assert.Single(Charts(one, chart));
            Assert.Empty(Charts(two, chart));
        }

        Assert.Contains(two.Descendants(Html + "p"), p => p.Value.StartsWith("Head pose, eyes and mouth were not measured", StringComparison.Ordinal));
        Assert.Contains("blink (2)", one.Value, StringComparison.Ordinal);
        Assert.Equal(2, Charts(one, "eyes-timeline").Single().Descendants(Svg + "rect").Count(r => (string?)r.Attribute("class") == "blink"));
    }

    [Fact]
    public void A_single_missing_measurement_gets_its_own_note_and_the_stats_say_not_measured()
    {
        var frames = SyntheticSession.Create(seconds: 20)
            .Select(f => f with { Faces = [.. f.Faces.Select(face => face with { Eyes = null })] })
            .ToList();
        var page = Parse(Render(frames));
        var track = Section(page, "track-1");

        Assert.Single(Charts(track, "pose-timeline"));
        Assert.Single(Charts(track, "mouth-timeline"));
        Assert.Empty(Charts(track, "eyes-timeline"));
        Assert.Contains(track.Descendants(Html + "p"), p => p.Value == "The eyes were not measured for this track.");
        var blinks = track.Descendants(Html + "tr").Single(tr => tr.Element(Html + "th")!.Value == "Blinks");
        Assert.Equal("eyes not measured", blinks.Element(Html + "td")!.Value);
    }

    [Fact]
    public void Expression_stack_has_a_band_per_label_with_an_axis_in_probability_and_seconds()
    {
        var page = Parse(Render(SyntheticSession.Create()));
        var chart = Charts(page, "expression-timeline").Single();
        var bands = chart.Elements(Svg + "path").Select(p => (string)p.Attribute("class")!).ToList();
        Assert.Equal(ExpressionEstimate.Labels.Reverse().Select(l => "f-" + l), bands);

        var texts = chart.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("probability", texts);
        Assert.Contains("time (s)", texts);
        Assert.Contains("0.50", texts);
        Assert.Contains("30", texts);
    }

    [Fact]
    public void Ribbon_shows_happiness_during_the_smile()
    {
        var page = Parse(Render(SyntheticSession.Create()));
        var ribbon = Charts(Section(page, "track-1"), "ribbon").Single();
        var happy = ribbon.Elements(Svg + "rect")
            .Where(r => (string?)r.Attribute("class") == "f-happiness")
            .MaxBy(r => double.Parse((string)r.Attribute("width")!, CultureInfo.InvariantCulture))!;

        var span = SpanPattern().Match(happy.Element(Svg + "title")!.Value);
        Assert.True(span.Success, happy.Value);
        Assert.InRange(double.Parse(span.Groups[1].Value, CultureInfo.InvariantCulture), 10, 13.5);
        Assert.InRange(double.Parse(span.Groups[2].Value, CultureInfo.InvariantCulture), 16.5, 20);
    }

    [GeneratedRegex(@"^happiness, ([\d.]+) s – ([\d.]+) s$")]
    private static partial Regex SpanPattern();

    [Fact]
    public void Lines_and_areas_break_where_the_face_was_not_seen()
    {
        var page = Parse(Render(SyntheticSession.Create()));
        var track = Section(page, "track-1");

        var yaw = Charts(track, "pose-timeline").Single().Elements(Svg + "path").Single(p => (string?)p.Attribute("class") == "ln yaw");
        Assert.Equal(2, Subpaths(yaw));
        var neutral = Charts(track, "expression-timeline").Single().Elements(Svg + "path").Single(p => (string?)p.Attribute("class") == "f-neutral");
        Assert.Equal(2, Subpaths(neutral));
    }

    [Fact]
    public void A_200_second_video_gives_a_light_page_with_at_most_the_point_budget_per_series()
    {
        var frames = SyntheticSession.Long();
        var html = Render(frames);
        KeepForReview("sample-report-200s.html", html);
        Assert.InRange(html.Length, 50_000, 450_000);

        var page = Parse(html);
        foreach (var path in page.Descendants(Svg + "path"))
        {
            var d = (string)path.Attribute("d")!;
            var points = d.Count(c => c is 'M' or 'L');
            Assert.True(points <= 1500 + (4 * Subpaths(path)), $"{path.Attribute("class")}: {points} points");
        }

        // 6000 samples at 30 fps: without reduction the yaw line alone would have 5940 points.
        var yaw = Charts(page, "pose-timeline").Single().Elements(Svg + "path").Single(p => (string?)p.Attribute("class") == "ln yaw");
        Assert.InRange(((string)yaw.Attribute("d")!).Count(c => c == 'L'), 1000, 1500);
    }

    [Fact]
    public void An_analysis_without_faces_renders_a_page_that_says_no_face_was_found()
    {
        var frames = Enumerable.Range(0, 300)
            .Select(i => new FrameAnalysis(i, TimeSpan.FromSeconds(i / 30.0), []))
            .ToList();
        var html = Render(frames);
        KeepForReview("sample-report-no-faces.html", html);
        var page = Parse(html);

        var overview = Section(page, "overview");
        Assert.Contains("No face was found.", overview.Value, StringComparison.Ordinal);
        Assert.Contains("300 frames", overview.Value, StringComparison.Ordinal);
        Assert.Empty(page.Descendants(Svg + "svg"));
        Assert.DoesNotContain(page.Descendants(Html + "section"), s => ((string?)s.Attribute("id"))?.StartsWith("track-", StringComparison.Ordinal) == true);
        Assert.NotNull(Section(page, "processing"));
        Assert.Contains(AnalysisSummary.Disclaimer, page.Root!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_moments_are_inline_pictures_with_time_and_label_and_marked_on_the_timeline()
    {
        var moments = SyntheticSession.Moments().Append(new KeyMoment(1, TimeSpan.FromSeconds(50), "not a picture", [1, 2, 3, 4])).ToList();
        var page = Parse(Render(SyntheticSession.Create(), moments: moments));
        var track = Section(page, "track-1");

        var figures = track.Descendants(Html + "figure").Where(f => (string?)f.Attribute("class") == "moment").ToList();
        Assert.Equal(3, figures.Count);
        var smile = figures[1];
        var image = smile.Element(Html + "img")!;
        Assert.Equal("data:image/jpeg;base64," + Convert.ToBase64String(SyntheticPictures.Smile), (string)image.Attribute("src")!);
        Assert.Contains("15.2 s", smile.Value, StringComparison.Ordinal);
        Assert.Contains("happiness peak 0.91", smile.Value, StringComparison.Ordinal);
        Assert.Null(figures[2].Element(Html + "img"));                          // bytes that are not a JPEG
        Assert.Contains("no picture", figures[2].Value, StringComparison.Ordinal);

        var marks = Charts(track, "expression-timeline").Single().Elements(Svg + "g").Where(g => (string?)g.Attribute("class") == "moment-mark");
        Assert.Equal(["1", "2", "3"], marks.Select(g => g.Element(Svg + "text")!.Value));
    }

    [Fact]
    public void Too_small_a_point_budget_is_refused_with_the_option_named()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            HtmlReport.Write(new StringWriter(), SyntheticSession.Summary([]), ReportSeries.Empty, [], new HtmlReportOptions { MaxPointsPerSeries = 5 }));
        Assert.Contains("HtmlReportOptions.MaxPointsPerSeries", error.Message, StringComparison.Ordinal);
    }
}
