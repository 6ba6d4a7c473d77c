using Mien.Monitoring;
using Mien.Storage;

namespace Mien.Server.Monitoring;

/// <summary>
/// Reads what monitoring needs from the store — a recording's frames and speech events, a subject's sessions and skin
/// sessions, the project's settings — and hands it to <see cref="Mien.Monitoring"/>. Nothing is cached: an erased or
/// purged recording must stop counting at once.
/// </summary>
internal sealed class StoredSessions(IMienStore store)
{
    /// <summary>Earlier sessions pooled into a person's baseline at most.</summary>
    internal const int BaselineSessions = 5;

    /// <summary>The project's settings, or the defaults when none were set.</summary>
    public async Task<MonitoringSettings> SettingsAsync(Guid projectId, CancellationToken ct)
        => await store.GetMonitoringSettingsAsync(projectId, ct).ConfigureAwait(false) is { } json ? MonitoringSettings.Parse(json) : MonitoringSettings.Default;

    /// <summary>The session report of a recording, against the subject's earlier finished sessions; null when the recording is not the project's.</summary>
    public async Task<(Recording Recording, SessionReport Report)?> ReportAsync(Guid projectId, Guid recordingId, CancellationToken ct)
    {
        if (await store.GetRecordingAsync(projectId, recordingId, ct).ConfigureAwait(false) is not { } recording)
        {
            return null;
        }

        var settings = await SettingsAsync(projectId, ct).ConfigureAwait(false);
        SessionBaseline? baseline = null;
        if (recording.SubjectId is { } subject)
        {
            var earlier = (await SubjectRecordingsAsync(projectId, subject, ct).ConfigureAwait(false))
                .Where(r => r.Id != recording.Id && r.CreatedAt < recording.CreatedAt).TakeLast(BaselineSessions).ToArray();
            var reports = new List<SessionReport>();
            foreach (var r in earlier)
            {
                reports.Add(await AnalyzeAsync(projectId, r.Id, null, settings, ct).ConfigureAwait(false));
            }

            baseline = SessionBaseline.From(reports);
        }

        return (recording, await AnalyzeAsync(projectId, recording.Id, baseline, settings, ct).ConfigureAwait(false));
    }

    /// <summary>A subject's finished sessions with their metrics, skin sessions and trends; null when the subject is not the project's.</summary>
    public async Task<(Subject Subject, IReadOnlyList<TrendSession> Sessions, IReadOnlyList<MetricTrend> Trends)?> TrendsAsync(Guid projectId, Guid subjectId, CancellationToken ct)
    {
        if (await store.GetSubjectAsync(projectId, subjectId, ct).ConfigureAwait(false) is not { } subject)
        {
            return null;
        }

        var settings = await SettingsAsync(projectId, ct).ConfigureAwait(false);
        var sessions = new List<TrendSession>();
        foreach (var r in await SubjectRecordingsAsync(projectId, subjectId, ct).ConfigureAwait(false))
        {
            // Each session against the person's earlier ones, as its indicators page judges it.
            var baseline = SessionBaseline.From(sessions.TakeLast(BaselineSessions).Select(s => s.Report));
            sessions.Add(new TrendSession(r.Id.ToString("D"), r.Name, r.StartedAt ?? r.CreatedAt, await AnalyzeAsync(projectId, r.Id, baseline, settings, ct).ConfigureAwait(false)));
        }

        var skin = (await store.ListSkinSessionsAsync(projectId, subjectId, ct).ConfigureAwait(false))
            .Select(s => new SkinTrendSession(s.Id.ToString("D"), s.At, SubjectTrends.ReadSkin(s.PayloadJson))).Where(s => s.Metrics.Count > 0).ToArray();
        return (subject, sessions, SubjectTrends.Build(sessions, skin, settings.Trends));
    }

    /// <summary>The subject's finished recordings, oldest first.</summary>
    private async Task<IReadOnlyList<Recording>> SubjectRecordingsAsync(Guid projectId, Guid subjectId, CancellationToken ct)
    {
        var found = new List<Recording>();
        for (var offset = 0; ; offset += 1000)
        {
            var page = await store.ListRecordingsAsync(projectId, new RecordingQuery(RecordingStatus.Done, offset, 1000), ct).ConfigureAwait(false);
            found.AddRange(page.Items.Where(r => r.SubjectId == subjectId));
            if (page.Items.Count < 1000)
            {
                break;
            }
        }

        return [.. found.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id)];
    }

    private async Task<SessionReport> AnalyzeAsync(Guid projectId, Guid recordingId, SessionBaseline? baseline, MonitoringSettings settings, CancellationToken ct)
    {
        var samples = new List<MonitorSample>();
        var after = -1L;
        while (true)
        {
            var page = await store.GetFramesAsync(projectId, recordingId, new FrameQuery(AfterFrameIndex: after, Limit: 5000), ct).ConfigureAwait(false);
            if (page is null)
            {
                break;
            }

            foreach (var frame in page.Frames)
            {
                ResultReader.ReadFrame(frame.PayloadJson, samples);
            }

            if (page.NextAfter is not { } next)
            {
                break;
            }

            after = next;
        }

        var speech = new List<SpeechSample>();
        var seq = -1L;
        while (true)
        {
            var page = await store.GetEventsAsync(projectId, recordingId, new EventQuery("speech", AfterSeq: seq, Limit: 5000), ct).ConfigureAwait(false);
            if (page is null)
            {
                break;
            }

            speech.AddRange(page.Events.Select(e => ResultReader.ReadSpeech(e.PayloadJson)).OfType<SpeechSample>());
            if (page.NextAfter is not { } next)
            {
                break;
            }

            seq = next;
        }

        return SessionAnalyzer.Analyze(samples, speech.Count == 0 ? null : speech, baseline, settings.Indicators);
    }
}
