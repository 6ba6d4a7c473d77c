using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Mien.Privacy.Audit;
using Mien.Reports;
using Mien.Server.Jobs;
using Mien.Storage;
using Mien.Testing;

namespace Mien.Server.Tests;

/// <summary>
/// Retention through the real server on a fake clock, on real SQLite and real PostgreSQL: each kind of data goes when
/// its own period is over (and nothing else does), files before rows, every run audited, and the audit chain still
/// verifies after the log's own retention.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class RetentionServerTests(ServerFixture fixture)
{
    private const int Frames = 50, Events = 10;
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public Task Each_kind_of_data_goes_exactly_when_its_period_ends_on_sqlite() => ScenarioAsync(null);

    [PostgresFact]
    public async Task Each_kind_of_data_goes_exactly_when_its_period_ends_on_postgresql()
    {
        var database = "mien_retention_" + Guid.NewGuid().ToString("N")[..12];
        var connection = await PostgresCluster.Instance.CreateDatabaseAsync(database);
        try
        {
            await ScenarioAsync(connection);
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await PostgresCluster.Instance.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task The_background_job_runs_every_interval_and_the_trimmed_log_still_verifies()
    {
        var data = Directory.CreateTempSubdirectory("mien-retention-").FullName;
        var time = new FakeTimeProvider(T0);
        try
        {
            await using var server = await ServerFixture.StartAsync(data, o => o with { Time = time, RetentionInterval = TimeSpan.FromHours(1) });
            using var admin = Client(server, server.FirstAdminKey!);
            var project = $"/api/v1/projects/{server.FirstProject}";
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(project + "/retention", new { auditLogDays = 1 })).StatusCode);

            time.Advance(TimeSpan.FromMinutes(61));
            var first = await WaitForRunAsync(admin, project, _ => true);
            Assert.Equal(("service:retention", "ok"), (first.GetProperty("actor").GetString(), first.GetProperty("outcome").GetString()));
            Assert.Equal(1, first.GetProperty("detail").GetProperty("auditLog").GetProperty("days").GetInt32());

            // Two days on, a tick removes the entries of the first day (the policy change and the runs); what is left still verifies.
            time.Advance(TimeSpan.FromDays(2));
            await WaitForRunAsync(admin, project, run => run.GetProperty("detail").GetProperty("auditLog").GetProperty("rows").GetInt64() >= 2);
            var verification = await admin.GetFromJsonAsync<JsonElement>(project + "/audit/verify");
            Assert.True(verification.GetProperty("valid").GetBoolean(), verification.GetRawText());
            Assert.True(verification.GetProperty("anchorSeq").GetInt64() >= 2);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Retention_periods_are_validated_with_messages_naming_the_field_the_value_and_the_limits()
    {
        using var admin = fixture.Client(fixture.AdminKey);
        var url = fixture.ProjectPath("/retention");
        foreach (var (body, expected) in new[]
        {
            ("{\"mediaDays\":0}", "mediaDays = 0"),
            ("{\"auditLogDays\":3654}", "auditLogDays = 3654"),
            ("{\"resultsDays\":-5}", "resultsDays = -5"),
        })
        {
            var response = await admin.PutAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.Contains(expected, detail, StringComparison.Ordinal);
            Assert.Contains("between 1 and 3653", detail, StringComparison.Ordinal);
        }

        // A misspelt field is refused rather than silently keeping the data forever.
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsync(url, new StringContent("{\"mediaDay\":7}", Encoding.UTF8, "application/json"))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(url, new { mediaDays = 7, profilesDays = 365 })).StatusCode);
        var stored = await admin.GetFromJsonAsync<JsonElement>(url);
        Assert.Equal((7, 365, JsonValueKind.Null), (stored.GetProperty("mediaDays").GetInt32(), stored.GetProperty("profilesDays").GetInt32(), stored.GetProperty("resultsDays").ValueKind));
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(url, new { })).StatusCode);
    }

    /// <summary>
    /// Two finished recordings 35 days apart, each with rows of every kind and every output file, two skin sessions
    /// and audit entries at both times; periods media 7, results 30, aggregates 60, profiles 30, audit log 30 days.
    /// </summary>
    private static async Task ScenarioAsync(string? connection)
    {
        var data = Directory.CreateTempSubdirectory("mien-retention-").FullName;
        var time = new FakeTimeProvider(T0);
        var options = new ServerOptions { DataDirectory = data, ConnectionString = connection };
        var connectionString = connection ?? MienStore.SqliteConnectionString(data);
        try
        {
            await using var store = await MienStore.OpenAsync(connectionString, new MienStoreOptions { Time = time, MasterKey = ServerFixture.MasterKey });
            var project = (await store.CreateProjectAsync(new NewProject("retention"))).Id;
            var key = (await store.CreateApiKeyAsync(project, ApiKeyRole.Admin)).Secret;
            var subject = (await store.CreateSubjectAsync(project, "p-retention")).Id;
            var (old, oldUpload) = await SeedRecordingAsync(store, options, project, subject);
            await store.AppendSkinSessionAsync(project, subject, old, time.GetUtcNow(), "{\"ita\":38.2}");
            for (var i = 0; i < 3; i++)
            {
                await store.AppendAuditAsync(project, new AuditRecord(AuditActors.Service("seed"), "results.read", "200", Target: old.ToString("D")));
            }

            time.Advance(TimeSpan.FromDays(35));
            var (recent, recentUpload) = await SeedRecordingAsync(store, options, project, subject);
            await store.AppendSkinSessionAsync(project, subject, recent, time.GetUtcNow(), "{\"ita\":37.9}");
            for (var i = 0; i < 2; i++)
            {
                await store.AppendAuditAsync(project, new AuditRecord(AuditActors.Service("seed"), "results.read", "200", Target: recent.ToString("D")));
            }

            await using var server = await ServerFixture.StartAsync(data, o => o with { ConnectionString = connection, Time = time, RetentionInterval = null });
            using var admin = Client(server, key);

            // A live recording still running (created on day 35): retention never touches an unfinished recording.
            var running = await store.CreateRecordingAsync(new NewRecording(project, "live", SourceKind.Live, subject));
            Assert.True(await store.TryStartAsync(running.Id));
            await using (var writer = await store.OpenWriterAsync(running.Id))
            {
                await writer.WriteFrameAsync(new StoredFrame(0, 0, 1, "{\"type\":\"face\",\"frame\":0}"));
                await writer.CompleteAsync();
            }

            var api = $"/api/v1/projects/{project}";
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(api + "/retention", new { mediaDays = 7, resultsDays = 30, aggregatesDays = 60, profilesDays = 30, auditLogDays = 30 })).StatusCode);

            // Day 40: the old recording's media (7) and results (30) are over, its aggregates (60) are not; the recent one is 5 days old.
            time.Advance(TimeSpan.FromDays(5));
            var run = await RunAsync(admin, api);
            AssertKind(run, "media", recordings: 1, rows: 0, files: MediaFiles);
            AssertKind(run, "results", recordings: 1, rows: Frames + Events, files: 2);
            AssertKind(run, "aggregates", recordings: 0, rows: 0, files: 0);
            AssertKind(run, "profiles", recordings: 0, rows: 1, files: 0);
            AssertKind(run, "auditLog", recordings: 0, rows: 3, files: 0);

            Assert.Empty(await FramesAsync(admin, api, old));
            Assert.Equal(Frames, (await FramesAsync(admin, api, recent)).Count);
            Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"{api}/recordings/{old}/events")).GetProperty("events").EnumerateArray());
            Assert.Equal(2, (await admin.GetFromJsonAsync<JsonElement>($"{api}/recordings/{old}/people")).GetArrayLength());
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"{api}/recordings/{old}/summary")).StatusCode);
            // The seeded result files are plain test files (a job would have sealed them), so they are checked on disk.
            Assert.False(File.Exists(Path.Combine(JobRunner.Folder(options, old), "faces.jsonl")));
            Assert.False(File.Exists(Path.Combine(JobRunner.Folder(options, old), "report.html")));
            Assert.True(File.Exists(Path.Combine(JobRunner.Folder(options, old), "summary.json")));
            Assert.True(File.Exists(Path.Combine(JobRunner.Folder(options, recent), "report.html")));
            Assert.False(File.Exists(oldUpload));
            Assert.True(File.Exists(recentUpload));
            Assert.Null((await store.GetRecordingAsync(project, old))!.MediaPath);
            Assert.Equal(recentUpload, (await store.GetRecordingAsync(project, recent))!.MediaPath);
            Assert.Single(await store.ListSkinSessionsAsync(project, subject));

            var entries = (await admin.GetFromJsonAsync<JsonElement>(api + "/audit?limit=1000")).GetProperty("entries").EnumerateArray().ToList();
            Assert.Equal(4L, entries[0].GetProperty("seq").GetInt64());
            var audited = Assert.Single(entries, e => e.GetProperty("action").GetString() == "retention.run");
            Assert.Equal(("service:retention", "ok"), (audited.GetProperty("actor").GetString(), audited.GetProperty("outcome").GetString()));
            var detail = audited.GetProperty("detail");
            Assert.Equal((30, Frames + Events), (detail.GetProperty("results").GetProperty("days").GetInt32(), detail.GetProperty("results").GetProperty("rows").GetInt32()));
            Assert.True(detail.GetProperty("elapsedMs").GetDouble() >= 0);
            Assert.Single(entries, e => e.GetProperty("action").GetString() == "retention.trigger");
            await AssertVerifiesAsync(admin, api, anchor: 3);
            var metrics = await admin.GetStringAsync("/metrics");
            Assert.Contains("mien_retention_rows_deleted", metrics, StringComparison.Ordinal);
            Assert.Contains("mien_audit_entries", metrics, StringComparison.Ordinal);

            // A second run at the same time finds nothing more.
            var again = await RunAsync(admin, api);
            foreach (var kind in new[] { "media", "results", "aggregates", "profiles", "auditLog" })
            {
                AssertKind(again, kind, recordings: 0, rows: 0, files: 0);
            }

            // Day 70: the old recording's aggregates (60) go; the recent one (35 days) loses media and results; its skin session (35) goes.
            time.Advance(TimeSpan.FromDays(30));
            var later = await RunAsync(admin, api);
            AssertKind(later, "media", recordings: 1, rows: 0, files: MediaFiles);
            AssertKind(later, "results", recordings: 1, rows: Frames + Events, files: 2);
            AssertKind(later, "aggregates", recordings: 1, rows: 3, files: 2);
            AssertKind(later, "profiles", recordings: 0, rows: 1, files: 0);
            Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"{api}/recordings/{old}/summary")).StatusCode);
            Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>($"{api}/recordings/{old}/people")).GetArrayLength());
            Assert.Equal(2, (await admin.GetFromJsonAsync<JsonElement>($"{api}/recordings/{recent}/people")).GetArrayLength());
            Assert.Empty(await store.ListSkinSessionsAsync(project, subject));
            Assert.False(File.Exists(recentUpload));
            Assert.Single(await FramesAsync(admin, api, running.Id));
            await AssertVerifiesAsync(admin, api, anchor: null);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Media files per recording as seeded: videos, pictures, the report (it embeds face crops), one annotated photo, the upload.</summary>
    private const int MediaFiles = 7;

    private static async Task<(Guid Id, string Upload)> SeedRecordingAsync(IMienStore store, ServerOptions options, Guid project, Guid subject)
    {
        var uploads = Directory.CreateDirectory(Path.Combine(options.DataDirectory, "uploads")).FullName;
        var upload = Path.Combine(uploads, Guid.NewGuid().ToString("N") + ".mp4");
        await File.WriteAllBytesAsync(upload, [0, 0, 0, 24, 102, 116, 121, 112]);
        var recording = await store.CreateRecordingAsync(new NewRecording(project, "clip.mp4", SourceKind.Upload, subject, upload));
        Assert.True(await store.TryStartAsync(recording.Id));
        await using (var writer = await store.OpenWriterAsync(recording.Id))
        {
            for (var i = 0; i < Frames; i++)
            {
                await writer.WriteFrameAsync(new StoredFrame(i, i / 25.0, 1, $"{{\"type\":\"face\",\"frame\":{i}}}"));
            }

            for (var i = 0; i < Events; i++)
            {
                await writer.WriteEventAsync(new StoredEvent(i, "expression-segment", 1, i, i + 0.5, $"{{\"type\":\"event\",\"seq\":{i}}}"));
            }

            await writer.WritePersonSummaryAsync(new StoredPersonSummary(1, "{\"track\":1}"));
            await writer.WritePersonSummaryAsync(new StoredPersonSummary(2, "{\"track\":2}"));
            await writer.WriteSummaryAsync("{\"frames\":50}");
            await writer.CompleteAsync();
        }

        Assert.True(await store.FinishAsync(recording.Id, RecordingStatus.Done, frames: Frames, durationS: Frames / 25.0));
        var folder = Directory.CreateDirectory(JobRunner.Folder(options, recording.Id)).FullName;
        foreach (var name in ResultFolder.Outputs)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, name), name);
        }

        await File.WriteAllTextAsync(Path.Combine(Directory.CreateDirectory(Path.Combine(folder, "annotated")).FullName, "photo.jpg"), "jpg");

        return (recording.Id, upload);
    }

    private static async Task<JsonElement> RunAsync(HttpClient admin, string api)
    {
        var response = await admin.PostAsync(api + "/retention/run", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static void AssertKind(JsonElement run, string kind, long recordings, long rows, long files)
    {
        var k = run.GetProperty("kinds").GetProperty(kind);
        Assert.True((recordings, rows, files) == (k.GetProperty("recordings").GetInt64(), k.GetProperty("rows").GetInt64(), k.GetProperty("files").GetInt64()),
            $"{kind}: expected recordings {recordings}, rows {rows}, files {files}; got {k.GetRawText()}");
    }

    private static async Task<List<JsonElement>> FramesAsync(HttpClient client, string api, Guid recording) =>
        (await client.GetFromJsonAsync<JsonElement>($"{api}/recordings/{recording}/frames?limit=2000")).GetProperty("frames").EnumerateArray().ToList();

    private static async Task AssertVerifiesAsync(HttpClient admin, string api, long? anchor)
    {
        var verification = await admin.GetFromJsonAsync<JsonElement>(api + "/audit/verify");
        Assert.True(verification.GetProperty("valid").GetBoolean(), verification.GetRawText());
        if (anchor is { } a)
        {
            Assert.Equal(a, verification.GetProperty("anchorSeq").GetInt64());
        }
    }

    /// <summary>Waits (real time: the job runs on its own thread) until the log holds a retention run that <paramref name="matches"/>; returns it.</summary>
    private static async Task<JsonElement> WaitForRunAsync(HttpClient admin, string project, Func<JsonElement, bool> matches)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var entries = (await admin.GetFromJsonAsync<JsonElement>(project + "/audit?limit=1000")).GetProperty("entries").EnumerateArray()
                .Where(e => e.GetProperty("action").GetString() == "retention.run").ToList();
            if (entries.FirstOrDefault(matches) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < until, $"no matching retention run audited after 30 s: {string.Join(", ", entries.Select(e => e.GetRawText()))}");
            await Task.Delay(100);
        }
    }

    private static HttpClient Client(MienServer server, string key)
    {
        var client = new HttpClient { BaseAddress = server.Addresses[0], Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
