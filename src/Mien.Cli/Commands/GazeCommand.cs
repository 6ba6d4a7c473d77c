using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mien.Physiology.GazeOnScreen;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien gaze calibrate|map`: gaze on a screen from a `mien analyze` faces.jsonl (thin: the work is in
/// <c>Mien.Physiology.GazeOnScreen</c>). `calibrate` fits a per-user calibration to the frames recorded while the person
/// looked at known targets and prints its leave-one-point-out accuracy; `map` maps another recording through it and
/// writes gaze points, I-VT fixations, the attention share and a heatmap over the screen (or a stimulus area).
/// The frame size comes from the summary.json beside faces.jsonl (or --frame). Exit codes: 0 done; 2 bad options; 3 a
/// file is missing or unreadable, the calibration is refused as degenerate (the message says how) or no frame had gaze.
/// </summary>
internal static class GazeCommand
{
    public static Command Create()
    {
        var command = new Command("gaze", "Gaze on a screen: calibrate per user from a recording of 5 or 9 targets, then map recordings to screen points, fixations, attention share and a heatmap.");
        command.Subcommands.Add(CreateCalibrate());
        command.Subcommands.Add(CreateMap());
        return command;
    }

    private static Command CreateCalibrate()
    {
        var faces = new Argument<string>("faces") { Description = "faces.jsonl of the calibration recording (from mien analyze)." };
        var targets = new Option<string>("--targets") { Description = "CSV with one line per target: start,end,x,y (seconds of the recording while the person looked at the target; its centre in screen pixels). A header line is allowed.", Required = true };
        var screen = ScreenOptions();
        var output = new Option<string>("--output", "-o") { Description = "Calibration file to write.", DefaultValueFactory = _ => "calibration.json" };
        var json = new Option<bool>("--json") { Description = "Print the calibration JSON to standard output instead of the accuracy table." };
        var command = new Command("calibrate", "Fit a per-user gaze-to-screen calibration (ridge-regularised polynomial of gaze and head pose) and report its leave-one-point-out error in pixels and degrees.")
        {
            faces, targets, screen.Size, screen.Millimetres, screen.Distance, screen.Frame, screen.Track, output, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var geometry = screen.Geometry(parse);
            var file = OutputFile.Prepare(parse.GetValue(output)!, "calibration.json");
            var trace = FaceTrace.Read(parse.GetValue(faces)!, parse.GetValue(screen.Frame), parse.GetValue(screen.Track));
            var points = new List<CalibrationPoint>();
            foreach (var (start, end, target) in ReadTargets(parse.GetValue(targets)!))
            {
                points.Add(new CalibrationPoint(target, [.. trace.Where(s => s.Time >= start && s.Time <= end && s.Features is not null).Select(s => s.Features!.Value)]));
            }

            GazeCalibration calibration;
            try
            {
                calibration = GazeCalibration.Fit(geometry, points);
            }
            catch (ArgumentException e)
            {
                throw new InputException("calibration refused: " + e.Message);
            }

            var text = calibration.ToJson();
            file.Write(text);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(text);
            }
            else
            {
                var a = calibration.Accuracy;
                Console.Out.WriteLine(F($"calibration from {calibration.PointCount} targets written to {file.Path}"));
                Console.Out.WriteLine(F($"leave-one-point-out error: mean {a.MeanErrorPx:0} px ({a.MeanErrorDegrees:0.00}°), max {a.MaxErrorPx:0} px ({a.MaxErrorDegrees:0.00}°)"));
                foreach (var p in a.Points)
                {
                    Console.Out.WriteLine(F($"  target ({p.Target.X:0}, {p.Target.Y:0}) → ({p.Predicted.X:0}, {p.Predicted.Y:0}): {p.ErrorPx:0} px, {p.ErrorDegrees:0.00}°"));
                }
            }

            await Task.CompletedTask;
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateMap()
    {
        var faces = new Argument<string>("faces") { Description = "faces.jsonl of the recording to map (from mien analyze)." };
        var calibrationFile = new Option<string>("--calibration") { Description = "Calibration file from mien gaze calibrate.", Required = true };
        var frame = new Option<string?>("--frame") { Description = "Frame size WxH of the analysed video (default: summary.json beside faces.jsonl)." };
        var track = new Option<int?>("--track") { Description = "Track id to follow (default: the first face of each frame)." };
        var stimulus = new Option<string?>("--stimulus") { Description = "Stimulus area x,y,w,h in screen pixels for the heatmap (default: the whole screen)." };
        var margin = new Option<double>("--margin") { Description = "Pixels around the screen that still count as on it (e.g. the calibration error).", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--output", "-o") { Description = "Output folder for gaze.csv, fixations.json, attention.json, heatmap.json and heatmap.png.", DefaultValueFactory = _ => Path.Combine("out", "gaze") };
        var json = new Option<bool>("--json") { Description = "Print attention.json to standard output instead of the summary." };
        var command = new Command("map", "Map a recording through a calibration: gaze points, I-VT fixations (median-smoothed for webcam noise), attention share (frames without a face are unknown, not away) and a heatmap.")
        {
            faces, calibrationFile, frame, track, stimulus, margin, output, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(calibrationFile)!;
            GazeCalibration calibration;
            try
            {
                calibration = GazeCalibration.FromJson(await File.ReadAllTextAsync(path, ct));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InputException($"{path}: {e.Message}");
            }
            catch (Exception e) when (e is ArgumentException or JsonException or FormatException)
            {
                throw new InputException($"{path}: not a Mien gaze calibration ({e.Message})");
            }

            var screen = calibration.Screen;
            var area = parse.GetValue(stimulus) is { } s ? ParseArea(s) : new StimulusArea(0, 0, screen.WidthPx, screen.HeightPx);
            var marginPx = parse.GetValue(margin);
            if (!(marginPx is >= 0 and <= 10000))
            {
                throw new InvalidOptionException($"--margin {marginPx}: must be between 0 and 10000 pixels.");
            }

            var folder = parse.GetValue(output)!;
            var csvFile = OutputFile.Prepare(Path.Combine(folder, "gaze.csv"), "gaze.csv");
            var trace = FaceTrace.Read(parse.GetValue(faces)!, parse.GetValue(frame), parse.GetValue(track));
            var samples = trace.Select(t => new GazeSample(TimeSpan.FromSeconds(t.Time), t.Features is { } f ? calibration.Map(f) : null)).ToList();
            if (samples.All(p => p.Point is null))
            {
                throw new InputException("no frame of the recording has a face with gaze and head pose to map");
            }

            // Webcam-grade gaze: median of 5 samples and 60°/s (docs/physiology.md, tuned on synthetic jitter only).
            var fixations = FixationDetector.Detect(samples, screen, new FixationOptions { SmoothingSamples = 5, VelocityThreshold = 60 });
            var attention = AttentionShare.Measure(samples, screen, marginPx);
            var heatmap = GazeHeatmap.Build(fixations, area, sigmaPx: screen.PxPerDegree, cellPx: Math.Max(4, screen.PxPerDegree / 4));

            var csv = new StringBuilder("time,x,y,onScreen\n");
            foreach (var p in samples)
            {
                csv.AppendLine(p.Point is { } q ? F($"{p.Timestamp.TotalSeconds:0.###},{q.X:0.#},{q.Y:0.#},{(calibration.IsOnScreen(q, marginPx) ? "true" : "false")}") : F($"{p.Timestamp.TotalSeconds:0.###},,,"));
            }

            csvFile.Write(csv.ToString());
            OutputFile.Prepare(Path.Combine(folder, "fixations.json"), "fixations.json").Write(JsonSerializer.Serialize(
                fixations.Select(x => new { start = x.Start.TotalSeconds, end = x.End.TotalSeconds, x = x.Centre.X, y = x.Centre.Y, samples = x.SampleCount })));
            var attentionJson = JsonSerializer.Serialize(new
            {
                onScreenSeconds = attention.OnScreen.TotalSeconds,
                offScreenSeconds = attention.OffScreen.TotalSeconds,
                unknownSeconds = attention.Unknown.TotalSeconds,
                shareOfKnown = attention.ShareOfKnown,
                coverage = attention.Coverage,
                calibrationErrorDegrees = calibration.Accuracy.MeanErrorDegrees,
            });
            OutputFile.Prepare(Path.Combine(folder, "attention.json"), "attention.json").Write(attentionJson);
            OutputFile.Prepare(Path.Combine(folder, "heatmap.json"), "heatmap.json").Write(heatmap.ToJson());
            var png = heatmap.ToPng((int)Math.Round(area.Width), (int)Math.Round(area.Height));
            OutputFile.Prepare(Path.Combine(folder, "heatmap.png"), "heatmap.png").Write(temporary => File.WriteAllBytes(temporary, png));
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(attentionJson);
            }
            else
            {
                Console.Out.WriteLine(F($"{samples.Count} frames, {fixations.Count} fixations; on screen {attention.OnScreen.TotalSeconds:0.0} s, off {attention.OffScreen.TotalSeconds:0.0} s, unknown (no face) {attention.Unknown.TotalSeconds:0.0} s; share of known time on screen {attention.ShareOfKnown:P0}"));
                Console.Out.WriteLine(F($"estimates of where the face points its gaze, within about {calibration.Accuracy.MeanErrorDegrees:0.0}° (the calibration's own error); written to {folder}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The screen options of `calibrate`.</summary>
    private static (Option<string> Size, Option<string> Millimetres, Option<double> Distance, Option<string?> Frame, Option<int?> Track, Func<ParseResult, ScreenGeometry> Geometry) ScreenOptions()
    {
        var size = new Option<string>("--screen") { Description = "Screen size in pixels, WxH.", DefaultValueFactory = _ => "1920x1080" };
        var mm = new Option<string>("--screen-mm") { Description = "Visible screen size in millimetres, WxH (a 24\" 16:9 screen is 531x299).", DefaultValueFactory = _ => "531x299" };
        var distance = new Option<double>("--distance") { Description = "Viewing distance from eyes to screen, millimetres.", DefaultValueFactory = _ => 600 };
        var frame = new Option<string?>("--frame") { Description = "Frame size WxH of the analysed video (default: summary.json beside faces.jsonl)." };
        var track = new Option<int?>("--track") { Description = "Track id to follow (default: the first face of each frame)." };
        return (size, mm, distance, frame, track, parse =>
        {
            var (w, h) = ParseSize(parse.GetValue(size)!, "--screen");
            var (wm, hm) = ParseSize(parse.GetValue(mm)!, "--screen-mm");
            var geometry = new ScreenGeometry((int)w, (int)h, wm, hm, parse.GetValue(distance));
            try
            {
                geometry.Validate();
            }
            catch (ArgumentException e)
            {
                throw new InvalidOptionException("--screen/--screen-mm/--distance: " + e.Message);
            }

            return geometry;
        });
    }

    private static IEnumerable<(double Start, double End, ScreenPoint Target)> ReadTargets(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{path}: {e.Message}");
        }

        var result = new List<(double, double, ScreenPoint)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var f = lines[i].Split(',', StringSplitOptions.TrimEntries);
            if (lines[i].Trim().Length == 0 || (i == 0 && !double.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            {
                continue; // blank line or header
            }

            if (f.Length != 4 || !Numbers(f, out var v) || !(v[1] > v[0]))
            {
                throw new InputException($"{path} line {i + 1}: expected start,end,x,y with end > start, got '{lines[i]}'");
            }

            result.Add((v[0], v[1], new ScreenPoint(v[2], v[3])));
        }

        return result;
    }

    private static bool Numbers(string[] fields, out double[] values)
    {
        values = new double[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            if (!double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static (double W, double H) ParseSize(string text, string option)
    {
        var parts = text.Split('x', 'X');
        return parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var w) && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var h) && w > 0 && h > 0 && w <= 100000 && h <= 100000
            ? (w, h)
            : throw new InvalidOptionException($"{option} '{text}': expected WxH with positive numbers up to 100000, e.g. 1920x1080.");
    }

    private static StimulusArea ParseArea(string text)
    {
        var f = text.Split(',', StringSplitOptions.TrimEntries);
        return f.Length == 4 && Numbers(f, out var v) && v[2] > 0 && v[3] > 0
            ? new StimulusArea(v[0], v[1], v[2], v[3])
            : throw new InvalidOptionException($"--stimulus '{text}': expected x,y,w,h in screen pixels with positive width and height.");
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>One frame of one face from faces.jsonl: its time and gaze features (null when the face had no gaze or pose, or no face was seen).</summary>
    private sealed record TraceSample(double Time, GazeFeatures? Features);

    /// <summary>Reads the gaze-relevant fields of faces.jsonl (docs/output-format.md): time, box, pose, gaze.</summary>
    private static class FaceTrace
    {
        public static List<TraceSample> Read(string path, string? frame, int? track)
        {
            if (!File.Exists(path))
            {
                throw new InputException($"{path}: no such file (a faces.jsonl from mien analyze)");
            }

            var (width, height) = frame is { } fr ? ParseSize(fr, "--frame") : FrameFromSummary(path);
            var byFrame = new SortedDictionary<long, TraceSample>();
            var lineNumber = 0;
            foreach (var line in File.ReadLines(path))
            {
                lineNumber++;
                if (line.Length == 0)
                {
                    continue;
                }

                try
                {
                    using var doc = JsonDocument.Parse(line);
                    var r = doc.RootElement;
                    var type = r.GetProperty("type").GetString();
                    if (type is not ("face" or "frame"))
                    {
                        continue;
                    }

                    var index = r.GetProperty("frame").GetInt64();
                    var time = r.GetProperty("time").GetDouble();
                    if (type == "frame" || (track is { } t && r.GetProperty("track").GetInt32() != t))
                    {
                        byFrame.TryAdd(index, new TraceSample(time, null));
                        continue;
                    }

                    if (byFrame.TryGetValue(index, out var existing) && existing.Features is not null)
                    {
                        continue; // first face of the frame only
                    }

                    GazeFeatures? features = null;
                    if (r.TryGetProperty("gaze", out var g) && g.ValueKind == JsonValueKind.Object && r.TryGetProperty("pose", out var p) && p.ValueKind == JsonValueKind.Object)
                    {
                        var box = r.GetProperty("box");
                        var cx = (box.GetProperty("x").GetDouble() + (box.GetProperty("w").GetDouble() / 2)) / width;
                        var cy = (box.GetProperty("y").GetDouble() + (box.GetProperty("h").GetDouble() / 2)) / height;
                        features = new GazeFeatures(
                            (float)g.GetProperty("yaw").GetDouble(), (float)g.GetProperty("pitch").GetDouble(),
                            (float)p.GetProperty("yaw").GetDouble(), (float)p.GetProperty("pitch").GetDouble(), (float)cx, (float)cy);
                    }

                    byFrame[index] = new TraceSample(time, features);
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    throw new InputException($"{path} line {lineNumber}: not a Mien result record ({e.Message})");
                }
            }

            return [.. byFrame.Values];
        }

        private static (double W, double H) FrameFromSummary(string facesPath)
        {
            var summary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(facesPath))!, "summary.json");
            if (!File.Exists(summary))
            {
                throw new InvalidOptionException($"no summary.json beside {facesPath} to take the frame size from: give --frame WxH");
            }

            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(summary));
                var source = doc.RootElement.GetProperty("source");
                return (source.GetProperty("width").GetDouble(), source.GetProperty("height").GetDouble());
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InputException($"{summary}: no source.width/height ({e.Message}); give --frame WxH");
            }
        }
    }
}
