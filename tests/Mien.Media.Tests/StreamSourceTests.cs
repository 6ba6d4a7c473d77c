using System.Diagnostics;
using Mien.Testing;
using System.Net;
using System.Net.Sockets;

namespace Mien.Media.Tests;

/// <summary>A short test clip (20 s, 320×240, 25 fps, a key frame every second) made once with the system's ffmpeg.</summary>
public sealed class StreamClip : IDisposable
{
    public StreamClip()
    {
        Ffmpeg = FindOnPath("ffmpeg");
        Vlc = FindOnPath("cvlc");
        Folder = Directory.CreateTempSubdirectory("mien-stream-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Folder, (UnixFileMode)Convert.ToInt32("755", 8)); // VLC refuses root and reads it as nobody
        }

        Path = System.IO.Path.Combine(Folder, "clip.mp4");
        if (Ffmpeg is not null)
        {
            Run(Ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "20", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", Path);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path, (UnixFileMode)Convert.ToInt32("644", 8));
            }
        }
    }

    public string? Ffmpeg { get; }

    public string? Vlc { get; }

    public string Folder { get; }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    public static string? FindOnPath(string name) => ToolFactAttribute.Find(name);

    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, error);
    }
}

/// <summary>
/// Network input through the system's ffmpeg (OpenCvSharp's FFmpeg has no network protocols) against real local
/// servers: ffmpeg serving MPEG-TS over HTTP, VLC serving RTSP, servers that die mid-stream or stall.
/// </summary>
public sealed class StreamSourceTests(StreamClip clip) : IClassFixture<StreamClip>
{
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>ffmpeg serving the clip in real time as MPEG-TS over HTTP to one client, for <paramref name="seconds"/> at most.</summary>
    private Process HttpServer(int port, double seconds = 20)
    {
        var args = new List<string> { "-hide_banner", "-loglevel", "error", "-re", "-i", clip.Path, "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", "copy", "-f", "mpegts", "-listen", "1", $"http://127.0.0.1:{port}/live.ts" };
        return Process.Start(new ProcessStartInfo(clip.Ffmpeg!, args) { RedirectStandardError = true, RedirectStandardInput = true })!;
    }

    /// <summary>
    /// Waits until something listens on the loopback <paramref name="port"/>. A probe connection cannot tell: ffmpeg's
    /// <c>-listen 1</c> serves exactly one client, and the probe would be it. So the kernel's socket table is read
    /// instead; a fixed delay raced the server's start on a loaded machine ("Connection refused").
    /// </summary>
    private static async Task WaitListeningAsync(int port)
    {
        if (!File.Exists("/proc/net/tcp"))
        {
            await Task.Delay(1000); // not Linux: no table to read, fall back to a generous delay
            return;
        }

        var hex = $":{port:X4} ";
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
            {
                // Columns: sl local_address rem_address st ...; state 0A is LISTEN.
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (cols.Length > 3 && (cols[1] + " ").EndsWith(hex, StringComparison.Ordinal) && cols[3] == "0A")
                    {
                        return;
                    }
                }
            }

