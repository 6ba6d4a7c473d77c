using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Mien.Privacy;
using Mien.Media;
using Mien.Reports;
using Mien.Results;
using Mien.Server.Privacy;
using Mien.Server.Telemetry;
using Mien.Sessions;
using Mien.Storage;

namespace Mien.Server.Jobs;

/// <summary>
/// Runs queued recordings (uploads and registered streams) through analysis sessions, at most
/// <see cref="ServerOptions.JobConcurrency"/> at once. The queue lives in the database, so it survives restarts: on
/// start, jobs a previous process left "running" are re-queued when their media is still there and failed with a
/// reason otherwise — never left running forever. Results go to the database and to downloadable files in
/// <c>&lt;data&gt;/recordings/&lt;id&gt;/</c>.
/// </summary>
internal sealed partial class JobRunner(IMienStore store, MienRuntime runtime, ServerOptions options, MienMetrics metrics, ConsentGate gate, ProcessingRegistry registry, ILogger<JobRunner> log, Protection.MediaVault vault) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();
    private readonly SemaphoreSlim _slots = new(options.JobConcurrency, options.JobConcurrency);

    /// <summary>Jobs running now.</summary>
    public int Running => _running.Count;

    /// <summary>The folder of a recording's files.</summary>
    public static string Folder(ServerOptions options, Guid recordingId) => Path.Combine(options.DataDirectory, "recordings", recordingId.ToString("N"));

    /// <summary>Tells the runner a job was queued (it also polls, so a missed wake-up only delays).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Stops a running job (its results so far are kept); false when it is not running here.</summary>
    public bool Cancel(Guid recordingId)
    {
        if (_running.TryGetValue(recordingId, out var cts))
        {
            cts.Cancel();
            return true;
        }

        return false;
    }

    /// <summary>
    /// Recovers interrupted jobs before the host starts listening: run later, in <see cref="ExecuteAsync"/>, recovery
    /// raced the first requests and could fail a live session that had just started.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RecoverAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var jobs = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                var job = runtime.NotReady is null ? await store.ClaimNextQueuedAsync(stoppingToken).ConfigureAwait(false) : null;
                if (job is null)
                {
                    _slots.Release();
                    await WaitForWorkAsync(stoppingToken).ConfigureAwait(false);
                    continue;
                }

                jobs.RemoveAll(t => t.IsCompleted);
                jobs.Add(Task.Run(() => RunGuardedAsync(job, stoppingToken), CancellationToken.None));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (MienStoreException e)
            {
                LogStoreProblem(log, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), options.Time, stoppingToken).ConfigureAwait(false);
            }
        }

        // Graceful shutdown: running jobs stop at a frame boundary and complete their outputs; they stay "running"
        // in the database only if the process dies before this point, and the next start re-queues them.
        await Task.WhenAll(jobs).ConfigureAwait(false);
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        poll.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await _wake.Reader.ReadAsync(poll.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RecoverAsync(CancellationToken ct)
    {
        foreach (var job in await store.RecoverInterruptedAsync(InterruptedJobPolicy.Requeue, ct).ConfigureAwait(false))
        {
            if (job.Source == SourceKind.Upload && (job.MediaPath is null || !File.Exists(job.MediaPath)))
            {
                await store.FinishAsync(job.Id, RecordingStatus.Failed, "the server restarted during analysis and the uploaded media is no longer there", cancellationToken: ct).ConfigureAwait(false);
                LogRecovered(log, job.Id, "failed");
            }
            else
            {
                LogRecovered(log, job.Id, "re-queued");
            }
        }
    }

    private async Task RunGuardedAsync(Recording job, CancellationToken stoppingToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _running[job.Id] = cts;
        metrics.JobStarted();
        try
        {
            await RunAsync(job, cts, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever went wrong is this job's failure, never the runner's: record it and go on with the next.
            LogJobFailed(log, job.Id, e.Message);
            await store.FinishAsync(job.Id, RecordingStatus.Failed, Describe(e), cancellationToken: CancellationToken.None).ConfigureAwait(false);
            await DropMediaAsync(job).ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(job.Id, out _);
            metrics.JobEnded();
            _slots.Release();
            Wake();
        }
    }

    /// <summary>
    /// What the job's owner reads. The OS's and the runtime's messages name the server's own paths (upload folder, model
    /// cache), which must not leave the machine: file-system failures are told by kind, others point to the log, which
    /// keeps the full message (<see cref="LogJobFailed"/>).
    /// </summary>
    internal static string Describe(Exception e) => e switch
    {
        MediaException m => m.Problem,
        MienStoreException or Models.ModelStoreException or Models.ModelRunException => e.Message,
        IOException or UnauthorizedAccessException => "the server could not read or write this job's files: " + (Failures.FileProblems.KindOf(e) ?? "an I/O error (details in the server log)"),
        _ => "internal error (details in the server log)",
    };

    private async Task RunAsync(Recording job, CancellationTokenSource cancel, CancellationToken stoppingToken)
    {
        var ct = cancel.Token;
        var request = JsonSerializer.Deserialize<AnalysisRequest>(job.OptionsJson, DatabaseSink.Json) ?? new AnalysisRequest();
        var spec = job.MediaPath ?? throw new InvalidOperationException($"recording {job.Id} has no media path or stream URL");

        // Purpose and consent are checked again when the job starts: either may have changed while it was queued.
        var project = await store.GetProjectAsync(job.ProjectId, ct).ConfigureAwait(false);
        var refusal = project is null ? new Refusal(StatusCodes.Status404NotFound, "Not found", "the project no longer exists") : ConsentGate.CheckPurpose(project, request);
        StoragePlan? plan = null;
        if (refusal is null)
        {
            (plan, refusal) = await gate.PlanAsync(project!, job.SubjectId, wantsStore: true, requireStore: true, ct).ConfigureAwait(false);
        }

        if (plan is null)
        {
            await store.FinishAsync(job.Id, RecordingStatus.Failed, "refused: " + refusal!.Detail, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            if (job.Source == SourceKind.Upload && File.Exists(spec))
            {
                File.Delete(spec);
            }

            return;
        }

        // Without the media scope no video of the person is written, not even an anonymised one.
        request = plan.Media ? request : request with { Video = false };
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await RunAsync(job, request, spec, plan, cancel, stoppingToken, stopped.Task).ConfigureAwait(false);
        }
        finally
        {
            stopped.TrySetResult();
        }
    }

    private async Task RunAsync(Recording job, AnalysisRequest request, string spec, StoragePlan plan, CancellationTokenSource cancel, CancellationToken stoppingToken, Task stopped)
    {
        var ct = cancel.Token;
        IFrameSource source;
        await using var work = await vault.BeginJobAsync(job, ct).ConfigureAwait(false); // plaintext media and results stay in <data>/private
        try
        {
            // No redirects: POST /streams checked where the URL points (Security/StreamTargets), a redirect would bypass it.
            source = MediaSource.Open(work.MediaPath, new MediaSourceOptions { FollowRedirects = false });
        }
        catch (MediaException e)
        {
            await store.FinishAsync(job.Id, RecordingStatus.Failed, e.Problem, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            await DropMediaAsync(job).ConfigureAwait(false);
            return;
        }

        var folder = work.Folder;
        using var files = ResultFolder.Open(folder);
        var voice = request.Voice ? await runtime.VoiceAsync().ConfigureAwait(false) : null;
        var sessionOptions = await Privacy.SubjectRecognition.ApplyAsync(request.ToSession(live: false, folder), request, store, job.ProjectId, job.Id, ct).ConfigureAwait(false);
        if (request.ParseTranscript() is { } transcript)
        {
            sessionOptions = sessionOptions with { Transcript = new TranscriptOptions(transcript, await runtime.SentimentAsync().ConfigureAwait(false)) };
        }

        await using var session = await AnalysisSession.CreateAsync(runtime.Models, source, sessionOptions, voice, options.Time, ct).ConfigureAwait(false);
        await using var writer = await store.OpenWriterAsync(job.Id, cancellationToken: ct).ConfigureAwait(false);
        using var database = new DatabaseSink(writer, session.SourceName);
        using var jsonl = JsonlSink.Create(Path.Combine(folder, "faces.jsonl"), session.SourceName);
        using var csv = CsvSink.Create(Path.Combine(folder, "faces.csv"), session.SourceName);
        var report = new ReportSink(folder);
        var skin = plan.SkinProfile ? new GatedSink(new SkinProfileSink(store, job.ProjectId, plan.SubjectId!.Value, job.Id, options.Time)) : null;
        // A withdrawal stops the job at once and returns only when it has stopped writing; the erasure runs after.
        using var registration = plan.SubjectId is { } subject
            ? registry.Register(job.ProjectId, subject, async scope =>
            {
                if (scope == ConsentScope.SkinProfile)
                {
                    skin?.Close();
                    return;
                }

                Cancel(cancel);
                await stopped.ConfigureAwait(false);
            })
            : null;
        var recognitions = new Privacy.RecognitionAuditSink(store, job.ProjectId, job.Id);
        IAnalysisSink[] sinks = skin is null ? [database, jsonl, csv, report, recognitions] : [database, jsonl, csv, report, skin, recognitions];
        var lastReport = TimeSpan.Zero;
        var frames = 0L;
        var completed = await session.RunAsync(sinks, p =>
        {
            metrics.FrameAnalysed("job", p.FramesAnalysed - frames);
            frames = p.FramesAnalysed;
            if (p.Elapsed - lastReport >= TimeSpan.FromSeconds(1))
            {
                lastReport = p.Elapsed;
                // Progress is advisory: the job must not wait on it. The store refuses it once the job is no longer
                // running (cancelled through another server of the same database): then this one stops too.
                _ = store.ReportProgressAsync(job.Id, p.Fraction ?? 0, p.FramesAnalysed, p.Position.TotalSeconds, CancellationToken.None)
                    .ContinueWith(t => StopIfRefused(t, cancel), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }, ct).ConfigureAwait(false);
        await writer.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        await recognitions.FlushAsync().ConfigureAwait(false);
        jsonl.Dispose();
        csv.Dispose();
        await work.SealAsync(CancellationToken.None).ConfigureAwait(false); // sealed before the job reads as done

        var summary = completed.Summary;
        var duration = summary.Source.Duration?.TotalSeconds;
        if (completed.End == SessionEnd.Interrupted && stoppingToken.IsCancellationRequested)
        {
            // Server shutdown, not the user: leave it for the next start to re-queue (its writes are idempotent).
            return;
        }

        var (status, error) = completed.End switch
        {
            SessionEnd.Interrupted => (RecordingStatus.Cancelled, "cancelled; results up to the cancellation are kept"),
            SessionEnd.Stopped => (RecordingStatus.Done, "the source stopped early: " + string.Join("; ", summary.Problems.TakeLast(2))),
            _ => (RecordingStatus.Done, (string?)null),
        };
        await store.FinishAsync(job.Id, status, error, summary.FramesAnalysed, duration, CancellationToken.None).ConfigureAwait(false);
        if (job.Source == SourceKind.Upload && await KeepsMediaAsync(job).ConfigureAwait(false) is false && File.Exists(spec))
        {
            File.Delete(spec);
        }

        if (completed.End == SessionEnd.Interrupted && plan.SubjectId is { } s && !(await store.CurrentConsentAsync(job.ProjectId, s, CancellationToken.None).ConfigureAwait(false)).Contains(ConsentScope.Measurements))
        {
            LogStoppedByWithdrawal(log, job.Id);
        }

        LogJobDone(log, job.Id, summary.FramesAnalysed, summary.FramesPerSecond);
    }

    private static void StopIfRefused(Task<bool> report, CancellationTokenSource cancel)
    {
        if (report.IsCompletedSuccessfully && !report.Result)
        {
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The job ended meanwhile.
            }
        }
    }

    /// <summary>
    /// A failed job's upload goes like a finished one's, unless media may be kept (UploadBombAttacks: a video that
    /// lies about its duration failed to open and stayed in uploads/ without media consent).
    /// </summary>
    private async Task DropMediaAsync(Recording job)
    {
        if (job.Source == SourceKind.Upload && job.MediaPath is { } path && File.Exists(path) && await KeepsMediaAsync(job).ConfigureAwait(false) is false)
        {
            File.Delete(path);
        }
    }

    /// <summary>Media stay only when the project keeps media and the subject consents to the media scope now (it may have been withdrawn during the job).</summary>
    private async Task<bool> KeepsMediaAsync(Recording job) =>
        job.SubjectId is { } subject
        && (await store.GetProjectAsync(job.ProjectId, CancellationToken.None).ConfigureAwait(false))?.KeepMedia == true
        && (await store.CurrentConsentAsync(job.ProjectId, subject, CancellationToken.None).ConfigureAwait(false)).Contains(ConsentScope.Media);

    private static void Cancel(CancellationTokenSource cancel)
    {
        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The job ended meanwhile.
        }
    }

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording {RecordingId} analysed: {Frames} frames at {Fps:F1} fps")]
    private static partial void LogJobDone(ILogger logger, Guid recordingId, long frames, double fps);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording {RecordingId} failed: {Reason}")]
    private static partial void LogJobFailed(ILogger logger, Guid recordingId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording {RecordingId} was running when the server stopped; {Outcome}")]
    private static partial void LogRecovered(ILogger logger, Guid recordingId, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording {RecordingId} stopped: its subject withdrew consent")]
    private static partial void LogStoppedByWithdrawal(ILogger logger, Guid recordingId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job queue cannot reach the database: {Reason}")]
    private static partial void LogStoreProblem(ILogger logger, string reason);
}
