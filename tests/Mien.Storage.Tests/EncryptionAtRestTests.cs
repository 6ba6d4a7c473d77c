using System.Globalization;
using System.Text;
using Mien.Privacy.Encryption;
using Mien.Testing;

namespace Mien.Storage.Tests;

/// <summary>Encryption at rest as the store does it, on real SQLite and real PostgreSQL: raw files, keys, rotation, tampering.</summary>
public sealed class EncryptionAtRestTests
{
    [Theory, SqliteStore, PostgresStore]
    public async Task The_raw_database_files_hold_no_plaintext_of_sealed_payloads_but_do_hold_plain_names(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];

        // Markers short enough that PostgreSQL keeps every value inline and uncompressed (TOAST starts at ~2 KB):
        // were a payload stored in plaintext, its marker would be in the heap file as is.
        var control = $"ctl{tag}.mp4";
        var markers = new[] { $"skinZ{tag}", $"lmk{tag}", $"evt{tag}", $"per{tag}", $"sum{tag}", "31415.926535" };
        var project = await store.CreateProjectAsync(new NewProject("p"));
        var subject = await store.CreateSubjectAsync(project.Id, "S-1");
        var recording = await store.CreateRecordingAsync(new NewRecording(project.Id, control, SourceKind.Upload, subject.Id));
        await using (var writer = await store.OpenWriterAsync(recording.Id))
        {
            await writer.WriteFrameAsync(new StoredFrame(0, 0, 1, $"{{\"landmarks\":[[{markers[5]},2.5,0.1]],\"note\":\"{markers[1]}\"}}"));
            await writer.WriteEventAsync(new StoredEvent(0, "segment", 1, 0, 1, $"{{\"label\":\"{markers[2]}\"}}"));
            await writer.WritePersonSummaryAsync(new StoredPersonSummary(1, $"{{\"p\":\"{markers[3]}\"}}"));
            await writer.WriteSummaryAsync($"{{\"s\":\"{markers[4]}\"}}");
        }

        await store.AppendSkinSessionAsync(project.Id, subject.Id, recording.Id, DateTimeOffset.UtcNow, $"{{\"ita\":{markers[5]},\"who\":\"{markers[0]}\"}}");

        // Readable through the store…
        Assert.Contains(markers[1], Assert.Single((await store.GetFramesAsync(project.Id, recording.Id, new FrameQuery()))!.Frames).PayloadJson, StringComparison.Ordinal);
        Assert.Contains(markers[0], Assert.Single(await store.ListSkinSessionsAsync(project.Id, subject.Id)).PayloadJson, StringComparison.Ordinal);

