using System.Threading.Channels;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Media.Output;

/// <summary>
/// Runs an <see cref="AnnotatedVideoWriter"/> on its own thread, so drawing and encoding (about a third of the
/// analysis cost of a 640×360 frame) overlap with the analysis of the next frames on the second core. Frames are
/// copied into a small pool of reused buffers (no per-frame image allocation) and handed over a bounded queue:
/// when the encoder falls behind, <see cref="Write"/> waits, so memory stays bounded and no frame is dropped.
/// Frames are written in the order given. Not thread-safe: one producer.
/// </summary>
public sealed class BackgroundVideoWriter : IDisposable
{
    private const int Buffers = 3;
    private readonly AnnotatedVideoWriter _inner;
    private readonly Channel<(Mat Frame, FrameAnalysis Analysis)> _queue = Channel.CreateBounded<(Mat, FrameAnalysis)>(new BoundedChannelOptions(Buffers - 1) { SingleReader = true, SingleWriter = true });
    private readonly Channel<Mat> _free = Channel.CreateUnbounded<Mat>();
    private readonly List<Mat> _all = [];
    private readonly Task _consumer;
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/>, which this writer then owns and disposes.</summary>
    public BackgroundVideoWriter(AnnotatedVideoWriter inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _consumer = Task.Run(ConsumeAsync);
    }

    /// <summary>Queues a copy of <paramref name="bgr"/> with its results; the caller may reuse <paramref name="bgr"/> at once.</summary>
    /// <exception cref="MediaException">Encoding failed on the writer thread (the first failure is reported here).</exception>
    public void Write(Mat bgr, FrameAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(analysis);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_consumer.IsFaulted)
        {
            _consumer.GetAwaiter().GetResult();
        }

        if (!_free.Reader.TryRead(out var buffer))
        {
            if (_all.Count < Buffers)
            {
                buffer = new Mat();
                _all.Add(buffer);
            }
            else
            {
                buffer = _free.Reader.ReadAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        bgr.CopyTo(buffer);
        if (!_queue.Writer.TryWrite((buffer, analysis)))
        {
            _queue.Writer.WriteAsync((buffer, analysis)).AsTask().GetAwaiter().GetResult();
        }
    }

    private async Task ConsumeAsync()
    {
        await foreach (var (frame, analysis) in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                _inner.Write(frame, analysis);
            }
            finally
            {
                _free.Writer.TryWrite(frame);
            }
        }
    }

    /// <summary>Whether closing removed the video because it could not be finished (see <see cref="AnnotatedVideoWriter.Unfinished"/>).</summary>
    public bool Unfinished => _inner.Unfinished;

    /// <summary>Writes the queued frames, closes the file and releases the buffers.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _queue.Writer.TryComplete();
        try
        {
            _consumer.GetAwaiter().GetResult();
        }
        finally
        {
            _inner.Dispose();
            foreach (var m in _all)
            {
                m.Dispose();
            }
        }
    }
}
