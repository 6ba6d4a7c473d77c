using System.Collections.Concurrent;
using OpenCvSharp;

namespace Mien.Media;

/// <summary>
/// A decoded frame: 8-bit BGR pixels, its index in the source and its presentation timestamp. The pixel
/// buffer is pooled: dispose the frame when done and the buffer goes back for the next frame.
/// </summary>
public sealed class Frame : IDisposable
{
    private readonly FramePool _pool;
    private Mat? _image;

    internal Frame(long index, TimeSpan timestamp, Mat image, FramePool pool, string? name = null, bool independent = false)
    {
        Index = index;
        Timestamp = timestamp;
        _image = image;
        _pool = pool;
        Name = name;
        Independent = independent;
    }

    /// <summary>The image file this frame was decoded from (image folders and single images), else null.</summary>
    public string? Name { get; }

    /// <summary>
    /// True when the frame is an independent still, unrelated to the frame before it (a single photo, or a photo in a
    /// folder of photos not declared a sequence): trackers and temporal filters must start afresh, and a face must
    /// be confirmed within this one frame.
    /// </summary>
    public bool Independent { get; }

    /// <summary>0-based position in the source, counting frames a live source dropped.</summary>
    public long Index { get; }

    /// <summary>Presentation time from the container (files), the stream (network; capture clock for cameras) or index ÷ the sequence rate (images).</summary>
    public TimeSpan Timestamp { get; }

    /// <summary>The pixels (BGR, 8-bit). Valid until the frame is disposed.</summary>
    public Mat Image => _image ?? throw new ObjectDisposedException(nameof(Frame));

    /// <inheritdoc />
    public void Dispose()
    {
        var image = Interlocked.Exchange(ref _image, null);
        if (image is not null)
        {
            _pool.Return(image);
        }
    }
}

/// <summary>Reusable frame buffers, so decoding allocates no image-sized memory per frame once warm.</summary>
internal sealed class FramePool : IDisposable
{
    private readonly ConcurrentBag<Mat> _free = [];
    private readonly int _capacity;

    public FramePool(int capacity) => _capacity = capacity;

    public Mat Rent() => _free.TryTake(out var mat) ? mat : new Mat();

    public void Return(Mat mat)
    {
        if (_free.Count < _capacity)
        {
            _free.Add(mat);
        }
        else
        {
            mat.Dispose();
        }
    }

    public void Dispose()
    {
        while (_free.TryTake(out var mat))
        {
            mat.Dispose();
        }
    }
}
