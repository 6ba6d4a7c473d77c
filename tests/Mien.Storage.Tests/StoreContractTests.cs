using System.Text.Json.Nodes;

namespace Mien.Storage.Tests;

/// <summary>The behaviour both stores must share, each test run against real SQLite and real PostgreSQL.</summary>
public sealed class StoreContractTests
{
    /// <summary>Strings that break naive SQL building, LIKE patterns, quoting and encodings.</summary>
    public static readonly string[] Hostile =
    [
        "'; DROP TABLE recordings; --",
        "Robert'); DELETE FROM projects WHERE ('1'='1",
        "\" OR \"\"=\"",
        "%_%",
        "a\\'b\\\\",
        "$1 @p :name ?",
        "Ünïcødé – 表情 😐",
        "line\nbreak\ttab",
    ];

    /// <summary>Scripts embedded for the dialect (each helper branch adds its own; the count follows them).</summary>
    private static long Migrations(StoreProvider provider)
        => typeof(MienStore).Assembly.GetManifestResourceNames().LongCount(n => n.Replace('\\', '/').StartsWith($"Mien.Storage.Migrations.{provider}/", StringComparison.Ordinal));

    [Theory, SqliteStore, PostgresStore]
    public async Task Migrations_run_once_and_reopening_applies_nothing(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var first = await db.OpenAsync();
        var applied = Convert.ToInt64(await db.ExecuteAsync("SELECT count(*) FROM schema_migrations"), System.Globalization.CultureInfo.InvariantCulture);
        var project = await first.CreateProjectAsync(new NewProject("kept"));
        var second = await db.OpenAsync();

        Assert.Equal(Migrations(provider), Convert.ToInt64(await db.ExecuteAsync("SELECT count(*) FROM schema_migrations"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(project, await second.GetProjectAsync(project.Id));
        Assert.Superset(new HashSet<string>(["api_keys", "audit_heads", "audit_log", "consents", "data_keys", "encryption_keyring", "events", "frames", "monitoring_settings", "notes", "person_summaries", "projects", "recording_summaries", "recordings", "retention_policies", "schema_migrations", "skin_sessions", "stimuli", "studies", "study_playback", "study_viewers", "subjects"]), new HashSet<string>(await db.TablesAsync()));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Servers_starting_together_on_a_fresh_database_migrate_it_once(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => db.OpenAsync())));

        Assert.Equal(Migrations(provider), Convert.ToInt64(await db.ExecuteAsync("SELECT count(*) FROM schema_migrations"), System.Globalization.CultureInfo.InvariantCulture));
        var project = await stores[0].CreateProjectAsync(new NewProject("p"));
        Assert.Equal(project, await stores[3].GetProjectAsync(project.Id));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task A_database_newer_than_the_code_or_migrated_from_another_script_is_refused(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        await db.OpenAsync();
        await db.ExecuteAsync("UPDATE schema_migrations SET checksum = 'edited-after-release'");
        var edited = await Assert.ThrowsAsync<MienStoreException>(() => db.OpenAsync());
        Assert.Contains("never be edited", edited.Message, StringComparison.Ordinal);

        await db.ExecuteAsync("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (99, '0099_future', 'x', " + (provider == StoreProvider.Sqlite ? "'2030-01-01T00:00:00Z'" : "now()") + ")");
        var newer = await Assert.ThrowsAsync<MienStoreException>(() => db.OpenAsync());
        Assert.Contains("newer than this Mien", newer.Message, StringComparison.Ordinal);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Opening_without_migrations_on_an_empty_database_says_what_to_do(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var e = await Assert.ThrowsAsync<MienStoreException>(() => db.OpenAsync(new MienStoreOptions { Migrate = false }));
        Assert.Contains("migrations enabled", e.Message, StringComparison.Ordinal);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Api_keys_are_stored_only_as_hashes(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("p"));
        var created = await store.CreateApiKeyAsync(project.Id, ApiKeyRole.Analyst);
        var randomPart = created.Secret[("mien_".Length + 16 + 1)..];

        Assert.Matches("^mien_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$", created.Secret);
        Assert.StartsWith($"mien_{created.Key.Prefix}_", created.Secret, StringComparison.Ordinal);
        Assert.Empty(await db.ScanAsync(created.Secret));
        Assert.Empty(await db.ScanAsync(randomPart));
        Assert.Equal([$"api_keys: 1"], await db.ScanAsync(created.Key.Prefix));
        if (provider == StoreProvider.Sqlite)
        {
            Assert.False(db.FilesContain(created.Secret), "the secret is in the SQLite file");
            Assert.False(db.FilesContain(randomPart), "the secret's random part is in the SQLite file");
            Assert.True(db.FilesContain(created.Key.Prefix), "the scan reads the files (the prefix must be found)");
        }
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task A_key_opens_only_its_own_project_until_revoked(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var a = await store.CreateProjectAsync(new NewProject("a"));
        var b = await store.CreateProjectAsync(new NewProject("b"));
        var keyA = await store.CreateApiKeyAsync(a.Id, ApiKeyRole.Admin);
        var keyB = await store.CreateApiKeyAsync(b.Id, ApiKeyRole.Viewer);

        Assert.Equal(new ApiKeyIdentity(keyA.Key.Id, a.Id, ApiKeyRole.Admin), await store.AuthenticateAsync(keyA.Secret));
        Assert.Equal(new ApiKeyIdentity(keyB.Key.Id, b.Id, ApiKeyRole.Viewer), await store.AuthenticateAsync(keyB.Secret));

        // Same prefix, different random part; a flipped character; garbage; another key's prefix with this key's body.
        var last = keyA.Secret[^1] == 'A' ? 'B' : 'A';
        Assert.Null(await store.AuthenticateAsync(keyA.Secret[..^1] + last));
        Assert.Null(await store.AuthenticateAsync("mien_" + keyB.Key.Prefix + keyA.Secret[21..]));
        Assert.Null(await store.AuthenticateAsync(""));
        Assert.Null(await store.AuthenticateAsync("Bearer " + keyA.Secret));
        Assert.Null(await store.AuthenticateAsync(Hostile[0]));

        Assert.False(await store.RevokeApiKeyAsync(b.Id, keyA.Key.Id)); // another project's admin cannot revoke it
        Assert.NotNull(await store.AuthenticateAsync(keyA.Secret));
        Assert.True(await store.RevokeApiKeyAsync(a.Id, keyA.Key.Id));
        Assert.False(await store.RevokeApiKeyAsync(a.Id, keyA.Key.Id));
        Assert.Null(await store.AuthenticateAsync(keyA.Secret));
        Assert.NotNull(await store.AuthenticateAsync(keyB.Secret));

        var listed = Assert.Single(await store.ListApiKeysAsync(a.Id));
        Assert.Equal(keyA.Key.Id, listed.Id);
        Assert.NotNull(listed.RevokedAt);
        var missing = await Assert.ThrowsAsync<MienStoreException>(() => store.CreateApiKeyAsync(Guid.NewGuid(), ApiKeyRole.Admin));
        Assert.Equal(MienStoreError.NotFound, missing.Error);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Ids_of_another_project_find_nothing_and_cannot_be_linked(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var a = await store.CreateProjectAsync(new NewProject("a"));
        var b = await store.CreateProjectAsync(new NewProject("b"));
        var subjectA = await store.CreateSubjectAsync(a.Id, "s-1");
        var recordingA = await store.CreateRecordingAsync(new NewRecording(a.Id, "clip.mp4", SourceKind.Upload, subjectA.Id));
        await using (var writer = await store.OpenWriterAsync(recordingA.Id))
        {
            await writer.WriteFrameAsync(new StoredFrame(0, 0, 1, Payloads.Frame(0, 0)));
            await writer.WriteSummaryAsync("{\"people\":1}");
        }

        await store.AppendSkinSessionAsync(a.Id, subjectA.Id, recordingA.Id, DateTimeOffset.UtcNow, "{}");

        Assert.Null(await store.GetSubjectAsync(b.Id, subjectA.Id));
        Assert.Null(await store.FindSubjectAsync(b.Id, "s-1"));
        Assert.Null(await store.GetRecordingAsync(b.Id, recordingA.Id));
        Assert.Null(await store.GetFramesAsync(b.Id, recordingA.Id, new FrameQuery()));
        Assert.Null(await store.GetEventsAsync(b.Id, recordingA.Id, new EventQuery()));
        Assert.Null(await store.GetPersonSummariesAsync(b.Id, recordingA.Id));
        Assert.Null(await store.GetRecordingSummaryAsync(b.Id, recordingA.Id));
        Assert.Empty(await store.ListSkinSessionsAsync(b.Id, subjectA.Id));
        Assert.Equal(0, (await store.ListRecordingsAsync(b.Id, new RecordingQuery())).Total);
        Assert.False(await store.CancelAsync(b.Id, recordingA.Id));
        Assert.Null(await store.DeleteRecordingAsync(b.Id, recordingA.Id));
        Assert.Null(await store.DeleteSubjectAsync(b.Id, subjectA.Id));

        var linkSubject = await Assert.ThrowsAsync<MienStoreException>(() => store.CreateRecordingAsync(new NewRecording(b.Id, "x.mp4", SourceKind.Upload, subjectA.Id)));
        Assert.Equal(MienStoreError.NotFound, linkSubject.Error);
        var linkSkin = await Assert.ThrowsAsync<MienStoreException>(() => store.AppendSkinSessionAsync(b.Id, subjectA.Id, null, DateTimeOffset.UtcNow, "{}"));
        Assert.Equal(MienStoreError.NotFound, linkSkin.Error);
        var subjectB = await store.CreateSubjectAsync(b.Id, "s-1"); // pseudonyms are per project
        var linkRecording = await Assert.ThrowsAsync<MienStoreException>(() => store.AppendSkinSessionAsync(b.Id, subjectB.Id, recordingA.Id, DateTimeOffset.UtcNow, "{}"));
        Assert.Equal(MienStoreError.NotFound, linkRecording.Error);

        Assert.NotNull(await store.GetFramesAsync(a.Id, recordingA.Id, new FrameQuery()));
        Assert.Equal(recordingA, await store.GetRecordingAsync(a.Id, recordingA.Id));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Subjects_are_unique_per_project_and_get_or_create_is_stable(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var p = await store.CreateProjectAsync(new NewProject("p"));
        var created = await store.CreateSubjectAsync(p.Id, "P-001");
        var duplicate = await Assert.ThrowsAsync<MienStoreException>(() => store.CreateSubjectAsync(p.Id, "P-001"));
        Assert.Equal(MienStoreError.Conflict, duplicate.Error);

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.GetOrCreateSubjectAsync(p.Id, "P-002")));
        Assert.Single(concurrent.Select(s => s.Id).Distinct());
        Assert.Equal(created, await store.GetOrCreateSubjectAsync(p.Id, "P-001"));
        Assert.Equal(["P-001", "P-002"], (await store.ListSubjectsAsync(p.Id)).Select(s => s.Pseudonym));
        Assert.Throws<ArgumentException>(() => { _ = store.CreateSubjectAsync(p.Id, "tab\there"); });
        Assert.Throws<ArgumentException>(() => { _ = store.CreateSubjectAsync(p.Id, ""); });
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task A_job_goes_queued_running_done_and_cannot_be_finished_twice(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var p = await store.CreateProjectAsync(new NewProject("p"));
        var upload = await store.CreateRecordingAsync(new NewRecording(p.Id, "a.mp4", SourceKind.Upload, MediaPath: "/data/media/a.mp4", OptionsJson: "{\"modalities\":[\"face\"]}"));
        var live = await store.CreateRecordingAsync(new NewRecording(p.Id, "webcam", SourceKind.Live));
        var later = await store.CreateRecordingAsync(new NewRecording(p.Id, "b.mp4", SourceKind.Upload));
        Assert.Equal(RecordingStatus.Queued, upload.Status);

        var claimed = await store.ClaimNextQueuedAsync();
        Assert.Equal(upload.Id, claimed!.Id);
        Assert.Equal(RecordingStatus.Running, claimed.Status);
        Assert.NotNull(claimed.StartedAt);
        Assert.False(await store.TryStartAsync(upload.Id));
        Assert.True(await store.ReportProgressAsync(upload.Id, 0.5, frames: 100, durationS: 3.3));
        Assert.True(await store.FinishAsync(upload.Id, RecordingStatus.Done, frames: 200, durationS: 6.6));
        Assert.False(await store.FinishAsync(upload.Id, RecordingStatus.Failed, "too late"));
        Assert.False(await store.ReportProgressAsync(upload.Id, 0.9));
        var done = (await store.GetRecordingAsync(p.Id, upload.Id))!;
        Assert.Equal((RecordingStatus.Done, 1.0, 200L, 6.6), (done.Status, done.Progress, done.Frames!.Value, done.DurationS!.Value));
        Assert.NotNull(done.FinishedAt);
        Payloads.AssertSameJson("{\"modalities\":[\"face\"]}", done.OptionsJson);

        // Live recordings are started by their session, never claimed by a worker.
        Assert.Equal(later.Id, (await store.ClaimNextQueuedAsync())!.Id);
        Assert.Null(await store.ClaimNextQueuedAsync());
        Assert.True(await store.TryStartAsync(live.Id));

        // Cancelling stops the worker: its next progress report says so.
        Assert.True(await store.CancelAsync(p.Id, later.Id));
        Assert.False(await store.ReportProgressAsync(later.Id, 0.1));
        Assert.False(await store.FinishAsync(later.Id, RecordingStatus.Done));
        Assert.True(await store.FinishAsync(live.Id, RecordingStatus.Failed, "camera unplugged"));

        var failed = await store.ListRecordingsAsync(p.Id, new RecordingQuery(RecordingStatus.Failed));
        Assert.Equal("camera unplugged", Assert.Single(failed.Items).Error);
        var page = await store.ListRecordingsAsync(p.Id, new RecordingQuery(Limit: 2));
        Assert.Equal(3, page.Total);
        Assert.Equal([later.Id, live.Id], page.Items.Select(r => r.Id)); // newest first
        Assert.Equal([upload.Id], (await store.ListRecordingsAsync(p.Id, new RecordingQuery(Offset: 2, Limit: 2))).Items.Select(r => r.Id));

        Assert.Throws<ArgumentException>(() => { _ = store.FinishAsync(upload.Id, RecordingStatus.Failed); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = store.ReportProgressAsync(upload.Id, 1.5); });
        Assert.Throws<ArgumentException>(() => { _ = store.CreateRecordingAsync(new NewRecording(p.Id, "../etc/passwd", SourceKind.Upload)); });
        Assert.Throws<ArgumentException>(() => { _ = store.CreateRecordingAsync(new NewRecording(p.Id, "a.mp4", SourceKind.Upload, OptionsJson: "[1]")); });
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Concurrent_workers_claim_every_queued_job_exactly_once(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var other = await db.OpenAsync(); // a second server process on the same database
        var p = await store.CreateProjectAsync(new NewProject("p"));
        var queued = new List<Guid>();
        for (var i = 0; i < 30; i++)
        {
            queued.Add((await store.CreateRecordingAsync(new NewRecording(p.Id, $"r{i}.mp4", i % 3 == 0 ? SourceKind.Stream : SourceKind.Upload))).Id);
        }

        var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var mine = new List<Guid>();
            while (await (w % 2 == 0 ? store : other).ClaimNextQueuedAsync() is { } job)
            {
                Assert.Equal(RecordingStatus.Running, job.Status);
                mine.Add(job.Id);
            }

            return mine;
        }));
        var claimed = (await Task.WhenAll(workers)).SelectMany(m => m).ToList();

        Assert.Equal(queued.Order(), claimed.Order());
        Assert.Equal(30, (await store.ListRecordingsAsync(p.Id, new RecordingQuery(RecordingStatus.Running))).Total);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Restart_recovery_fails_or_requeues_running_jobs_and_keeps_finished_results(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var p = await store.CreateProjectAsync(new NewProject("p"));
        async Task<Recording> Running(string name, SourceKind kind, int frames)
        {
            var r = await store.CreateRecordingAsync(new NewRecording(p.Id, name, kind));
            Assert.True(await store.TryStartAsync(r.Id));
            await using var writer = await store.OpenWriterAsync(r.Id);
            for (var i = 0; i < frames; i++)
            {
                await writer.WriteFrameAsync(new StoredFrame(i, i / 30.0, 1, Payloads.Frame(i, i / 30.0)));
            }

            return r;
        }

        var finished = await Running("done.mp4", SourceKind.Upload, 10);
        Assert.True(await store.FinishAsync(finished.Id, RecordingStatus.Done));
        var upload = await Running("upload.mp4", SourceKind.Upload, 20);
        var stream = await Running("rtsp-cam", SourceKind.Stream, 5);
        var live = await Running("webcam", SourceKind.Live, 7);
        var queued = await store.CreateRecordingAsync(new NewRecording(p.Id, "waiting.mp4", SourceKind.Upload));

        // A restarted server that requeues: replayable jobs start over clean, live ones fail.
        var afterRestart = await db.OpenAsync();
        var recovered = await afterRestart.RecoverInterruptedAsync(InterruptedJobPolicy.Requeue);
        Assert.Equal(3, recovered.Count);
        Assert.Equal(RecordingStatus.Failed, recovered.Single(r => r.Id == live.Id).Status);
        Assert.All(recovered.Where(r => r.Id != live.Id), r => Assert.Equal((RecordingStatus.Queued, 0.0, (DateTimeOffset?)null), (r.Status, r.Progress, r.StartedAt)));
        Assert.Empty((await afterRestart.GetFramesAsync(p.Id, upload.Id, new FrameQuery()))!.Frames);
        Assert.Equal(7, (await afterRestart.GetFramesAsync(p.Id, live.Id, new FrameQuery()))!.Frames.Count);
        Assert.Equal(10, (await afterRestart.GetFramesAsync(p.Id, finished.Id, new FrameQuery()))!.Frames.Count);
        Assert.Equal(RecordingStatus.Done, (await afterRestart.GetRecordingAsync(p.Id, finished.Id))!.Status);
        Assert.Equal(RecordingStatus.Queued, (await afterRestart.GetRecordingAsync(p.Id, queued.Id))!.Status);
        Assert.Empty(await afterRestart.RecoverInterruptedAsync(InterruptedJobPolicy.Requeue));

        // Claim order is creation order, so the re-queued upload runs first; then a restart that fails jobs keeps partial results.
        Assert.Equal(upload.Id, (await afterRestart.ClaimNextQueuedAsync())!.Id);
        await using (var writer = await afterRestart.OpenWriterAsync(upload.Id))
        {
            await writer.WriteFrameAsync(new StoredFrame(0, 0, 1, Payloads.Frame(0, 0)));
        }

        var secondRestart = await db.OpenAsync();
        var failed = Assert.Single(await secondRestart.RecoverInterruptedAsync(InterruptedJobPolicy.Fail));
        Assert.Equal((upload.Id, RecordingStatus.Failed), (failed.Id, failed.Status));
        Assert.Contains("restarted", failed.Error, StringComparison.Ordinal);
        Assert.NotNull(failed.FinishedAt);
        Assert.Single((await secondRestart.GetFramesAsync(p.Id, upload.Id, new FrameQuery()))!.Frames);
        var states = (await secondRestart.ListRecordingsAsync(p.Id, new RecordingQuery())).Items;
        Assert.DoesNotContain(states, r => r.Status == RecordingStatus.Running);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Batched_frames_read_back_in_pages_and_time_ranges(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var p = await store.CreateProjectAsync(new NewProject("p"));
        var r = await store.CreateRecordingAsync(new NewRecording(p.Id, "a.mp4", SourceKind.Upload));
        const int Count = 1000;
        var payloads = new string[Count];
        await using (var writer = await store.OpenWriterAsync(r.Id, new RecordingWriterOptions { BatchSize = 64 }))
        {
            for (var i = 0; i < Count; i++)
            {
                payloads[i] = Payloads.Frame(i, i / 30.0);
                await writer.WriteFrameAsync(new StoredFrame(i, i / 30.0, i % 5 == 0 ? 0 : 1, payloads[i]));
            }

            for (var s = 0; s < 40; s++)
            {
                var kind = s % 2 == 0 ? "segment" : "track";
                await writer.WriteEventAsync(new StoredEvent(s, kind, s % 3, s, s % 4 == 0 ? null : s + 1.5, Payloads.Object("label", $"e{s}")));
            }

            await writer.WritePersonSummaryAsync(new StoredPersonSummary(2, "{\"frames\":500}"));
            await writer.WritePersonSummaryAsync(new StoredPersonSummary(1, "{\"frames\":800}"));
            await writer.WriteSummaryAsync("{\"people\":2}");
            await writer.CompleteAsync();
        }

        var read = new List<StoredFrame>();
        var pages = 0;
        for (var query = new FrameQuery(Limit: 128); ; pages++)
        {
            var page = (await store.GetFramesAsync(p.Id, r.Id, query))!;
            read.AddRange(page.Frames);
            if (page.NextAfter is not { } next)
            {
                break;
            }

            query = query with { AfterFrameIndex = next };
        }

        Assert.Equal(Count / 128, pages);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), read.Select(f => f.FrameIndex));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i % 5 == 0 ? 0 : 1), read.Select(f => f.Faces));
        Payloads.AssertSameJson(payloads[737], read[737].PayloadJson);
        Assert.Equal(737 / 30.0, read[737].TimeS);

        var window = (await store.GetFramesAsync(p.Id, r.Id, new FrameQuery(FromS: 10, ToS: 20, Limit: 10_000)))!;
        Assert.Equal(Enumerable.Range(0, Count).Where(i => i / 30.0 is >= 10 and <= 20).Select(i => (long)i), window.Frames.Select(f => f.FrameIndex));
        Assert.Null(window.NextAfter);

        // Events overlapping [10, 12]: starts at or before 12 and ends (or, for instants, starts) at or after 10.
        var segments = (await store.GetEventsAsync(p.Id, r.Id, new EventQuery("segment", 10, 12)))!;
        Assert.Equal([10L, 12L], segments.Events.Select(e => e.Seq));
        var all = (await store.GetEventsAsync(p.Id, r.Id, new EventQuery(FromS: 10, ToS: 12)))!;
        Assert.Equal([9L, 10L, 11L, 12L], all.Events.Select(e => e.Seq));
        var e9 = all.Events[0];
        Assert.Equal(("track", (int?)0, 9.0, (double?)10.5), (e9.Kind, e9.TrackId, e9.StartS, e9.EndS));
        Payloads.AssertSameJson("{\"label\":\"e9\"}", e9.PayloadJson);
        Assert.Null(all.Events[3].EndS);
        var firstTen = (await store.GetEventsAsync(p.Id, r.Id, new EventQuery(Limit: 10)))!;
        Assert.Equal(9L, firstTen.NextAfter);

        Assert.Equal([1, 2], (await store.GetPersonSummariesAsync(p.Id, r.Id))!.Select(s => s.TrackId));
        Payloads.AssertSameJson("{\"people\":2}", (await store.GetRecordingSummaryAsync(p.Id, r.Id))!);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Rewriting_a_recording_replaces_rows_instead_of_duplicating_them(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var p = await store.CreateProjectAsync(new NewProject("p"));
        var r = await store.CreateRecordingAsync(new NewRecording(p.Id, "a.mp4", SourceKind.Upload));
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await using var writer = await store.OpenWriterAsync(r.Id, new RecordingWriterOptions { BatchSize = 7 });
            for (var i = 0; i < 50; i++)
            {
                await writer.WriteFrameAsync(new StoredFrame(i, i * 0.1, 1, Payloads.Frame(i, i * 0.1, $"attempt {attempt}")));
                await writer.WriteEventAsync(new StoredEvent(i, "track", 1, i * 0.1, null, Payloads.Object("attempt", $"{attempt}")));
            }

            // The same key twice in one batch: the later row wins.
            await writer.WriteFrameAsync(new StoredFrame(49, 4.9, 2, Payloads.Frame(49, 4.9, $"final {attempt}")));
            await writer.WritePersonSummaryAsync(new StoredPersonSummary(1, Payloads.Object("attempt", $"{attempt}")));
            await writer.WriteSummaryAsync(Payloads.Object("attempt", $"{attempt}"));
        }

        var frames = (await store.GetFramesAsync(p.Id, r.Id, new FrameQuery()))!.Frames;
        Assert.Equal(50, frames.Count);
        Assert.All(frames.Take(49), f => Assert.Equal("attempt 1", JsonNode.Parse(f.PayloadJson)!["note"]!.GetValue<string>()));
        Assert.Equal(("final 1", 2), (JsonNode.Parse(frames[49].PayloadJson)!["note"]!.GetValue<string>(), frames[49].Faces));
        Assert.Equal(50, (await store.GetEventsAsync(p.Id, r.Id, new EventQuery()))!.Events.Count);
        Payloads.AssertSameJson("{\"attempt\":\"1\"}", Assert.Single((await store.GetPersonSummariesAsync(p.Id, r.Id))!).PayloadJson);
        Payloads.AssertSameJson("{\"attempt\":\"1\"}", (await store.GetRecordingSummaryAsync(p.Id, r.Id))!);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task The_writer_commits_on_its_own_within_the_flush_interval(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var p = await store.CreateProjectAsync(new NewProject("p"));
        var r = await store.CreateRecordingAsync(new NewRecording(p.Id, "live", SourceKind.Live));
        await using var writer = await store.OpenWriterAsync(r.Id, new RecordingWriterOptions { BatchSize = 1000, FlushInterval = TimeSpan.FromMilliseconds(50) });
        await writer.WriteFrameAsync(new StoredFrame(0, 0, 1, Payloads.Frame(0, 0)));
        await writer.WriteFrameAsync(new StoredFrame(1, 0.033, 1, Payloads.Frame(1, 0.033)));

        // No flush call: the interval alone must commit (a dashboard reading a live recording sees it). Generous deadline, no fixed sleep.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var visible = 0;
        while (visible < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            visible = (await store.GetFramesAsync(p.Id, r.Id, new FrameQuery()))!.Frames.Count;
        }

        Assert.Equal(2, visible);
        await writer.WriteFrameAsync(new StoredFrame(2, 0.066, 1, Payloads.Frame(2, 0.066)));
        await writer.FlushAsync();
        Assert.Equal(3, (await store.GetFramesAsync(p.Id, r.Id, new FrameQuery()))!.Frames.Count);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task A_failed_batch_fails_the_writer_with_the_cause(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var p = await store.CreateProjectAsync(new NewProject("p"));
        var r = await store.CreateRecordingAsync(new NewRecording(p.Id, "a.mp4", SourceKind.Upload));
        var writer = await store.OpenWriterAsync(r.Id);
        await writer.WriteFrameAsync(new StoredFrame(0, 0, 1, "{\"ok\":true}"));
        await writer.WriteFrameAsync(new StoredFrame(1, 0.1, 1, "{not json"));
        var invalid = await Assert.ThrowsAsync<MienStoreException>(() => writer.FlushAsync());
        Assert.Equal(MienStoreError.Invalid, invalid.Error);
        await Assert.ThrowsAsync<MienStoreException>(() => writer.CompleteAsync());
        await writer.DisposeAsync(); // already reported: disposing does not throw it again
        Assert.Equal(MienStoreError.Invalid, (await Assert.ThrowsAsync<MienStoreException>(() => writer.WriteFrameAsync(new StoredFrame(2, 0.2, 1, "{}")).AsTask())).Error);
        Assert.Empty((await store.GetFramesAsync(p.Id, r.Id, new FrameQuery()))!.Frames); // the whole batch rolled back

        // A recording erased while its writer runs: the next batch fails, naming the recording.
        var erased = await store.CreateRecordingAsync(new NewRecording(p.Id, "b.mp4", SourceKind.Upload));
        var orphan = await store.OpenWriterAsync(erased.Id);
        await store.DeleteRecordingAsync(p.Id, erased.Id);
        await orphan.WriteFrameAsync(new StoredFrame(0, 0, 1, "{}"));
        var gone = await Assert.ThrowsAsync<MienStoreException>(() => orphan.CompleteAsync());
        Assert.Contains(erased.Id.ToString(), gone.Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<MienStoreException>(() => store.OpenWriterAsync(Guid.NewGuid()));
        Assert.Equal(MienStoreError.NotFound, missing.Error);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Erasing_a_recording_or_subject_leaves_no_row_with_its_id(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var p = await store.CreateProjectAsync(new NewProject("p", KeepMedia: true));
        var subject = await store.CreateSubjectAsync(p.Id, "S-7");
        var other = await store.CreateSubjectAsync(p.Id, "S-8");
        var first = await store.CreateRecordingAsync(new NewRecording(p.Id, "one.mp4", SourceKind.Upload, subject.Id, "/media/one.mp4"));
        var second = await store.CreateRecordingAsync(new NewRecording(p.Id, "two.mp4", SourceKind.Upload, subject.Id, "/media/two.mp4"));
        var kept = await store.CreateRecordingAsync(new NewRecording(p.Id, "three.mp4", SourceKind.Upload, other.Id, "/media/three.mp4"));
        foreach (var r in new[] { first, second, kept })
        {
            await using var writer = await store.OpenWriterAsync(r.Id, new RecordingWriterOptions { BatchSize = 16 });
            for (var i = 0; i < 40; i++)
            {
                await writer.WriteFrameAsync(new StoredFrame(i, i / 30.0, 1, Payloads.Frame(i, i / 30.0, $"recording {r.Id}")));
            }

            for (var s = 0; s < 6; s++)
            {
                await writer.WriteEventAsync(new StoredEvent(s, "segment", 1, s, s + 0.5, "{}"));
            }

            await writer.WritePersonSummaryAsync(new StoredPersonSummary(1, "{}"));
            await writer.WritePersonSummaryAsync(new StoredPersonSummary(2, "{}"));
            await writer.WriteSummaryAsync("{}");
        }

        await store.AppendSkinSessionAsync(p.Id, subject.Id, first.Id, DateTimeOffset.UtcNow, "{}");
        await store.AppendSkinSessionAsync(p.Id, subject.Id, null, DateTimeOffset.UtcNow, "{}");
        await store.AppendSkinSessionAsync(p.Id, other.Id, kept.Id, DateTimeOffset.UtcNow, "{}");

        var recordingErasure = (await store.DeleteRecordingAsync(p.Id, first.Id))!;
        Assert.Equal(new ErasureReport(0, 1, 40, 6, 2, 1, 1, recordingErasure.MediaPaths) { RecordingIds = recordingErasure.RecordingIds }, recordingErasure);
        Assert.Single(recordingErasure.RecordingIds);
        Assert.Equal(["/media/one.mp4"], recordingErasure.MediaPaths);
        Assert.Empty(await db.ScanAsync(first.Id.ToString()));
        Assert.Null(await store.DeleteRecordingAsync(p.Id, first.Id));

        var subjectErasure = (await store.DeleteSubjectAsync(p.Id, subject.Id))!;
        Assert.Equal(new ErasureReport(1, 1, 40, 6, 2, 1, 1, subjectErasure.MediaPaths) { RecordingIds = subjectErasure.RecordingIds }, subjectErasure);
        Assert.Single(subjectErasure.RecordingIds);
        Assert.Equal(["/media/two.mp4"], subjectErasure.MediaPaths);
        Assert.Equal(52, subjectErasure.TotalRows);
        Assert.Empty(await db.ScanAsync(subject.Id.ToString()));
        Assert.Empty(await db.ScanAsync(second.Id.ToString()));
        Assert.Empty(await db.ScanAsync("S-7"));

        // Everything of the other subject is untouched.
        Assert.Equal(40, (await store.GetFramesAsync(p.Id, kept.Id, new FrameQuery()))!.Frames.Count);
        Assert.Single(await store.ListSkinSessionsAsync(p.Id, other.Id));
        Assert.Contains(await db.ScanAsync(kept.Id.ToString()), hit => hit.StartsWith("frames: 40", StringComparison.Ordinal));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Hostile_strings_in_every_text_field_round_trip_as_data(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var tables = await db.TablesAsync();
        var decoy = await store.CreateProjectAsync(new NewProject("decoy"));
        await store.CreateSubjectAsync(decoy.Id, "someone");
        foreach (var text in Hostile)
        {
            var name = text.Replace("\n", " ", StringComparison.Ordinal).Replace("\t", " ", StringComparison.Ordinal);
            var project = await store.CreateProjectAsync(new NewProject(name, Basis: Mien.Privacy.InferenceBasis.Medical, Justification: "hostile justification: " + name));
            Assert.Equal(project, await store.GetProjectAsync(project.Id));
            var subject = await store.CreateSubjectAsync(project.Id, name);
            Assert.Equal(subject, await store.FindSubjectAsync(project.Id, name));
            Assert.Null(await store.FindSubjectAsync(decoy.Id, name)); // '%_%' is not a pattern
            var fileName = name.Replace('\\', '_');
            var options = Payloads.Object("note", text);
            var recording = await store.CreateRecordingAsync(new NewRecording(project.Id, fileName, SourceKind.Upload, subject.Id, "/media/" + text, options));
            var read = (await store.GetRecordingAsync(project.Id, recording.Id))!;
            Assert.Equal((fileName, "/media/" + text), (read.Name, read.MediaPath));
            Payloads.AssertSameJson(options, read.OptionsJson);

            Assert.True(await store.TryStartAsync(recording.Id));
            Assert.True(await store.FinishAsync(recording.Id, RecordingStatus.Failed, text));
            Assert.Equal(text, (await store.GetRecordingAsync(project.Id, recording.Id))!.Error);

            var kind = name.Length <= 40 ? name : name[..40];
            await using (var writer = await store.OpenWriterAsync(recording.Id))
            {
                await writer.WriteFrameAsync(new StoredFrame(0, 0, 1, Payloads.Frame(0, 0, text)));
                await writer.WriteEventAsync(new StoredEvent(0, kind, null, 0, null, Payloads.Object(text, text)));
                await writer.WritePersonSummaryAsync(new StoredPersonSummary(1, Payloads.Object("p", text)));
                await writer.WriteSummaryAsync(Payloads.Object("s", text));
            }

            Payloads.AssertSameJson(Payloads.Frame(0, 0, text), Assert.Single((await store.GetFramesAsync(project.Id, recording.Id, new FrameQuery()))!.Frames).PayloadJson);
            var evt = Assert.Single((await store.GetEventsAsync(project.Id, recording.Id, new EventQuery(kind)))!.Events);
            Payloads.AssertSameJson(Payloads.Object(text, text), evt.PayloadJson);
            Payloads.AssertSameJson(Payloads.Object("s", text), (await store.GetRecordingSummaryAsync(project.Id, recording.Id))!);
            var skin = await store.AppendSkinSessionAsync(project.Id, subject.Id, recording.Id, DateTimeOffset.UtcNow, Payloads.Object("k", text));
            Payloads.AssertSameJson(Payloads.Object("k", text), Assert.Single(await store.ListSkinSessionsAsync(project.Id, subject.Id)).PayloadJson);
            Assert.Equal(skin.Id, (await store.ListSkinSessionsAsync(project.Id, subject.Id))[0].Id);
        }

        Assert.Equal(tables, await db.TablesAsync());
        Assert.Equal(Hostile.Length + 1, (await store.ListProjectsAsync()).Count);
        Assert.Single(await store.ListSubjectsAsync(decoy.Id));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Skin_sessions_list_in_time_order(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var p = await store.CreateProjectAsync(new NewProject("p"));
        var s = await store.GetOrCreateSubjectAsync(p.Id, "P-9");
        var t0 = new DateTimeOffset(2025, 3, 1, 9, 30, 0, TimeSpan.FromHours(2));
        var offsets = new[] { 40.0, 0.0, 12.5, 12.0000015 };
        foreach (var days in offsets)
        {
            await store.AppendSkinSessionAsync(p.Id, s.Id, null, t0.AddDays(days), Payloads.Object("days", Payloads.Text(days)));
        }

        var sessions = await store.ListSkinSessionsAsync(p.Id, s.Id);
        Assert.Equal(offsets.Order().Select(d => Payloads.Text(d)), sessions.Select(x => JsonNode.Parse(x.PayloadJson)!["days"]!.GetValue<string>()));
        Assert.Equal(t0.AddDays(40).ToUniversalTime(), sessions[^1].At);
        Assert.All(sessions, x => Assert.Equal(TimeSpan.Zero, x.At.Offset));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Concurrent_writers_and_job_updates_do_not_fail(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var p = await store.CreateProjectAsync(new NewProject("p"));
        var recordings = new List<Recording>();
        for (var i = 0; i < 4; i++)
        {
            recordings.Add(await store.CreateRecordingAsync(new NewRecording(p.Id, $"r{i}.mp4", SourceKind.Upload)));
        }

        const int Frames = 600;
        var writers = recordings.Select(r => Task.Run(async () =>
        {
            Assert.True(await store.TryStartAsync(r.Id));
            await using var writer = await store.OpenWriterAsync(r.Id, new RecordingWriterOptions { BatchSize = 25 });
            for (var i = 0; i < Frames; i++)
            {
                await writer.WriteFrameAsync(new StoredFrame(i, i / 30.0, 1, Payloads.Frame(i, i / 30.0)));
                if (i % 50 == 0)
                {
                    Assert.True(await store.ReportProgressAsync(r.Id, (double)i / Frames, i));
                }
            }

            await writer.CompleteAsync();
            Assert.True(await store.FinishAsync(r.Id, RecordingStatus.Done, frames: Frames));
        }));
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await store.ListRecordingsAsync(p.Id, new RecordingQuery());
                await store.GetFramesAsync(p.Id, recordings[i % 4].Id, new FrameQuery(Limit: 50));
            }
        }));
        var subjects = Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++)
            {
                await store.GetOrCreateSubjectAsync(p.Id, $"c-{i % 10}");
            }
        });

        await Task.WhenAll([.. writers, .. readers, subjects]);

        foreach (var r in recordings)
        {
            Assert.Equal(Frames, (await store.GetFramesAsync(p.Id, r.Id, new FrameQuery(Limit: 10_000)))!.Frames.Count);
            Assert.Equal(RecordingStatus.Done, (await store.GetRecordingAsync(p.Id, r.Id))!.Status);
        }

        Assert.Equal(10, (await store.ListSubjectsAsync(p.Id)).Count);
    }
}
