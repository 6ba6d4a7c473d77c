using System.Xml;
using System.Xml.Linq;
using Mien.Results;

namespace Mien.Reports.Tests;

/// <summary>The report's physiology timelines: pulse rate with its quality and withheld windows, gestures, asymmetry trends, driver alerts.</summary>
public sealed class PhysiologyReportTests
{
    private static readonly XNamespace Html = "http://www.w3.org/1999/xhtml";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    // Pulse windows (at whole seconds from 10 s): 10–13 withheld (low quality), 14–19 reported 72 BPM at quality 0.8,
    // 20 withheld (artefacts), 21–29 reported 80 BPM at quality 0.4 (below the arousal-cue gate).
    private static HeartRateEstimate? Pulse(double t)
    {
        if (t < 10 || Math.Abs(t - Math.Round(t)) > 1e-6)
        {
            return null;
        }

        var start = TimeSpan.FromSeconds(t - 10);
        var end = TimeSpan.FromSeconds(t);
        return t switch
        {
            < 14 => new HeartRateEstimate(start, end, null, 110, 64, -2, 0.2f, 0.05f, new PhysiologyIssue("low-quality", "pulse SNR −2.0 dB, needs ≥ 0.5 dB")),
            < 20 => new HeartRateEstimate(start, end, 72, 72, 72.5f, 4, 0.8f, 0, null),
            < 21 => new HeartRateEstimate(start, end, null, 90, 90, 1, 0.3f, 0.4f, new PhysiologyIssue("artefacts", "40 % of frames moved fast or changed light, allows ≤ 30 %")),
            _ => new HeartRateEstimate(start, end, 80, 80, 79, 1, 0.4f, 0.02f, null),
        };
    }

    private static PhysiologyFrame Physiology(double t, bool driver)
    {
        var frame = new PhysiologyFrame
        {
            HeartRate = Pulse(t),
            Gestures = Near(t, 12.5) ? [new HeadGesture(HeadGestureKind.Nod, TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(12.5), 2, 8)]
                : Near(t, 22) ? [new HeadGesture(HeadGestureKind.Shake, TimeSpan.FromSeconds(21), TimeSpan.FromSeconds(22), 4, 11)] : [],
            Asymmetry = new AsymmetryFrame(t < 20 ? 0.5f : 4.5f, 2, 0.3f, -0.2f, null, Reliable: !(t >= 5 && t < 6)),
            AsymmetryTrends = Near(t, 20) ? [new AsymmetryTrend("mouth-corner", TimeSpan.Zero, TimeSpan.FromSeconds(20), 0.5f, 0.4f, 0.6f, null, false)]
                : Near(t, 29) ? [new AsymmetryTrend("mouth-corner", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(29), 4.5f, 4.3f, 4.7f, 0.5f, true), new AsymmetryTrend("brow", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(29), 0.3f, 0.1f, 0.5f, 0.3f, false)] : [],
        };
        if (!driver)
        {
            return frame;
        }

        var level = t is >= 15 and < 17 ? AlertLevel.Caution : t is >= 24 and < 25 ? AlertLevel.Warning : AlertLevel.None;
        IReadOnlyList<string> causes = level switch
        {
            AlertLevel.Caution => ["PERCLOS 9 % (≥ 8 %)"],
            AlertLevel.Warning => ["eyes closed for 1.2 s (≥ 1 s)"],
            _ => [],
        };
        return frame with { Driver = new DriverState(t is >= 15 and < 17 ? 0.09f : 0.03f, TimeSpan.Zero, 0, 150, 0, 0, TimeSpan.Zero, level, causes) };
    }

    private static bool Near(double t, double at) => Math.Abs(t - at) < 1e-6;

    private static List<FrameAnalysis> Frames(bool physiology = true, bool driver = true)
    {
        var frames = SyntheticSession.Create(30);
        if (!physiology)
        {
            return frames;
        }

        for (var i = 0; i < frames.Count; i++)
        {
            var t = Math.Round(frames[i].Timestamp.TotalSeconds, 6);
            frames[i] = frames[i] with { Faces = [.. frames[i].Faces.Select(f => f with { Physiology = Physiology(t, driver) })] };
        }

        return frames;
    }

