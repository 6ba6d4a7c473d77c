using System.Text;
using System.Text.Json;
using Mien.Media;
using Mien.Media.Samples;
using Mien.Models;
using Mien.Pipeline;
using Mien.Results;
using Mien.Sessions;
using Mien.Testing;

namespace Mien.Reports.Tests;

/// <summary>
/// docs/output-format.md against what the writers emit: every JSONL field, CSV column, summary.json and skin.json
/// field that is written is documented, and everything documented is written — on a synthetic analysis that fills
/// every optional block, and on a real one.
/// </summary>
public sealed class OutputFormatTests
{
    private static readonly string[] EventKinds = ["track-started", "track-ended", "expression-segment", "fused-affect", "speech", "expression-path", "person-link", "utterance"];

    [Fact]
    public void Every_jsonl_field_written_is_documented_and_every_documented_field_is_written()
    {
        var records = Parse(WriteJsonl(SyntheticRecords.Updates(), "clip.mp4"));

        DataDictionary.AssertAgree("face record", DataDictionary.Fields("face"), PathsOf(records, "face", null), complete: true);
        DataDictionary.AssertAgree("frame record", DataDictionary.Fields("frame"), PathsOf(records, "frame", null), complete: true);
        DataDictionary.AssertAgree("track events", DataDictionary.Fields("event track-started track-ended"), PathsOf(records, "event", "track-started", "track-ended"), complete: true);
        foreach (var kind in EventKinds.Skip(2))
        {
            DataDictionary.AssertAgree(kind, DataDictionary.Fields("event " + kind), PathsOf(records, "event", kind), complete: true);
        }

        // Every line is typed, and the types and event kinds are the documented ones.
        Assert.All(records, r => Assert.Contains(r.GetProperty("type").GetString(), new[] { "face", "frame", "event" }));
        Assert.All(records.Where(r => r.GetProperty("type").GetString() == "event"), r => Assert.Contains(r.GetProperty("event").GetString(), EventKinds));
    }

    [Fact]
    public void Csv_columns_are_the_documented_columns_in_order()
    {
        var documented = DataDictionary.Fields("csv");
        Assert.Equal(documented, CsvWriter.Header);

        var text = new StringWriter();
        using (var csv = new CsvWriter(text, leaveOpen: true, source: "clip.mp4"))
        {
            foreach (var f in SyntheticRecords.Updates().OfType<FrameUpdate>())
            {
                csv.WriteFrame(f.Frame);
            }
        }

        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', documented), lines[0]);
        Assert.All(lines, l => Assert.Equal(documented.Count, l.Split(',').Length));
    }

    [Fact]
    public void Summary_json_fields_are_the_documented_fields()
    {
        var frames = SyntheticSession.Create(secondPerson: true);
        var summary = SyntheticSession.Summary(frames, problems: ["frame 812 was corrupt and skipped"]) with { Provenance = SyntheticRecords.Provenance };
        var memory = new MemoryStream();
        SummaryJsonWriter.Write(memory, summary);
        var root = JsonDocument.Parse(memory.ToArray()).RootElement;

        DataDictionary.AssertAgree("summary.json", DataDictionary.Fields("summary"), DataDictionary.Paths(root), complete: true);
    }

    [Fact]
    public void Skin_json_fields_are_the_documented_fields_in_seconds_and_kebab_case()
    {
        var root = JsonDocument.Parse(SkinJsonWriter.Serialize(SyntheticRecords.SkinReport())).RootElement;

        DataDictionary.AssertAgree("skin.json", DataDictionary.Fields("skin"), DataDictionary.Paths(root), complete: true);
        Assert.Equal("disclaimer", root.EnumerateObject().First().Name);
        var summary = root.GetProperty("faces")[0].GetProperty("summary");

        // One vocabulary with faces.jsonl: region and ITA category values kebab-case, times in seconds (not "00:00:01.5").
        Assert.Contains(summary.GetProperty("regions").EnumerateArray(), r => r.GetProperty("region").GetString() == "right-cheek");
        Assert.Equal("very-light", summary.GetProperty("category").GetString());
        Assert.Equal(JsonValueKind.Number, summary.GetProperty("series")[1].GetProperty("time").ValueKind);
        Assert.Equal(0.25, summary.GetProperty("series")[1].GetProperty("time").GetDouble());
        Assert.Contains(summary.GetProperty("face").EnumerateArray(), m => m.GetProperty("metric").GetString() == "erythema-index");
        Assert.Equal("skin-face1.png", root.GetProperty("faces")[0].GetProperty("overlay").GetString());
    }

