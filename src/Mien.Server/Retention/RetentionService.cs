using System.Diagnostics;
using Mien.Privacy.Audit;
using Mien.Privacy.Retention;
using Mien.Server.Audit;
using Mien.Server.Jobs;
using Mien.Server.Telemetry;
using Mien.Storage;

namespace Mien.Server.Retention;

/// <summary>
/// Enforces each project's retention periods: every <see cref="ServerOptions.RetentionInterval"/> (and on demand) it
/// removes what is past its period — media files, per-frame results, summaries, skin sessions, old audit entries —
/// and writes one audit entry per project and run with what it removed and how long it took. Files go before rows,
/// and a recording is marked done per kind in the same transaction as its rows, so a run cut short by a crash is
/// finished by the next one and nothing is deleted twice or counted twice.
/// </summary>
internal sealed partial class RetentionService(IMienStore store, AuditTrail audit, ServerOptions options, MienMetrics metrics, ILogger<RetentionService> log) : BackgroundService
{
    /// <summary>The actor retention is audited as.</summary>
    public static readonly string Actor = AuditActors.Service("retention");

    /// <summary>Recordings fetched per query (a large backlog is worked through page by page).</summary>
    private const int Page = 200;

    /// <summary>Files of a recording's result folder per kind. report.html embeds face crops, so it goes with the media too.</summary>
    private static readonly Dictionary<RetainedData, string[]> FolderFiles = new()
    {
        [RetainedData.Media] = ["annotated.mp4", "anonymized.mp4", "annotated.jpg", "anonymized.jpg", "report.html", .. Playback.PlaybackVideos.FileNames],
        [RetainedData.Results] = ["faces.jsonl", "faces.csv"],
        [RetainedData.Aggregates] = ["summary.json", "report.html", "skin.json"],
    };

    /// <summary>The kinds that belong to recordings (counted from when the recording finished).</summary>
    private static readonly RetainedData[] RecordingKinds = [RetainedData.Media, RetainedData.Results, RetainedData.Aggregates];

    /// <summary>Sub-folders of annotated pictures (one per photo of a folder input): media.</summary>
    private static readonly string[] MediaFolders = ["annotated", "anonymized"];

