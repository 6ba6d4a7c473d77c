using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mien.Faces.Detection;
using Mien.Media;
using Mien.Models;
using Mien.Pipeline;
using OpenCvSharp;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien bench pipeline VIDEO-OR-FOLDER`: per-stage latency, end-to-end frame rate, pipeline time against the
/// sum of its bare models, memory over the run, and (optionally) Human on the same images in the same run.
/// </summary>
internal static class PipelineBench
{
    private const string Begin = "<!-- bench:pipeline:begin -->";
    private const string End = "<!-- bench:pipeline:end -->";

    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "A video file, or a folder of still images." };
        var repeat = new Option<int>("--repeat") { Description = "Passes over a folder of stills.", DefaultValueFactory = _ => 20 };
        var maxFaces = new Option<int>("--max-faces") { Description = "Most faces per frame (Human's benchmark uses 1).", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "ORT intra-op threads per model.", DefaultValueFactory = _ => 1 };
        var human = new Option<string?>("--human") { Description = "Folder of the Human peer harness (a writable copy of ../shared/peers/human-node with npm install done): also run it on the same stills." };
        var output = CliOptions.Output("Markdown file to update (default: the repository's docs/benchmarks.md).");
        var label = new Option<string?>("--label") { Description = "Name of this measurement in the markdown (default: the input's name)." };
        var all = new Option<bool>("--all-modalities") { Description = "Also run body pose and skin (action units and the temporal model run by default), as `mien analyze` does." };
        var noIdentity = new Option<bool>("--no-identity") { Description = "Video: leave out re-identification (face descriptors), as `mien analyze --no-identity` does. Stills never run it, as `mien analyze` on photos does not." };
        var command = new Command("pipeline", "End-to-end pipeline benchmark (stills or video).") { input, repeat, maxFaces, threads, human, output, label, all, noIdentity };
        command.SetAction(async (parse, ct) =>
        {
            var spec = parse.GetValue(input)!;
            var target = parse.GetValue(output) ?? (BenchCommand.FindRepository() is { } repo ? Path.Combine(repo, "docs", "benchmarks.md") : null);
            var markdownFile = target is null ? null : OutputFile.Prepare(target, "benchmarks.md");
            using var store = CliStore.Open(offline: false);
            var options = new PipelineOptions
            {
                Detector = new BlazeFaceOptions { MaxFaces = parse.GetValue(maxFaces) },
                Inference = new InferenceOptions { IntraOpThreads = parse.GetValue(threads) },
                ConfirmFrames = Directory.Exists(spec) ? 1 : 3,
                Body = parse.GetValue(all),
                Skin = parse.GetValue(all),
                KeepLandmarks = parse.GetValue(all),

                // Photos are independent stills in `mien analyze`, which runs no re-identification on them (every
                // still is a new person); Human's benchmark computes no descriptor either.
                Identity = parse.GetValue(noIdentity) || Directory.Exists(spec) ? null : new Identity.IdentityOptions(),
            };
            await store.EnsureModelsAsync(options.ModelIds, ct);
            using var pipeline = await FaceAnalysisPipeline.CreateAsync(store.Models, options, cancellationToken: ct);
            var report = Directory.Exists(spec)
                ? await StillsAsync(spec, pipeline, parse.GetValue(repeat), parse.GetValue(human), ct)
                : await VideoAsync(spec, pipeline, ct);
            report.Insert(0, $"### {parse.GetValue(label) ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(spec))}{(parse.GetValue(all) ? " (face, action units, temporal model, body, skin)" : string.Empty)}\n\n");
            var bare = BareModelSum(store, options);
            report.AppendLine(CultureInfo.InvariantCulture, $"Bare models on the same machine and run (1 thread, median of 100): blazeface-back {bare.Detector:F2} ms + facemesh {bare.Mesh:F2} + iris ×2 {bare.Iris:F2} + emotion {bare.Emotion:F2} = **{bare.Sum:F2} ms** per one-face frame.");
            report.AppendLine();
            Console.WriteLine(report);
            if (markdownFile is not null)
            {
                Append(markdownFile, report.ToString());
                Console.WriteLine($"wrote {markdownFile.Path}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<StringBuilder> StillsAsync(string folder, FaceAnalysisPipeline pipeline, int repeat, string? humanDir, CancellationToken ct)
    {
        var files = Directory.EnumerateFiles(folder).Where(f => StillImage.Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            throw new InputException($"{folder}: no images");
        }

        var decode = new List<double>();
        var images = new List<Mat>();
        foreach (var f in files)
        {
            var t = Stopwatch.GetTimestamp();
            images.Add(StillImage.Load(f));
            decode.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        // Warm-up, then every image as an unrelated still: no tracking across images, detection every time.
        for (var i = 0; i < 5; i++)
        {
            pipeline.Reset();
            pipeline.Analyze(images[i % images.Count], 0, TimeSpan.Zero);
        }

        var frame = new List<double>();
        var faces = 0;
        for (var r = 0; r < repeat; r++)
        {
            foreach (var image in images)
            {
                ct.ThrowIfCancellationRequested();
                pipeline.Reset();
                var t = Stopwatch.GetTimestamp();
                faces += pipeline.Analyze(image, 0, TimeSpan.Zero).Faces.Count;
                frame.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }

        foreach (var m in images)
        {
            m.Dispose();
        }

        var median = Median(frame);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Stills: {files.Length} images × {repeat} passes ({frame.Count} frames, {faces / (double)frame.Count:F2} faces per frame), each analysed from scratch (detect → mesh → iris → pose/gaze/eyes → expression), decode excluded (median decode {Median(decode):F1} ms). {BenchCommand.MachineDescription()}.");
        sb.AppendLine();
        sb.AppendLine("| measure | Mien (ORT, 1 thread) | Human 3.3.6 (TF.js WASM, 1 thread) | ratio |");
        sb.AppendLine("|---|---:|---:|---:|");
        var humanMedian = humanDir is null ? null : await HumanAsync(humanDir, folder, repeat, ct);
        sb.AppendLine(CultureInfo.InvariantCulture, $"| median ms per frame | {median:F2} | {(humanMedian is { } h ? h.ToString("F2", CultureInfo.InvariantCulture) : "n/a")} | {(humanMedian is { } h2 ? $"**{h2 / median:F1}×** faster" : "n/a")} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| frames per second | {1000 / median:F1} | {(humanMedian is { } h3 ? (1000 / h3).ToString("F1", CultureInfo.InvariantCulture) : "n/a")} | |");
        sb.AppendLine();
        AppendStages(sb, pipeline);
        return sb;
    }

    private static async Task<StringBuilder> VideoAsync(string spec, FaceAnalysisPipeline pipeline, CancellationToken ct)
    {
        // Decode alone first (single thread), so its cost is known separately from the overlapped run.
        var decode = new List<double>();
        using (var capture = new VideoCapture(spec, VideoCaptureAPIs.FFMPEG))
        using (var mat = new Mat())
        {
            while (true)
            {
                var t = Stopwatch.GetTimestamp();
                if (!capture.Read(mat) || mat.Empty())
                {
                    break;
                }

                decode.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }

        await using var source = MediaSource.Open(spec);
        using var process = Process.GetCurrentProcess();
        var memory = new List<(double Seconds, long Bytes)>();
        var wall = Stopwatch.StartNew();
        long frames = 0;
        await foreach (var frame in source.ReadAsync(ct))
        {
            using (frame)
            {
                pipeline.Analyze(frame);
                if (frames++ % 250 == 0)
                {
                    process.Refresh();
                    memory.Add((frame.Timestamp.TotalSeconds, process.WorkingSet64));
                }
            }
        }

        wall.Stop();
        process.Refresh();
        var fps = frames / wall.Elapsed.TotalSeconds;
        var realtime = source.Info.Duration is { } d && d > TimeSpan.Zero ? d.TotalSeconds / wall.Elapsed.TotalSeconds : 0;
        var steady = memory.Skip(Math.Min(2, memory.Count - 1)).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Video: {source.Info.Width}×{source.Info.Height}, {frames} frames ({source.Info.Duration?.TotalSeconds:F1} s), decoding on a second thread, ORT 1 thread per model. {BenchCommand.MachineDescription()}.");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- end to end: **{fps:F1} fps** ({realtime:F1}× real time), wall {wall.Elapsed.TotalSeconds:F1} s; decode alone median {Median(decode):F2} ms per frame");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- memory (working set): {steady.FirstOrDefault().Bytes / 1048576.0:F0} MiB after warm-up → {steady.LastOrDefault().Bytes / 1048576.0:F0} MiB at the end, peak {process.PeakWorkingSet64 / 1048576.0:F0} MiB; samples every 250 frames: {string.Join(", ", memory.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Seconds:F0}s {m.Bytes / 1048576.0:F0}")))} MiB");
        sb.AppendLine();
        AppendStages(sb, pipeline);
        return sb;
    }

    private static void AppendStages(StringBuilder sb, FaceAnalysisPipeline pipeline)
    {
        sb.AppendLine("| stage | median ms | p90 ms | runs |");
        sb.AppendLine("|---|---:|---:|---:|");
        foreach (var s in pipeline.Timings)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {s.Stage} | {s.MedianMs:F2} | {s.P90Ms:F2} | {s.Count} |");
        }

        sb.AppendLine();
    }

    private static async Task<double?> HumanAsync(string dir, string folder, int repeat, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("node") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "bench.mjs", Path.GetFullPath(folder), "--repeat", repeat.ToString(CultureInfo.InvariantCulture), "--quiet", "--no-mesh" })
        {
            psi.ArgumentList.Add(a);
        }

        Console.Error.WriteLine("running Human (TF.js WASM) on the same images ...");
        using var p = Process.Start(psi)!;
        var stdout = await p.StandardOutput.ReadToEndAsync(ct);
        await p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var summary = stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("wrote ", StringComparison.Ordinal) && l.EndsWith(".summary.json", StringComparison.Ordinal));
        if (p.ExitCode != 0 || summary is null)
        {
            Console.Error.WriteLine($"Human benchmark failed (exit {p.ExitCode})");
            return null;
        }

        using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(summary[6..], ct));
        return doc.RootElement.GetProperty("latency").GetProperty("all").GetProperty("detectMs").GetProperty("median").GetDouble();
    }

    private static (double Detector, double Mesh, double Iris, double Emotion, double Sum) BareModelSum(CliStore store, PipelineOptions options)
    {
        double Time(string id, int batch)
        {
            var artifact = store.Models.EnsureAsync(id).GetAwaiter().GetResult();
            using var model = OnnxModel.Load(artifact, options.Inference);
            using var runner = model.CreateRunner(batch);
            SeededNoise.Fill(runner.Input, 7, artifact.Model.Input.Range[0], artifact.Model.Input.Range[1]);
            for (var i = 0; i < 20; i++)
            {
                runner.Run();
            }

            var times = new List<double>();
            for (var i = 0; i < 100; i++)
            {
                var t = Stopwatch.GetTimestamp();
                runner.Run();
                times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }

            return Median(times);
        }

        var d = Time(BlazeFaceDetector.ModelId(options.Detector.Variant), 1);
        var m = Time("facemesh", 1);
        var i = Time("iris", 2);
        var e = Time("emotion", 1);
        return (d, m, i, e, d + m + i + e);
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static void Append(OutputFile file, string section)
    {
        var path = file.Path;
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n";
        if (!text.Contains(Begin, StringComparison.Ordinal))
        {
            text += $"\n## Pipeline: `mien bench pipeline`\n\n{Begin}\n{End}\n";
        }

        var end = text.IndexOf(End, StringComparison.Ordinal);
        text = text[..end] + section + "\n" + text[end..];
        file.Write(text);
    }
}