    [Fact]
    public void Jsonl_and_skin_json_name_regions_and_categories_alike()
    {
        var records = Parse(WriteJsonl(SyntheticRecords.Updates(), null));
        var jsonlRegions = records.Where(r => r.TryGetProperty("skin", out var s) && s.TryGetProperty("regions", out _))
            .SelectMany(r => r.GetProperty("skin").GetProperty("regions").EnumerateArray().Select(x => x.GetProperty("region").GetString()))
            .ToHashSet();
        var skin = JsonDocument.Parse(SkinJsonWriter.Serialize(SyntheticRecords.SkinReport())).RootElement;
        var skinRegions = skin.GetProperty("faces")[0].GetProperty("summary").GetProperty("regions").EnumerateArray().Select(r => r.GetProperty("region").GetString()).ToHashSet();

        Assert.Contains("right-cheek", jsonlRegions);
        Assert.Subset(skinRegions, jsonlRegions);
        var category = records.First(r => r.TryGetProperty("skin", out var s) && s.TryGetProperty("itaCategory", out _)).GetProperty("skin").GetProperty("itaCategory").GetString();
        Assert.Equal("very-light", category);
    }

    [Fact]
    public void Every_analysed_frame_has_a_line_and_a_row_even_without_a_face()
    {
        var frames = SyntheticSession.Create(seconds: 45);                 // nobody is seen from 40 to 42 s
        var empty = frames.Count(f => f.Faces.Count == 0);
        Assert.Equal(60, empty);

        var records = Parse(WriteJsonl(frames.Select(f => new FrameUpdate(f)), "clip.mp4"));
        Assert.Equal(frames.Select(f => f.FrameIndex), records.Select(r => r.GetProperty("frame").GetInt64()).Distinct());
        var frameLines = records.Where(r => r.GetProperty("type").GetString() == "frame").ToList();
        Assert.Equal(empty, frameLines.Count);
        Assert.All(frameLines, r => Assert.Equal(0, r.GetProperty("faces").GetInt32()));

        var text = new StringWriter();
        using (var csv = new CsvWriter(text, leaveOpen: true, source: "clip.mp4"))
        {
            frames.ForEach(csv.WriteFrame);
        }

        var rows = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(frames.Count, rows.Count);
        var column = (string name) => CsvWriter.Header.ToList().IndexOf(name);
        var noFace = rows.Where(r => r[column("faces")] == "0").ToList();
        Assert.Equal(empty, noFace.Count);
        Assert.All(noFace, r =>
        {
            Assert.Equal("false", r[column("success")]);
            Assert.Equal("", r[column("track")]);
            Assert.Equal("", r[column("yaw")]);
        });
        Assert.All(rows, r => Assert.Equal("clip.mp4", r[column("source")]));
    }

