using System.Diagnostics;
using System.Threading.Channels;

namespace Mien.Storage.Sql;

/// <summary>Rows gathered for one transaction.</summary>
internal sealed class ResultBatch
{
    public List<StoredFrame> Frames { get; } = [];

    public List<StoredEvent> Events { get; } = [];

    public List<StoredPersonSummary> Persons { get; } = [];

    public string? Summary { get; set; }

    /// <summary>Why a queued payload is not JSON (checked by the producer), or null: the batch then fails as a whole.</summary>
    public string? Invalid { get; set; }

    public int Count => Frames.Count + Events.Count + Persons.Count + (Summary is null ? 0 : 1) + (Invalid is null ? 0 : 1);

    public void Clear()
    {
        Frames.Clear();
        Events.Clear();
        Persons.Clear();
        Summary = null;
        Invalid = null;
    }
}

/// <summary>
/// The producer enqueues into a bounded channel (waiting only when it is full: results are never dropped); one
/// background loop drains it into batches and commits each in one transaction as soon as the batch is full or its
/// oldest row is <see cref="RecordingWriterOptions.FlushInterval"/> old. A flush request travels through the same
/// channel, so it commits exactly what was written before it.
/// </summary>
internal sealed class RecordingWriter : IRecordingWriter
{
    private enum Kind : byte
    {
        Frame,
        Event,
        Person,
        Summary,
        Invalid,
        Flush,
    }

    private readonly record struct Item(Kind Kind, object Value);

    private readonly SqlMienStore _store;
    private readonly RecordingWriterOptions _options;
    private readonly Channel<Item> _queue;
    private readonly Task _loop;
    private Exception? _failure;
    private int _closed;
    private int _failureReported;

    private readonly Guid _projectId;

