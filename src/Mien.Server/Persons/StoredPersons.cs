using Mien.Sessions.Persons;
using Mien.Storage;

namespace Mien.Server.Persons;

/// <summary>What a split of a stored recording's person came to.</summary>
internal enum StoredSplitOutcome
{
    /// <summary>Split and rewritten.</summary>
    Done,

    /// <summary>The recording is not the project's.</summary>
    NoRecording,

    /// <summary>The recording's analysis has not finished (its results are still being written).</summary>
    NotFinished,
}

/// <summary>
/// The person list of a stored recording and user splits of wrong re-identification merges, over the store: reads the
/// recording's <c>person-link</c> events, has <see cref="PersonLinks"/> check the request, and rewrites the stored
/// frames, links and summary (and the sealed faces.jsonl and summary.json files) with <see cref="PersonSplit"/> through the recording writer (upserts by frame index and
/// event seq, so each row is replaced, never duplicated), then appends the <c>person-split</c> event. Splits of one
/// process are serialised so two of them never number the same new person or event.
/// </summary>
internal sealed class StoredPersons(IMienStore store, Protection.MediaVault? vault = null)
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>The recording's people with their tracks and link evidence, or null when the recording is not the project's.</summary>
    public async Task<PersonLinks?> ReadAsync(Guid projectId, Guid recordingId, CancellationToken ct)
    {
        var events = await PersonEventsAsync(projectId, recordingId, ct).ConfigureAwait(false);
        return events is null ? null : PersonLinks.Read(events.Select(e => e.PayloadJson));
    }

    /// <summary>Splits <paramref name="tracks"/> away from <paramref name="person"/>; the split, or why not.</summary>
    /// <exception cref="PersonSplitException">The request does not fit the recording's results.</exception>
    public async Task<(StoredSplitOutcome Outcome, PersonSplit? Split)> SplitAsync(Guid projectId, Guid recordingId, int person, IReadOnlyList<int> tracks, string by, CancellationToken ct)
    {
        var recording = await store.GetRecordingAsync(projectId, recordingId, ct).ConfigureAwait(false);
        if (recording is null)
        {
            return (StoredSplitOutcome.NoRecording, null);
        }

        if (recording.Status is RecordingStatus.Queued or RecordingStatus.Running)
        {
            return (StoredSplitOutcome.NotFinished, null);
        }

        await OneAtATime.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var personEvents = await PersonEventsAsync(projectId, recordingId, ct).ConfigureAwait(false) ?? [];
            var split = PersonLinks.Read(personEvents.Select(e => e.PayloadJson)).Plan(person, tracks, by, DateTimeOffset.UtcNow);
            var lastSeq = -1L;
            var source = (string?)null;
            await using (var writer = await store.OpenWriterAsync(recordingId, cancellationToken: ct).ConfigureAwait(false))
            {
                await foreach (var frame in FramesAsync(projectId, recordingId, ct).ConfigureAwait(false))
                {
                    if (frame.Faces > 0 && split.RewriteFrame(frame.PayloadJson) is { } rewritten)
                    {
                        await writer.WriteFrameAsync(frame with { PayloadJson = rewritten }, ct).ConfigureAwait(false);
                    }
                }

                await foreach (var e in EventsAsync(projectId, recordingId, null, ct).ConfigureAwait(false))
                {
                    lastSeq = Math.Max(lastSeq, e.Seq);
                    if (e.Kind == "person-link" && split.RewriteEvent(e.PayloadJson) is { } rewritten)
                    {
                        source ??= SourceOf(e.PayloadJson);
                        await writer.WriteEventAsync(e with { PayloadJson = rewritten }, ct).ConfigureAwait(false);
                    }
                }

                await writer.WriteEventAsync(new StoredEvent(lastSeq + 1, PersonSplit.EventName, null, Math.Round(split.Time, 3), null, split.EventJson(source)), ct).ConfigureAwait(false);
                if (await store.GetRecordingSummaryAsync(projectId, recordingId, ct).ConfigureAwait(false) is { } summary)
                {
                    await writer.WriteSummaryAsync(split.RewriteSummary(summary, indented: true), ct).ConfigureAwait(false);
                }

                await writer.CompleteAsync(ct).ConfigureAwait(false);
            }

            // The downloadable files say the same as the rows (faces.csv and report.html carry no person ids).
            if (vault is not null)
            {
                await vault.RewriteResultAsync(projectId, recordingId, "faces.jsonl", split.RewriteJsonl, ct).ConfigureAwait(false);
                await vault.RewriteResultAsync(projectId, recordingId, "summary.json", (input, output) => output.Write(split.RewriteSummary(input.ReadToEnd(), indented: true) + "\n"), ct).ConfigureAwait(false);
            }

            return (StoredSplitOutcome.Done, split);
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    private async Task<List<StoredEvent>?> PersonEventsAsync(Guid projectId, Guid recordingId, CancellationToken ct)
    {
        if (await store.GetRecordingAsync(projectId, recordingId, ct).ConfigureAwait(false) is null)
        {
            return null;
        }

        var events = new List<StoredEvent>();
        foreach (var kind in new[] { "person-link", PersonSplit.EventName })
        {
            await foreach (var e in EventsAsync(projectId, recordingId, kind, ct).ConfigureAwait(false))
            {
                events.Add(e);
            }
        }

        return events;
    }

    private async IAsyncEnumerable<StoredFrame> FramesAsync(Guid projectId, Guid recordingId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var after = -1L;
        while (true)
        {
            var page = await store.GetFramesAsync(projectId, recordingId, new FrameQuery(AfterFrameIndex: after, Limit: 2000), ct).ConfigureAwait(false);
            if (page is null)
            {
                yield break;
            }

            foreach (var frame in page.Frames)
            {
                yield return frame;
            }

            if (page.NextAfter is not { } next)
            {
                yield break;
            }

            after = next;
        }
    }

    private async IAsyncEnumerable<StoredEvent> EventsAsync(Guid projectId, Guid recordingId, string? kind, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var after = -1L;
        while (true)
        {
            var page = await store.GetEventsAsync(projectId, recordingId, new EventQuery(kind, AfterSeq: after, Limit: 5000), ct).ConfigureAwait(false);
            if (page is null)
            {
                yield break;
            }

            foreach (var e in page.Events)
            {
                yield return e;
            }

            if (page.NextAfter is not { } next)
            {
                yield break;
            }

            after = next;
        }
    }

    private static string? SourceOf(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("source", out var s) && s.ValueKind == System.Text.Json.JsonValueKind.String ? s.GetString() : null;
    }
}
