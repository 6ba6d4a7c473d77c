using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Media;

/// <summary>Options of <see cref="MediaSource"/>.</summary>
public sealed record MediaSourceOptions
{
    /// <summary>Frames buffered between the decoder and the consumer (default 4). Live sources drop the oldest beyond it; files wait.</summary>
    public int Capacity { get; init; } = 4;

    /// <summary>
    /// Whether a folder of images is one image sequence (frames of one scene, in name order, all the same size:
    /// tracked over time) rather than independent photos (the default: each frame stands alone).
    /// </summary>
    public bool ImageSequence { get; init; }

    /// <summary>Frame rate assigned to image folders (default 30 fps): their timestamps are index / rate.</summary>
    public double ImageSequenceFps { get; init; } = 30;

    /// <summary>Timeout for opening network streams and for a stream that stops delivering data (default 10 s).</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a live stream that stalled or closed is re-opened (with back-off from 0.5 s doubling to 8 s) before
    /// reading ends (default 60 s without a frame).
    /// </summary>
    public TimeSpan ReconnectWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest accepted frame side in pixels (default 8192).</summary>
    public int MaxSide { get; init; } = 8192;

    /// <summary>
    /// Whether an http(s) stream may follow redirects (default true). A server that checked where a URL points
    /// turns this off, or a redirect could lead FFmpeg to an address the check refused.
    /// </summary>
    public bool FollowRedirects { get; init; } = true;

    /// <summary>Throws when an option is out of range, naming the option, its value and the limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        Check(Capacity >= 1, nameof(Capacity), Capacity, ">= 1");
        Check(ImageSequenceFps is > 0 and <= 1000, nameof(ImageSequenceFps), ImageSequenceFps, "in (0, 1000]");
        Check(NetworkTimeout > TimeSpan.Zero, nameof(NetworkTimeout), NetworkTimeout, "> 0");
        Check(ReconnectWindow >= TimeSpan.Zero, nameof(ReconnectWindow), ReconnectWindow, ">= 0");
        Check(MaxSide >= 16, nameof(MaxSide), MaxSide, ">= 16");
    }

    private static void Check(bool ok, string name, object value, string limit)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"MediaSourceOptions.{name} = {value} is invalid; it must be {limit}");
        }
    }
}

/// <summary>An input a source passed over, and why (an unreadable photo in a folder, a FIFO named like an image…).</summary>
/// <param name="Path">The file skipped.</param>
/// <param name="Reason">What is wrong with it.</param>
public sealed record SkippedInput(string Path, string Reason);

/// <summary>
/// Frames from a video file (mp4, mov incl. HEVC, avi, mkv, webm…), a folder of images or a single image,
/// a camera (by index) or a network stream (rtsp/http… URL, through the system's ffmpeg), decoded on a background
/// thread into pooled buffers and handed over through a bounded channel: files never drop frames (the decoder
/// waits), live sources drop the oldest frame when the consumer falls behind (counted in <see cref="Dropped"/>).
/// Timing comes from the container's (or stream's) presentation timestamps, not from frame counts.
/// </summary>
/// <remarks>
/// <see cref="SourceInfo.Kind"/> says how frames relate: "video", "camera" and "stream" are continuous;
/// "sequence" is a folder read as one image sequence; "image" (one still, whatever its file name or container)
/// and "images" (a folder of independent photos) yield frames with <see cref="Frame.Independent"/> set.
/// What a source is comes from its content (magic bytes, frame count), not its file name: a JPEG named
/// <c>.mp4</c> or <c>0</c> is a still, and so is a one-frame video or a HEIC photo FFmpeg decodes.
/// </remarks>
public sealed class MediaSource : IFrameSource
{
    /// <summary>Skipped inputs kept in <see cref="Skips"/> (all are counted in <see cref="SkippedCount"/>).</summary>
    public const int MaxListedSkips = 100;

