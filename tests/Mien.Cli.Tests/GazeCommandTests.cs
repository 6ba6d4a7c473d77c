using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mien.Cli.Tests;

/// <summary>
/// `mien gaze calibrate|map` on faces.jsonl files of a simulated viewer with known ground truth (a person 60 cm from a 24"
/// screen, camera 2 cm above it, eyes under-reported by 20 %, head turning 30 % of the way, 0.5° noise per frame): the
/// geometry behind them is validated in Mien.Physiology.Tests; here the command's plumbing (reading, options, files,
/// exit codes).
/// </summary>
[Collection(CliCollection.Name)]
public sealed class GazeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-gaze-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (double Yaw, double Pitch) GazeAt(double x, double y)
    {
        var dx = (x - 960) * 531 / 1920;
        var dy = ((y - 540) * 299 / 1080) + 149.5 + 20;
        return (0.8 * Math.Atan2(dx, 600) * 180 / Math.PI, -0.8 * Math.Atan2(dy, 600) * 180 / Math.PI);
    }

    /// <summary>Writes faces.jsonl (and summary.json) of 30 fps segments looking at the given points (null: no face).</summary>
    private string Recording(string name, IEnumerable<(double X, double Y)?> segments, int framesEach)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;
        var random = new Random(7);
        var text = new StringBuilder();
        var frame = 0;
        foreach (var target in segments)
        {
            for (var k = 0; k < framesEach; k++, frame++)
            {
                var t = (frame / 30.0).ToString("0.###", CultureInfo.InvariantCulture);
                if (target is not { } p)
                {
                    text.Append("{\"type\":\"frame\",\"frame\":").Append(frame.ToString(CultureInfo.InvariantCulture)).Append(",\"time\":").Append(t).AppendLine("}");
                    continue;
                }

                var (yaw, pitch) = GazeAt(p.X, p.Y);
                string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
                text.Append("{\"type\":\"face\",\"frame\":").Append(frame.ToString(CultureInfo.InvariantCulture)).Append(",\"time\":").Append(t)
                    .Append(",\"track\":1,\"box\":{\"x\":150,\"y\":90,\"w\":100,\"h\":120},\"pose\":{\"yaw\":").Append(N(0.3 * yaw))
                    .Append(",\"pitch\":").Append(N(0.3 * pitch)).Append(",\"roll\":0},\"gaze\":{\"yaw\":").Append(N(yaw + (0.5 * Noise(random))))
                    .Append(",\"pitch\":").Append(N(pitch + (0.5 * Noise(random)))).AppendLine("}}");
            }
        }

        File.WriteAllText(Path.Combine(folder, "faces.jsonl"), text.ToString());
        File.WriteAllText(Path.Combine(folder, "summary.json"), """{"source":{"width":400,"height":300}}""");
        return Path.Combine(folder, "faces.jsonl");
    }

    private static double Noise(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    [Fact]
    public async Task Calibrates_on_nine_targets_then_maps_fixations_and_attention_with_no_face_time_unknown()
    {
        (double X, double Y)[] nine = [.. from y in new[] { 100.0, 540, 980 } from x in new[] { 100.0, 960, 1820 } select (x, y)];
        var calibration = Recording("calibration", nine.Select(p => ((double, double)?)p), 60);
        var targets = Path.Combine(_dir, "targets.csv");
        File.WriteAllLines(targets, ["start,end,x,y", .. nine.Select((p, i) => FormattableString.Invariant($"{(2 * i) + 0.5},{(2 * i) + 1.9},{p.X},{p.Y}"))]);
        var file = Path.Combine(_dir, "calibration.json");

        var (code, stdout, stderr) = await InProcessMien.RunAsync("gaze", "calibrate", calibration, "--targets", targets, "-o", file);
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Contains("leave-one-point-out error", stdout, StringComparison.Ordinal);
        using (var json = JsonDocument.Parse(File.ReadAllText(file)))
        {
            Assert.InRange(json.RootElement.GetProperty("accuracy").GetProperty("meanErrorDegrees").GetDouble(), 0, 1.0);
        }

        // 3 s at (400, 300), 3 s at (1500, 800), 3 s far off the right edge, 3 s without a face.
        var viewing = Recording("viewing", [(400, 300), (1500, 800), (3000, 540), null], 90);
        var output = Path.Combine(_dir, "out");
        (code, _, stderr) = await InProcessMien.RunAsync("gaze", "map", viewing, "--calibration", file, "-o", output, "--json");
        Assert.True(code == ExitCodes.Ok, stderr);
        using var attention = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "attention.json")));
        Assert.InRange(attention.RootElement.GetProperty("onScreenSeconds").GetDouble(), 5.9, 6.1);
        Assert.InRange(attention.RootElement.GetProperty("offScreenSeconds").GetDouble(), 2.9, 3.1);
        Assert.InRange(attention.RootElement.GetProperty("unknownSeconds").GetDouble(), 2.9, 3.1);
        using var fixations = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "fixations.json")));
        var first = fixations.RootElement[0];
        Assert.Equal(3, fixations.RootElement.GetArrayLength());
        Assert.InRange(first.GetProperty("x").GetDouble(), 350, 450);
        Assert.InRange(first.GetProperty("y").GetDouble(), 250, 350);
        Assert.True(new FileInfo(Path.Combine(output, "heatmap.png")).Length > 100);
        Assert.Equal(361, File.ReadAllLines(Path.Combine(output, "gaze.csv")).Length);
    }

    [Fact]
    public async Task Too_few_targets_and_a_file_that_is_no_calibration_are_refused_with_the_reason()
    {
        var calibration = Recording("few", [(100, 100), (960, 540), (1820, 980)], 30);
        var targets = Path.Combine(_dir, "three.csv");
        File.WriteAllLines(targets, ["0.1,0.9,100,100", "1.1,1.9,960,540", "2.1,2.9,1820,980"]);

        var (code, _, stderr) = await InProcessMien.RunAsync("gaze", "calibrate", calibration, "--targets", targets, "-o", Path.Combine(_dir, "c.json"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("too few calibration points", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await InProcessMien.RunAsync("gaze", "map", calibration, "--calibration", targets);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("not a Mien gaze calibration", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await InProcessMien.RunAsync("gaze", "calibrate", calibration, "--targets", targets, "--screen", "1920x0");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--screen", stderr, StringComparison.Ordinal);
    }
}