    public RecordingWriter(SqlMienStore store, Guid recordingId, Guid projectId, RecordingWriterOptions options)
    {
        _store = store;
        _projectId = projectId;
        _options = options;
        RecordingId = recordingId;
        _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });
        _loop = Task.Run(RunAsync);
    }

    public Guid RecordingId { get; }

    public ValueTask WriteFrameAsync(StoredFrame frame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfNegative(frame.FrameIndex, nameof(frame.FrameIndex));
        ArgumentOutOfRangeException.ThrowIfNegative(frame.Faces, nameof(frame.Faces));
        Finite(frame.TimeS, nameof(frame.TimeS));
        SqlMienStore.Payload(frame.PayloadJson, nameof(frame.PayloadJson));
        return EnqueueAsync(Checked(new Item(Kind.Frame, frame), frame.PayloadJson, $"frame {frame.FrameIndex}"), cancellationToken);
    }

    public ValueTask WriteEventAsync(StoredEvent evt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentOutOfRangeException.ThrowIfNegative(evt.Seq, nameof(evt.Seq));
        if (string.IsNullOrEmpty(evt.Kind) || evt.Kind.Length > 40)
        {
            throw new ArgumentException($"{nameof(evt.Kind)} must be 1–40 characters; got '{evt.Kind}'.", nameof(evt));
        }

        Finite(evt.StartS, nameof(evt.StartS));
        if (evt.EndS is { } end)
        {
            Finite(end, nameof(evt.EndS));
        }

        SqlMienStore.Payload(evt.PayloadJson, nameof(evt.PayloadJson));
        return EnqueueAsync(Checked(new Item(Kind.Event, evt), evt.PayloadJson, $"event {evt.Seq}"), cancellationToken);
    }

    public ValueTask WritePersonSummaryAsync(StoredPersonSummary summary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        SqlMienStore.Payload(summary.PayloadJson, nameof(summary.PayloadJson));
        return EnqueueAsync(Checked(new Item(Kind.Person, summary), summary.PayloadJson, $"person summary {summary.TrackId}"), cancellationToken);
    }

    public ValueTask WriteSummaryAsync(string summaryJson, CancellationToken cancellationToken = default)
        => EnqueueAsync(Checked(new Item(Kind.Summary, SqlMienStore.Payload(summaryJson, nameof(summaryJson))), summaryJson, "summary"), cancellationToken);

    /// <summary>
    /// The item, or one that fails its batch when the payload is not JSON: the database only sees sealed envelopes,
    /// so the check moved here, to the producer's thread, and still fails the batch at commit as the database did.
    /// </summary>
    private static Item Checked(Item item, string json, string what)
        => SqlMienStore.JsonProblem(json) is { } problem ? new Item(Kind.Invalid, $"the {what} payload is not valid JSON: {problem}") : item;

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueAsync(new Item(Kind.Flush, done), cancellationToken).ConfigureAwait(false);
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Exchange(ref _closed, 1);
        _queue.Writer.TryComplete();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfFailed();
    }

    /// <summary>
    /// Flushes what is queued; throws when results could not be stored and no earlier call has said so yet (losing
    /// them silently would be worse).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _closed, 1);
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (Volatile.Read(ref _failureReported) == 0)
        {
            ThrowIfFailed();
        }
    }

    private ValueTask EnqueueAsync(Item item, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            ThrowIfFailed();
            throw new InvalidOperationException($"the writer of recording {RecordingId} is completed; open a new one to write more");
        }

        return _queue.Writer.TryWrite(item) ? ValueTask.CompletedTask : SlowEnqueueAsync(item, cancellationToken);
    }

    private async ValueTask SlowEnqueueAsync(Item item, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            ThrowIfFailed();
            throw new InvalidOperationException($"the writer of recording {RecordingId} is completed; open a new one to write more");
        }
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            Interlocked.Exchange(ref _failureReported, 1);
            throw failure as MienStoreException ?? new MienStoreException($"writing results of recording {RecordingId} failed: {failure.Message}", MienStoreError.Failure, failure);
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new ResultBatch();
        var flushes = new List<TaskCompletionSource>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                var deadline = Stopwatch.GetTimestamp() + (long)(_options.FlushInterval.TotalSeconds * Stopwatch.Frequency);
                while (Fill(reader, batch, flushes) && batch.Count < _options.BatchSize)
                {
                    var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    if (remaining <= TimeSpan.Zero || !await WaitAsync(reader, remaining).ConfigureAwait(false))
                    {
                        break;
                    }
                }

                if (batch.Count > 0)
                {
                    await _store.WriteBatchAsync(RecordingId, _projectId, batch, CancellationToken.None).ConfigureAwait(false);
                    batch.Clear();
                }

                foreach (var flush in flushes)
                {
                    flush.TrySetResult();
                }

                flushes.Clear();
            }
        }
        catch (Exception e)
        {
            Volatile.Write(ref _failure, e);
            _queue.Writer.TryComplete(e);
            var failure = e as MienStoreException ?? new MienStoreException($"writing results of recording {RecordingId} failed: {e.Message}", MienStoreError.Failure, e);
            foreach (var flush in flushes)
            {
                flush.TrySetException(failure);
            }

            while (reader.TryRead(out var item))
            {
                (item.Value as TaskCompletionSource)?.TrySetException(failure);
            }
        }
    }

    /// <summary>Moves queued rows into the batch; false when a flush request (or a full batch) says commit now.</summary>
    private bool Fill(ChannelReader<Item> reader, ResultBatch batch, List<TaskCompletionSource> flushes)
    {
        while (batch.Count < _options.BatchSize && reader.TryRead(out var item))
        {
            switch (item.Kind)
            {
                case Kind.Frame:
                    batch.Frames.Add((StoredFrame)item.Value);
                    break;
                case Kind.Event:
                    batch.Events.Add((StoredEvent)item.Value);
                    break;
                case Kind.Person:
                    batch.Persons.Add((StoredPersonSummary)item.Value);
                    break;
                case Kind.Summary:
                    batch.Summary = (string)item.Value;
                    break;
                case Kind.Invalid:
                    batch.Invalid ??= (string)item.Value;
                    break;
                default:
                    flushes.Add((TaskCompletionSource)item.Value);
                    return false;
            }
        }

        return true;
    }

    /// <summary>Waits for more rows up to <paramref name="timeout"/>; false on timeout or when the channel is done.</summary>
    private static async Task<bool> WaitAsync(ChannelReader<Item> reader, TimeSpan timeout)
    {
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            return await reader.WaitToReadAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested)
        {
            return false;
        }
    }

    private static void Finite(double value, string name)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; it must be a finite number of seconds.");
        }
    }
}
