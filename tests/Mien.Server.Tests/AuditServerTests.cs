using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Mien.Server.Tests;

/// <summary>The audit log through the real server: what reads, exports, uploads, erasures and key changes leave in it.</summary>
[Collection(ServerCollection.Name)]
public sealed class AuditServerTests(ServerFixture server)
{
    [Fact]
    public async Task Reads_exports_uploads_and_key_changes_are_audited_with_actor_target_subject_and_outcome()
    {
        using var admin = server.Client(server.AdminKey);
        var start = await HeadAsync(admin);
        var adminId = await KeyIdAsync(admin, server.AdminKey);
        var (viewerSecret, viewerId) = await CreateKeyAsync(admin, "viewer");
        var pseudonym = "audit-" + Guid.NewGuid().ToString("N")[..8];
        var subject = await CreateSubjectAsync(admin, pseudonym);
        var recording = await UploadAsync(admin, subject);

        using (var viewer = server.Client(viewerSecret))
        {
            Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(server.ProjectPath($"/recordings/{recording}/frames?limit=10"))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(server.ProjectPath($"/recordings/{recording}/files/faces.jsonl"))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync(server.ProjectPath($"/recordings/{Guid.NewGuid()}/frames"))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(server.ProjectPath($"/keys/{viewerId}"))).StatusCode);

        var entries = await EntriesAsync(admin, after: start);
        // A subject's recording is named by a keyed reference, never by its id (erasing the subject makes it unlinkable).
        var created = Assert.Single(entries, e => Is(e, "recording.create"));
        var recordingRef = Str(created, "target")!;
        Assert.Matches("^recording:[0-9a-f]{32}$", recordingRef);
        Assert.Equal(($"key:{adminId:D}", "202"), (Str(created, "actor"), Str(created, "outcome")));
        var subjectRef = Str(created, "subjectRef");
        Assert.Matches("^[0-9a-f]{32}$", subjectRef);

        var read = Assert.Single(entries, e => Is(e, "results.read") && Str(e, "outcome") == "200" && Str(e, "target") == recordingRef);
        Assert.Equal(($"key:{viewerId:D}", subjectRef), (Str(read, "actor"), Str(read, "subjectRef")));
        Assert.EndsWith("/frames", read.GetProperty("detail").GetProperty("route").GetString(), StringComparison.Ordinal);

        var export = Assert.Single(entries, e => Is(e, "results.export"));
        Assert.Equal(($"key:{viewerId:D}", "200", subjectRef, "faces.jsonl"), (Str(export, "actor"), Str(export, "outcome"), Str(export, "subjectRef"), export.GetProperty("detail").GetProperty("file").GetString()));

        var missing = Assert.Single(entries, e => Is(e, "results.read") && Str(e, "outcome") == "404");
        Assert.Null(Str(missing, "subjectRef"));

        var keyCreated = Assert.Single(entries, e => Is(e, "key.create") && Str(e, "target") == viewerId.ToString("D"));
        Assert.Equal(($"key:{adminId:D}", "201", "viewer"), (Str(keyCreated, "actor"), Str(keyCreated, "outcome"), keyCreated.GetProperty("detail").GetProperty("role").GetString()));
        var keyRevoked = Assert.Single(entries, e => Is(e, "key.revoke"));
        Assert.Equal(($"key:{adminId:D}", "204", viewerId.ToString("D")), (Str(keyRevoked, "actor"), Str(keyRevoked, "outcome"), Str(keyRevoked, "target")));

        // Entries are in order, and nothing in them names the subject or carries a secret.
        Assert.Equal(entries.Select(e => e.GetProperty("seq").GetInt64()).Order(), entries.Select(e => e.GetProperty("seq").GetInt64()));
        var raw = string.Join('\n', entries.Select(e => e.GetRawText()));
        foreach (var secretPart in new[] { viewerSecret, viewerSecret[5..21], viewerSecret[22..], pseudonym, subject.ToString("D") })
        {
            Assert.DoesNotContain(secretPart, raw, StringComparison.Ordinal);
        }

