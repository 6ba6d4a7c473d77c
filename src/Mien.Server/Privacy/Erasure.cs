using Mien.Privacy;
using Mien.Server.Jobs;
using Mien.Storage;

namespace Mien.Server.Privacy;

/// <summary>What an erasure removed: the rows counted by the database, the files and folders deleted, the analyses stopped.</summary>
/// <param name="ReceiptId">Quote it when asked to prove the erasure.</param>
/// <param name="ErasedAt">When it completed.</param>
/// <param name="What">"subject", or the consent scope withdrawn.</param>
/// <param name="Rows">Database rows removed, per table.</param>
/// <param name="FilesDeleted">Media and result files deleted.</param>
/// <param name="FoldersDeleted">Result folders deleted.</param>
/// <param name="AnalysesStopped">Live sessions and jobs of the subject stopped (or switched to ephemeral).</param>
internal sealed record ErasureReceipt(Guid ReceiptId, DateTimeOffset ErasedAt, string What, ErasureReport Rows, int FilesDeleted, int FoldersDeleted, int AnalysesStopped);

/// <summary>
/// The one place that erases a subject's data, everywhere it lives: running analyses are stopped first (so nothing is
/// written afterwards), then the database rows, the media files and the result folders (reports, exports, annotated
/// videos), and finally the database files are scrubbed so deleted rows cannot be read back from them.
/// </summary>
internal sealed class Erasure(IMienStore store, ProcessingRegistry registry, ServerOptions options)
{
    /// <summary>Files in a result folder that are media (video of the person), removed when the media scope goes.</summary>
    private static readonly string[] MediaFiles = ["annotated.mp4", "anonymized.mp4", .. Playback.PlaybackVideos.FileNames];

    /// <summary>Erases the subject and everything recorded of them; null when the subject is not the project's.</summary>
    public async Task<ErasureReceipt?> EraseSubjectAsync(Guid projectId, Guid subjectId, CancellationToken ct)
    {
        var stopped = await registry.WithdrawAsync(projectId, subjectId, Enum.GetValues<ConsentScope>()).ConfigureAwait(false);
        var report = await store.DeleteSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false);
        return report is null ? null : await FinishAsync("subject", report, deleteFolders: true, stopped, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Erases what a withdrawn scope covered, after stopping what still processes under it. Withdrawing analysis
    /// withdraws every scope (nothing may be kept of an analysis the subject no longer accepts). Null when the subject
    /// is not the project's.
    /// </summary>
    public async Task<ErasureReceipt?> EraseScopeAsync(Guid projectId, Guid subjectId, ConsentScope scope, CancellationToken ct)
    {
        IReadOnlyCollection<ConsentScope> scopes = scope == ConsentScope.Analysis ? Enum.GetValues<ConsentScope>() : [scope];
        var stopped = await registry.WithdrawAsync(projectId, subjectId, scopes).ConfigureAwait(false);
        ErasureReport? total = null;
        var folders = false;
        foreach (var s in scopes)
        {
            ErasureReport? report = s switch
            {
                ConsentScope.Measurements => await store.EraseMeasurementsAsync(projectId, subjectId, ct).ConfigureAwait(false),
                ConsentScope.Media => await store.DetachMediaAsync(projectId, subjectId, ct).ConfigureAwait(false),
                ConsentScope.SkinProfile => await store.EraseSkinProfileAsync(projectId, subjectId, ct).ConfigureAwait(false),
                ConsentScope.IdentityTemplate => await store.EraseIdentityTemplatesAsync(projectId, subjectId, ct).ConfigureAwait(false) is { } templates
                    ? new ErasureReport(0, 0, 0, 0, 0, 0, 0, []) { IdentityTemplates = templates }
                    : null,
                // Analysis itself stores nothing beyond the other scopes.
                _ => await store.GetSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false) is null ? null : new ErasureReport(0, 0, 0, 0, 0, 0, 0, []),
            };
            if (report is null)
            {
                return null;
            }

            folders |= s == ConsentScope.Measurements;
            if (s == ConsentScope.Media)
            {
                // Media of recordings whose measurements stay: only the video files of their folders go.
                report = report with { MediaPaths = [.. report.MediaPaths, .. report.RecordingIds.SelectMany(id => MediaFiles.Select(f => Path.Combine(JobRunner.Folder(options, id), f)))] };
                report = report with { RecordingIds = [] };
            }

            total = total is null ? report : Add(total, report);
        }

        return await FinishAsync(Names.Of(scope), total!, folders, stopped, ct).ConfigureAwait(false);
    }

    private async Task<ErasureReceipt> FinishAsync(string what, ErasureReport report, bool deleteFolders, int stopped, CancellationToken ct)
    {
        var files = 0;
        foreach (var path in report.MediaPaths)
        {
            files += DeleteFile(path) ? 1 : 0;
        }

        var folders = 0;
        if (deleteFolders)
        {
            foreach (var id in report.RecordingIds)
            {
                var folder = JobRunner.Folder(options, id);
                if (Directory.Exists(folder))
                {
                    files += Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Length;
                    Directory.Delete(folder, recursive: true);
                    folders++;
                }
            }
        }

        await store.ScrubAsync(ct).ConfigureAwait(false);
        return new ErasureReceipt(Guid.CreateVersion7(), options.Time.GetUtcNow(), what, report, files, folders, stopped);
    }

    /// <summary>Deletes a file inside the data directory (stream URLs and paths outside it are never touched).</summary>
    private bool DeleteFile(string path)
    {
        var root = Path.GetFullPath(options.DataDirectory) + Path.DirectorySeparatorChar;
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (ArgumentException)
        {
            return false;
        }

        if (!full.StartsWith(root, StringComparison.Ordinal) || !File.Exists(full))
        {
            return false;
        }

        File.Delete(full);
        return true;
    }

    private static ErasureReport Add(ErasureReport a, ErasureReport b) =>
        new(a.Subjects + b.Subjects, a.Recordings + b.Recordings, a.Frames + b.Frames, a.Events + b.Events, a.PersonSummaries + b.PersonSummaries,
            a.RecordingSummaries + b.RecordingSummaries, a.SkinSessions + b.SkinSessions, [.. a.MediaPaths, .. b.MediaPaths])
        {
            RecordingIds = [.. a.RecordingIds, .. b.RecordingIds],
            IdentityTemplates = a.IdentityTemplates + b.IdentityTemplates,
        };
}
