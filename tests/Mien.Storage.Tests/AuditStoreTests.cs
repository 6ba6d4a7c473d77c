using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Mien.Privacy.Audit;

namespace Mien.Storage.Tests;

/// <summary>The audit chain in real SQLite and real PostgreSQL: linear under concurrent writers, guarded by the database, tampering found at its seq.</summary>
public sealed class AuditStoreTests
{
    private static AuditRecord Read(int i, string? subject = null) =>
        new(AuditActors.ApiKey(Guid.CreateVersion7()), "results.read", "200", subject, Guid.CreateVersion7().ToString("D"), $"{{\"page\":{i}}}");

    [Theory, SqliteStore, PostgresStore]
    public async Task Appends_from_several_stores_at_once_form_one_linear_chain_that_verifies(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        // Separate stores have separate connection pools, like separate server processes on one database.
        var stores = new[] { await db.OpenAsync(), await db.OpenAsync(), await db.OpenAsync() };
        var project = await stores[0].CreateProjectAsync(new NewProject("audited"));
        var other = await stores[0].CreateProjectAsync(new NewProject("other"));

        const int PerWriter = 60;
        var appended = await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var mine = new List<AuditEntry>();
            for (var i = 0; i < PerWriter; i++)
            {
                mine.Add(await stores[w % 3].AppendAuditAsync(w == 5 ? other.Id : project.Id, Read(i)));
            }

            return mine;
        })));

        var seqs = appended.Take(5).SelectMany(a => a).Select(e => e.Seq).Order().ToArray();
        Assert.Equal(Enumerable.Range(1, 5 * PerWriter).Select(i => (long)i), seqs);
        var verification = await stores[1].VerifyAuditAsync(project.Id);
        Assert.True(verification.Valid, verification.Problem);
        Assert.Equal(5 * PerWriter, verification.Entries);
        Assert.Equal(5L * PerWriter, verification.HeadSeq);
        Assert.Equal(appended.Take(5).SelectMany(a => a).Single(e => e.Seq == 5 * PerWriter).Hash, verification.HeadHash);
        var otherVerification = await stores[2].VerifyAuditAsync(other.Id);
        Assert.True(otherVerification.Valid, otherVerification.Problem);
        Assert.Equal(PerWriter, otherVerification.Entries);

        // Paging returns every entry once, in order, as appended.
        var read = new List<AuditEntry>();
        for (var page = await stores[0].GetAuditAsync(project.Id, new AuditQuery(Limit: 70)); ; page = await stores[0].GetAuditAsync(project.Id, new AuditQuery(page.NextAfter!.Value, 70)))
        {
            read.AddRange(page.Entries);
            if (page.NextAfter is null)
            {
                break;
            }
        }

        Assert.Equal(appended.Take(5).SelectMany(a => a).OrderBy(e => e.Seq), read);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task An_entry_edited_behind_the_triggers_is_found_at_its_seq(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("p"));
        for (var i = 0; i < 20; i++)
        {
            await store.AppendAuditAsync(project.Id, Read(i));
        }

        Assert.True((await store.VerifyAuditAsync(project.Id)).Valid);
        await BypassTriggersAsync(db, $"UPDATE audit_log SET outcome = '403' WHERE seq = 7 AND project_id = {Id(db, project.Id)}");

        var verification = await store.VerifyAuditAsync(project.Id);
        Assert.False(verification.Valid);
        Assert.Equal(7L, verification.FirstBrokenSeq);
        Assert.Equal(6L, verification.HeadSeq);
        Assert.Contains("entry 7", verification.Problem, StringComparison.Ordinal);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task An_entry_rewritten_with_a_fresh_hash_breaks_the_chain_at_the_next_one(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("p"));
        var entries = new List<AuditEntry>();
        for (var i = 0; i < 10; i++)
        {
            entries.Add(await store.AppendAuditAsync(project.Id, Read(i)));
        }

        // The attacker recomputes entry 4's hash for the forged content; entry 5 still chains from the genuine hash.
        var forged = entries[3].Record with { Outcome = "404" };
        var hash = AuditChain.Hash(entries[2].Hash, project.Id, 4, entries[3].At, forged);
        await BypassTriggersAsync(db, $"UPDATE audit_log SET outcome = '404', hash = {Blob(db, hash)} WHERE seq = 4 AND project_id = {Id(db, project.Id)}");

        var verification = await store.VerifyAuditAsync(project.Id);
        Assert.Equal((false, 5L), (verification.Valid, verification.FirstBrokenSeq));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Entries_deleted_behind_the_triggers_are_found_in_the_middle_and_at_the_end(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var middle = await store.CreateProjectAsync(new NewProject("middle"));
        var tail = await store.CreateProjectAsync(new NewProject("tail"));
        for (var i = 0; i < 12; i++)
        {
            await store.AppendAuditAsync(middle.Id, Read(i));
            await store.AppendAuditAsync(tail.Id, Read(i));
        }

        await BypassTriggersAsync(db, $"DELETE FROM audit_log WHERE seq = 9 AND project_id = {Id(db, middle.Id)}");
        await BypassTriggersAsync(db, $"DELETE FROM audit_log WHERE seq >= 11 AND project_id = {Id(db, tail.Id)}");

        var a = await store.VerifyAuditAsync(middle.Id);
        Assert.Equal((false, 9L), (a.Valid, a.FirstBrokenSeq));
        var b = await store.VerifyAuditAsync(tail.Id);
        Assert.Equal((false, 11L), (b.Valid, b.FirstBrokenSeq));
        Assert.Contains("missing", b.Problem, StringComparison.Ordinal);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task The_database_refuses_changes_deletions_and_out_of_order_entries(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("p"));
        for (var i = 0; i < 5; i++)
        {
            await store.AppendAuditAsync(project.Id, Read(i));
        }

        var id = Id(db, project.Id);
        var refused = new List<string>
        {
            $"UPDATE audit_log SET outcome = '500' WHERE seq = 2 AND project_id = {id}",
            $"UPDATE audit_log SET seq = seq + 100 WHERE project_id = {id}",
            $"DELETE FROM audit_log WHERE seq = 3 AND project_id = {id}",
            "DELETE FROM audit_log",
            $"INSERT INTO audit_log (project_id, seq, at, actor, action, outcome, detail, hash) SELECT project_id, 9, at, actor, action, outcome, detail, hash FROM audit_log WHERE seq = 5 AND project_id = {id}",
            $"UPDATE audit_heads SET head_seq = 2, head_hash = (SELECT hash FROM audit_log WHERE seq = 2 AND project_id = {id}) WHERE project_id = {id}",
            $"UPDATE audit_heads SET anchor_seq = 3, anchor_hash = head_hash WHERE project_id = {id}",
            "DELETE FROM audit_heads",
        };
        if (provider == StoreProvider.Postgres)
        {
            refused.Add("TRUNCATE audit_log");
            refused.Add("TRUNCATE audit_heads");
        }

        foreach (var sql in refused)
        {
            var e = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => db.ExecuteAsync(sql));
            Assert.Contains("audit", e.Message, StringComparison.Ordinal);
        }

        var verification = await store.VerifyAuditAsync(project.Id);
        Assert.True(verification.Valid, verification.Problem);
        Assert.Equal(5, verification.Entries);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Retention_cuts_the_log_at_an_anchor_and_the_rest_still_verifies(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var store = await db.OpenAsync(new MienStoreOptions { Time = time });
        var project = await store.CreateProjectAsync(new NewProject("p"));
        for (var i = 0; i < 10; i++)
        {
            await store.AppendAuditAsync(project.Id, Read(i));
            time.Advance(TimeSpan.FromHours(1));
        }

        var cutoff = time.GetUtcNow();
        time.Advance(TimeSpan.FromDays(30));
        for (var i = 0; i < 5; i++)
        {
            await store.AppendAuditAsync(project.Id, Read(i));
        }

        Assert.Equal(10L, await store.TrimAuditLogAsync(project.Id, cutoff));
        Assert.Equal(0L, await store.TrimAuditLogAsync(project.Id, cutoff));
        var verification = await store.VerifyAuditAsync(project.Id);
        Assert.True(verification.Valid, verification.Problem);
        Assert.Equal((5L, 15L, 10L), (verification.Entries, verification.HeadSeq, verification.AnchorSeq));
        Assert.Equal(11L, (await store.GetAuditAsync(project.Id, new AuditQuery())).Entries[0].Seq);

        // The chain goes on from the anchor, and kept entries are still protected.
        await store.AppendAuditAsync(project.Id, Read(99));
        Assert.True((await store.VerifyAuditAsync(project.Id)).Valid);
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => db.ExecuteAsync($"DELETE FROM audit_log WHERE seq = 11 AND project_id = {Id(db, project.Id)}"));

        // Everything expired: the anchor reaches the head and the chain is empty but valid.
        time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(6L, await store.TrimAuditLogAsync(project.Id, time.GetUtcNow()));
        var empty = await store.VerifyAuditAsync(project.Id);
        Assert.Equal((true, 0L, 16L, 16L), (empty.Valid, empty.Entries, empty.HeadSeq, empty.AnchorSeq));
        Assert.Equal(17L, (await store.AppendAuditAsync(project.Id, Read(100))).Seq);
        Assert.True((await store.VerifyAuditAsync(project.Id)).Valid);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Subject_references_are_stable_and_unlinkable_once_the_subject_is_erased(StoreProvider provider)
    {
        await using var db = await TestStore.CreateAsync(provider);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("p"));
        var subject = await store.CreateSubjectAsync(project.Id, "participant-0042");
        var neighbour = await store.CreateSubjectAsync(project.Id, "participant-0043");
        var recording = await store.CreateRecordingAsync(new NewRecording(project.Id, "clip.mp4", SourceKind.Upload, subject.Id));

        var reference = await store.GetSubjectRefAsync(project.Id, subject.Id);
        Assert.True(SubjectRef.IsWellFormed(reference));
        Assert.Equal(reference, await store.GetSubjectRefAsync(project.Id, subject.Id));
        Assert.Equal(reference, await store.GetRecordingSubjectRefAsync(project.Id, recording.Id));
        Assert.NotEqual(reference, await store.GetSubjectRefAsync(project.Id, neighbour.Id));
        Assert.Null(await store.GetSubjectRefAsync(Guid.CreateVersion7(), subject.Id));
        await store.AppendAuditAsync(project.Id, new AuditRecord(AuditActors.ApiKey(Guid.CreateVersion7()), "results.read", "200", reference, recording.Id.ToString("D")));

        await store.DeleteSubjectAsync(project.Id, subject.Id);
        await store.AppendAuditAsync(project.Id, new AuditRecord(AuditActors.ApiKey(Guid.CreateVersion7()), "subject.erase", "200", reference));

        Assert.Null(await store.GetSubjectRefAsync(project.Id, subject.Id));
        Assert.Empty(await db.ScanAsync(subject.Id.ToString("D")));
        Assert.Empty(await db.ScanAsync(subject.Pseudonym));
        Assert.Equal(["audit_log: 2"], await db.ScanAsync(reference!));
        Assert.True((await store.VerifyAuditAsync(project.Id)).Valid);
    }

    [Fact]
    public async Task Records_that_could_carry_free_text_or_identifiers_are_refused_before_the_database()
    {
        await using var db = await TestStore.CreateAsync(StoreProvider.Sqlite);
        var store = await db.OpenAsync();
        var project = await store.CreateProjectAsync(new NewProject("p"));
        var actor = AuditActors.ApiKey(Guid.CreateVersion7());
        var bad = new[]
        {
            new AuditRecord(actor, "results.read", "200", SubjectRef: Guid.CreateVersion7().ToString("D")),
            new AuditRecord(actor, "results.read", "200", SubjectRef: "participant-0042"),
            new AuditRecord(actor, "results read by Alice", "200"),
            new AuditRecord(actor, "results.read", "200", Target: "/data/uploads/alice smith.mp4"),
            new AuditRecord(actor, "results.read", "200", DetailJson: "[1,2]"),
            new AuditRecord(actor, "results.read", "200", DetailJson: "{\"broken\":"),
        };
        foreach (var record in bad)
        {
            await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAuditAsync(project.Id, record));
        }

        Assert.Empty((await store.GetAuditAsync(project.Id, new AuditQuery())).Entries);
    }

    /// <summary>What an attacker with write access to the database files or a superuser login can do: switch the guards off.</summary>
    private static async Task BypassTriggersAsync(TestStore db, string sql)
    {
        if (db.Provider == StoreProvider.Sqlite)
        {
            foreach (var trigger in new[] { "audit_log_no_update", "audit_log_delete_only_before_anchor" })
            {
                await db.ExecuteAsync($"DROP TRIGGER IF EXISTS {trigger}");
            }

            await db.ExecuteAsync(sql);
        }
        else
        {
            await db.ExecuteAsync($"ALTER TABLE audit_log DISABLE TRIGGER USER; {sql}; ALTER TABLE audit_log ENABLE TRIGGER USER");
        }
    }

    private static string Id(TestStore db, Guid id) => $"'{id:D}'" + (db.Provider == StoreProvider.Postgres ? "::uuid" : string.Empty);

    private static string Blob(TestStore db, string hex) => db.Provider == StoreProvider.Sqlite ? $"X'{hex}'" : $"'\\x{hex}'::bytea";

    internal static long Count(object? value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
