using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Mien.Results;

namespace Mien.Server.Telemetry;

/// <summary>
/// The service's OpenTelemetry metrics (meter "Mien"), exposed for Prometheus at <c>/metrics</c>: frames analysed and
/// dropped, live latency, per-stage latency of finished sessions, active live sessions and running jobs.
/// </summary>
internal sealed class MienMetrics : IDisposable
{
    public const string MeterName = "Mien";

    private readonly Meter _meter = new(MeterName, "1.0");
    private readonly Counter<long> _frames;
    private readonly Counter<long> _dropped;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _retentionRows;
    private readonly Counter<long> _retentionFiles;
    private readonly Histogram<double> _retentionDuration;
    private readonly Counter<long> _auditEntries;
    private readonly ConcurrentDictionary<string, double> _stageMedians = new(StringComparer.Ordinal);
    private int _live;
    private int _jobs;

    public MienMetrics()
    {
        _frames = _meter.CreateCounter<long>("mien.frames.analysed", "{frame}", "Frames analysed (source: job or live).");
        _dropped = _meter.CreateCounter<long>("mien.frames.dropped", "{frame}", "Live frames dropped because analysis was behind, or undecodable.");
        _latency = _meter.CreateHistogram<double>("mien.live.latency", "ms", "Server-side latency from a live frame's arrival to its result being queued for the client.");
        _retentionRows = _meter.CreateCounter<long>("mien.retention.rows.deleted", "{row}", "Database rows retention deleted, by kind of data.");
        _retentionFiles = _meter.CreateCounter<long>("mien.retention.files.deleted", "{file}", "Files retention deleted, by kind of data.");
        _retentionDuration = _meter.CreateHistogram<double>("mien.retention.duration", "ms", "Time one retention run took for one project.");
        _auditEntries = _meter.CreateCounter<long>("mien.audit.entries", "{entry}", "Audit entries appended (result: appended) or lost to a failed append (result: failed).");
        _meter.CreateObservableGauge("mien.live.sessions", () => Volatile.Read(ref _live), "{session}", "Live WebSocket sessions open.");
        _meter.CreateObservableGauge("mien.jobs.running", () => Volatile.Read(ref _jobs), "{job}", "Analysis jobs running.");
        _meter.CreateObservableGauge("mien.stage.latency.median", () => _stageMedians.Select(s => new Measurement<double>(s.Value, new KeyValuePair<string, object?>("stage", s.Key))), "ms", "Median per-stage latency of the last finished session.");
    }

    public void FrameAnalysed(string source, long count)
    {
        if (count > 0)
        {
            _frames.Add(count, new KeyValuePair<string, object?>("source", source));
        }
    }

    /// <summary>A live frame was lost in flight because the silo running its cluster session died.</summary>
    public void ClusterFrameLost() => _dropped.Add(1, new KeyValuePair<string, object?>("reason", "lost-in-flight"));

    public void FramesDropped(long count)
    {
        if (count > 0)
        {
            _dropped.Add(count);
        }
    }

    public void LiveLatency(double milliseconds) => _latency.Record(milliseconds);

    public void Stages(IReadOnlyList<StageTiming> stages)
    {
        foreach (var s in stages)
        {
            _stageMedians[s.Stage] = s.MedianMs;
        }
    }

    public void RetentionRun(string kind, long rows, long files)
    {
        var tag = new KeyValuePair<string, object?>("kind", kind);
        _retentionRows.Add(rows, tag);
        _retentionFiles.Add(files, tag);
    }

    public void RetentionDuration(double milliseconds) => _retentionDuration.Record(milliseconds);

    public void AuditAppended(bool ok) => _auditEntries.Add(1, new KeyValuePair<string, object?>("result", ok ? "appended" : "failed"));

    public void LiveStarted() => Interlocked.Increment(ref _live);

    public void LiveEnded() => Interlocked.Decrement(ref _live);

    public void JobStarted() => Interlocked.Increment(ref _jobs);

    public void JobEnded() => Interlocked.Decrement(ref _jobs);

    public int LiveSessions => Volatile.Read(ref _live);

    public void Dispose() => _meter.Dispose();
}
