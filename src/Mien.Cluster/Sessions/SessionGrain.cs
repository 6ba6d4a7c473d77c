using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mien.Cluster.Placement;
using Mien.Media;
using Mien.Models;
using Mien.Pipeline;
using Mien.Reports;
using Mien.Results;
using Mien.Sessions;
using Orleans.Timers;

namespace Mien.Cluster.Sessions;

/// <summary>
/// A session grain (see <see cref="ISessionGrain"/>): a shell over <see cref="AnalysisSession"/> fed by a
/// <see cref="PushFrameSource"/>, exactly as the server's live WebSocket runs it. Orleans gives the grain one call at a
/// time, so frames of a session are analysed in order, one at a time, while sessions on a silo run in parallel.
/// </summary>
[SessionPlacement]
internal sealed partial class SessionGrain(
    [PersistentState("session", MienClusterOptions.Storage)] IPersistentState<SessionCheckpoint> state,
    ModelSet models,
    IOptions<MienClusterOptions> options,
    ILocalSiloDetails silo,
    Health.ClusterMetrics metrics,
    ILogger<SessionGrain> log) : Grain, ISessionGrain, IRemindable
{
    /// <summary>Name of the reminder that deletes an abandoned session's checkpoint.</summary>
    internal const string AbandonedReminder = "abandoned";

    private readonly HashSet<IResultObserver> _observers = [];
    private Running? _running;
    private PersonLedger _people = new();
    private long _lastSequence = -1;
    private long _framesThisActivation;
    private int _sinceCheckpoint;
    private bool _resumed;
    private string? _ended;

    private string Silo => silo.SiloAddress.ToString();

    private string Key => this.GetGrainId().Key.ToString()!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Start is not null)
        {
            // Re-activation (the previous silo stopped or died): continue from the checkpoint.
            // Counted as a re-activation when it analyses again (StartAsync): the abandonment reminder also wakes it.
            _resumed = true;
            _people = PersonLedger.From(state.State);
            _lastSequence = state.State.CheckpointSequence;
        }

        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<SessionOpened> OpenAsync(SessionStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.Validate();
        // A session id ended by a withdrawal or erasure may be opened again only as a new session (the node checked
        // consent for it just now); nothing of the old one is left to resume.
        _ended = null;
        if (_running is null)
        {
            await StartAsync(start);
        }

        return new SessionOpened(Silo, _resumed, state.State.CheckpointSequence, _lastSequence, _people.Carried, state.State.Activations);
    }

    private async Task StartAsync(SessionStart start)
    {
        var push = new PushFrameSource(start.Source);
        var sessionOptions = new SessionOptions
        {
            // Identity (faceres) is the most expensive stage and re-identification across a failover is done here by
            // position; voice needs audio the cluster protocol does not carry yet.
            Pipeline = new PipelineOptions { Body = start.Body, Identity = null },
            Voice = false,
        };
        AnalysisSession session;
        try
        {
            session = await AnalysisSession.CreateAsync(models, push, sessionOptions);
        }
        catch
        {
            await push.DisposeAsync();
            throw;
        }

        var sink = new FrameWaiter();
        // The session reads frames on the thread pool, outside the grain's scheduler; the grain awaits each frame's result.
        var run = Task.Run(() => session.RunAsync([sink]), CancellationToken.None);
        _running = new Running(push, session, sink, run, new ResultJsonEncoder(start.Source));
        metrics.SessionStarted();
        if (_resumed && state.State.Start is not null)
        {
            metrics.Reactivated();
            LogResumed(log, Key, Silo, state.State.CheckpointSequence, _people.Carried);
        }

        state.State.Start = start;
        state.State.Activations++;
        _lastFrameUtc = options.Value.Clock.GetUtcNow();
        await CheckpointAsync();
        await ExpireWhenAbandonedAsync();
        if (start.Subject is { } subject)
        {
            // One-way: the subject grain may be waiting on this session (ending it) right now. Re-stated at every
            // activation, so a session re-activated after its silo died stays known to its subject.
            _ = GrainFactory.GetGrain<ISubjectGrain>(subject).AttachAsync(Key);
        }
    }

    public async Task<FrameReply> AnalyzeAsync(FrameMessage frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_running is null)
        {
            if (state.State.Start is not { } start)
            {
                // Answered, not thrown: the client's node tells the client and stops sending.
                return new FrameReply(frame.Sequence, FrameOutcome.Ended, Silo, [], [], 0,
                    _ended ?? $"session '{Key}' is not open (never opened, stopped by its client, or ended by a withdrawal of consent or an erasure)");
            }

            // A client that lost its silo sends its next frame; the session continues here from its checkpoint.
            await StartAsync(start);
        }

        var running = _running!;
        if (frame.Sequence <= _lastSequence)
        {
            return new FrameReply(frame.Sequence, FrameOutcome.Duplicate, Silo, [], [], 0, null);
        }

        var started = Stopwatch.GetTimestamp();
        // The source numbers queued frames 0, 1, …; the waiter takes only this frame's result, never a late one.
        var result = running.Sink.Expect(running.Pushed);
        if (running.Push.Push(frame.Image, frame.Timestamp) is { } problem)
        {
            running.Sink.Cancel();
            return new FrameReply(frame.Sequence, FrameOutcome.Refused, Silo, [], [], 0, problem);
        }

        running.Pushed++;

        FrameAnalysis analysis;
        try
        {
            analysis = await result.WaitAsync(options.Value.FrameTimeout);
        }
        catch (TimeoutException)
        {
            running.Sink.Cancel();
            return new FrameReply(frame.Sequence, FrameOutcome.Refused, Silo, [], [], 0,
                $"the frame was not analysed within {options.Value.FrameTimeout.TotalSeconds:0} s (undecodable image, or the silo is overloaded)");
        }

        var (numbered, faces) = _people.Observe(analysis);
        var json = running.Encoder.Encode(new FrameUpdate(numbered)).ToArray();
        var reply = new FrameReply(frame.Sequence, FrameOutcome.Analysed, Silo, json, faces, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
        metrics.Frame(reply.AnalysisMs);
        _lastSequence = frame.Sequence;
        _framesThisActivation++;
        _lastFrameUtc = options.Value.Clock.GetUtcNow();
        foreach (var observer in _observers)
        {
            _ = observer.OnFrame(Key, reply);
        }

        if (++_sinceCheckpoint >= state.State.Start!.CheckpointEvery)
        {
            await CheckpointAsync();
        }

        return reply;
    }

    public async Task<SessionStatus> CloseAsync()
    {
        var status = Status();
        await StopAsync();
        foreach (var observer in _observers)
        {
            _ = observer.OnClosed(Key);
        }

        _observers.Clear();
        var subject = state.State.Start?.Subject;
        await state.ClearStateAsync();
        await ForgetReminderAsync();
        await GrainFactory.GetGrain<ISessionLoadGrain>(0).ReportAsync(Key, null);
        if (subject is not null)
        {
            _ = GrainFactory.GetGrain<ISubjectGrain>(subject).DetachAsync(Key);
        }

        DeactivateOnIdle();
        return status with { Open = false };
    }

    public async Task<bool> ForgetAsync(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var had = _running is not null || state.State.Start is not null;
        await StopAsync();
        foreach (var observer in _observers)
        {
            _ = observer.OnClosed(Key);
        }

        _observers.Clear();
        // The checkpoint row goes (per-person totals, last boxes); the activation stays a while only to answer the
        // client's next frame with the reason, and holds nothing about the person.
        await state.ClearStateAsync();
        await ForgetReminderAsync();
        state.State = new SessionCheckpoint();
        _people = new PersonLedger();
        _lastSequence = -1;
        _framesThisActivation = 0;
        _framesAtCheckpoint = 0;
        _sinceCheckpoint = 0;
        _ended = reason;
        await GrainFactory.GetGrain<ISessionLoadGrain>(0).ReportAsync(Key, null);
        if (had)
        {
            LogForgotten(log, Key, reason);
        }

        return had;
    }

    public Task<SessionStatus> StatusAsync() => Task.FromResult(Status());

    public Task SubscribeAsync(IResultObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Add(observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IResultObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_running is not null)
        {
            // A graceful stop (silo shutdown, idle collection): the checkpoint covers every answered frame.
            await CheckpointAsync();
            await StopAsync();
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    private SessionStatus Status() => new(
        Silo, _running is not null, _lastSequence, state.State.CheckpointSequence,
        state.State.FramesAnalysed + (_framesThisActivation - _framesAtCheckpoint), state.State.Activations, _people.Summaries(), state.State.Start is not null);

    private long _framesAtCheckpoint;

    private DateTimeOffset _lastFrameUtc;

    /// <summary>
    /// The abandonment reminder's tick: a session with no frame for <see cref="MienClusterOptions.AbandonedAfter"/>
    /// (its client never came back, or its silo died and nobody resumed it) is ended and its checkpoint deleted.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != AbandonedReminder)
        {
            return;
        }

        if (state.State.Start is null)
        {
            // Closed or forgotten already; only the reminder was left.
            await ForgetReminderAsync();
            DeactivateOnIdle();
            return;
        }

        var last = _running is not null ? _lastFrameUtc : state.State.LastFrameUtc;
        var idle = options.Value.Clock.GetUtcNow() - last;
        if (idle < options.Value.AbandonedAfter)
        {
            return;
        }

        LogAbandoned(log, Key, idle.TotalMinutes);
        if (state.State.Start.Subject is { } subject)
        {
            _ = GrainFactory.GetGrain<ISubjectGrain>(subject).DetachAsync(Key);
        }

        // Like a withdrawal: the activation stays until idle collection only to tell a late client why.
        await ForgetAsync($"session '{Key}' had no frame for {idle.TotalMinutes:0} min and was ended; its checkpoint is deleted");
    }

    private async Task ExpireWhenAbandonedAsync()
    {
        if (ServiceProvider.GetService<IReminderRegistry>() is null)
        {
            // A silo without a reminder service (some tests' in-process silos): nothing can expire the checkpoint.
            return;
        }

        var after = options.Value.AbandonedAfter;
        await this.RegisterOrUpdateReminder(AbandonedReminder, after, after);
    }

    private async Task ForgetReminderAsync()
    {
        if (ServiceProvider.GetService<IReminderRegistry>() is null)
        {
            return;
        }

        if (await this.GetReminder(AbandonedReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task CheckpointAsync()
    {
        var (next, people) = _people.Snapshot();
        state.State.FramesAnalysed += _framesThisActivation - _framesAtCheckpoint;
        _framesAtCheckpoint = _framesThisActivation;
        state.State.CheckpointSequence = _lastSequence;
        state.State.NextPerson = next;
        state.State.People = people;
        state.State.SavedUtc = DateTimeOffset.UtcNow;
        state.State.LastFrameUtc = _lastFrameUtc;
        await state.WriteStateAsync();
        _sinceCheckpoint = 0;
        // Re-stated at every checkpoint so a re-activated load grain re-learns where sessions run.
        await GrainFactory.GetGrain<ISessionLoadGrain>(0).ReportAsync(Key, silo.SiloAddress);
    }

    private async Task StopAsync()
    {
        if (_running is not { } running)
        {
            return;
        }

        _running = null;
        metrics.SessionStopped();
        running.Push.Complete("the session was closed");
        try
        {
            await running.Run;
        }
        finally
        {
            running.Encoder.Dispose();
            await running.Session.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "session {Session} abandoned: no frame for {Minutes:0} min")]
    private static partial void LogAbandoned(ILogger logger, string session, double minutes);

    [LoggerMessage(Level = LogLevel.Information, Message = "session {Session} ended and its checkpoint deleted: {Reason}")]
    private static partial void LogForgotten(ILogger logger, string session, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "session {Session} resumed on {Silo} from checkpoint sequence {Sequence} with {People} people")]
    private static partial void LogResumed(ILogger logger, string session, string silo, long sequence, int people);

    private sealed record Running(PushFrameSource Push, AnalysisSession Session, FrameWaiter Sink, Task<SessionCompleted> Run, ResultJsonEncoder Encoder)
    {
        /// <summary>Frames queued into <see cref="Push"/> so far (the next one's index).</summary>
        public long Pushed { get; set; }
    }

    /// <summary>Hands the next frame's analysis from the session's thread to the grain call waiting for it.</summary>
    private sealed class FrameWaiter : IAnalysisSink
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource<FrameAnalysis>? _pending;
        private long _index = -1;

        public Task<FrameAnalysis> Expect(long index)
        {
            var pending = new TaskCompletionSource<FrameAnalysis>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _pending = pending;
                _index = index;
            }

            return pending.Task;
        }

        public void Cancel()
        {
            lock (_gate)
            {
                _pending = null;
            }
        }

        public void Write(AnalysisUpdate update)
        {
            if (update is FrameUpdate frame)
            {
                TaskCompletionSource<FrameAnalysis>? done = null;
                lock (_gate)
                {
                    if (_pending is not null && frame.Frame.FrameIndex == _index)
                    {
                        done = _pending;
                        _pending = null;
                    }
                }

                done?.TrySetResult(frame.Frame);
            }
        }
    }
}
