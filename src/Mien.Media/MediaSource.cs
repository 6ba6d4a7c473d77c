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

    /// <summary>Frame rate assigned to image sequences (default 30 fps): their timestamps are index / rate.</summary>
    public double ImageSequenceFps { get; init; } = 30;

    /// <summary>Timeout for opening and reading network streams (default 10 s).</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest accepted frame side in pixels (default 8192).</summary>
    public int MaxSide { get; init; } = 8192;
}

/// <summary>
/// Frames from a video file (mp4, mov incl. HEVC, avi, mkv, webm…), a folder of images or a single image,
/// a camera (by index) or a network stream (rtsp/http URL), decoded on a background thread into pooled
/// buffers and handed over through a bounded channel: files never drop frames (the decoder waits), live
/// sources drop the oldest frame when the consumer falls behind (counted in <see cref="Dropped"/>).
/// Timing comes from the container's presentation timestamps, not from frame counts.
/// </summary>
public sealed class MediaSource : IFrameSource
{
    private static readonly string[] VideoExtensions = [".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv", ".3gp", ".ts", ".mts"];

    private readonly MediaSourceOptions _options;
    private readonly VideoCapture? _capture;
    private readonly IReadOnlyList<string>? _images;
    private readonly FramePool _pool;
    private long _dropped;
    private Task? _reader;

    private MediaSource(MediaSourceOptions options, SourceInfo info, VideoCapture? capture, IReadOnlyList<string>? images, bool live, long? declaredFrames)
    {
        _options = options;
        Info = info;
        _capture = capture;
        _images = images;
        IsLive = live;
        DeclaredFrames = declaredFrames;
        _pool = new FramePool(options.Capacity + 4);
    }

    /// <summary>What is being read.</summary>
    public SourceInfo Info { get; }

    /// <summary>True for cameras and network streams (frames are dropped under load).</summary>
    public bool IsLive { get; }

    /// <summary>Frame count the container declares, if any.</summary>
    public long? DeclaredFrames { get; }

    /// <summary>Frames dropped because the consumer was behind (live sources only).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Why reading stopped early (e.g. truncated file), or null after a normal end.</summary>
    public string? StopReason { get; private set; }