    private readonly SemaphoreSlim _oneRun = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.RetentionInterval is not { } interval)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, options.Time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (MienStoreException e)
            {
                // The next tick retries; what was done stays done.
                LogRunFailed(log, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One run over every project that limits retention; returns what each removed.</summary>
    public async Task<IReadOnlyList<RetentionReport>> RunOnceAsync(CancellationToken cancellationToken)
    {
        var reports = new List<RetentionReport>();
        foreach (var project in await store.ListRetentionPoliciesAsync(cancellationToken).ConfigureAwait(false))
        {
            reports.Add(await RunProjectAsync(project.ProjectId, project.Policy, cancellationToken).ConfigureAwait(false));
        }

        return reports;
    }

    /// <summary>Runs retention for one project now (null when there is no such project).</summary>
    public async Task<RetentionReport?> RunProjectAsync(Guid projectId, CancellationToken cancellationToken)
        => await store.GetRetentionPolicyAsync(projectId, cancellationToken).ConfigureAwait(false) is { } policy
            ? await RunProjectAsync(projectId, policy, cancellationToken).ConfigureAwait(false)
            : null;

    private async Task<RetentionReport> RunProjectAsync(Guid projectId, RetentionPolicy policy, CancellationToken cancellationToken)
    {
        // One run at a time in this process: a timer tick and an on-demand run would otherwise split the work and each report half.
        await _oneRun.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var clock = Stopwatch.StartNew();
            var now = options.Time.GetUtcNow();
            var recordings = RetentionPolicy.Kinds.ToDictionary(k => k, _ => 0L);
            var rows = RetentionPolicy.Kinds.ToDictionary(k => k, _ => 0L);
            var files = RetentionPolicy.Kinds.ToDictionary(k => k, _ => 0L);
            var problems = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var kind in RecordingKinds)
            {
                if (policy.Cutoff(kind, now) is not { } cutoff)
                {
                    continue;
                }

                while (true)
                {
                    var expired = await store.ListExpiredRecordingsAsync(projectId, kind, cutoff, Page, cancellationToken).ConfigureAwait(false);
                    var stuck = 0;
                    foreach (var recording in expired)
                    {
                        var before = problems.Values.Sum();
                        files[kind] += DeleteFiles(kind, recording, problems);
                        if (problems.Values.Sum() > before)
                        {
                            // A file that could not go keeps the recording unmarked, so the next run tries again.
                            stuck++;
                            continue;
                        }

                        if (await store.PurgeRecordingAsync(projectId, recording.Id, kind, cancellationToken).ConfigureAwait(false) is { } deleted)
                        {
                            recordings[kind]++;
                            rows[kind] += deleted;
                        }
                    }

                    if (expired.Count < Page || stuck == expired.Count)
                    {
                        break;
                    }
                }
            }

            if (policy.Cutoff(RetainedData.Profiles, now) is { } profiles)
            {
                rows[RetainedData.Profiles] = await store.DeleteSkinSessionsBeforeAsync(projectId, profiles, cancellationToken).ConfigureAwait(false);
            }

            if (policy.Cutoff(RetainedData.AuditLog, now) is { } auditLog)
            {
                rows[RetainedData.AuditLog] = await store.TrimAuditLogAsync(projectId, auditLog, cancellationToken).ConfigureAwait(false);
            }

            clock.Stop();
            var report = new RetentionReport(projectId, now, recordings, rows, files, clock.Elapsed, [.. problems.Select(p => $"{p.Value} × {p.Key}")]);
            foreach (var kind in RetentionPolicy.Kinds)
            {
                metrics.RetentionRun(RetentionPolicy.FieldName(kind)[..^4], rows[kind], files[kind]);
            }

            metrics.RetentionDuration(clock.Elapsed.TotalMilliseconds);
            await audit.RecordAsync(projectId, Actor, "retention.run", problems.Count == 0 ? "ok" : "partial", detail: Detail(report, policy), cancellationToken: CancellationToken.None).ConfigureAwait(false);
            if (report.TotalRows > 0 || report.Files.Values.Sum() > 0)
            {
                LogRun(log, projectId, report.TotalRows, report.Files.Values.Sum(), clock.Elapsed.TotalMilliseconds);
            }

            return report;
        }
        finally
        {
            _oneRun.Release();
        }
    }

    /// <summary>The audit detail of a run: per kind the period, recordings, rows and files; the elapsed time. No ids, no paths.</summary>
    private static Dictionary<string, object?> Detail(RetentionReport report, RetentionPolicy policy)
    {
        var detail = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var kind in RetentionPolicy.Kinds)
        {
            if (policy.Days(kind) is { } days)
            {
                detail[RetentionPolicy.FieldName(kind)[..^4]] = new { days, recordings = report.Recordings[kind], rows = report.Rows[kind], files = report.Files[kind] };
            }
        }

        detail["elapsedMs"] = Math.Round(report.Elapsed.TotalMilliseconds, 1);
        if (report.Problems.Count > 0)
        {
            detail["problems"] = report.Problems;
        }

        return detail;
    }

    /// <summary>Deletes a recording's files of one kind; returns how many existed and are gone.</summary>
    private int DeleteFiles(RetainedData kind, ExpiredRecording recording, Dictionary<string, int> problems)
    {
        var deleted = 0;
        var folder = JobRunner.Folder(options, recording.Id);
        foreach (var name in FolderFiles[kind])
        {
            deleted += Delete(Path.Combine(folder, name), problems);
        }

        if (kind == RetainedData.Media)
        {
            foreach (var sub in MediaFolders)
            {
                var path = Path.Combine(folder, sub);
                if (Directory.Exists(path))
                {
                    foreach (var file in Directory.EnumerateFiles(path))
                    {
                        deleted += Delete(file, problems);
                    }

                    TryDeleteEmpty(path);
                }
            }

            // Only uploads are files of ours; a stream's "media path" is its URL.
            if (recording.Source == SourceKind.Upload && recording.MediaPath is { } media && IsUpload(media))
            {
                deleted += Delete(media, problems);
            }
        }

        return deleted;
    }

    /// <summary>Whether a stored media path is a file in this server's uploads folder (never delete anything else).</summary>
    private bool IsUpload(string path)
    {
        var uploads = Path.GetFullPath(Path.Combine(options.DataDirectory, "uploads")) + Path.DirectorySeparatorChar;
        return Path.GetFullPath(path).StartsWith(uploads, StringComparison.Ordinal);
    }

    private static int Delete(string path, Dictionary<string, int> problems)
    {
        try
        {
            if (!File.Exists(path))
            {
                return 0;
            }

            File.Delete(path);
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Counted by kind of problem, not by path: paths never go into the audit log.
            var reason = e.GetType().Name;
            problems[reason] = problems.GetValueOrDefault(reason) + 1;
            return 0;
        }
    }

    private static void TryDeleteEmpty(string folder)
    {
        try
        {
            if (!Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (IOException)
        {
        }
    }

    public override void Dispose()
    {
        _oneRun.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention in project {ProjectId}: {Rows} rows and {Files} files past their period removed in {ElapsedMs:F0} ms")]
    private static partial void LogRun(ILogger logger, Guid projectId, long rows, long files, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention run failed (retried at the next interval): {Reason}")]
    private static partial void LogRunFailed(ILogger logger, string reason);
}