            await Task.Delay(50);
        }

        Assert.Fail($"no server listened on port {port} within 15 s");
    }

    private static void Stop(Process? p)
    {
        if (p is null)
        {
            return;
        }

        try
        {
            p.Kill();
        }
        catch (InvalidOperationException)
        {
        }

        p.WaitForExit(5000);
        p.Dispose();
    }

    private static async Task<List<(long Index, TimeSpan T)>> Read(MediaSource source, int max, Func<bool>? until = null)
    {
        var frames = new List<(long, TimeSpan)>();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var frame in source.ReadAsync(guard.Token))
        {
            using (frame)
            {
                frames.Add((frame.Index, frame.Timestamp));
            }

            if (frames.Count >= max || until?.Invoke() == true)
            {
                break;
            }
        }

        return frames;
    }

    [ToolFact("ffmpeg")]
    public async Task Http_live_stream_is_decoded_with_the_streams_own_timestamps()
    {
        var port = FreePort();
        var server = HttpServer(port);
        try
        {
            await WaitListeningAsync(port);
            await using var source = MediaSource.Open($"http://127.0.0.1:{port}/live.ts");
            var frames = await Read(source, 40);

            Assert.Equal("stream", source.Info.Kind);
            Assert.True(source.IsLive);
            Assert.Equal((320, 240), (source.Info.Width, source.Info.Height));
            Assert.Equal(25, source.Info.NominalFps);
            Assert.Equal(40, frames.Count);
            // Stream time: exactly 40 ms per frame (90 kHz PTS), which no wall clock reading would be. A live source
            // drops frames when the reader falls behind; the index counts them, so the time still matches.
            Assert.All(frames.Zip(frames.Skip(1)), p =>
                Assert.InRange((p.Second.T - p.First.T).TotalMilliseconds - (40.0 * (p.Second.Index - p.First.Index)), -0.1, 0.1));
        }
        finally
        {
            Stop(server);
        }
    }

    [ToolFact("ffmpeg")]
    public async Task Live_stream_reconnects_with_backoff_when_the_server_dies_and_returns()
    {
        var port = FreePort();
        var first = HttpServer(port, seconds: 2);
        Process? second = null;
        try
        {
            await WaitListeningAsync(port);
            await using var source = MediaSource.Open($"http://127.0.0.1:{port}/live.ts", new MediaSourceOptions { NetworkTimeout = TimeSpan.FromSeconds(5), ReconnectWindow = TimeSpan.FromSeconds(30) });
            // The first server ends after 2 s of stream; a new one comes up on the same port 1.5 s later.
            var restart = Task.Run(async () =>
            {
                await first.WaitForExitAsync();
                await Task.Delay(1500);
                second = HttpServer(port);
            });
            var frames = new List<(long Index, TimeSpan T)>();
            var seenReconnect = -1;
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await foreach (var frame in source.ReadAsync(guard.Token))
            {
                using (frame)
                {
                    frames.Add((frame.Index, frame.Timestamp));
                }

                if (source.Reconnects >= 1 && seenReconnect < 0)
                {
                    seenReconnect = frames.Count;
                }

                // Up to Capacity frames of the first connection may still be queued when the reconnect is counted.
                if (seenReconnect >= 0 && frames.Count >= seenReconnect + 40)
                {
                    break;
                }
            }

            await restart;
            Assert.InRange(source.Reconnects, 1, 4); // the first attempt, 0.5 s after the loss, finds no server yet
            Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second.T > p.First.T), "timestamps go forward across the reconnect");
            // The time the server was away (1.5 s before it restarts) shows as a gap in the timestamps, not as frames
            // packed together; the largest gap is the reconnect.
            var steps = frames.Zip(frames.Skip(1)).Select((p, i) => (Gap: (p.Second.T - p.First.T).TotalSeconds, At: i + 1)).ToArray();
            var (gap, at) = steps.MaxBy(s => s.Gap);
            Assert.True(gap > 1.4, $"gap at the reconnect {gap:F2} s");
            Assert.InRange(at, 10, 60); // at most 2 s of the first connection at 25 fps
            Assert.True(frames.Count - at >= 30, $"{frames.Count - at} frames after the reconnect");
            Assert.Null(source.StopReason);
        }
        finally
        {
            Stop(first);
            Stop(second);
        }
    }

    [ToolFact("ffmpeg")]
    public async Task Live_stream_whose_server_dies_for_good_ends_with_a_reason_and_keeps_its_frames()
    {
        var port = FreePort();
        var server = HttpServer(port, seconds: 2);
        try
        {
            await WaitListeningAsync(port);
            await using var source = MediaSource.Open($"http://127.0.0.1:{port}/live.ts", new MediaSourceOptions { NetworkTimeout = TimeSpan.FromSeconds(3), ReconnectWindow = TimeSpan.FromSeconds(3) });
            var clock = Stopwatch.StartNew();
            var frames = await Read(source, int.MaxValue);

            // At most the 2 s the server sent; at least some of them (how many depends on how soon ffmpeg connected on a busy machine).
            Assert.InRange(frames.Count, 1, 60);
            Assert.InRange(clock.Elapsed.TotalSeconds, 2, 15);
            Assert.Contains("gave up", source.StopReason, StringComparison.Ordinal);
            Assert.Contains("reconnect attempt", source.StopReason, StringComparison.Ordinal);
        }
        finally
        {
            Stop(server);
        }
    }

    [ToolFact("ffmpeg")]
    public async Task Stalled_server_is_detected_by_the_watchdog()
    {
        var port = FreePort();
        var server = HttpServer(port);
        try
        {
            await WaitListeningAsync(port);
            // 3 s, not less: the first frame must arrive within it too, and a loaded machine has taken over 2 s.
            await using var source = MediaSource.Open($"http://127.0.0.1:{port}/live.ts", new MediaSourceOptions { NetworkTimeout = TimeSpan.FromSeconds(3), ReconnectWindow = TimeSpan.FromSeconds(2) });
            var frames = new List<TimeSpan>();
            var clock = Stopwatch.StartNew();
            await foreach (var frame in source.ReadAsync())
            {
                using (frame)
                {
                    frames.Add(frame.Timestamp);
                }

                if (frames.Count == 25)
                {
                    // Freeze the server: the connection stays open but no byte arrives any more.
                    Assert.Equal(0, Kill(server.Id, 19)); // SIGSTOP
                }
            }

            Assert.InRange(frames.Count, 25, 60);
            Assert.InRange(clock.Elapsed.TotalSeconds, 2, 20);
            Assert.Contains("stalled", source.StopReason, StringComparison.Ordinal);
        }
        finally
        {
            _ = Kill(server.Id, 18); // SIGCONT, so it can be killed cleanly
            Stop(server);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    [ToolFact("ffmpeg")]
    public void Unreachable_server_gets_ffmpegs_reason_quickly()
    {
        var port = FreePort(); // nothing listens there
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<MediaException>(() => MediaSource.Open($"http://127.0.0.1:{port}/none.ts"));
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{clock.Elapsed}");
    }

    [ToolFact("ffmpeg", "cvlc")]
    public async Task Rtsp_stream_from_vlc_is_decoded()
    {
        var port = FreePort();
        // VLC refuses to run as root; run it as nobody then.
        var asRoot = Environment.UserName == "root";
        var vlcArgs = new List<string> { "-I", "dummy", "--no-audio", clip.Path, "--sout", $"#rtp{{sdp=rtsp://127.0.0.1:{port}/live}}" };
        var start = asRoot
            ? new ProcessStartInfo("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "env", "HOME=/tmp", clip.Vlc!, .. vlcArgs])
            : new ProcessStartInfo(clip.Vlc!, vlcArgs);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        var server = Process.Start(start)!;
        try
        {
            await WaitListeningAsync(port);
            await using var source = MediaSource.Open($"rtsp://127.0.0.1:{port}/live", new MediaSourceOptions { NetworkTimeout = TimeSpan.FromSeconds(8) });
            var frames = await Read(source, 25);

            Assert.True(source.IsLive);
            Assert.Equal((320, 240), (source.Info.Width, source.Info.Height));
            Assert.Equal(25, frames.Count);
            Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second.T > p.First.T));
        }
        finally
        {
            Stop(server);
        }
    }

    [Fact]
    public void Network_input_without_ffmpeg_says_what_to_install()
    {
        var before = Environment.GetEnvironmentVariable("MIEN_FFMPEG");
        Environment.SetEnvironmentVariable("MIEN_FFMPEG", "/nonexistent/ffmpeg");
        try
        {
            var e = Assert.Throws<MediaException>(() => MediaSource.Open("rtsp://127.0.0.1:1/x"));
            Assert.Contains("apt-get install ffmpeg", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("MIEN_FFMPEG", before);
        }
    }
}