        var verification = await VerifyAsync(admin);
        Assert.True(verification.GetProperty("valid").GetBoolean(), verification.GetRawText());
    }

    [Fact]
    public async Task An_erased_subject_is_audited_under_a_reference_nothing_links_back_to_it()
    {
        using var admin = server.Client(server.AdminKey);
        var start = await HeadAsync(admin);
        var pseudonym = "erase-" + Guid.NewGuid().ToString("N")[..8];
        var subject = await CreateSubjectAsync(admin, pseudonym);
        var recording = await UploadAsync(admin, subject);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(server.ProjectPath($"/recordings/{recording}/frames"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(server.ProjectPath($"/subjects/{subject}"))).StatusCode);

        // While the subject exists, its entries can be found by its id.
        var before = await admin.GetFromJsonAsync<JsonElement>(server.ProjectPath($"/audit?subject={subject}&after={start}"));
        var mine = before.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["consent.give", "recording.create", "recording.read", "results.read", "subject.create", "subject.read"], mine.Select(e => Str(e, "action")!).Distinct().Order(StringComparer.Ordinal));
        var subjectRef = Str(mine[0], "subjectRef")!;
        Assert.All(mine, e => Assert.Equal(subjectRef, Str(e, "subjectRef")));

        var erase = await admin.DeleteAsync(server.ProjectPath($"/subjects/{subject}"));
        Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        var erased = Assert.Single(await EntriesAsync(admin, after: start), e => Is(e, "subject.erase"));
        Assert.Equal(("200", subjectRef), (Str(erased, "outcome"), Str(erased, "subjectRef")));
        var counts = erased.GetProperty("detail").GetProperty("erased");
        Assert.Equal((1, 1), (counts.GetProperty("subjects").GetInt32(), counts.GetProperty("recordings").GetInt32()));
        Assert.True(counts.GetProperty("frames").GetInt64() >= 60);

        // Afterwards: the id cannot be resolved any more, and the audit table holds neither the id nor the pseudonym.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(server.ProjectPath($"/audit?subject={subject}"))).StatusCode);
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "mien.db")};Pooling=false"))
        {
            await db.OpenAsync();
            foreach (var needle in new[] { subject.ToString("D"), subject.ToString("N"), pseudonym, recording.ToString("D"), recording.ToString("N") })
            {
                await using var command = db.CreateCommand();
                command.CommandText = "SELECT count(*) FROM audit_log WHERE instr(actor || action || outcome || coalesce(subject_ref, '') || coalesce(target, '') || detail, @needle) > 0";
                command.Parameters.AddWithValue("@needle", needle);
                Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
            }

            await using var refs = db.CreateCommand();
            refs.CommandText = "SELECT count(*) FROM audit_log WHERE subject_ref = @ref";
            refs.Parameters.AddWithValue("@ref", subjectRef);
            Assert.True((long)(await refs.ExecuteScalarAsync())! >= 6);
        }

        var verification = await VerifyAsync(admin);
        Assert.True(verification.GetProperty("valid").GetBoolean(), verification.GetRawText());
    }

    [Fact]
    public async Task A_read_that_cannot_be_audited_is_refused_and_discloses_nothing()
    {
        using var admin = server.Client(server.AdminKey);
        await using var db = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "mien.db")};Pooling=false");
        await db.OpenAsync();
        await Execute(db, "CREATE TRIGGER test_audit_outage BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'simulated audit outage'); END");
        try
        {
            var refused = await admin.GetAsync(server.ProjectPath("/subjects"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.Contains("audit", body, StringComparison.Ordinal);
            Assert.DoesNotContain("pseudonym", body, StringComparison.Ordinal);
        }
        finally
        {
            await Execute(db, "DROP TRIGGER test_audit_outage");
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(server.ProjectPath("/subjects"))).StatusCode);
    }

    private static async Task Execute(SqliteConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<Guid> UploadAsync(HttpClient client, Guid subject)
    {
        await using var file = File.OpenRead(server.Clip);
        var response = await client.PostAsync(server.ProjectPath($"/recordings?name=clip.mp4&subject={subject}&options=" + Uri.EscapeDataString("{\"video\":false}")), new StreamContent(file));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        Assert.Equal("done", (await server.WaitAsync(client, id, TimeSpan.FromMinutes(3))).GetProperty("status").GetString());
        return id;
    }

    private async Task<Guid> CreateSubjectAsync(HttpClient client, string pseudonym)
    {
        var response = await client.PostAsJsonAsync(server.ProjectPath("/subjects"), new { pseudonym });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var subject = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        // Uploads store results, which needs the subject's analysis and measurements consent.
        var consent = await client.PostAsJsonAsync(server.ProjectPath($"/subjects/{subject}/consents"), new { scopes = new[] { "analysis", "measurements" }, textVersion = "v1", collectedBy = "audit test" });
        Assert.Equal(HttpStatusCode.Created, consent.StatusCode);
        return subject;
    }

    private async Task<(string Secret, Guid Id)> CreateKeyAsync(HttpClient admin, string role)
    {
        var created = JsonDocument.Parse(await (await admin.PostAsJsonAsync(server.ProjectPath("/keys"), new { role })).Content.ReadAsStringAsync()).RootElement;
        return (created.GetProperty("secret").GetString()!, created.GetProperty("key").GetProperty("id").GetGuid());
    }

    private async Task<Guid> KeyIdAsync(HttpClient admin, string secret)
    {
        var keys = await admin.GetFromJsonAsync<JsonElement>(server.ProjectPath("/keys"));
        return keys.EnumerateArray().Single(k => k.GetProperty("prefix").GetString() == secret[5..21]).GetProperty("id").GetGuid();
    }

    private async Task<long> HeadAsync(HttpClient admin) => (await VerifyAsync(admin)).GetProperty("headSeq").GetInt64();

    private Task<JsonElement> VerifyAsync(HttpClient admin) => admin.GetFromJsonAsync<JsonElement>(server.ProjectPath("/audit/verify"));

    private async Task<List<JsonElement>> EntriesAsync(HttpClient admin, long after)
    {
        var entries = new List<JsonElement>();
        while (true)
        {
            var page = await admin.GetFromJsonAsync<JsonElement>(server.ProjectPath($"/audit?after={after}&limit=1000"));
            entries.AddRange(page.GetProperty("entries").EnumerateArray());
            if (page.GetProperty("next").ValueKind == JsonValueKind.Null)
            {
                return entries;
            }

            after = page.GetProperty("next").GetInt64();
        }
    }

    private static bool Is(JsonElement entry, string action) => Str(entry, "action") == action;

    private static string? Str(JsonElement entry, string name) => entry.GetProperty(name).GetString();
}
