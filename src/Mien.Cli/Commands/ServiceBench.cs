using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mien.Media.Samples;
using Mien.Server;
using Mien.Server.Live;
using OpenCvSharp;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien bench serve`: the service measured as users meet it, in one run on this machine — N WebSocket clients on
/// loopback each streaming a real face video at a fixed rate (processed fps, drops, server latency and round trip,
/// CPU and memory), an upload analysed as a job against `mien analyze` on the same file, and optionally a long
/// soak of one live client with its memory curve. Writes a Markdown report (default out/bench/serve.md).
/// </summary>
internal static class ServiceBench
{
    public static Command Create()
    {
        var video = new Argument<string?>("video") { Description = "Face video to stream (default: the WolfgangLanger Pexels clip from ../shared if present, else franck.mp4).", Arity = ArgumentArity.ZeroOrOne };
        var clients = new Option<int[]>("--clients") { Description = "Concurrent live clients per run.", DefaultValueFactory = _ => [1, 2, 4, 8], AllowMultipleArgumentsPerToken = true };
        var seconds = new Option<int>("--seconds") { Description = "Seconds each live run streams.", DefaultValueFactory = _ => 20 };
        var fps = new Option<double>("--fps") { Description = "Frames per second each client sends.", DefaultValueFactory = _ => 15 };
        var soak = new Option<int>("--soak-minutes") { Description = "Also stream one client for this many minutes and record memory (0: no soak).", DefaultValueFactory = _ => 0 };
        var upload = new Option<bool>("--upload") { Description = "Also compare an upload job with `mien analyze` on franck.mp4.", DefaultValueFactory = _ => true };
        var output = CliOptions.Output("Markdown report (default out/bench/serve.md).");
        var command = new Command("serve", "The live service under load: concurrent WebSocket clients, upload jobs vs analyze, memory over a soak.")
        {
            video, clients, seconds, fps, soak, upload, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            var rate = parse.GetValue(fps);
            var length = parse.GetValue(seconds);
            if (rate is < 1 or > 60 || length is < 5 or > 3600)
            {
                throw new InvalidOptionException($"--fps {rate} must be within [1, 60] and --seconds {length} within [5, 3600].");
            }

            using var store = CliStore.Open(offline: false);
            var clip = parse.GetValue(video) ?? DefaultClip() ?? (await SampleMedia.FaceVideosAsync(store.Packages, cancellationToken: ct))[0];
            var frames = Jpegs(clip, (int)Math.Ceiling(rate * Math.Min(length, 60)), out var size);
            var data = Path.Combine(Path.GetTempPath(), "mien-bench-serve-" + Guid.NewGuid().ToString("N"));
            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores; server and clients in one process on loopback; clip {Path.GetFileName(clip)} ({size.Width}×{size.Height}), JPEG quality 85, {rate} fps per client, {length} s per run.");
            report.AppendLine();
            report.AppendLine("| clients | sent fps (all) | processed fps (all) | dropped | server latency p50 / p95 ms | round trip p50 / p95 ms | CPU % of 2 cores | RSS MB |");
            report.AppendLine("|---|---|---|---|---|---|---|---|");
            await using (var server = await MienServer.StartAsync(new ServerOptions { DataDirectory = data, Urls = "http://127.0.0.1:0", MaxLiveSessions = 64 }, l => l.SetMinimumLevelWarning(), ct))
            {
                if (await server.WaitUntilReadyAsync(TimeSpan.FromMinutes(10)) is { } why)
                {
                    throw new InputException("the server did not get ready: " + why);
                }

                var live = new Uri(server.Addresses[0].ToString().Replace("http", "ws", StringComparison.Ordinal) + $"api/v1/projects/{server.FirstProject}/live");
                foreach (var n in parse.GetValue(clients)!)
                {
                    var row = await RunLiveAsync(live, server.FirstAdminKey!, frames, n, rate, TimeSpan.FromSeconds(length), ct);
                    Console.Error.WriteLine(row);
                    report.AppendLine(row);
                }

                if (parse.GetValue(upload))
                {
                    report.AppendLine();
                    report.AppendLine(await UploadVersusAnalyzeAsync(server, store, ct));
                }

                if (parse.GetValue(soak) is > 0 and var minutes)
                {
                    report.AppendLine();
                    report.AppendLine(await SoakAsync(live, server.FirstAdminKey!, frames, rate, TimeSpan.FromMinutes(minutes), ct));
                }
            }

            Directory.Delete(data, recursive: true);
            var target = parse.GetValue(output) ?? Path.Combine("out", "bench", "serve.md");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
            await File.WriteAllTextAsync(target, report.ToString(), CancellationToken.None);
            Console.WriteLine(report);
            Console.Error.WriteLine($"→ {target}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void SetMinimumLevelWarning(this ILoggingBuilder logging) =>
        logging.AddFilter(level => level >= Microsoft.Extensions.Logging.LogLevel.Warning);

    private static string? DefaultClip()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "..", "shared", "data", "videos", "WolfgangLanger_Pexels.mp4");
            if (File.Exists(Path.Combine(dir.FullName, "Mien.slnx")))
            {
                return File.Exists(candidate) ? Path.GetFullPath(candidate) : null;
            }
        }

        return null;
    }

    private static List<byte[]> Jpegs(string clip, int count, out Size size)
    {
        using var capture = new VideoCapture(clip);
        size = new Size(capture.FrameWidth, capture.FrameHeight);
        var result = new List<byte[]>(count);
        using var frame = new Mat();
        while (result.Count < count && capture.Read(frame) && !frame.Empty())
        {
            result.Add(frame.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 85)));
        }

        if (result.Count == 0)
        {
            throw new InputException($"{clip}: no frame could be read");
        }

        return result;
    }

    private sealed class ClientStats
    {
        public long Sent;
        public long Results;
        public long Dropped;
        public readonly List<double> Latency = [];
        public readonly List<double> RoundTrip = [];
    }

    private static async Task<string> RunLiveAsync(Uri live, string key, List<byte[]> frames, int clients, double rate, TimeSpan length, CancellationToken ct)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var peakRss = 0L;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peakRss = Math.Max(peakRss, process.WorkingSet64);
                await Task.Delay(250, CancellationToken.None);
            }
        }, CancellationToken.None);
        var stats = await Task.WhenAll(Enumerable.Range(0, clients).Select(i => ClientAsync(live, key, frames, rate, length, i, ct)));
        await sampling.CancelAsync();
        await sampler;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / wall.Elapsed.TotalSeconds / Environment.ProcessorCount * 100;
        var latency = stats.SelectMany(s => s.Latency).Order().ToArray();
        var roundTrip = stats.SelectMany(s => s.RoundTrip).Order().ToArray();
        var seconds = length.TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"| {clients} | {stats.Sum(s => s.Sent) / seconds:F1} | {stats.Sum(s => s.Results) / seconds:F1} | {stats.Sum(s => s.Dropped)} ({100.0 * stats.Sum(s => s.Dropped) / Math.Max(1, stats.Sum(s => s.Sent)):F0} %) | {P(latency, 0.5):F0} / {P(latency, 0.95):F0} | {P(roundTrip, 0.5):F0} / {P(roundTrip, 0.95):F0} | {cpu:F0} | {peakRss / 1048576.0:F0} |");
    }

    private static double P(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    /// <summary>One client: sends frames on a fixed clock (never waiting for results), reads results concurrently.</summary>
    private static async Task<ClientStats> ClientAsync(Uri live, string key, List<byte[]> frames, double rate, TimeSpan length, int client, CancellationToken ct, ClientStats? into = null)
    {
        var stats = into ?? new ClientStats();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", new AuthenticationHeaderValue("Bearer", key).ToString());
        await socket.ConnectAsync(live, ct);
        await socket.SendAsync("{\"type\":\"start\"}"u8.ToArray(), WebSocketMessageType.Text, true, ct);
        var sentAt = new System.Collections.Concurrent.ConcurrentDictionary<double, long>();
        var reader = Task.Run(() => ReadAsync(socket, stats, sentAt), CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1 / rate);
        for (var i = 0; clock.Elapsed < length; i++)
        {
            var due = interval * i;
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, ct);
            }

            var t = TimeSpan.FromSeconds(i / rate);
            sentAt[Math.Round(t.TotalSeconds, 3)] = Stopwatch.GetTimestamp();
            await socket.SendAsync(LiveFrameMessage.Image(t, frames[(i + (client * 7)) % frames.Count]), WebSocketMessageType.Binary, true, ct);
            stats.Sent++;
        }

        await socket.SendAsync("{\"type\":\"stop\"}"u8.ToArray(), WebSocketMessageType.Text, true, ct);
        await reader;
        return stats;
    }

    private static async Task ReadAsync(ClientWebSocket socket, ClientStats stats, System.Collections.Concurrent.ConcurrentDictionary<double, long> sentAt)
    {
        var buffer = new byte[1 << 20];
        var length = 0;
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            length += result.Count;
            if (!result.EndOfMessage)
            {
                continue;
            }

            using var doc = JsonDocument.Parse(buffer.AsMemory(0, length));
            length = 0;
            var root = doc.RootElement;
            switch (root.GetProperty("type").GetString())
            {
                case "frame":
                    Interlocked.Increment(ref stats.Results);
                    if (root.TryGetProperty("latencyMs", out var l))
                    {
                        stats.Latency.Add(l.GetDouble());
                    }

                    if (sentAt.TryRemove(root.GetProperty("time").GetDouble(), out var sent))
                    {
                        stats.RoundTrip.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    }

                    break;
                case "completed":
                    stats.Dropped = root.GetProperty("framesDropped").GetInt64();
                    break;
                default:
                    break;
            }
        }
    }

    private static async Task<string> UploadVersusAnalyzeAsync(MienServer server, CliStore store, CancellationToken ct)
    {
        var franck = (await SampleMedia.FaceVideosAsync(store.Packages, cancellationToken: ct))[0];
        var outDir = Path.Combine(Path.GetTempPath(), "mien-bench-analyze-" + Guid.NewGuid().ToString("N"));
        var analyze = Stopwatch.StartNew();
        var code = await CommandRunner.InvokeAsync(Program.CreateRoot(), ["analyze", franck, "-o", outDir, "--offline"]);
        analyze.Stop();
        var analyzeFps = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "franck", "summary.json"), ct)).RootElement;
        Directory.Delete(outDir, recursive: true);

        using var client = new HttpClient { BaseAddress = server.Addresses[0], Timeout = TimeSpan.FromMinutes(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.FirstAdminKey);
        var job = Stopwatch.StartNew();
        await using var file = File.OpenRead(franck);
        // Jobs store results, which needs a subject with current consent: the bench records it like a study would.
        var subject = JsonDocument.Parse(await (await client.PostAsJsonAsync($"/api/v1/projects/{server.FirstProject}/subjects", new { pseudonym = "bench-" + Guid.NewGuid().ToString("N")[..8] }, ct)).Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetGuid();
        (await client.PostAsJsonAsync($"/api/v1/projects/{server.FirstProject}/subjects/{subject}/consents", new { scopes = new[] { "analysis", "measurements" }, textVersion = "bench", collectedBy = "mien bench" }, ct)).EnsureSuccessStatusCode();
        var response = await client.PostAsync($"/api/v1/projects/{server.FirstProject}/recordings?subject={subject}&name=franck.mp4", new StreamContent(file), ct);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetGuid();
        JsonElement recording;
        do
        {
            await Task.Delay(500, ct);
            recording = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/projects/{server.FirstProject}/recordings/{id}", ct)).RootElement;
        }
        while (recording.GetProperty("status").GetString() is "queued" or "running");
        job.Stop();
        var summary = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/projects/{server.FirstProject}/recordings/{id}/summary", ct)).RootElement;
        var frames = summary.GetProperty("framesAnalysed").GetInt64();
        var analyzeFrames = analyzeFps.GetProperty("framesAnalysed").GetInt64();
        return string.Create(CultureInfo.InvariantCulture,
            $"Upload vs analyze, franck.mp4 (every modality, annotated video on both): `mien analyze` {analyzeFrames} frames in {analyze.Elapsed.TotalSeconds:F1} s = {analyzeFrames / analyze.Elapsed.TotalSeconds:F1} fps end to end (exit {code}); upload job {frames} frames in {job.Elapsed.TotalSeconds:F1} s = {frames / job.Elapsed.TotalSeconds:F1} fps end to end (upload, queue, analysis, database, files); ratio {(frames / job.Elapsed.TotalSeconds) / (analyzeFrames / analyze.Elapsed.TotalSeconds):P0}.");
    }

    private static async Task<string> SoakAsync(Uri live, string key, List<byte[]> frames, double rate, TimeSpan length, CancellationToken ct)
    {
        var process = Process.GetCurrentProcess();
        var curve = new List<(double Minutes, double Rss, double Managed, double Fps)>();
        using var sampling = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var stats = new ClientStats();
        var sampler = Task.Run(async () =>
        {
            var (lastMinutes, lastResults) = (0.0, 0L);
            while (!sampling.IsCancellationRequested)
            {
                // A full collection before each sample, so the managed curve shows what is kept, not when the GC last ran.
                var managed = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
                process.Refresh();
                var (minutes, results) = (clock.Elapsed.TotalMinutes, Interlocked.Read(ref stats.Results));
                var fps = minutes > lastMinutes ? (results - lastResults) / ((minutes - lastMinutes) * 60) : 0;
                curve.Add((minutes, process.WorkingSet64 / 1048576.0, managed, fps));
                (lastMinutes, lastResults) = (minutes, results);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), sampling.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }, CancellationToken.None);
        await ClientAsync(live, key, frames, rate, length, 0, ct, stats);
        await sampling.CancelAsync();
        await sampler;
        var after = curve.Where(c => c.Minutes >= 2).ToList();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Soak: one live client at {rate} fps for {length.TotalMinutes:F0} min: {stats.Results} results, {stats.Dropped} dropped. Every 30 s: RSS, managed heap after a full collection (MB), results per second over the last interval:");
        text.AppendLine();
        text.AppendLine("| minute | RSS MB | managed MB | results/s |");
        text.AppendLine("|---|---|---|---|");
        foreach (var (m, rss, managed, fps) in curve)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {m:F1} | {rss:F0} | {managed:F1} | {fps:F1} |");
        }

        if (after.Count >= 2)
        {
            var first = after[0];
            var worst = after.Max(c => Math.Abs(c.Rss - first.Rss) / first.Rss);
            var worstManaged = after.Max(c => Math.Abs(c.Managed - first.Managed) / first.Managed);
            var rates = after.Skip(1).Select(c => c.Fps).Order().ToArray();
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"After the 2-minute warm-up RSS stays within ±{worst:P1} of {first.Rss:F0} MB and the collected managed heap within ±{worstManaged:P1} of {first.Managed:F1} MB; results/s per interval {(rates.Length == 0 ? "n/a" : $"{rates[0]:F1}–{rates[^1]:F1} (median {rates[rates.Length / 2]:F1})")}.");
        }

        return text.ToString();
    }
}