    [Fact]
    public void Csv_quotes_a_source_name_with_a_comma()
    {
        var text = new StringWriter();
        using (var csv = new CsvWriter(text, leaveOpen: true, source: "take 1, \"final\".mp4"))
        {
            csv.WriteFrame(new FrameAnalysis(0, TimeSpan.Zero, []));
        }

        Assert.StartsWith("\"take 1, \"\"final\"\".mp4\",0,0,0,,false", text.ToString().Split('\n')[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Action_unit_baseline_segment_attribution_and_confidences_are_written_beside_their_values()
    {
        var records = Parse(WriteJsonl(SyntheticRecords.Updates(), null));
        var units = records.First(r => r.TryGetProperty("affect", out _)).GetProperty("affect").GetProperty("actionUnits");
        Assert.Equal("provisional", units.GetProperty("baseline").GetString());
        Assert.False(units.GetProperty("baselineReady").GetBoolean());
        var segment = records.Single(r => r.TryGetProperty("event", out var e) && e.GetString() == "expression-segment");
        Assert.False(segment.GetProperty("unitsAttributed").GetBoolean());

        var text = new StringWriter();
        using (var csv = new CsvWriter(text, leaveOpen: true))
        {
            csv.WriteFrame(SyntheticRecords.Updates().OfType<FrameUpdate>().First().Frame);
        }

        var header = CsvWriter.Header.ToList();
        var row = text.ToString().Split('\n')[1].Split(',');
        Assert.Equal("provisional", row[header.IndexOf("auBaseline")]);
        Assert.Equal(header.IndexOf("auBaseline") + 1, header.IndexOf("AU01"));
        Assert.Equal("0.7", row[header.IndexOf("affectConfidence")]);
        Assert.Equal(header.IndexOf("lean") + 1, header.IndexOf("leanConfidence"));
        Assert.Equal("0.8", row[header.IndexOf("leanConfidence")]);
        Assert.Equal("0.6", row[header.IndexOf("monkConfidence")]);
        Assert.Equal("very-light", row[header.IndexOf("itaCategory")]);
    }

    [Fact]
    public void Live_frame_messages_carry_the_face_lines_unchanged_and_events_typed_once()
    {
        var updates = SyntheticRecords.Updates();
        var lines = WriteJsonl(updates, null).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var encoder = new ResultJsonEncoder();
        var faceLines = lines.Where(l => l.StartsWith("{\"type\":\"face\"", StringComparison.Ordinal)).ToList();
        var fromMessages = new List<string>();
        foreach (var update in updates)
        {
            var bytes = encoder.Encode(update);
            if (bytes.IsEmpty)
            {
                continue;
            }

            var message = JsonDocument.Parse(bytes).RootElement;
            if (message.GetProperty("type").GetString() == "frame")
            {
                fromMessages.AddRange(message.GetProperty("faces").EnumerateArray().Select(f => f.GetRawText()));
            }
            else
            {
                Assert.Equal("event", message.GetProperty("type").GetString());
                Assert.Single(message.EnumerateObject(), p => p.Name == "type");
                Assert.Contains(Encoding.UTF8.GetString(bytes.Span), lines);
            }
        }

        Assert.Equal(faceLines, fromMessages);
        var empty = JsonDocument.Parse(encoder.Encode(new FrameUpdate(new FrameAnalysis(9, TimeSpan.FromSeconds(0.3), [])))).RootElement;
        Assert.Equal(0, empty.GetProperty("faces").GetArrayLength());
    }

    [Fact]
    public void Summary_json_and_the_report_carry_the_provenance()
    {
        var frames = SyntheticSession.Create(seconds: 5);
        var summary = SyntheticSession.Summary(frames) with { Provenance = SyntheticRecords.Provenance };
        var memory = new MemoryStream();
        SummaryJsonWriter.Write(memory, summary);
        var provenance = JsonDocument.Parse(memory.ToArray()).RootElement.GetProperty("provenance");
        Assert.Equal("1.2.3+abc", provenance.GetProperty("mienVersion").GetString());
        Assert.Equal("mien analyze clip.mp4 --anonymize", provenance.GetProperty("commandLine").GetString());
        Assert.Equal("2025-01-31T14:05:00Z", provenance.GetProperty("startedUtc").GetString());
        Assert.Equal(new string('a', 64), provenance.GetProperty("models")[0].GetProperty("onnxSha256").GetString());
        var expression = provenance.GetProperty("expressionModel");
        Assert.Equal("human+teacher", expression.GetProperty("id").GetString());
        Assert.Equal("ensemble", expression.GetProperty("kind").GetString());
        Assert.Equal("probabilities", expression.GetProperty("combine").GetString());
        Assert.True(expression.GetProperty("mirror").GetBoolean());
        Assert.Equal(["emotion", "fr-teacher"], expression.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal(30, expression.GetProperty("members")[1].GetProperty("every").GetInt32());
        Assert.Equal(2.19, expression.GetProperty("members")[1].GetProperty("temperature").GetDouble(), 4);

        var html = new StringWriter();
        HtmlReport.Write(html, summary, SyntheticSession.Series(frames), []);
        Assert.Contains("Provenance", html.ToString(), StringComparison.Ordinal);
        Assert.Contains(new string('a', 64), html.ToString(), StringComparison.Ordinal);
        Assert.Contains("mien analyze clip.mp4 --anonymize", html.ToString(), StringComparison.Ordinal);
        Assert.Contains("human+teacher (ensemble, probabilities, mirror, shifts of 0.04): emotion ×0.5, fr-teacher ×0.5 every 30 frames T 2.19", html.ToString(), StringComparison.Ordinal);

        var posed = summary with { Provenance = SyntheticRecords.Provenance with { ExpressionModel = new ExpressionModelProvenance("ckplus-geometry", "posed", null, false, 0, [new ExpressionMemberProvenance("ckplus-geometry", 1, 1, 1)]) } };
        var single = new StringWriter();
        HtmlReport.Write(single, posed, SyntheticSession.Series(frames), []);
        Assert.Contains("<dt>Expression model</dt><dd>ckplus-geometry (posed)</dd>", single.ToString(), StringComparison.Ordinal);
    }

    internal static string WriteJsonl(IEnumerable<AnalysisUpdate> updates, string? source)
    {
        var memory = new MemoryStream();
        using (var sink = new JsonlSink(new JsonlWriter(memory, leaveOpen: true, source: source)))
        {
            foreach (var u in updates)
            {
                sink.Write(u);
            }
        }

        return Encoding.UTF8.GetString(memory.ToArray());
    }

    internal static List<JsonElement> Parse(string jsonl) =>
        [.. jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];

    internal static SortedSet<string> PathsOf(IEnumerable<JsonElement> records, string type, string? kind, params string[] more)
    {
        var kinds = kind is null ? null : new HashSet<string>([kind, .. more]);
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var r in records.Where(r => r.GetProperty("type").GetString() == type && (kinds is null || kinds.Contains(r.GetProperty("event").GetString()!))))
        {
            paths.UnionWith(DataDictionary.Paths(r));
        }

        Assert.NotEmpty(paths);
        return paths;
    }
}

/// <summary>Doc vs writers on a real analysis: 40 frames of franck.mp4 with body, skin and landmarks, through the session.</summary>
public sealed class RealOutputFormatTests(RealModels models) : IClassFixture<RealModels>
{
    [Fact]
    public async Task A_real_analysis_writes_only_documented_fields_and_carries_its_provenance()
    {
        var videos = await SampleMedia.FaceVideosAsync(models.Packages);
        var clip = videos.First(v => v.EndsWith("franck.mp4", StringComparison.Ordinal));
        var folder = Directory.CreateTempSubdirectory("mien-dict-").FullName;
        try
        {
            using var set = new ModelSet(models.Store);
            var options = new SessionOptions
            {
                Pipeline = new PipelineOptions { Body = true, Skin = true },
                OutputLandmarks = true,
                Voice = false,
                Provenance = Provenance.ForCommand("mien analyze franck.mp4"),
            };
            using var cancel = new CancellationTokenSource();
            SessionCompleted completed;
            await using (var session = await AnalysisSession.CreateAsync(set, MediaSource.Open(clip), options))
            {
                Assert.Equal("franck.mp4", session.SourceName);
                using var jsonl = JsonlSink.Create(Path.Combine(folder, "faces.jsonl"), session.SourceName);
                using var csv = CsvSink.Create(Path.Combine(folder, "faces.csv"), session.SourceName);
                var report = new ReportSink(folder);
                completed = await session.RunAsync([jsonl, csv, report], p =>
                {
                    if (p.FramesAnalysed >= 40)
                    {
                        cancel.Cancel();
                    }
                }, cancel.Token);
            }

            var records = OutputFormatTests.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "faces.jsonl")));
            var faces = OutputFormatTests.PathsOf(records, "face", null);
            DataDictionary.AssertAgree("real face records", DataDictionary.Fields("face"), faces, complete: false);
            Assert.Contains("skin.regions[].region", faces);
            Assert.Contains("body.keypoints.nose", faces);
            Assert.Contains("affect.actionUnits.baseline", faces);
            foreach (var e in records.Where(r => r.GetProperty("type").GetString() == "event"))
            {
                var kind = e.GetProperty("event").GetString()!;
                var table = kind is "track-started" or "track-ended" ? "event track-started track-ended" : "event " + kind;
                DataDictionary.AssertAgree(kind, DataDictionary.Fields(table), DataDictionary.Paths(e), complete: false);
            }

            Assert.All(records, r => Assert.Equal("franck.mp4", r.GetProperty("source").GetString()));

            var csvLines = await File.ReadAllLinesAsync(Path.Combine(folder, "faces.csv"));
            Assert.Equal(string.Join(',', DataDictionary.Fields("csv")), csvLines[0]);
            Assert.True(csvLines.Length > 40);
            Assert.All(csvLines.Skip(1), l => Assert.StartsWith("franck.mp4,", l, StringComparison.Ordinal));

            var summary = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(folder, "summary.json"))).RootElement;
            DataDictionary.AssertAgree("real summary.json", DataDictionary.Fields("summary"), DataDictionary.Paths(summary), complete: false);
            var provenance = summary.GetProperty("provenance");
            Assert.Equal(Provenance.CurrentVersion, provenance.GetProperty("mienVersion").GetString());
            Assert.Equal("mien analyze franck.mp4", provenance.GetProperty("commandLine").GetString());
            Assert.Equal("on", provenance.GetProperty("settings").GetProperty("body").GetString());
            var ids = provenance.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToList();
            Assert.Equal(options.Pipeline.ModelIds, ids);
            foreach (var m in provenance.GetProperty("models").EnumerateArray())
            {
                Assert.Equal(models.Artifacts[m.GetProperty("id").GetString()!].OnnxSha256, m.GetProperty("onnxSha256").GetString());
            }

            Assert.True(DateTimeOffset.UtcNow - completed.Summary.Provenance!.StartedUtc < TimeSpan.FromHours(1));
            Assert.Contains("Provenance", await File.ReadAllTextAsync(Path.Combine(folder, "report.html")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