    /// <summary>
    /// Opens <paramref name="spec"/>: a video file, an image file, a folder of images, a camera index
    /// ("0", "camera:1") or an rtsp/http(s) URL.
    /// </summary>
    /// <exception cref="MediaException">The source is missing, empty, unsupported, corrupt or absurd.</exception>
    public static MediaSource Open(string spec, MediaSourceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        options ??= new MediaSourceOptions();
        if (options.Capacity < 1 || options.ImageSequenceFps <= 0 || options.MaxSide < 16)
        {
            throw new ArgumentException($"invalid MediaSourceOptions: Capacity = {options.Capacity} (>= 1), ImageSequenceFps = {options.ImageSequenceFps} (> 0), MaxSide = {options.MaxSide} (>= 16)");
        }

        if (TryCameraIndex(spec, out var index))
        {
            var camera = new VideoCapture(index, VideoCaptureAPIs.V4L2);
            if (!camera.IsOpened())
            {
                camera.Dispose();
                throw new MediaException(spec, $"camera {index} cannot be opened (no /dev/video{index}, busy, or no permission)");
            }

            return Live(spec, "camera", camera, options);
        }

        if (Uri.TryCreate(spec, UriKind.Absolute, out var uri) && uri.Scheme is "rtsp" or "rtmp" or "http" or "https" or "udp" or "srt")
        {
            var timeout = (int)options.NetworkTimeout.TotalMilliseconds;
            // CAP_PROP_OPEN_TIMEOUT_MSEC (53) and CAP_PROP_READ_TIMEOUT_MSEC (54): a dead stream must not hang us.
            var stream = new VideoCapture(spec, VideoCaptureAPIs.FFMPEG, [53, timeout, 54, timeout]);
            if (!stream.IsOpened())
            {
                stream.Dispose();
                throw new MediaException(spec, $"stream cannot be opened within {options.NetworkTimeout.TotalSeconds:0} s (unreachable, wrong URL, or unsupported format)");
            }

            return Live(spec, "stream", stream, options);
        }

        if (Directory.Exists(spec))
        {
            var images = Directory.EnumerateFiles(spec).Where(f => StillImage.Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).ToArray();
            if (images.Length == 0)
            {
                throw new MediaException(spec, $"folder holds no images ({string.Join(", ", StillImage.Extensions)})");
            }

            using var first = StillImage.Load(images[0]);
            return new MediaSource(options, new SourceInfo(spec, "images", first.Width, first.Height, options.ImageSequenceFps, TimeSpan.FromSeconds(images.Length / options.ImageSequenceFps), null), null, images, false, images.Length);
        }

        var file = new FileInfo(spec);
        if (!file.Exists)
        {
            throw new MediaException(spec, "file not found");
        }

        if (file.Length == 0)
        {
            throw new MediaException(spec, "file is empty (0 bytes)");
        }

        if (StillImage.Extensions.Contains(file.Extension))
        {
            using var image = StillImage.Load(spec);
            return new MediaSource(options, new SourceInfo(spec, "image", image.Width, image.Height, null, null, null), null, [spec], false, 1);
        }

        var capture = new VideoCapture(spec, VideoCaptureAPIs.FFMPEG);
        if (!capture.IsOpened())
        {
            capture.Dispose();
            var hint = VideoExtensions.Contains(file.Extension, StringComparer.OrdinalIgnoreCase)
                ? "cannot be opened as video: corrupt or truncated file, or an unsupported codec"
                : $"'{file.Extension}' is neither a supported image ({string.Join(", ", StillImage.Extensions)}) nor a decodable video";
            throw new MediaException(spec, hint);
        }

        var (width, height) = (capture.FrameWidth, capture.FrameHeight);
        if (width <= 0 || height <= 0 || width > options.MaxSide || height > options.MaxSide)
        {
            capture.Dispose();
            throw new MediaException(spec, $"frame size {width}x{height} is outside 1..{options.MaxSide} pixels");
        }

        var fps = capture.Fps;
        var frames = capture.FrameCount;
        var duration = fps > 0 && frames > 0 ? TimeSpan.FromSeconds(frames / fps) : (TimeSpan?)null;
        var codec = FourCc(capture.FourCC);
        return new MediaSource(options, new SourceInfo(spec, "video", width, height, fps > 0 ? fps : null, duration, codec), capture, null, false, frames > 0 ? frames : null);
    }

    private static MediaSource Live(string spec, string kind, VideoCapture capture, MediaSourceOptions options)
    {
        var fps = capture.Fps;
        return new MediaSource(options, new SourceInfo(spec, kind, capture.FrameWidth, capture.FrameHeight, fps > 0 ? fps : null, null, FourCc(capture.FourCC)), capture, null, true, null);
    }

    private static bool TryCameraIndex(string spec, out int index)
    {
        var text = spec.StartsWith("camera:", StringComparison.OrdinalIgnoreCase) ? spec[7..] : spec;
        return int.TryParse(text, out index) && index is >= 0 and < 64 && !File.Exists(spec);
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
        for (var i = 0; i < _images!.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            Mat image;
            try
            {
                image = StillImage.Load(_images[i]);
            }
            catch (MediaException e)
            {
                // One unreadable image in a sequence is skipped and reported, not fatal.
                StopReason = StopReason is null ? e.Message : $"{StopReason}; {e.Message}";
                continue;
            }

            var frame = new Frame(i, TimeSpan.FromSeconds(i / _options.ImageSequenceFps), image, _pool);
            Write(writer, frame, ct);
        }
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

            if (mat.Type() != MatType.CV_8UC3)
            {
                using var converted = new Mat();
                if (mat.Channels() == 1)
                {
                    Cv2.CvtColor(mat, converted, ColorConversionCodes.GRAY2BGR);
                }
                else if (mat.Channels() == 4)
                {
                    Cv2.CvtColor(mat, converted, ColorConversionCodes.BGRA2BGR);
                }
                else
                {
                    converted.Dispose();
                    _pool.Return(mat);
                    throw new MediaException(Info.Name, $"unsupported pixel format {mat.Type()}");
                }

                converted.CopyTo(mat);
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
        _pool.Dispose();
    }
}
