using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Media;

/// <summary>Limits of a <see cref="PushFrameSource"/>.</summary>
public sealed record PushFrameSourceOptions
{
    /// <summary>Encoded frames waiting for analysis (default 2). Beyond it the oldest waiting frame is dropped and counted: a live view wants the newest frame, not a backlog.</summary>
    public int Capacity { get; init; } = 2;

    /// <summary>Largest accepted encoded frame in bytes (default 4 MiB).</summary>
    public int MaxEncodedBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Largest accepted frame side in pixels (default 1920).</summary>
    public int MaxSide { get; init; } = 1920;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, its value and the limit.</summary>
    public void Validate()
    {
        if (Capacity is < 1 or > 64)
        {
            throw new ArgumentException($"{nameof(Capacity)} = {Capacity}: must be between 1 and 64.", nameof(Capacity));
        }

        if (MaxEncodedBytes is < 1024 or > 64 * 1024 * 1024)
        {
            throw new ArgumentException($"{nameof(MaxEncodedBytes)} = {MaxEncodedBytes}: must be between 1 KiB and 64 MiB.", nameof(MaxEncodedBytes));
        }

        if (MaxSide is < 16 or > StillImage.MaxSide)
        {
            throw new ArgumentException($"{nameof(MaxSide)} = {MaxSide}: must be between 16 and {StillImage.MaxSide}.", nameof(MaxSide));
        }
    }
}

/// <summary>
/// Frames a client pushes (JPEG or PNG bytes with the client's timestamp), e.g. from a browser camera over a
/// WebSocket. Pushing never blocks: encoded frames wait in a small bounded queue and, when analysis falls behind,
/// the oldest waiting frame is dropped and counted, so a stale frame is never decoded. Frames are decoded on the
/// reading side, one at a time, into pooled buffers.
/// </summary>
public sealed class PushFrameSource : IFrameSource
{
    private readonly PushFrameSourceOptions _options;
    private readonly Channel<Pushed> _queue;
    private readonly FramePool _pool = new(4);
    private long _dropped;
    private long _index;
    private TimeSpan? _lastTimestamp;
    private SourceInfo _info;

    /// <summary>Creates an empty source named <paramref name="name"/> (shown in results, e.g. "live").</summary>
    public PushFrameSource(string name, PushFrameSourceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _options = options ?? new PushFrameSourceOptions();
        _options.Validate();
        _info = new SourceInfo(name, "live", 0, 0, null, null, null);
        _queue = Channel.CreateBounded<Pushed>(
            new BoundedChannelOptions(_options.Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped =>
            {
                Interlocked.Increment(ref _dropped);
                dropped.Release();
            });
    }

    /// <inheritdoc />
    public SourceInfo Info => Volatile.Read(ref _info);

    /// <inheritdoc />
    public bool IsLive => true;

    /// <inheritdoc />
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    public string? StopReason { get; private set; }

    /// <summary>
    /// Queues an encoded frame taken at <paramref name="timestamp"/> (client clock, must increase). Returns null when
    /// queued, otherwise why the frame was refused (the source stays usable).
    /// </summary>
    public string? Push(ReadOnlySpan<byte> encoded, TimeSpan timestamp)
    {
        if (encoded.Length == 0)
        {
            return "empty frame";
        }

        if (encoded.Length > _options.MaxEncodedBytes)
        {
            return $"frame of {encoded.Length} bytes exceeds the limit of {_options.MaxEncodedBytes} bytes";
        }

        if (!LooksLikeImage(encoded))
        {
            return "frame is neither JPEG nor PNG (by content)";
        }

        // The header's size decides before any pixel is decoded: a small, highly compressed frame declaring
        // 16000x7000 would otherwise be decoded (hundreds of MB) only to be refused for its size afterwards.
        if (!ImageHeader.TryRead(encoded, out var header, out var headerProblem))
        {
            return "frame " + headerProblem;
        }

        if (header.Width > _options.MaxSide || header.Height > _options.MaxSide)
        {
            return $"frame declares {header.Width}x{header.Height} pixels ({header.Format.ToUpperInvariant()} header); live frames over {_options.MaxSide} pixels a side are refused before decoding";
        }

        if (timestamp < TimeSpan.Zero || timestamp > TimeSpan.FromDays(7))
        {
            return $"timestamp {timestamp.TotalSeconds:0.###} s is outside 0 s .. 7 days";
        }

        lock (_queue)
        {
            if (_lastTimestamp is { } last && timestamp <= last)
            {
                return $"timestamp {timestamp.TotalSeconds:0.###} s does not increase (last {last.TotalSeconds:0.###} s)";
            }

            _lastTimestamp = timestamp;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(encoded.Length);
        encoded.CopyTo(buffer);
        var item = new Pushed(buffer, encoded.Length, timestamp, Interlocked.Increment(ref _index) - 1);
        if (!_queue.Writer.TryWrite(item))
        {
            item.Release();
            return "the session has ended";
        }

        return null;
    }

    /// <summary>No more frames: the session finishes the frames queued and ends.</summary>
    public void Complete(string? stopReason = null)
    {
        StopReason ??= stopReason;
        _queue.Writer.TryComplete();
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<Frame> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            Mat decoded;
            try
            {
                decoded = Decode(item);
            }
            catch (MediaException e)
            {
                // A bad frame is the client's problem, not the session's: count it and go on.
                Interlocked.Increment(ref _dropped);
                BadFrames.Enqueue(e.Problem);
                continue;
            }
            finally
            {
                item.Release();
            }

            var mat = _pool.Rent();
            decoded.CopyTo(mat);
            decoded.Dispose();
            if (Info.Width == 0)
            {
                Volatile.Write(ref _info, _info with { Width = mat.Width, Height = mat.Height });
            }

            yield return new Frame(item.Index, item.Timestamp, mat, _pool);
        }
    }

    /// <summary>Why frames that could not be decoded were skipped (the most recent 16; they also count as dropped).</summary>
    public IReadOnlyList<string> RecentProblems => BadFrames.Snapshot();

    private BoundedLog BadFrames { get; } = new(16);

    private Mat Decode(Pushed item)
    {
        var bytes = item.Buffer.AsSpan(0, item.Length).ToArray();
        var image = StillImage.Decode(bytes, $"frame {item.Index}");
        if (image.Width > _options.MaxSide || image.Height > _options.MaxSide)
        {
            var size = $"{image.Width}x{image.Height}";
            image.Dispose();
            throw new MediaException($"frame {item.Index}", $"is {size} pixels; live frames over {_options.MaxSide} pixels a side are refused");
        }

        return image;
    }

    private static bool LooksLikeImage(ReadOnlySpan<byte> b) =>
        (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        || (b.Length >= 8 && b[..8].SequenceEqual(PngSignature));

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var item))
        {
            item.Release();
        }

        _pool.Dispose();
        return ValueTask.CompletedTask;
    }

    private readonly record struct Pushed(byte[] Buffer, int Length, TimeSpan Timestamp, long Index)
    {
        public void Release() => ArrayPool<byte>.Shared.Return(Buffer);
    }
}

/// <summary>The last few messages of a kind, thread-safe and bounded.</summary>
internal sealed class BoundedLog(int capacity)
{
    private readonly Queue<string> _items = new();

    public void Enqueue(string message)
    {
        lock (_items)
        {
            if (_items.Count == capacity)
            {
                _items.Dequeue();
            }

            _items.Enqueue(message);
        }
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (_items)
        {
            return [.. _items];
        }
    }
}