    private static readonly string[] VideoExtensions = [".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv", ".3gp", ".ts", ".mts"];
    private static readonly string[] StreamSchemes = ["rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "udp", "rtp", "srt", "tcp"];

    private readonly MediaSourceOptions _options;
    private readonly VideoCapture? _capture;
    private readonly FfmpegStream? _stream;
    private readonly IReadOnlyList<string>? _images;
    private readonly FramePool _pool;
    private readonly List<SkippedInput> _skips = [];
    private Mat? _still;
    private long _dropped;
    private int _skipped;
    private Task? _reader;

    private MediaSource(MediaSourceOptions options, SourceInfo info, bool live, long? declaredFrames, VideoCapture? capture = null, FfmpegStream? stream = null, IReadOnlyList<string>? images = null, Mat? still = null, IEnumerable<SkippedInput>? skipped = null)
    {
        _options = options;
        Info = info;
        _capture = capture;
        _stream = stream;
        _images = images;
        _still = still;
        IsLive = live;
        DeclaredFrames = declaredFrames;
        _pool = new FramePool(options.Capacity + 4);
        foreach (var s in skipped ?? [])
        {
            Skip(s);
        }
    }

    /// <summary>What is being read.</summary>
    public SourceInfo Info { get; }

    /// <summary>True for cameras and live network streams (frames are dropped under load).</summary>
    public bool IsLive { get; }

    /// <summary>True when every frame is an independent still (kinds "image" and "images"); see <see cref="Frame.Independent"/>.</summary>
    public bool IndependentFrames => Info.Kind is "image" or "images";

    /// <summary>Frame count the container declares (or the number of images), if any.</summary>
    public long? DeclaredFrames { get; }

    /// <summary>Frames dropped because the consumer was behind (live sources only).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Attempts to re-open a live network stream after it stalled or closed (successful or not).</summary>
    public int Reconnects => _stream?.Reconnects ?? 0;

    /// <summary>
    /// Why reading stopped early (e.g. truncated file, lost stream) or which inputs were skipped (a short summary;
    /// the full list is <see cref="Skips"/>), or null after a normal end.
    /// </summary>
    public string? StopReason { get; private set; }

    /// <summary>Inputs passed over (the first <see cref="MaxListedSkips"/>), e.g. unreadable photos in a folder.</summary>
    public IReadOnlyList<SkippedInput> Skips
    {
        get
        {
            lock (_skips)
            {
                return [.. _skips];
            }
        }
    }

    /// <summary>How many inputs were skipped in all.</summary>
    public int SkippedCount => Volatile.Read(ref _skipped);

    /// <summary>
    /// Raised (on the decoding thread, or during <see cref="Open"/> before a handler can exist: see <see cref="Skips"/>)
    /// for each input passed over, so a host can report it as it happens.
    /// </summary>
    public event EventHandler<SkippedInput>? Skipped;

    /// <summary>
    /// Opens <paramref name="spec"/>: a video file, an image file, a folder of images, a camera index
    /// ("0", "camera:1") or a network URL (rtsp, rtmp, http(s), udp, srt, tcp).
    /// </summary>
    /// <exception cref="MediaException">The source is missing, not a regular file, empty, unsupported, corrupt or absurd.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static MediaSource Open(string spec, MediaSourceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        options ??= new MediaSourceOptions();
        options.Validate();
        NativeLogging.EnsureConfigured();

        if (TryCameraIndex(spec, out var index))
        {
            var camera = new VideoCapture(index, VideoCaptureAPIs.V4L2);
            if (!camera.IsOpened())
            {
                camera.Dispose();
                throw new MediaException(spec, $"camera {index} cannot be opened (no /dev/video{index}, busy, or no permission)");
            }

            var fps = camera.Fps;
            return new MediaSource(options, new SourceInfo(spec, "camera", camera.FrameWidth, camera.FrameHeight, fps > 0 ? fps : null, null, FourCc(camera.FourCC)), live: true, null, capture: camera);
        }

        if (Uri.TryCreate(spec, UriKind.Absolute, out var uri) && StreamSchemes.Contains(uri.Scheme))
        {
            var stream = FfmpegStream.Open(spec, uri, options);
            return new MediaSource(options, new SourceInfo(spec, "stream", stream.Width, stream.Height, stream.Fps, null, stream.Codec), stream.IsLive, null, stream: stream);
        }

        if (InputFile.KindOf(spec) == InputFileKind.Directory)
        {
            return OpenFolder(spec, options);
        }

        return OpenFile(spec, options);
    }

