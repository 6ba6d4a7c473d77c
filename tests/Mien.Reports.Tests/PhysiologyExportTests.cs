using System.Text;
using System.Text.Json;
using Mien.Results;

namespace Mien.Reports.Tests;

/// <summary>The physiology fields in JSONL and CSV: reported and withheld pulse, gestures, asymmetry, driver state.</summary>
public sealed class PhysiologyExportTests
{
    private static FaceObservation Face(PhysiologyFrame physiology) =>
        new(1, new FaceBox(1, 2, 3, 4), 0.9f, 0.9f, new HeadPose(0, 0, 0), null, null, 0.1f, null, null) { Physiology = physiology };

    private static readonly PhysiologyFrame Reported = new()
    {
        HeartRate = new HeartRateEstimate(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), 72.345f, 72.345f, 71.9f, 3.21f, 0.8123f, 0.01f, null),
        Gestures = [new HeadGesture(HeadGestureKind.Shake, TimeSpan.FromSeconds(14), TimeSpan.FromSeconds(15), 3, 9.5f)],
        Asymmetry = new AsymmetryFrame(1.234f, -5.5f, 0.2f, 0.3f, null, true),
        Driver = new DriverState(0.1f, TimeSpan.FromSeconds(1.2), 2, 150, 0, 1, TimeSpan.Zero, AlertLevel.Warning, ["eyes closed for 1.2 s (≥ 1 s)"]),
    };

    private static readonly PhysiologyFrame Withheld = new()
    {
        HeartRate = new HeartRateEstimate(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(16), null, 130, 90, -4.2f, 0.05f, 0, new PhysiologyIssue("low-quality", "pulse SNR −4.2 dB, needs ≥ 0.5 dB")),
    };

    [Fact]
    public void Jsonl_carries_the_reported_rate_and_the_reason_a_rate_was_withheld()
    {
        var memory = new MemoryStream();
        using (var writer = new JsonlWriter(memory, leaveOpen: true))
        {
            writer.WriteFrame(new FrameAnalysis(0, TimeSpan.FromSeconds(15), [Face(Reported)]));
            writer.WriteFrame(new FrameAnalysis(1, TimeSpan.FromSeconds(16), [Face(Withheld)]));
        }

        var lines = Encoding.UTF8.GetString(memory.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var first = JsonDocument.Parse(lines[0]).RootElement.GetProperty("physiology");
        Assert.Equal(72.35, first.GetProperty("heartRate").GetProperty("bpm").GetDouble());
        Assert.False(first.GetProperty("heartRate").TryGetProperty("issue", out _));
        Assert.Equal("shake", first.GetProperty("gestures")[0].GetProperty("kind").GetString());
        Assert.Equal(1.23, first.GetProperty("asymmetry").GetProperty("mouthCorner").GetDouble());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("asymmetry").GetProperty("smileExcursion").ValueKind);
        Assert.Equal("warning", first.GetProperty("driver").GetProperty("level").GetString());
        Assert.Single(first.GetProperty("driver").GetProperty("causes").EnumerateArray());

        var second = JsonDocument.Parse(lines[1]).RootElement.GetProperty("physiology").GetProperty("heartRate");
        Assert.Equal(JsonValueKind.Null, second.GetProperty("bpm").ValueKind);
        Assert.Equal(130, second.GetProperty("candidateBpm").GetDouble());
        Assert.Equal("low-quality", second.GetProperty("issue").GetString());
    }

    [Fact]
    public void Csv_puts_the_physiology_columns_at_the_end_with_empty_cells_when_absent()
    {
        var text = new StringWriter();
        using (var writer = new CsvWriter(text, leaveOpen: true))
        {
            writer.WriteFrame(new FrameAnalysis(0, TimeSpan.FromSeconds(15), [Face(Reported)]));
            writer.WriteFrame(new FrameAnalysis(1, TimeSpan.FromSeconds(16), [Face(Withheld)]));
        }

        var rows = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split(',')).ToArray();
        var header = rows[0].ToList();
        string Cell(int row, string column) => rows[row][header.IndexOf(column)];
        Assert.All(rows, r => Assert.Equal(header.Count, r.Length));
        Assert.Equal("72.35", Cell(1, "heartRate"));
        Assert.Equal("shake", Cell(1, "gesture"));
        Assert.Equal("warning", Cell(1, "alertLevel"));
        Assert.Equal("", Cell(2, "heartRate"));
        Assert.Equal("low-quality", Cell(2, "heartRateIssue"));
        Assert.Equal("", Cell(2, "asymMouthCorner"));
    }
}
