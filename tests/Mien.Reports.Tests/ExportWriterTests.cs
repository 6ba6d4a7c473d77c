using System.Text;
using System.Text.Json;
using Mien.Results;

namespace Mien.Reports.Tests;

public sealed class ExportWriterTests
{
    private static readonly float[] Smiling = [0.012345f, 0.00004f, 0.01f, 0.91236f, 0.02f, 0.015f, 0.030255f];

    private static FaceObservation Full(int track, float x = 512.34f) => new(
        track,
        new FaceBox(x, 200.06f, 180.04f, 181.55f),
        0.98766f,
        0.99991f,
        new HeadPose(-3.256f, 1.5f, 0.754f),
        new Gaze(-1.2049f, 0.404f),
        new EyeState(0.29123f, 0.30456f, 0.98761f, false),
        0.12345f,
        new ExpressionEstimate(Smiling),
        null);

    private static FaceObservation Sparse(int track) =>
        new(track, new FaceBox(1, 2, 3, 4), 0.5f, null, null, null, null, null, null, null);

    private static string Text(MemoryStream memory) => Encoding.UTF8.GetString(memory.ToArray());

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Jsonl_lines_reach_the_stream_at_the_end_of_each_frame_before_the_writer_is_disposed()
    {
        var memory = new MemoryStream();

        // A BufferedStream holds bytes until it is flushed, like a FileStream: what reaches `memory` was flushed.
        using var buffered = new BufferedStream(memory, 1 << 16);
        using var writer = new JsonlWriter(buffered, leaveOpen: true);

        writer.WriteFrame(new FrameAnalysis(0, TimeSpan.Zero, [Full(1), Full(2)]));
        Assert.Equal(2, Lines(Text(memory)).Length);

        writer.WriteFrame(new FrameAnalysis(1, TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 30), [Full(1)]));
        var lines = Lines(Text(memory));
        Assert.Equal(3, lines.Length);
        Assert.EndsWith("\n", Text(memory), StringComparison.Ordinal);
        Assert.Equal([1, 2, 1], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("track").GetInt32()));
    }

    [Fact]
    public void Jsonl_face_line_has_camel_case_fields_rounded_per_unit()
    {
        var memory = new MemoryStream();
        using (var writer = new JsonlWriter(memory, leaveOpen: true))
        {
            writer.WriteFrame(new FrameAnalysis(300, TimeSpan.FromTicks(300 * TimeSpan.TicksPerSecond / 30) + TimeSpan.FromTicks(3337), [Full(1)]));
        }

        var root = JsonDocument.Parse(Lines(Text(memory)).Single()).RootElement;
        Assert.Equal(300, root.GetProperty("frame").GetInt64());
        Assert.Equal("10", root.GetProperty("time").GetRawText());       // 10.0003337 s → ms precision
        Assert.Equal("512.3", root.GetProperty("box").GetProperty("x").GetRawText());
        Assert.Equal("181.6", root.GetProperty("box").GetProperty("h").GetRawText());
        Assert.Equal("0.9877", root.GetProperty("detectionScore").GetRawText());
        Assert.Equal("0.9999", root.GetProperty("meshConfidence").GetRawText());
        Assert.Equal("-3.26", root.GetProperty("pose").GetProperty("yaw").GetRawText());
        Assert.Equal("0.75", root.GetProperty("pose").GetProperty("roll").GetRawText());
        Assert.Equal("-1.2", root.GetProperty("gaze").GetProperty("yaw").GetRawText());
        Assert.Equal("0.2912", root.GetProperty("eyes").GetProperty("leftAspectRatio").GetRawText());
        Assert.Equal("0.9876", root.GetProperty("eyes").GetProperty("openness").GetRawText());
        Assert.False(root.GetProperty("eyes").GetProperty("inBlink").GetBoolean());
        Assert.Equal("0.1235", root.GetProperty("mouthOpening").GetRawText());
        var expression = root.GetProperty("expression");
        Assert.Equal(ExpressionEstimate.Labels, expression.EnumerateObject().Select(p => p.Name));
        Assert.Equal("0.9124", expression.GetProperty("happiness").GetRawText());
        Assert.Equal("0", expression.GetProperty("disgust").GetRawText());   // 0.00004 rounds to 0, not 4E-05
        Assert.False(root.TryGetProperty("landmarks", out _));
    }

    [Fact]
    public void Jsonl_writes_null_for_missing_measurements_and_landmarks_only_when_present()
    {
        var withMesh = Sparse(2) with { Landmarks = [new Point3(1.04f, 2.06f, -0.55f), new Point3(3, 4, 5)] };
        var memory = new MemoryStream();
        using (var writer = new JsonlWriter(memory, leaveOpen: true))
        {
            writer.WriteFrame(new FrameAnalysis(0, TimeSpan.Zero, [Sparse(1), withMesh]));
            writer.WriteFrame(new FrameAnalysis(1, TimeSpan.FromSeconds(0.5), [])); // no faces: a frame line
        }

        var lines = Lines(Text(memory));
        Assert.Equal(3, lines.Length);
        Assert.Equal("""{"type":"frame","frame":1,"time":0.5,"faces":0}""", lines[2]);
        var sparse = JsonDocument.Parse(lines[0]).RootElement;
        foreach (var name in new[] { "meshConfidence", "pose", "gaze", "eyes", "mouthOpening", "expression" })
        {
            Assert.Equal(JsonValueKind.Null, sparse.GetProperty(name).ValueKind);
        }

        Assert.False(sparse.TryGetProperty("landmarks", out _));
        var mesh = JsonDocument.Parse(lines[1]).RootElement.GetProperty("landmarks");
        Assert.Equal("[[1,2.1,-0.6],[3,4,5]]", mesh.GetRawText());
    }

    [Fact]
    public void Jsonl_track_events_are_lines_of_their_own()
    {
        var memory = new MemoryStream();
        using var writer = new JsonlWriter(memory, leaveOpen: true);
        writer.WriteEvent(new TrackEvent(TrackEventKind.Started, 4, TimeSpan.FromSeconds(1.0334)));
        writer.WriteFrame(new FrameAnalysis(31, TimeSpan.FromSeconds(1.0334), [Sparse(4)]));
        writer.WriteEvent(new TrackEvent(TrackEventKind.Ended, 4, TimeSpan.FromSeconds(9.5)));

        var lines = Lines(Text(memory));
        Assert.Equal("""{"type":"event","event":"track-started","track":4,"time":1.033}""", lines[0]);
        Assert.Equal("""{"type":"event","event":"track-ended","track":4,"time":9.5}""", lines[2]);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public void Jsonl_writer_refuses_frames_after_dispose()
    {
        var writer = new JsonlWriter(new MemoryStream());
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.WriteFrame(new FrameAnalysis(0, TimeSpan.Zero, [Sparse(1)])));
    }

    [Fact]
    public void Csv_header_is_written_at_once_and_rows_are_flushed_per_frame()
    {
        var memory = new MemoryStream();
        using var buffered = new BufferedStream(memory, 1 << 16);
        using var text = new StreamWriter(buffered, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        using var csv = new CsvWriter(text, leaveOpen: true);

        Assert.Equal(string.Join(',', CsvWriter.Header) + "\n", Text(memory));
        csv.WriteFrame(new FrameAnalysis(0, TimeSpan.Zero, [Full(1), Full(2)]));
        Assert.Equal(3, Lines(Text(memory)).Length);
        csv.WriteFrame(new FrameAnalysis(1, TimeSpan.FromSeconds(1 / 30.0), [Full(1)]));

        var lines = Lines(Text(memory));
        Assert.Equal(4, lines.Length);
        Assert.Equal(
            ",1,0.033,1,1,true,512.3,200.1,180,181.6,0.9877,0.9999,-3.26,1.5,0.75,-1.2,0.4,0.2912,0.3046,0.9876,false,0.1235,0.0123,0,0.01,0.9124,0.02,0.015,0.0303"
            + new string(',', CsvWriter.Header.Count - 29), // no source given; affect, action units, body and skin were not measured: empty cells
            lines[3]);
        Assert.All(lines, l => Assert.Equal(CsvWriter.Header.Count, l.Split(',').Length));
    }

    [Fact]
    public void Csv_round_trips_missing_measurements_as_empty_cells()
    {
        var faces = new[] { Full(1), Sparse(2), Full(3) with { Pose = null, Expression = null } };
        var writer = new StringWriter();
        using (var csv = new CsvWriter(writer, leaveOpen: true))
        {
            csv.WriteFrame(new FrameAnalysis(7, TimeSpan.FromSeconds(2.5), faces));
        }

        var rows = Lines(writer.ToString()).Skip(1).Select(ParseRow).ToList();
        Assert.Equal(3, rows.Count);
        for (var i = 0; i < faces.Length; i++)
        {
            var face = faces[i];
            var row = rows[i];
            Assert.Equal(7, row["frame"]);
            Assert.Equal(2.5, row["time"]);
            Assert.Equal(face.TrackId, row["track"]);
            Assert.Equal(Round(face.MeshConfidence, 4), row["meshConfidence"]);
            Assert.Equal(Round(face.Pose?.Yaw, 2), row["yaw"]);
            Assert.Equal(Round(face.Gaze?.Pitch, 2), row["gazePitch"]);
            Assert.Equal(Round(face.Eyes?.Openness, 4), row["openness"]);
            Assert.Equal(face.Eyes is { } e ? (e.InBlink ? 1 : 0) : null, row["inBlink"]);
            Assert.Equal(Round(face.MouthOpening, 4), row["mouthOpening"]);
            Assert.Equal(Round(face.Expression?["happiness"], 4), row["happiness"]);
        }
    }

    private static double? Round(float? value, int digits) => value is { } v ? Math.Round(v, digits, MidpointRounding.AwayFromZero) : null;

    // The reader a user would write: split on commas, empty cell = missing.
    private static Dictionary<string, double?> ParseRow(string line)
    {
        var cells = line.Split(',');
        var row = new Dictionary<string, double?>();
        for (var i = 0; i < CsvWriter.Header.Count; i++)
        {
            row[CsvWriter.Header[i]] = cells[i] switch
            {
                _ when CsvWriter.Header[i] == "source" => null,
                "" => null,
                "true" => 1,
                "false" => 0,
                var c => double.Parse(c, System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        return row;
    }

    [Fact]
    public void Summary_json_starts_with_the_disclaimer_and_carries_the_track_statistics()
    {
        var frames = SyntheticSession.Create(secondPerson: true);
        var summary = SyntheticSession.Summary(frames, name: "Café – interview.mp4", problems: ["frame 812 was corrupt and skipped"]);
        var memory = new MemoryStream();
        SummaryJsonWriter.Write(memory, summary);

        var json = Text(memory);
        Assert.Contains("Café – interview.mp4", json, StringComparison.Ordinal); // readable, not \u escaped
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("disclaimer", root.EnumerateObject().First().Name);
        Assert.Equal(AnalysisSummary.Disclaimer, root.GetProperty("disclaimer").GetString());
        Assert.Equal(1800, root.GetProperty("framesAnalysed").GetInt64());
        Assert.Equal(60, root.GetProperty("source").GetProperty("duration").GetDouble(), 3);

        var tracks = root.GetProperty("tracks").EnumerateArray().ToList();
        Assert.Equal(2, tracks.Count);
        Assert.Equal(2, tracks[0].GetProperty("blinks").GetInt32());
        Assert.Equal("neutral", tracks[0].GetProperty("dominantExpression").GetString());
        Assert.Equal(ExpressionEstimate.Labels, tracks[0].GetProperty("meanExpression").EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Object, tracks[0].GetProperty("meanPose").ValueKind);
        Assert.Equal(JsonValueKind.Null, tracks[1].GetProperty("meanPose").ValueKind);          // no mesh for track 2
        Assert.Equal(JsonValueKind.Null, tracks[1].GetProperty("blinksPerMinute").ValueKind);
        Assert.Equal(15, tracks[1].GetProperty("firstSeen").GetDouble(), 3);
        Assert.Equal("frame 812 was corrupt and skipped", root.GetProperty("problems")[0].GetString());
        Assert.Equal(5, root.GetProperty("stages").GetArrayLength());
    }
}
