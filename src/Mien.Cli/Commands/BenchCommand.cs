using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mien.Models;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien bench models`: median latency of every model in ONNX Runtime (1 and 2 intra-op threads) next to
/// TF.js WASM (SIMD, 1 thread) measured in the same run, written to docs/benchmarks.md.
/// </summary>
internal static class BenchCommand
{
    private const string BeginMarker = "<!-- bench:models:begin -->";
    private const string EndMarker = "<!-- bench:models:end -->";

    private static readonly JsonSerializerOptions JsonLines = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Manifest id → name in tools/reference (which follows the package's file names).</summary>
    private static readonly Dictionary<string, string> ReferenceNames = new(StringComparer.Ordinal) { ["blazeface-back"] = "blazeface" };

    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks (results go to docs/benchmarks.md).");
        var ids = new Argument<string[]>("ids") { Description = "Model ids (default: all).", Arity = ArgumentArity.ZeroOrMore };
        var runs = new Option<int>("--runs") { Description = "Timed runs per model and setting.", DefaultValueFactory = _ => 200 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs first.", DefaultValueFactory = _ => 20 };
        var threads = new Option<int[]>("--threads") { Description = "Intra-op thread counts to measure.", DefaultValueFactory = _ => [1, 2], AllowMultipleArgumentsPerToken = true };
        var tfjs = new Option<bool>("--tfjs") { Description = "Also measure TF.js WASM via tools/reference (needs Node and the repo).", DefaultValueFactory = _ => true };
        var output = CliOptions.Output("Markdown file to update (default: docs/benchmarks.md of the repository, if found).");
        var json = CliOptions.Json("the measurements (model, batch, TF.js and ORT medians in ms)");
        var profile = new Option<bool>("--profile") { Description = "Also run each model under ONNX Runtime's profiler and add where its time goes, per operator type." };
        var models = new Command("models", "Bare model latency, ORT vs TF.js WASM.") { ids, runs, warmup, threads, tfjs, profile, output, json };
        models.SetAction(async (parse, ct) =>
        {
            var runCount = parse.GetValue(runs);
            var warm = parse.GetValue(warmup);
            if (runCount < 5 || warm < 0)
            {
                throw new InvalidOptionException($"--runs = {runCount} must be at least 5 and --warmup = {warm} at least 0.");
            }

            if (parse.GetValue(threads)!.Where(t => t is < 1 or > 64).Select(t => (int?)t).FirstOrDefault() is { } badThreads)
            {
                throw new InvalidOptionException($"--threads {badThreads}: must be within [1, 64].");
            }

            var repo = FindRepository();
            var target = parse.GetValue(output) ?? (repo is null ? null : Path.Combine(repo, "docs", "benchmarks.md"));
            var markdownFile = target is null ? null : OutputFile.Prepare(target, "benchmarks.md");
            var machine = parse.GetValue(json);
            var human = machine ? Console.Error : Console.Out;

            using var store = CliStore.Open(offline: false);
            var selected = ModelsCommand.Resolve(store.Models.Manifest, parse.GetValue(ids));
            var artifacts = await store.EnsureModelsAsync(selected, ct);
            Dictionary<string, double>? reference = null;
            string? referenceNote = null;
            if (parse.GetValue(tfjs))
            {
                (reference, referenceNote) = await RunTfjsAsync(repo, selected, runCount, warm, ct);
            }

            var rows = new List<Row>();
            foreach (var artifact in artifacts)
            {
                foreach (var batch in artifact.Model.Id == "iris" ? new[] { 1, 2 } : [1])
                {
                    var row = new Row(artifact.Model.Id, batch);
                    foreach (var t in parse.GetValue(threads)!)
                    {
                        row.OrtMedianMs[t] = MeasureOrt(artifact, t, batch, runCount, warm, ct);
                    }

                    var key = (ReferenceNames.GetValueOrDefault(artifact.Model.Id) ?? artifact.Model.Id) + (batch > 1 ? $":{batch}" : "");
                    row.TfjsMedianMs = reference?.GetValueOrDefault(key);
                    rows.Add(row);
                    human.WriteLine(row.ToConsole());
                }
            }

            var markdown = Render(rows, parse.GetValue(threads)!, runCount, warm, referenceNote);
            if (parse.GetValue(profile))
            {
                markdown += RenderProfiles([.. artifacts.Select(a => (a.Model.Id, OperatorProfile.Measure(a, runCount, warm, ct)))], runCount + warm);
            }

            if (markdownFile is not null)
            {
                WriteSection(markdownFile, markdown);
                human.WriteLine($"wrote {markdownFile.Path}");
            }
            else
            {
                human.WriteLine(markdown);
            }

            if (machine)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    machine = MachineDescription(),
                    onnxRuntime = OrtVersion(),
                    runs = runCount,
                    warmup = warm,
                    tfjs = referenceNote,
                    results = rows.Select(r => new { model = r.Id, batch = r.Batch, tfjsMedianMs = r.TfjsMedianMs, ortMedianMs = r.OrtMedianMs.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => Math.Round(kv.Value, 3)) }),
                }, JsonLines));
            }

            return ExitCodes.Ok;
        });
        command.Subcommands.Add(models);
        command.Subcommands.Add(PipelineBench.Create());
        command.Subcommands.Add(ServiceBench.Create());
        return command;
    }

    private static double MeasureOrt(ModelArtifact artifact, int threads, int batch, int runs, int warmup, CancellationToken ct)
    {
        using var model = OnnxModel.Load(artifact, new InferenceOptions { IntraOpThreads = threads });
        using var runner = model.CreateRunner(batch);
        var range = artifact.Model.Input.Range;
        if (artifact.Model.Input.Type == "int32")
        {
            SeededNoise.FillBytes(runner.InputInt32, 12345);
        }
        else
        {
            SeededNoise.Fill(runner.Input, 12345, range[0], range[1]);
        }

        for (var i = 0; i < warmup; i++)
        {
            runner.Run();
        }

        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            ct.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            runner.Run();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return runs % 2 == 1 ? times[runs / 2] : (times[(runs / 2) - 1] + times[runs / 2]) / 2;
    }

    private static async Task<(Dictionary<string, double>?, string)> RunTfjsAsync(string? repo, IReadOnlyList<string> ids, int runs, int warmup, CancellationToken ct)
    {
        var folder = repo is null ? null : Path.Combine(repo, "tools", "reference");
        if (folder is null || !File.Exists(Path.Combine(folder, "bench-tfjs.mjs")))
        {
            return (null, "TF.js not measured: tools/reference not found (run from the repository).");
        }

        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            Console.Error.WriteLine("installing tools/reference (npm ci) ...");
            var (code, _, err) = await RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund"], folder, ct);
            if (code != 0)
            {
                return (null, $"TF.js not measured: npm ci failed ({err.Trim()}).");
            }
        }

        var names = ids.Select(id => ReferenceNames.GetValueOrDefault(id) ?? id).ToList();
        if (ids.Contains("iris"))
        {
            names.Add("iris:2");
        }

        var outFile = Path.Combine(Path.GetTempPath(), $"mien-tfjs-{Environment.ProcessId}.json");
        Console.Error.WriteLine("measuring TF.js WASM (1 thread) ...");
        var (exit, _, stderr) = await RunProcessAsync("node", ["bench-tfjs.mjs", "--models", string.Join(',', names), "--runs", runs.ToString(CultureInfo.InvariantCulture), "--warmup", warmup.ToString(CultureInfo.InvariantCulture), "--out", outFile], folder, ct);
        if (exit != 0 || !File.Exists(outFile))
        {
            return (null, $"TF.js not measured: bench-tfjs.mjs failed ({stderr.Trim()}).");
        }

        using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(outFile, ct));
        File.Delete(outFile);
        var results = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.GetProperty("results").EnumerateObject())
        {
            results[p.Name] = p.Value.GetProperty("median_ms").GetDouble();
        }

        var root = doc.RootElement;
        var note = $"TF.js {root.GetProperty("tfjs").GetString()} WASM backend, SIMD {root.GetProperty("simd")}, {root.GetProperty("threads")} thread, Node {root.GetProperty("node").GetString()}; `model.execute` + `dataSync` of all outputs.";
        return (results, note);
    }

    private static async Task<(int Code, string Out, string Err)> RunProcessAsync(string file, IEnumerable<string> args, string cwd, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync(ct);
            var stderr = p.StandardError.ReadToEndAsync(ct);
            await p.WaitForExitAsync(ct);
            return (p.ExitCode, await stdout, await stderr);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", $"{file} not found: {e.Message}");
        }
    }

    internal static string? FindRepository()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mien.slnx")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static string RenderProfiles(IReadOnlyList<(string Id, IReadOnlyList<OperatorTime> Operators)> profiles, int runs)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine(inv, $"Where the time goes inside ONNX Runtime (`--profile`: its profiler over {runs} single-threaded runs, kernel time per operator type; the profiler adds its own overhead, so read the shares, not the sums). `ReorderInput`/`ReorderOutput` convert to and from the blocked NCHWc layout of ORT's fast convolutions; an `Add` or `Relu` of its own is one the optimiser could not fuse into a convolution.");
        sb.AppendLine();
        sb.AppendLine("| model | kernel µs per run | top operator types (share, nodes per run) |");
        sb.AppendLine("|---|---:|---|");
        foreach (var (id, operators) in profiles)
        {
            var top = string.Join("; ", operators.Take(6).Select(o => string.Create(inv, $"{o.OpType} {o.Share:P0} ({o.NodesPerRun})")));
            sb.AppendLine(inv, $"| {id} | {operators.Sum(o => o.MicrosecondsPerRun):F0} | {top} |");
        }

        return sb.ToString();
    }

    private static string Render(List<Row> rows, int[] threads, int runs, int warmup, string? referenceNote)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `mien bench models` on {MachineDescription()}.");
        sb.AppendLine(inv, $"Median of {runs} runs after {warmup} warm-up runs, seeded-noise input, one process; ONNX Runtime {OrtVersion()} CPU provider with Mien's default session options (see InferenceOptions).");
        if (referenceNote is not null)
        {
            sb.AppendLine(referenceNote);
        }

        sb.AppendLine();
        sb.Append("| model | batch | TF.js WASM 1 thread (ms) |");
        foreach (var t in threads)
        {
            sb.Append(inv, $" ORT {t} thread{(t > 1 ? "s" : "")} (ms) |");
        }

        foreach (var t in threads)
        {
            sb.Append(inv, $" speed-up vs TF.js, ORT {t}t |");
        }

        sb.AppendLine();
        sb.Append("|---|---:|---:|");
        sb.Append(string.Concat(Enumerable.Repeat("---:|", threads.Length * 2)));
        sb.AppendLine();
        foreach (var r in rows)
        {
            sb.Append(inv, $"| {r.Id} | {r.Batch} | {(r.TfjsMedianMs is { } tf ? tf.ToString("F2", inv) : "n/a")} |");
            foreach (var t in threads)
            {
                sb.Append(inv, $" {r.OrtMedianMs[t]:F2} |");
            }

            foreach (var t in threads)
            {
                sb.Append(r.TfjsMedianMs is { } tf2 ? string.Create(inv, $" **{tf2 / r.OrtMedianMs[t]:F1}×** |") : " n/a |");
            }

            sb.AppendLine();
        }

        return sb.ToString();
    }

    private static void WriteSection(OutputFile file, string content)
    {
        var path = file.Path;
        var section = $"{BeginMarker}\n{content}{EndMarker}";
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n\n## Bare models: ONNX Runtime vs TF.js\n\n" + BeginMarker + "\n" + EndMarker + "\n";
        var begin = text.IndexOf(BeginMarker, StringComparison.Ordinal);
        var end = text.IndexOf(EndMarker, StringComparison.Ordinal);
        text = begin >= 0 && end > begin
            ? string.Concat(text.AsSpan(0, begin), section, text.AsSpan(end + EndMarker.Length))
            : text + "\n" + section + "\n";
        file.Write(text);
    }

    internal static string MachineDescription()
    {
        var cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }

        return $"{cpu}, {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}";
    }

    internal static string OrtVersion() =>
        typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString(3) ?? "?";

    private sealed class Row(string id, int batch)
    {
        public string Id { get; } = id;

        public int Batch { get; } = batch;

        public Dictionary<int, double> OrtMedianMs { get; } = [];

        public double? TfjsMedianMs { get; set; }

        public string ToConsole() =>
            $"{Id,-18} batch {Batch}  TF.js {(TfjsMedianMs is { } t ? t.ToString("F2", CultureInfo.InvariantCulture) : "n/a"),7} ms  " +
            string.Join("  ", OrtMedianMs.Select(kv => string.Create(CultureInfo.InvariantCulture, $"ORT {kv.Key}t {kv.Value,7:F2} ms")));
    }
}