    private static XDocument Render(List<FrameAnalysis> frames, ReportAttachments? attachments = null)
    {
        var writer = new StringWriter();
        HtmlReport.Write(writer, SyntheticSession.Summary(frames), SyntheticSession.Series(frames), [], new HtmlReportOptions { GeneratedAt = DateTimeOffset.UnixEpoch }, attachments);
        using var reader = XmlReader.Create(new StringReader(writer.ToString()), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static XElement Chart(XDocument page, string cssClass) =>
        page.Descendants(Svg + "svg").Single(e => Classes(e).Contains(cssClass));

    private static string[] Classes(XElement e) => ((string?)e.Attribute("class") ?? string.Empty).Split(' ');

    private static List<XElement> Marks(XElement chart, string element, params string[] classes) =>
        [.. chart.Descendants(Svg + element).Where(e => classes.All(Classes(e).Contains))];

    [Fact]
    public void The_pulse_timeline_shows_each_reported_rate_the_withheld_windows_with_reasons_and_which_rates_fed_the_fusion()
    {
        // The fusion used the pulse in the windows 14–16 s (quality 0.8 ≥ gate); none later (quality 0.4).
        var fused = new[] { 14.0, 16.0, 18.0, 22.0 }.Select(s => new TrackFusedAffect(1, new FusedAffect(
            TimeSpan.FromSeconds(s), TimeSpan.FromSeconds(s + 2), new ValenceArousal(0, 0.2f, 0.6f), null,
            s < 16 ? [new SourceContribution(AffectSource.Face, 0.7f, null), new SourceContribution(AffectSource.Pulse, 0.3f, null)] : [new SourceContribution(AffectSource.Face, 1, null)]))).ToList();
        var page = Render(Frames(), new ReportAttachments { Fused = fused });
        var chart = Chart(page, "heart-rate");
        var dots = Marks(chart, "circle", "hr");
        Assert.Equal(6 + 9, dots.Count);
        Assert.Equal(2, Marks(chart, "circle", "hr", "used").Count);
        Assert.Contains("72 BPM", (string)dots[0].Element(Svg + "title")!);
        Assert.Contains("used as an arousal cue", (string)dots[0].Element(Svg + "title")!);

        var withheld = Marks(chart, "rect", "hr-withheld");
        Assert.Equal(2, withheld.Count);
        Assert.Contains("low-quality", (string)withheld[0].Element(Svg + "title")!);
        Assert.Contains("4 windows", (string)withheld[0].Element(Svg + "title")!);
        Assert.Contains("artefacts", (string)withheld[1].Element(Svg + "title")!);

        // The line through reported rates breaks at the withheld window: two subpaths.
        var line = Marks(chart, "path", "hr").Single();
        Assert.Equal(2, ((string)line.Attribute("d")!).Count(c => c == 'M'));

        var quality = Chart(page, "heart-rate-quality");
        Assert.Single(Marks(quality, "line", "cue-gate"));
        Assert.Equal(20, ((string)Marks(quality, "path", "quality").Single().Attribute("d")!).Count(c => c is 'M' or 'L'));
        var note = string.Concat(page.Descendants(Html + "div").Single(d => Classes(d).Contains("physiology")).Descendants(Html + "p").Select(p => p.Value));
        Assert.Contains("15 of 20 pulse windows reported", note);
        Assert.Contains("2 fed the fusion", note);
        Assert.Contains("low-quality ×4", note);
    }

    [Fact]
    public void Gestures_asymmetry_trends_and_driver_alerts_are_drawn_where_they_happened()
    {
        var page = Render(Frames());
        var gestures = Chart(page, "gestures");
        Assert.Single(Marks(gestures, "rect", "gesture", "nod"));
        var shake = Marks(gestures, "rect", "gesture", "shake").Single();
        Assert.Contains("shake 21.0 s–22.0 s: 4 swings", (string)shake.Element(Svg + "title")!);

        var asymmetry = Chart(page, "asymmetry");
        Assert.Equal(2, Marks(asymmetry, "rect", "trend").Count);
        Assert.Single(Marks(asymmetry, "rect", "trend", "changed"));
        // Unreliable frames (5–6 s) break the mouth-corner line.
        Assert.Equal(2, ((string)Marks(asymmetry, "path", "asym-mouth").Single().Attribute("d")!).Count(c => c == 'M'));
        var changes = page.Descendants(Html + "table").Single(t => Classes(t).Contains("asymmetry-changes"));
        Assert.Single(changes.Descendants(Html + "tbody").Single().Elements(Html + "tr"));
        Assert.Contains("mouth-corner", changes.Value);

        var driver = Chart(page, "driver");
        var caution = Marks(driver, "rect", "alert", "caution").Single();
        var warning = Marks(driver, "rect", "alert", "warning").Single();
        Assert.Contains("PERCLOS 9 %", (string)caution.Element(Svg + "title")!);
        Assert.Contains("caution 15.0 s–17.0 s", (string)caution.Element(Svg + "title")!);
        Assert.Contains("eyes closed for 1.2 s", (string)warning.Element(Svg + "title")!);
        var alerts = page.Descendants(Html + "table").Single(t => Classes(t).Contains("alerts"));
        Assert.Equal(2, alerts.Descendants(Html + "tbody").Single().Elements(Html + "tr").Count());
    }

    [Fact]
    public void Without_physiology_there_is_no_section_and_without_the_driver_profile_no_driver_chart()
    {
        var none = Render(Frames(physiology: false));
        Assert.DoesNotContain(none.Descendants(Html + "div"), d => Classes(d).Contains("physiology"));

        var noDriver = Render(Frames(driver: false));
        Assert.Single(noDriver.Descendants(Html + "div"), d => Classes(d).Contains("physiology"));
        Assert.DoesNotContain(noDriver.Descendants(Svg + "svg"), e => Classes(e).Contains("driver"));
    }
}
