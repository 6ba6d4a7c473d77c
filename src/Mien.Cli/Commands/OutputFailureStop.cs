using System.Globalization;
using Mien.Reports;
using Mien.Results;

namespace Mien.Cli.Commands;

/// <summary>
/// What one `mien analyze` run does when its outputs stop being writable (a full disk, a quota, a failing drive): the
/// first failed write stops the run instead of crashing it. The tables end at their last whole frame
/// (<see cref="FrameBoundaryStream"/> cuts the failed one back, and neither table gets another row, so both end at
/// the same frame); the session is cancelled, so it completes what needs no disk; then the folder's reserve is
/// released and summary.json, marked "interrupted: disk full", and report.html are written if they fit. Afterwards
/// <see cref="Explain"/> says on the console exactly which files were and were not written.
/// </summary>
internal sealed class OutputFailureStop : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly ResultFolder _folder;
    private readonly List<TableSink> _tables = [];

    public OutputFailureStop(ResultFolder folder, CancellationToken cancellationToken)
    {
        _folder = folder;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    /// <summary>Cancelled by the caller's token or by the first failed table write.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>The table that could not be written and why, once one failed.</summary>
    public (string Path, Exception Error)? TableFailure { get; private set; }

    /// <summary>The summary or report that could not be written at the end and why, if so.</summary>
    public (string Path, Exception Error)? CompletionFailure { get; private set; }

    /// <summary>The last update as the summary and report were given it (with the disk-full mark), once the session completed.</summary>
    public SessionCompleted? Completed { get; private set; }

    /// <summary>Whether any output failed: the run's exit code is then <see cref="ExitCodes.Output"/>.</summary>
    public bool Failed => TableFailure is not null || CompletionFailure is not null;

    /// <summary>A per-frame table sink (faces.jsonl, faces.csv) writing <paramref name="path"/>, guarded.</summary>
    public IAnalysisSink Table(IAnalysisSink sink, string path)
    {
        var table = new TableSink(this, sink, path);
        _tables.Add(table);
        return table;
    }

    /// <summary>The time of the last frame every table holds whole (null when one holds none).</summary>
    private TimeSpan? TablesEnd => _tables.Any(t => t.LastFrame is null) ? null : _tables.Min(t => t.LastFrame);

    /// <summary>The summary and report sink, which gets the reserve's space and the "interrupted" mark at the end.</summary>
    public IAnalysisSink Completion(ReportSink report) => new CompletionSink(this, report);

    /// <summary>The first line of the summary's problems after a failed table write, e.g. "interrupted: disk full — …".</summary>
    private string InterruptionLine()
    {
        var (path, error) = TableFailure!.Value;
        var cause = error is IOException { HResult: 28 or 122 } ? "disk full" : "output failed";   // ENOSPC, EDQUOT (errno in HResult on Linux)
        var end = TablesEnd is { } t ? string.Create(CultureInfo.InvariantCulture, $"t = {t.TotalSeconds:F2} s") : "their header";
        return $"interrupted: {cause} — {Path.GetFileName(path)}: {FileProblems.Describe(path, error)}; faces.jsonl and faces.csv end at {end} (whole frames)";
    }

    /// <summary>
    /// The console lines after a failed run: the failure, then which outputs of <paramref name="expected"/> are in the
    /// folder (and how far the tables go) and which are not, with why.
    /// </summary>
    public IReadOnlyList<string> Explain(IReadOnlyList<string> expected, long framesAnalysed)
    {
        var lines = new List<string>();
        if (TableFailure is { } table)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"mien: {table.Path}: {FileProblems.Describe(table.Path, table.Error)}; analysis stopped after {framesAnalysed} frames"));
        }

        if (TableFailure is null && CompletionFailure is { } completion)
        {
            lines.Add($"mien: {completion.Path}: {FileProblems.Describe(completion.Path, completion.Error)}");
        }

        var written = new List<string>();
        var missing = new List<string>();
        foreach (var name in expected)
        {
            var path = Path.Combine(_folder.Path, name);
            if (!File.Exists(path))
            {
                missing.Add(name switch
                {
                    _ when CompletionFailure is { } c && c.Path == path => $"{name} ({FileProblems.Describe(path, c.Error)})",
                    "annotated.mp4" or "anonymized.mp4" => $"{name} (removed: it could not be finished)",
                    _ => $"{name} (no space was left for it)",
                });
                continue;
            }

            written.Add(name switch
            {
                "faces.jsonl" or "faces.csv" when TableFailure is not null => TablesEnd is { } t
                    ? string.Create(CultureInfo.InvariantCulture, $"{name} (up to t = {t.TotalSeconds:F2} s, whole frames)")
                    : $"{name} (header only)",
                "summary.json" when TableFailure is not null => $"{name} (marked \"interrupted\")",
                _ => name,
            });
        }

        lines.Add($"mien: written in {_folder.Path}: {(written.Count > 0 ? string.Join(", ", written) : "nothing")}");
        if (missing.Count > 0)
        {
            lines.Add($"mien: not written: {string.Join(", ", missing)}");
        }

        return lines;
    }

    public void Dispose() => _stop.Dispose();

    /// <summary>
    /// Passes updates to a table until the first failed write anywhere; after it, no table gets another update, so
    /// both tables end at the same whole frame (the failed one was cut back to its last frame boundary).
    /// </summary>
    private sealed class TableSink(OutputFailureStop owner, IAnalysisSink inner, string path) : IAnalysisSink
    {
        /// <summary>The time of the last frame written whole.</summary>
        public TimeSpan? LastFrame { get; private set; }

        public void Write(AnalysisUpdate update)
        {
            if (owner.TableFailure is not null)
            {
                return;
            }

            try
            {
                inner.Write(update);
            }
            catch (Exception e) when (FileProblems.IsFileSystem(e))
            {
                owner.TableFailure = (path, e);
                owner._stop.Cancel();
                return;
            }

            if (update is FrameUpdate frame)
            {
                LastFrame = frame.Frame.Timestamp;
            }
        }
    }

    /// <summary>Frees the reserve before the summary and report are written, and marks the summary when the tables failed.</summary>
    private sealed class CompletionSink(OutputFailureStop owner, ReportSink report) : IAnalysisSink
    {
        public void Write(AnalysisUpdate update)
        {
            if (update is not SessionCompleted completed)
            {
                report.Write(update);
                return;
            }

            if (owner.TableFailure is not null)
            {
                // The session's own "interrupted after N frames; results up to t are complete" would claim frames the
                // tables lost: the disk-full line replaces it.
                var others = completed.Summary.Problems.Where(p => !p.StartsWith("interrupted after ", StringComparison.Ordinal));
                completed = completed with { Summary = completed.Summary with { Problems = [owner.InterruptionLine(), .. others] } };
            }

            owner.Completed = completed;

            var summary = Path.Combine(owner._folder.Path, "summary.json");
            try
            {
                owner._folder.ReleaseReserve();
                report.Write(completed);
            }
            catch (Exception e) when (FileProblems.IsFileSystem(e))
            {
                // summary.json is written first: if it is there, the report is what failed. Neither is left half-written.
                owner.CompletionFailure = (File.Exists(summary) ? report.ReportPath : summary, e);
            }
        }
    }
}