    private static MediaSource OpenFolder(string spec, MediaSourceOptions options)
    {
        string[] candidates;
        try
        {
            candidates = [.. Directory.EnumerateFiles(spec).Where(f => StillImage.Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException(spec, $"folder cannot be read ({e.Message})", e);
        }

        if (candidates.Length == 0)
        {
            throw new MediaException(spec, $"folder holds no images ({string.Join(", ", StillImage.Extensions)})");
        }

        // The first image that decodes gives the source its size; the ones before it are skipped and reported,
        // not fatal (an empty first file must not refuse the whole folder).
        var skipped = new List<SkippedInput>();
        for (var i = 0; i < candidates.Length; i++)
        {
            Mat first;
            try
            {
                first = StillImage.Load(candidates[i]);
            }
            catch (MediaException e)
            {
                skipped.Add(new SkippedInput(candidates[i], e.Problem));
                continue;
            }

            var kind = options.ImageSequence ? "sequence" : "images";
            var info = new SourceInfo(spec, kind, first.Width, first.Height, options.ImageSequenceFps, TimeSpan.FromSeconds(candidates.Length / options.ImageSequenceFps), null);
            return new MediaSource(options, info, false, candidates.Length, images: candidates[i..], still: first, skipped: skipped) { _firstImageIndex = i };
        }

        throw new MediaException(spec, $"none of the {candidates.Length} image(s) in the folder can be read ({Summarise(skipped, candidates.Length, "image(s)")})");
    }

    private int _firstImageIndex;

    private static MediaSource OpenFile(string spec, MediaSourceOptions options)
    {
        if (InputFile.Problem(spec) is { } problem)
        {
            throw new MediaException(spec, problem);
        }

        var extension = Path.GetExtension(spec);
        Span<byte> head = stackalloc byte[64];
        int headLength;
        long length;
        try
        {
            using var file = new FileStream(spec, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            length = file.Length;
            headLength = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException(spec, $"cannot be read ({e.Message})", e);
        }

        if (length == 0)
        {
            throw new MediaException(spec, "file is empty (0 bytes)");
        }

        // Content decides, not the name: a JPEG named .mp4 or "0" is a photo.
        var sniffed = ImageHeader.Sniff(head[..headLength]);
        if (sniffed is "jpeg" or "png" or "bmp" or "webp" or "tiff" or "pnm")
        {
            var image = StillImage.Load(spec);
            return new MediaSource(options, new SourceInfo(spec, "image", image.Width, image.Height, null, null, sniffed), false, 1, images: [spec], still: image);
        }

        var capture = new VideoCapture(spec, VideoCaptureAPIs.FFMPEG);
        // FFmpeg "opens" some junk with a 0x0 frame (its image demuxers guess by extension): that is no media either.
        if (!capture.IsOpened() || capture.FrameWidth <= 0 || capture.FrameHeight <= 0)
        {
            capture.Dispose();
            var hint = sniffed is not null
                ? $"is a {sniffed.ToUpperInvariant()} image that cannot be decoded (damaged, or a variant this build lacks)"
                : StillImage.Extensions.Contains(extension)
                    ? "is not a decodable image: its first bytes match no JPEG, PNG, BMP, WebP, TIFF or PNM header, nor is it media FFmpeg can open"
                    : VideoExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase)
                        ? "cannot be opened as video: corrupt or truncated file, or an unsupported codec"
                        : $"'{extension}' is neither a supported image ({string.Join(", ", StillImage.Extensions)}) nor a decodable video";
            throw new MediaException(spec, hint);
        }

        var (width, height) = (capture.FrameWidth, capture.FrameHeight);
        if (width <= 0 || height <= 0 || width > options.MaxSide || height > options.MaxSide || (long)width * height > StillImage.MaxPixels)
        {
            capture.Dispose();
            throw new MediaException(spec, $"frame size {width}x{height} is outside 1..{options.MaxSide} pixels");
        }

        var fps = capture.Fps;
        var frames = capture.FrameCount;
        var codec = FourCc(capture.FourCC);
        if (sniffed is not null || frames <= 1)
        {
            // A still FFmpeg decodes (HEIC, AVIF, GIF, a one-frame video): one frame, then nothing.
            if (TryReadSingleFrame(capture, spec) is { } still)
            {
                capture.Dispose();
                return new MediaSource(options, new SourceInfo(spec, "image", still.Width, still.Height, null, null, sniffed ?? codec), false, 1, images: [spec], still: still);
            }

            // More than one frame: start again from the beginning as a video.
            capture.Dispose();
            capture = new VideoCapture(spec, VideoCaptureAPIs.FFMPEG);
            if (!capture.IsOpened())
            {
                capture.Dispose();
                throw new MediaException(spec, "cannot be re-opened as video");
            }
        }

        var duration = fps > 0 && frames > 0 ? TimeSpan.FromSeconds(frames / fps) : (TimeSpan?)null;
        return new MediaSource(options, new SourceInfo(spec, "video", width, height, fps > 0 ? fps : null, duration, codec), false, frames > 0 ? frames : null, capture: capture);
    }

    /// <summary>The only frame of <paramref name="capture"/> (BGR), or null when it has a second one.</summary>
    private static Mat? TryReadSingleFrame(VideoCapture capture, string spec)
    {
        var first = new Mat();
        try
        {
            if (!capture.Read(first) || first.Empty())
            {
                throw new MediaException(spec, "no frame could be decoded: unsupported codec or corrupt data");
            }

            using var second = new Mat();
            if (capture.Read(second) && !second.Empty())
            {
                first.Dispose();
                return null;
            }

            ToBgr(first, spec);
            return first;
        }
        catch
        {
            first.Dispose();
            throw;
        }
    }

    private static bool TryCameraIndex(string spec, out int index)
    {
        var text = spec.StartsWith("camera:", StringComparison.OrdinalIgnoreCase) ? spec[7..] : spec;
        return int.TryParse(text, out index) && index is >= 0 and < 64 && InputFile.KindOf(spec) == InputFileKind.Missing;
    }

    private static string? FourCc(string? code) => string.IsNullOrWhiteSpace(code) ? null : code.Trim('\0', ' ');

    /// <summary>Decodes frames in the background and yields them in order. Dispose each frame after use.</summary>
    public async IAsyncEnumerable<Frame> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_reader is not null)
        {
            throw new InvalidOperationException("a MediaSource can be read once");
        }

        var channel = IsLive
            ? Channel.CreateBounded<Frame>(new BoundedChannelOptions(_options.Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true }, dropped =>
            {
                Interlocked.Increment(ref _dropped);
                dropped.Dispose();
            })
            : Channel.CreateBounded<Frame>(new BoundedChannelOptions(_options.Capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _reader = Task.Factory.StartNew(() => Decode(channel.Writer, stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await foreach (var frame in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return frame;
            }

            await _reader.ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await _reader.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            while (channel.Reader.TryRead(out var leftover))
            {
                leftover.Dispose();
            }
        }
    }

    private void Decode(ChannelWriter<Frame> writer, CancellationToken ct)
    {
        Exception? error = null;
        try
        {
            if (_images is not null)
            {
                DecodeImages(writer, ct);
            }
            else if (_stream is not null)
            {
                _stream.Run(_pool, frame => Write(writer, frame, ct), ct);
                StopReason = _stream.StopReason;
            }
            else
            {
                DecodeCapture(writer, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is MediaException or OpenCVException)
        {
            error = e is MediaException ? e : new MediaException(Info.Name, $"decoding failed: {e.Message}", e);
        }
        finally
        {
            writer.TryComplete(error);
        }
    }

    private void DecodeImages(ChannelWriter<Frame> writer, CancellationToken ct)
    {
        var sequence = Info.Kind == "sequence";
        var produced = 0;
        for (var i = 0; i < _images!.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var path = _images[i];
            Mat image;
            if (Interlocked.Exchange(ref _still, null) is { } opened)
            {
                image = opened; // decoded by Open
            }
            else
            {
                try
                {
                    image = StillImage.Load(path);
                }
                catch (MediaException e)
                {
                    // One unreadable image is skipped and reported, not fatal.
                    Skip(new SkippedInput(path, e.Problem));
                    continue;
                }
            }

            if (sequence && (image.Width != Info.Width || image.Height != Info.Height))
            {
                Skip(new SkippedInput(path, $"is {image.Width}x{image.Height}; the sequence's frames are {Info.Width}x{Info.Height}"));
                image.Dispose();
                continue;
            }

            var position = _firstImageIndex + i;
            Write(writer, new Frame(position, TimeSpan.FromSeconds(position / _options.ImageSequenceFps), image, _pool, path, independent: !sequence), ct);
            produced++;
        }

        if (SkippedCount > 0)
        {
            var total = _firstImageIndex + _images.Count;
            StopReason = Summarise(Skips, total, Info.Kind is "image" ? "file(s)" : "image(s)", SkippedCount);
            if (produced == 0)
            {
                throw new MediaException(Info.Name, $"no image could be read ({StopReason})");
            }
        }
    }

    /// <summary>"3 of 10 image(s) skipped: a.jpg (empty); b.jpg (…); … and 1 more" — bounded, whatever the count.</summary>
    private static string Summarise(IReadOnlyList<SkippedInput> skips, int total, string noun, int? count = null)
    {
        const int Named = 3;
        var n = count ?? skips.Count;
        var named = string.Join("; ", skips.Take(Named).Select(s => $"{Path.GetFileName(s.Path)}: {s.Reason}"));
        return $"{n} of {total} {noun} skipped: {named}{(n > Named ? $"; and {n - Named} more" : "")}";
    }

    private void Skip(SkippedInput skipped)
    {
        Interlocked.Increment(ref _skipped);
        lock (_skips)
        {
            if (_skips.Count < MaxListedSkips)
            {
                _skips.Add(skipped);
            }
        }

        Skipped?.Invoke(this, skipped);
    }

    private void DecodeCapture(ChannelWriter<Frame> writer, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        long index = 0;
        var last = TimeSpan.MinValue;
        while (!ct.IsCancellationRequested)
        {
            var mat = _pool.Rent();
            if (!_capture!.Read(mat) || mat.Empty())
            {
                _pool.Return(mat);
                if (index == 0)
                {
                    throw new MediaException(Info.Name, "no frame could be decoded: unsupported codec or corrupt data");
                }

                // Declared counts and durations are estimates: only a clear shortfall in both is reported.
                if (!IsLive && DeclaredFrames is { } declared && index < declared * 0.9 && (Info.Duration is not { } duration || last < duration * 0.9))
                {
                    StopReason = $"decoding stopped after {index} of {declared} declared frames (t = {last.TotalSeconds:F2} s): the file may be truncated or corrupt";
                }

                return;
            }

            try
            {
                ToBgr(mat, Info.Name);
            }
            catch
            {
                _pool.Return(mat);
                throw;
            }

            TimeSpan timestamp;
            if (IsLive)
            {
                timestamp = clock.Elapsed;
            }
            else
            {
                // Container presentation time of the frame just decoded; falls back to the nominal rate
                // only if the container gives none, and never goes backwards.
                var ms = _capture.Get(VideoCaptureProperties.PosMsec);
                timestamp = ms > 0 || index == 0 ? TimeSpan.FromMilliseconds(ms) : last + TimeSpan.FromSeconds(1 / (Info.NominalFps ?? 30));
                if (timestamp <= last)
                {
                    timestamp = last + TimeSpan.FromMilliseconds(1);
                }
            }

            last = timestamp;
            Write(writer, new Frame(index++, timestamp, mat, _pool), ct);
        }
    }

    /// <summary>Converts a decoded frame to 8-bit BGR in place.</summary>
    private static void ToBgr(Mat mat, string source)
    {
        if (mat.Type() == MatType.CV_8UC3)
        {
            return;
        }

        using var converted = new Mat();
        if (mat.Channels() == 1 && mat.Depth() == MatType.CV_8U)
        {
            Cv2.CvtColor(mat, converted, ColorConversionCodes.GRAY2BGR);
        }
        else if (mat.Channels() == 4 && mat.Depth() == MatType.CV_8U)
        {
            Cv2.CvtColor(mat, converted, ColorConversionCodes.BGRA2BGR);
        }
        else
        {
            throw new MediaException(source, $"unsupported pixel format {mat.Type()}");
        }

        converted.CopyTo(mat);
    }

    private static void Write(ChannelWriter<Frame> writer, Frame frame, CancellationToken ct)
    {
        // Files: wait for room (never drop). Live: the channel drops the oldest itself.
        while (!writer.TryWrite(frame))
        {
            if (!writer.WaitToWriteAsync(ct).AsTask().GetAwaiter().GetResult())
            {
                frame.Dispose();
                return;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_reader is not null)
        {
            try
            {
                await _reader.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or MediaException)
            {
            }
        }

        _capture?.Dispose();
        _stream?.Dispose();
        Interlocked.Exchange(ref _still, null)?.Dispose();
        _pool.Dispose();
    }
}