        // …and nowhere in the bytes on disk, while the plain recording name is found by the same scan.
        var files = await RawFilesAsync(db);
        Assert.NotEmpty(RawScan.Find(files, control));
        foreach (var marker in markers)
        {
            Assert.Empty(RawScan.Find(files, marker));
        }
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task A_wrong_or_missing_master_key_is_refused_naming_the_expected_key(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        using var right = MasterKey.Generate("the right key");
        using var wrong = MasterKey.Generate("MIEN_MASTER_KEY");
        var store = await db.OpenAsync(new MienStoreOptions { MasterKey = right });
        var project = await store.CreateProjectAsync(new NewProject("p"));
        _ = await store.Encryption.ActiveDataKeyAsync(project.Id);

        var refused = await Assert.ThrowsAsync<MienStoreException>(() => db.OpenAsync(new MienStoreOptions { MasterKey = wrong }));
        Assert.Contains($"encrypted under master key {right.Id}", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"the key from MIEN_MASTER_KEY is {wrong.Id}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--master-key-file", refused.Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<MienStoreException>(() => MienStore.OpenAsync(db.ConnectionString));
        Assert.Contains($"encrypted under master key {right.Id}, but no master key was given", missing.Message, StringComparison.Ordinal);
        Assert.Contains("MIEN_MASTER_KEY_FILE", missing.Message, StringComparison.Ordinal);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Rotating_the_master_key_rewraps_every_data_key_while_a_store_stays_open(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        using var first = MasterKey.Generate("first");
        using var second = MasterKey.Generate("second");
        using var third = MasterKey.Generate("third");
        var running = await db.OpenAsync(new MienStoreOptions { MasterKey = first });
        var (a, ra) = await SeedAsync(running, "a");
        var (b, rb) = await SeedAsync(running, "b");

        // The CLI's rotation, while a "server" (running) has the database open.
        Assert.Equal(2, await MienStore.RotateMasterKeyAsync(db.ConnectionString, first, second));
        Assert.Equal(0, await MienStore.RotateMasterKeyAsync(db.ConnectionString, first, second)); // a re-run does nothing
        Assert.Equal(3, (await running.GetFramesAsync(a.Id, ra.Id, new FrameQuery()))!.Frames.Count); // its keys are in memory
        await using (var writer = await running.OpenWriterAsync(ra.Id))
        {
            await writer.WriteFrameAsync(new StoredFrame(3, 0.3, 1, "{\"after\":\"rotation\"}"));
        }

        var late = await running.CreateProjectAsync(new NewProject("late"));
        var stale = await Assert.ThrowsAsync<MienStoreException>(() => running.Encryption.ActiveDataKeyAsync(late.Id));
        Assert.Contains($"rotated to {second.Id}", stale.Message, StringComparison.Ordinal);

        var old = await Assert.ThrowsAsync<MienStoreException>(() => db.OpenAsync(new MienStoreOptions { MasterKey = first }));
        Assert.Contains($"encrypted under master key {second.Id}, but the key from first is {first.Id}", old.Message, StringComparison.Ordinal);
        var reopened = await db.OpenAsync(new MienStoreOptions { MasterKey = second });
        Assert.Equal(4, (await reopened.GetFramesAsync(a.Id, ra.Id, new FrameQuery()))!.Frames.Count);
        Assert.Equal(3, (await reopened.GetFramesAsync(b.Id, rb.Id, new FrameQuery()))!.Frames.Count);

        // The start-up path: the new key plus MIEN_MASTER_KEY_PREVIOUS re-wraps on open.
        var rotated = await db.OpenAsync(new MienStoreOptions { MasterKey = third, PreviousMasterKey = second });
        Assert.Equal(third.Id, rotated.Encryption.MasterKeyId);
        await using var fresh = await MienStore.OpenAsync(db.ConnectionString, new MienStoreOptions { MasterKey = third });
        Assert.Single(await fresh.ListSkinSessionsAsync(b.Id, (await fresh.ListSubjectsAsync(b.Id))[0].Id));
        Assert.Equal(4, (await fresh.GetFramesAsync(a.Id, ra.Id, new FrameQuery()))!.Frames.Count);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Rotating_a_data_key_reencrypts_every_row_and_retires_the_old_version_readable_throughout(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var (project, recording) = await SeedAsync(store, "p");
        var (other, otherRecording) = await SeedAsync(store, "q");
        Assert.Equal(1, (await store.Encryption.ActiveDataKeyAsync(project.Id)).Version);

        var next = await store.Encryption.RotateDataKeyAsync(project.Id);
        Assert.Equal((2, DataKeyState.Active), (next.Version, next.State));
        await Assert.ThrowsAsync<MienStoreException>(() => store.Encryption.RotateDataKeyAsync(project.Id)); // one at a time

        // Mixed versions read fine; new writes use version 2.
        await using (var writer = await store.OpenWriterAsync(recording.Id))
        {
            await writer.WriteFrameAsync(new StoredFrame(3, 0.3, 1, "{\"v\":2}"));
        }

        Assert.Equal(4, (await store.GetFramesAsync(project.Id, recording.Id, new FrameQuery()))!.Frames.Count);
        Assert.Equal(new[] { 1, 2 }, await VersionsAsync(db, "frames"));

        // A row a Mien without encryption left in plaintext is sealed by the same pass.
        await db.ExecuteAsync($"INSERT INTO events (recording_id, seq, kind, track_id, t_start_s, t_end_s, payload) VALUES ('{recording.Id}', 9, 'legacy', NULL, 0, NULL, '{{\"legacy\":true}}')");
        Assert.Equal(3 + 1 + 1 + 1 + 1 + 1, await store.Encryption.ReencryptRowsAsync(project.Id));
        Assert.Equal(new[] { 1 }, await store.Encryption.RetireDataKeysAsync(project.Id));

        Assert.Equal(new[] { 2 }, await VersionsAsync(db, "frames", project.Id));
        Assert.Equal(4, (await store.GetFramesAsync(project.Id, recording.Id, new FrameQuery()))!.Frames.Count);
        Payloads.AssertSameJson("{\"legacy\":true}", (await store.GetEventsAsync(project.Id, recording.Id, new EventQuery("legacy")))!.Events[0].PayloadJson);
        Assert.Single(await store.ListSkinSessionsAsync(project.Id, (await store.ListSubjectsAsync(project.Id))[0].Id));
        Assert.Equal([DataKeyState.Retired, DataKeyState.Active], (await store.Encryption.ListDataKeysAsync(project.Id)).Select(k => k.State));
        Assert.Contains("retired", (await Assert.ThrowsAsync<MienStoreException>(() => store.Encryption.DataKeyAsync(project.Id, 1))).Message, StringComparison.Ordinal);
        await using var reopened = await MienStore.OpenAsync(db.ConnectionString, new MienStoreOptions { MasterKey = TestStore.Key });
        Assert.Equal(4, (await reopened.GetFramesAsync(project.Id, recording.Id, new FrameQuery()))!.Frames.Count);

        // The other project was not touched.
        Assert.Equal(new[] { 1 }, await VersionsAsync(db, "frames", other.Id));
        Assert.Equal(3, (await reopened.GetFramesAsync(other.Id, otherRecording.Id, new FrameQuery()))!.Frames.Count);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task A_flipped_byte_or_a_row_copied_onto_another_fails_with_a_clear_error(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var (project, recording) = await SeedAsync(store, "p");
        var sealed0 = (string)(await db.ExecuteAsync($"SELECT payload{Text(provider)} FROM frames WHERE frame_index = 0"))!;
        var sealed1 = (string)(await db.ExecuteAsync($"SELECT payload{Text(provider)} FROM frames WHERE frame_index = 1"))!;

        // One bit of the ciphertext flipped (a base64 character changed in the middle).
        var at = sealed0.IndexOf("\"sealed\"", StringComparison.Ordinal) + 40;
        var flipped = sealed0[..at] + (sealed0[at] == 'A' ? 'B' : 'A') + sealed0[(at + 1)..];
        await db.ExecuteAsync($"UPDATE frames SET payload = '{flipped}' WHERE frame_index = 0");
        var altered = await Assert.ThrowsAsync<MienStoreException>(() => store.GetFramesAsync(project.Id, recording.Id, new FrameQuery()));
        Assert.Contains($"frames row {recording.Id}/0 does not decrypt", altered.Message, StringComparison.Ordinal);
        Assert.Contains("altered or belong to another row", altered.Message, StringComparison.Ordinal);
        Assert.IsType<EncryptionException>(altered.InnerException);

        // A valid ciphertext of frame 1 copied onto frame 0: bound to its row, it does not open there.
        await db.ExecuteAsync($"UPDATE frames SET payload = '{sealed1}' WHERE frame_index = 0");
        var moved = await Assert.ThrowsAsync<MienStoreException>(() => store.GetFramesAsync(project.Id, recording.Id, new FrameQuery()));
        Assert.Contains($"frames row {recording.Id}/0 does not decrypt", moved.Message, StringComparison.Ordinal);

        // A plaintext payload written behind the store's back is refused, not served.
        await db.ExecuteAsync("UPDATE frames SET payload = '{\"faces\":[]}' WHERE frame_index = 0");
        Assert.Contains("is not sealed", (await Assert.ThrowsAsync<MienStoreException>(() => store.GetFramesAsync(project.Id, recording.Id, new FrameQuery()))).Message, StringComparison.Ordinal);

        // Restored, it reads again: nothing else was harmed.
        await db.ExecuteAsync($"UPDATE frames SET payload = '{sealed0}' WHERE frame_index = 0");
        Assert.Equal(3, (await store.GetFramesAsync(project.Id, recording.Id, new FrameQuery()))!.Frames.Count);
    }

    private static string Text(StoreProvider provider) => provider == StoreProvider.Postgres ? "::text" : string.Empty;

    private static async Task<(Project Project, Recording Recording)> SeedAsync(IMienStore store, string name)
    {
        var project = await store.CreateProjectAsync(new NewProject(name));
        var subject = await store.CreateSubjectAsync(project.Id, "S-" + name);
        var recording = await store.CreateRecordingAsync(new NewRecording(project.Id, name + ".mp4", SourceKind.Upload, subject.Id));
        await using (var writer = await store.OpenWriterAsync(recording.Id))
        {
            for (var i = 0; i < 3; i++)
            {
                await writer.WriteFrameAsync(new StoredFrame(i, i / 10.0, 1, Payloads.Frame(i, i / 10.0, name)));
            }

            await writer.WriteEventAsync(new StoredEvent(0, "segment", 1, 0, 0.2, Payloads.Object("label", "neutral")));
            await writer.WritePersonSummaryAsync(new StoredPersonSummary(1, Payloads.Object("p", name)));
            await writer.WriteSummaryAsync(Payloads.Object("s", name));
        }

        await store.AppendSkinSessionAsync(project.Id, subject.Id, recording.Id, DateTimeOffset.UtcNow, Payloads.Object("ita", "38.2"));
        return (project, recording);
    }

    /// <summary>Data-key versions named by the envelopes of a table's payloads (optionally one project's).</summary>
    private static async Task<int[]> VersionsAsync(TestStore db, string table, Guid? project = null)
    {
        var text = Text(db.Provider);
        var filter = project is null ? string.Empty : $" WHERE recording_id IN (SELECT id FROM recordings WHERE project_id = '{project}')";
        var versions = new SortedSet<int>();
        var count = Convert.ToInt32(await db.ExecuteAsync($"SELECT count(*) FROM {table}{filter}"), CultureInfo.InvariantCulture);
        for (var i = 0; i < count; i++)
        {
            var payload = (string)(await db.ExecuteAsync($"SELECT payload{text} FROM {table}{filter} ORDER BY 1 LIMIT 1 OFFSET {i}"))!;
            Assert.True(SealedJson.TryUnwrap(payload, out var envelope), $"{table} holds an unsealed payload: {payload}");
            versions.Add(FieldCipher.KeyVersion(envelope));
        }

        return [.. versions];
    }

    /// <summary>The database's files on disk after everything is written out (SQLite: file, WAL, SHM; PostgreSQL: the cluster after CHECKPOINT).</summary>
    private static async Task<IReadOnlyList<string>> RawFilesAsync(TestStore db)
    {
        if (db.Provider == StoreProvider.Sqlite)
        {
            return [db.File!, db.File + "-wal", db.File + "-shm"];
        }

        await db.ExecuteAsync("CHECKPOINT");
        var data = PostgresCluster.Instance.DataDirectory ?? throw new InvalidOperationException("MIEN_TEST_POSTGRES names an external server: its files are not here to scan");
        return Directory.GetFiles(data, "*", SearchOption.AllDirectories);
    }
}

/// <summary>Finds text in raw files (UTF-8), the way someone holding a copy of the disk would.</summary>
internal static class RawScan
{
    public static IReadOnlyList<string> Find(IEnumerable<string> files, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        var hits = new List<string>();
        foreach (var path in files)
        {
            if (!File.Exists(path))
            {
                continue;
            }

            byte[] bytes;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                bytes = new byte[stream.Length];
                stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            }
            catch (IOException)
            {
                continue; // a PostgreSQL temp file that vanished between listing and opening
            }

            if (bytes.AsSpan().IndexOf(needle) >= 0)
            {
                hits.Add(path);
            }
        }

        return hits;
    }
}
