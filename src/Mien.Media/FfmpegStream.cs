using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OpenCvSharp;

namespace Mien.Media;

/// <summary>
/// A network stream (rtsp, rtmp, http(s), udp, srt, tcp) decoded by the system's <c>ffmpeg</c> program into raw BGR
/// frames on its standard output. OpenCvSharp's bundled FFmpeg is built with <c>--disable-network</c>, so it cannot
/// open any URL; Debian's <c>ffmpeg</c> can.
/// </summary>
/// <remarks>
/// <para>Why a direct <see cref="Process"/> rather than FFMpegCore: Mien needs exactly one pipeline
/// (<c>-f rawvideo -pix_fmt bgr24 pipe:1</c>), per-frame stream timestamps (the <c>showinfo</c> filter's
/// <c>pts_time</c> on standard error), a watchdog that kills a stalled process, and restarts with back-off;
/// FFMpegCore's argument builder and pipe sinks would wrap the same process without making any of these simpler.</para>
/// <para>Why no ffprobe: a probe is a second connection, and many sources serve one client at a time (cameras,
/// <c>ffmpeg -listen 1</c>); the frame size, rate and whether the source is live are read from the same process's
/// standard error instead (the input's "Duration: N/A" marks a live source).</para>
/// </remarks>
internal sealed partial class FfmpegStream : IDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(8);
    private readonly string _url;
    private readonly string _ffmpeg;
    private readonly MediaSourceOptions _options;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Segment _segment;

    private FfmpegStream(string url, string ffmpeg, MediaSourceOptions options, Segment first, int width, int height, double? fps, bool live, string? codec)
    {
        _url = url;
        _ffmpeg = ffmpeg;
        _options = options;
        _segment = first;
        Width = width;
        Height = height;
        Fps = fps;
        IsLive = live;
        Codec = codec;
    }

    public int Width { get; }

    public int Height { get; }

    public double? Fps { get; }

    /// <summary>True when the source has no known duration (a live stream): it is reconnected when it stalls or dies.</summary>
    public bool IsLive { get; }

    public string? Codec { get; }

    /// <summary>Attempts to re-open the stream after a stall or disconnect (successful or not).</summary>
    public int Reconnects { get; private set; }

    /// <summary>Why reading stopped early, or null.</summary>
    public string? StopReason { get; private set; }

    /// <summary>The ffmpeg program to use: <c>MIEN_FFMPEG</c>, else <c>ffmpeg</c> on the PATH; null when there is none.</summary>
    public static string? FindFfmpeg()
    {
        if (Environment.GetEnvironmentVariable("MIEN_FFMPEG") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "ffmpeg");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Starts ffmpeg on <paramref name="url"/> and waits for the first decoded frame's description.</summary>
    /// <exception cref="MediaException">ffmpeg is missing, or no frame arrived within the network timeout.</exception>
    public static FfmpegStream Open(string url, Uri uri, MediaSourceOptions options)
    {
        var ffmpeg = FindFfmpeg() ?? throw new MediaException(url,
            "network streams are read with the ffmpeg program, which is not installed (Debian: apt-get install ffmpeg; ./mien installs it; or set MIEN_FFMPEG to its path)");
        var segment = Segment.Start(ffmpeg, url, uri, options);
        try
        {
            var info = segment.WaitForFirstFrame(options.NetworkTimeout);
            if (info is null)
            {
                var why = segment.Exited
                    ? $"ffmpeg could not read it: {segment.LastError() ?? $"exit code {segment.ExitCode}"}"
                    : $"no video frame arrived within {options.NetworkTimeout.TotalSeconds:0.#} s (unreachable, stalled, or no video in the stream)";
                throw new MediaException(url, why);
            }

            var live = uri.Scheme is "rtsp" or "rtsps" or "rtmp" or "rtmps" or "udp" or "rtp" or "srt" || segment.DurationUnknown;
            if (info.Value.Width > options.MaxSide || info.Value.Height > options.MaxSide)
            {
                throw new MediaException(url, $"frame size {info.Value.Width}x{info.Value.Height} is outside 1..{options.MaxSide} pixels");
            }

            return new FfmpegStream(url, ffmpeg, options, segment, info.Value.Width, info.Value.Height, segment.Fps, live, segment.Codec);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads frames until the stream ends (recordings) or cannot be re-established within
    /// <see cref="MediaSourceOptions.ReconnectWindow"/> (live streams), handing each to <paramref name="write"/>.
    /// </summary>
    public void Run(FramePool pool, Action<Frame> write, CancellationToken ct)
    {
        var frameBytes = checked(Width * Height * 3);
        long index = 0;
        var last = TimeSpan.MinValue;
        var lastFrameAt = _clock.Elapsed;
        var backoff = FirstBackoff;
        var segmentBase = TimeSpan.Zero;
        double? firstPts = null;
        while (!ct.IsCancellationRequested)
        {
            using var stop = ct.Register(_segment.Kill);
            while (!ct.IsCancellationRequested)
            {
                var mat = pool.Rent();
                mat.Create(Height, Width, MatType.CV_8UC3);
                if (!_segment.ReadFrame(mat, frameBytes, _options.NetworkTimeout))
                {
                    pool.Return(mat);
                    break;
                }

                var pts = _segment.NextTimestamp(TimeSpan.FromSeconds(1), Width, Height);
                if (pts is { Mismatch: true })
                {
                    pool.Return(mat);
                    StopReason = $"the stream changed its frame size from {Width}x{Height}; it was read up to t = {Math.Max(0, last.TotalSeconds):F2} s";
                    return;
                }

                TimeSpan timestamp;
                if (pts?.Seconds is { } seconds)
                {
                    // Live streams count from their first frame (their clock's origin is arbitrary); recordings keep
                    // container time, as files do, so audio stays aligned.
                    firstPts ??= IsLive ? seconds : 0;
                    timestamp = segmentBase + TimeSpan.FromSeconds(Math.Max(0, seconds - firstPts.Value));
                }
                else
                {
                    timestamp = IsLive ? _clock.Elapsed : last + TimeSpan.FromSeconds(1 / (Fps ?? 30));
                }

                if (timestamp <= last)
                {
                    timestamp = last + TimeSpan.FromMilliseconds(1);
                }

                last = timestamp;
                lastFrameAt = _clock.Elapsed;
                backoff = FirstBackoff;
                write(new Frame(index++, timestamp, mat, pool));
            }

            if (ct.IsCancellationRequested)
            {
                return;
            }

            var stalled = _segment.KilledByWatchdog;
            var error = _segment.LastError();
            var exitCode = _segment.Finish();
            var position = index == 0 ? "before any frame" : $"after {index} frames (t = {last.TotalSeconds:F2} s)";
            if (!IsLive)
            {
                if (stalled || exitCode != 0)
                {
                    StopReason = $"the stream {(stalled ? $"stalled for {_options.NetworkTimeout.TotalSeconds:0.#} s" : $"ended with an error ({error ?? $"ffmpeg exit code {exitCode}"})")} {position}";
                }

                return;
            }

            // Live: re-open with back-off until a frame arrives again or the window since the last frame has passed.
            var cause = stalled ? $"stalled: no data for {_options.NetworkTimeout.TotalSeconds:0.#} s" : error ?? "connection closed";
            string? attemptError = null;
            while (true)
            {
                var quiet = _clock.Elapsed - lastFrameAt;
                if (quiet + backoff > _options.ReconnectWindow)
                {
                    var lastAttempt = attemptError is null ? "" : $"; last attempt: {attemptError}";
                    StopReason = $"the stream was lost {position} ({cause}); no frame for {quiet.TotalSeconds:F0} s after {Reconnects} reconnect attempt(s){lastAttempt}; gave up";
                    return;
                }

                if (ct.WaitHandle.WaitOne(backoff))
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                Reconnects++;
                _segment = Segment.Start(_ffmpeg, _url, new Uri(_url), _options);
                if (_segment.WaitForFirstFrame(_options.NetworkTimeout) is not null)
                {
                    // The new connection's clock restarts: continue after the last frame plus the time the stream was
                    // away, so the outage shows as a gap rather than as frames packed together.
                    segmentBase = last + (_clock.Elapsed - lastFrameAt);
                    firstPts = null;
                    break;
                }

                attemptError = _segment.LastError() ?? (_segment.KilledByWatchdog ? "stalled" : "no frame in time");
                _segment.Finish();
            }
        }
    }

    public void Dispose() => _segment.Dispose();

    /// <summary>One ffmpeg process: one connection to the source.</summary>
    private sealed partial class Segment : IDisposable
    {
        private const int KeptLines = 40;
        private readonly Process _process;
        private readonly Stream _stdout;
        private readonly BlockingCollection<(double? Seconds, int Width, int Height)> _frames = new(boundedCapacity: 4096);
        private readonly Queue<string> _lines = new();
        private readonly ManualResetEventSlim _firstFrame = new();
        private readonly Thread _stderr;
        private readonly Timer _watchdog;
        private long _readStart;
        private TimeSpan _stallLimit;
        private (int Width, int Height)? _first;
        private int _killed;
        private bool _disposed;

        private Segment(Process process, TimeSpan stallLimit)
        {
            _process = process;
            _stdout = process.StandardOutput.BaseStream;
            _stallLimit = stallLimit;
            _stderr = new Thread(ReadErrors) { IsBackground = true, Name = "ffmpeg stderr" };
            _stderr.Start();
            _watchdog = new Timer(_ => Watch(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        }

        public bool DurationUnknown { get; private set; }

        public double? Fps { get; private set; }

        public string? Codec { get; private set; }

        public bool Exited => _process.HasExited;

        public int ExitCode => _process.HasExited ? _process.ExitCode : -1;

        public bool KilledByWatchdog => Volatile.Read(ref _killed) == 2;

        /// <summary>The protocols FFmpeg may use for a URL of <paramref name="scheme"/>, the URL's own included.</summary>
        internal static string ProtocolWhitelist(string scheme) => scheme switch
        {
            "http" or "https" => "http,https,tcp,tls,crypto,httpproxy",
            "rtsp" or "rtsps" => "rtsp,rtsps,rtp,srtp,udp,tcp,tls",
            "rtmp" or "rtmps" => "rtmp,rtmps,tcp,tls",
            "srt" => "srt,udp",
            "udp" or "rtp" => "udp,rtp",
            _ => scheme,
        };

        public static Segment Start(string ffmpeg, string url, Uri uri, MediaSourceOptions options)
        {
            // ffmpeg's own I/O timeout is a safety net at twice Mien's: the watchdog below, which names the stall, acts first.
            var micros = ((long)(options.NetworkTimeout.TotalMicroseconds * 2)).ToString(CultureInfo.InvariantCulture);
            var start = new ProcessStartInfo(ffmpeg)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            // A live source is probed in real time: FFmpeg's default 5 s of analysis would delay the first frame by 5 s.
            foreach (var a in (string[])["-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-analyzeduration", "1000000"])
            {
                start.ArgumentList.Add(a);
            }

            // RTSP keeps FFmpeg's transport choice (UDP, then TCP): forcing TCP fails on servers such as VLC's.
            if (uri.Scheme is "rtsp" or "rtsps")
            {
                start.ArgumentList.Add("-timeout");
                start.ArgumentList.Add(micros);
            }
            else if (uri.Scheme is not "udp" and not "rtp" and not "srt")
            {
                start.ArgumentList.Add("-rw_timeout");
                start.ArgumentList.Add(micros);
            }

            // FFmpeg may open further URLs on its own (HLS segments, redirects): keep them on the network protocols
            // of the URL's own family, so a playlist fetched over http cannot make it read file:// paths.
            start.ArgumentList.Add("-protocol_whitelist");
            start.ArgumentList.Add(ProtocolWhitelist(uri.Scheme));
            if (uri.Scheme is "http" or "https" && !options.FollowRedirects)
            {
                start.ArgumentList.Add("-max_redirects");
                start.ArgumentList.Add("0");
            }

            foreach (var a in (string[])["-i", url, "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", "showinfo=checksum=0", "-fps_mode", "passthrough", "-pix_fmt", "bgr24", "-f", "rawvideo", "pipe:1"])
            {
                start.ArgumentList.Add(a);
            }

            Process process;
            try
            {
                process = Process.Start(start) ?? throw new MediaException(url, $"'{ffmpeg}' could not be started");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new MediaException(url, $"'{ffmpeg}' could not be started ({e.Message})", e);
            }

            process.StandardInput.Close();
            // Connecting may take the whole timeout; the stall limit applies once the process runs.
            return new Segment(process, options.NetworkTimeout);
        }

        public (int Width, int Height)? WaitForFirstFrame(TimeSpan timeout)
        {
            var deadline = Stopwatch.StartNew();
            while (!_firstFrame.Wait(100))
            {
                if (_process.HasExited && !_stderr.IsAlive)
                {
                    return null;
                }

                if (deadline.Elapsed > timeout)
                {
                    Kill();
                    return null;
                }
            }

            return _first;
        }

        /// <summary>Fills <paramref name="mat"/> with the next frame; false at the end of the stream (or after a stall).</summary>
        public unsafe bool ReadFrame(Mat mat, int frameBytes, TimeSpan stallLimit)
        {
            _stallLimit = stallLimit;
            var target = new Span<byte>((void*)mat.Data, frameBytes);
            var filled = 0;
            while (filled < frameBytes)
            {
                int read;
                Interlocked.Exchange(ref _readStart, Stopwatch.GetTimestamp());
                try
                {
                    read = _stdout.Read(target[filled..]);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    return false;
                }
                finally
                {
                    Interlocked.Exchange(ref _readStart, 0);
                }

                if (read == 0)
                {
                    return false; // a partial frame at the end is dropped
                }

                filled += read;
            }

            return true;
        }

        /// <summary>The stream time of the frame just read, from showinfo; null when none arrived in time.</summary>
        public (double? Seconds, bool Mismatch)? NextTimestamp(TimeSpan wait, int width, int height)
        {
            if (!_frames.TryTake(out var f, wait))
            {
                return null;
            }

            return (f.Seconds, f.Width != width || f.Height != height);
        }

        /// <summary>The most telling line ffmpeg wrote: the last that reads like an error, else the last one.</summary>
        public string? LastError()
        {
            lock (_lines)
            {
                string? any = null;
                string? error = null;
                foreach (var line in _lines)
                {
                    any = line;
                    if (ErrorWords().IsMatch(line))
                    {
                        error = line;
                    }
                }

                return (error ?? any)?.Trim();
            }
        }

        public void Kill() => Kill(1);

        private void Kill(int reason)
        {
            if (Interlocked.CompareExchange(ref _killed, reason, 0) == 0)
            {
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or System.ComponentModel.Win32Exception)
                {
                    // already exited (or already reaped)
                }
            }
        }

        private void Watch()
        {
            // Only time spent waiting inside a read counts: a consumer that is slow to ask is not a stalled stream.
            var start = Interlocked.Read(ref _readStart);
            if (start != 0 && Stopwatch.GetElapsedTime(start) > _stallLimit)
            {
                Kill(2);
            }
        }

        private void ReadErrors()
        {
            try
            {
                string? line;
                while ((line = _process.StandardError.ReadLine()) is not null)
                {
                    if (line.Contains("Parsed_showinfo", StringComparison.Ordinal))
                    {
                        var m = ShowInfo().Match(line);
                        if (m.Success)
                        {
                            double? seconds = double.TryParse(m.Groups["pts"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : null;
                            var size = ((int)Math.Min(int.MaxValue, long.Parse(m.Groups["w"].Value, CultureInfo.InvariantCulture)), (int)Math.Min(int.MaxValue, long.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture)));
                            _first ??= size;
                            _frames.TryAdd((seconds, size.Item1, size.Item2));
                            _firstFrame.Set();
                        }

                        continue;
                    }

                    if (_first is null)
                    {
                        if (line.Contains("Duration: N/A", StringComparison.Ordinal))
                        {
                            DurationUnknown = true;
                        }

                        var video = VideoStream().Match(line);
                        if (video.Success && Codec is null)
                        {
                            Codec = video.Groups["codec"].Value;
                            var rate = FrameRate().Match(line);
                            Fps = rate.Success && double.TryParse(rate.Groups["fps"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var fps) && fps is > 0 and < 1000 ? fps : null;
                        }
                    }

                    if (NativeLogging.Verbose)
                    {
                        Console.Error.WriteLine($"ffmpeg: {line}");
                    }

                    lock (_lines)
                    {
                        _lines.Enqueue(line);
                        if (_lines.Count > KeptLines)
                        {
                            _lines.Dequeue();
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The process went away; what was read is kept.
            }
            finally
            {
                _frames.CompleteAdding();
            }
        }

        /// <summary>Ends the process (if still running) and returns its exit code; idempotent.</summary>
        public int Finish()
        {
            if (!_disposed)
            {
                _disposed = true;
                _watchdog.Dispose();
                if (!_process.WaitForExit(0))
                {
                    Kill(1);
                }

                _process.WaitForExit(2000);
                _stderr.Join(2000);
                ExitCodeAfterFinish = _process.HasExited ? _process.ExitCode : -1;
                _process.Dispose();
                _firstFrame.Dispose();
                _frames.Dispose();
            }

            return ExitCodeAfterFinish;
        }

        private int ExitCodeAfterFinish { get; set; } = -1;

        public void Dispose() => Finish();

        [GeneratedRegex(@"pts_time:(?<pts>\S+).*?\bs:(?<w>\d+)x(?<h>\d+)")]
        private static partial Regex ShowInfo();

        [GeneratedRegex(@"Stream #\d+:\d+.*?: Video: (?<codec>[A-Za-z0-9_]+)")]
        private static partial Regex VideoStream();

        [GeneratedRegex(@"(?<fps>[\d.]+) fps")]
        private static partial Regex FrameRate();

        [GeneratedRegex("error|refused|not found|invalid|failed|timed out|unreachable|denied|unauthori|no route|reset|broken", RegexOptions.IgnoreCase)]
        private static partial Regex ErrorWords();
    }
}
