using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mien.Server.Tests;

/// <summary>
/// Privacy enforced by the running server (docs/privacy.md): purpose rules, consent before storing, ephemeral live
/// sessions, withdrawal that stops processing and erases, media kept only with consent, viewers without faces.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class PrivacyTests(ServerFixture server)
{
    private const string NoEmotion = "{\"expressions\":false,\"affect\":false,\"voice\":false,\"video\":false}";

    [Fact]
    public async Task Emotion_inference_in_a_workplace_project_is_refused_until_a_safety_basis_is_recorded()
    {
        var (project, key) = await ProjectAsync("ux-study", "workplace");
        using var admin = server.Client(key);
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, project, "analysis", "measurements");

        var refused = await UploadAsync(admin, project, subject, null);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Art. 5(1)(f)", problem, StringComparison.Ordinal);
        Assert.Contains("workplace", problem, StringComparison.Ordinal);

        // The live WebSocket refuses the same way: an error carrying 403 and the reason, then a policy-violation close.
        using (var live = await LiveClient.ConnectAsync(server.Address, project, key))
        {
            await live.SendAsync("{\"type\":\"start\"}");
            var error = await live.UntilAsync("error");
            Assert.Equal(403, error!.Value.GetProperty("status").GetInt32());
            Assert.Contains("Art. 5(1)(f)", error.Value.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Null(await live.ReceiveAsync());
            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, live.Socket.CloseStatus);
        }

        // Measurements that infer no emotion (face tracking, pose, blinks, skin) are not what the article prohibits.
        Assert.Equal(HttpStatusCode.Accepted, (await UploadAsync(admin, project, subject, NoEmotion)).StatusCode);

        // A basis needs a justification; with one, emotion inference is allowed.
        var bare = await admin.PutAsJsonAsync($"/api/v1/projects/{project}/policy", new { purpose = "driver-safety", setting = "workplace", basis = "safety" });
        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        var justified = await admin.PutAsJsonAsync($"/api/v1/projects/{project}/policy",
            new { purpose = "driver-safety", setting = "workplace", basis = "safety", justification = "fatigue alerts for forklift operators on night shifts" });
        Assert.Equal(HttpStatusCode.OK, justified.StatusCode);
        Assert.Equal("safety", JsonDocument.Parse(await justified.Content.ReadAsStringAsync()).RootElement.GetProperty("basis").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await UploadAsync(admin, project, subject, "{\"video\":false}")).StatusCode);
    }

    [Fact]
    public async Task Projects_must_declare_a_known_purpose_and_setting()
    {
        using var admin = server.Client(server.AdminKey);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/v1/projects", new { name = "no purpose" })).StatusCode);
        var office = await admin.PostAsJsonAsync("/api/v1/projects", new { name = "x", purpose = "research", setting = "office" });
        Assert.Equal(HttpStatusCode.BadRequest, office.StatusCode);
        Assert.Contains("workplace", await office.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var analyst = server.Client(await server.KeyAsync("analyst"));
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PutAsJsonAsync(server.ProjectPath("/policy"), new { purpose = "research", setting = "lab" })).StatusCode);
    }

    [Fact]
    public async Task Jobs_that_store_results_need_a_subject_with_analysis_and_measurements_consent()
    {
        using var admin = server.Client(server.AdminKey);
        var clip = await File.ReadAllBytesAsync(server.Clip);
        var before = Directory.GetFiles(Path.Combine(server.DataDirectory, "uploads")).Length;

        var anonymous = await admin.PostAsync(server.ProjectPath("/recordings?name=a.mp4"), new ByteArrayContent(clip));
        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        Assert.Contains("subject", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var none = await ServerFixture.ConsentingSubjectAsync(admin, server.Project);
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(admin, server.Project, none, null, clip)).StatusCode);
        var analysisOnly = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis");
        var response = await UploadAsync(admin, server.Project, analysisOnly, null, clip);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("'measurements'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Refused before a byte was kept.
        Assert.Equal(before, Directory.GetFiles(Path.Combine(server.DataDirectory, "uploads")).Length);
        var stream = await admin.PostAsJsonAsync(server.ProjectPath("/streams"), new { url = "rtsp://10.20.30.40:554/cam", subject = analysisOnly });
        Assert.Equal(HttpStatusCode.Forbidden, stream.StatusCode);
    }

    [Fact]
    public async Task A_live_session_without_measurements_consent_is_ephemeral_and_writes_nothing()
    {
        using var admin = server.Client(server.AdminKey);
        var analysisOnly = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis");
        // Jobs queued by earlier tests write rows and files of their own: let them finish first.
        await IdleAsync();
        var rowsBefore = await RowCountsAsync();
        var filesBefore = DataFiles();

        foreach (var start in new[] { "{\"type\":\"start\",\"store\":true}", "{\"type\":\"start\",\"store\":true,\"subject\":\"" + analysisOnly + "\"}" })
        {
            using var live = await LiveClient.ConnectAsync(server.Address, server.Project, server.AdminKey);
            await live.SendAsync(start);
            var ready = (await live.UntilAsync("ready"))!.Value;
            Assert.Equal("ephemeral", ready.GetProperty("mode").GetString());
            Assert.False(ready.TryGetProperty("recording", out _));
            Assert.False(string.IsNullOrEmpty(ready.GetProperty("reason").GetString()));
            for (var i = 0; i < 8; i++)
            {
                await live.SendFrameAsync(i, server.Jpegs[i]);
            }

            await live.SendAsync("{\"type\":\"stop\"}");
            var completed = (await live.UntilAsync("completed"))!.Value;
            Assert.True(completed.GetProperty("framesAnalysed").GetInt64() > 0, "the client still got its results");
        }

        // Nothing written: the same rows in every table, no new file in the data directory.
        Assert.Equal(rowsBefore, await RowCountsAsync());
        Assert.Equal(filesBefore, DataFiles());

        // A subject whose analysis consent is missing cannot be analysed by name at all.
        var none = await ServerFixture.ConsentingSubjectAsync(admin, server.Project);
        using var refused = await LiveClient.ConnectAsync(server.Address, server.Project, server.AdminKey);
        await refused.SendAsync("{\"type\":\"start\",\"subject\":\"" + none + "\"}");
        Assert.Equal(403, (await refused.UntilAsync("error"))!.Value.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Withdrawing_measurements_mid_session_erases_the_session_and_the_rest_stays_ephemeral()
    {
        using var admin = server.Client(server.AdminKey);
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis", "measurements");
        using var live = await LiveClient.ConnectAsync(server.Address, server.Project, server.AdminKey);
        await live.SendAsync("{\"type\":\"start\",\"store\":true,\"subject\":\"" + subject + "\"}");
        var ready = (await live.UntilAsync("ready"))!.Value;
        Assert.Equal("stored", ready.GetProperty("mode").GetString());
        var recording = ready.GetProperty("recording").GetGuid();
        for (var i = 0; i < 10; i++)
        {
            await live.SendFrameAsync(i, server.Jpegs[i]);
            await live.UntilAsync("frame");
        }

        var withdrawal = await admin.DeleteAsync(server.ProjectPath($"/subjects/{subject}/consents/measurements?by=subject"));
        Assert.Equal(HttpStatusCode.OK, withdrawal.StatusCode);
        var receipt = JsonDocument.Parse(await withdrawal.Content.ReadAsStringAsync()).RootElement.GetProperty("receipt");
        Assert.Equal(1, receipt.GetProperty("analysesStopped").GetInt32());
        Assert.Equal(1, receipt.GetProperty("rows").GetProperty("recordings").GetInt32());
        Assert.True(receipt.GetProperty("rows").GetProperty("frames").GetInt64() >= 5);

        // The session goes on for the client, but nothing more is stored.
        for (var i = 10; i < 20; i++)
        {
            await live.SendFrameAsync(i, server.Jpegs[i]);
        }

        await live.SendAsync("{\"type\":\"stop\"}");
        Assert.NotNull(await live.UntilAsync("completed"));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(server.ProjectPath($"/recordings/{recording}"))).StatusCode);
        Assert.Empty(await Traces.FindAsync(server.DataDirectory, null, [recording.ToString(), recording.ToString("N")]));
        var consents = JsonDocument.Parse(await admin.GetStringAsync(server.ProjectPath($"/subjects/{subject}/consents"))).RootElement;
        Assert.Equal(["analysis"], consents.GetProperty("current").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Withdrawing_analysis_stops_a_live_session_at_once()
    {
        using var admin = server.Client(server.AdminKey);
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis", "measurements");
        using var live = await LiveClient.ConnectAsync(server.Address, server.Project, server.AdminKey);
        await live.SendAsync("{\"type\":\"start\",\"store\":true,\"subject\":\"" + subject + "\"}");
        var recording = (await live.UntilAsync("ready"))!.Value.GetProperty("recording").GetGuid();
        await live.SendFrameAsync(0, server.Jpegs[0]);
        await live.UntilAsync("frame");

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync(server.ProjectPath($"/subjects/{subject}/consents/analysis"))).StatusCode);

        var error = await live.UntilAsync("error");
        Assert.Equal(403, error!.Value.GetProperty("status").GetInt32());
        Assert.Contains("withdrew consent", error.Value.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Null(await live.ReceiveAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(server.ProjectPath($"/recordings/{recording}"))).StatusCode);
        var consents = JsonDocument.Parse(await admin.GetStringAsync(server.ProjectPath($"/subjects/{subject}/consents"))).RootElement;
        Assert.Empty(consents.GetProperty("current").EnumerateArray());
    }

    [Fact]
    public async Task Media_are_kept_only_when_the_project_keeps_media_and_the_subject_consented()
    {
        var (project, key) = await ProjectAsync("research", "lab", keepMedia: true);
        using var admin = server.Client(key);
        var withMedia = await ServerFixture.ConsentingSubjectAsync(admin, project, "analysis", "measurements", "media");
        var without = await ServerFixture.ConsentingSubjectAsync(admin, project, "analysis", "measurements");

        var kept = await UploadAndWaitAsync(admin, project, withMedia, "{\"body\":false,\"skin\":false}");
        var dropped = await UploadAndWaitAsync(admin, project, without, "{\"body\":false,\"skin\":false}");

        Assert.True(File.Exists(kept.GetProperty("mediaPath").GetString()), "media kept with consent");
        Assert.True(File.Exists(Path.Combine(Folder(kept), "anonymized.mp4")) || File.Exists(Path.Combine(Folder(kept), "annotated.mp4")));
        Assert.False(File.Exists(dropped.GetProperty("mediaPath").GetString()), "media deleted without consent");
        Assert.Empty(Directory.GetFiles(Folder(dropped), "*.mp4"));

        // Withdrawing the media scope deletes the kept upload and the videos, and keeps the measurements.
        var withdrawal = await admin.DeleteAsync($"/api/v1/projects/{project}/subjects/{withMedia}/consents/media");
        Assert.Equal(HttpStatusCode.OK, withdrawal.StatusCode);
        Assert.False(File.Exists(kept.GetProperty("mediaPath").GetString()));
        Assert.Empty(Directory.GetFiles(Folder(kept), "*.mp4"));
        Assert.True(File.Exists(Path.Combine(Folder(kept), "faces.jsonl")));
        var frames = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/projects/{project}/recordings/{kept.GetProperty("id").GetGuid()}/frames?limit=5")).RootElement;
        Assert.Equal(5, frames.GetProperty("frames").GetArrayLength());
    }

    [Fact]
    public async Task Viewers_never_download_images_of_people()
    {
        var recording = await server.UploadAndWaitAsync(server.Clip, "{\"body\":false,\"skin\":false}");
        var id = recording.GetProperty("id").GetGuid();
        using var viewer = server.Client(await server.KeyAsync("viewer"));
        using var analyst = server.Client(await server.KeyAsync("analyst"));
        foreach (var file in new[] { "report.html", "anonymized.mp4" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync(server.ProjectPath($"/recordings/{id}/files/{file}"))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(server.ProjectPath($"/recordings/{id}/files/summary.json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync(server.ProjectPath($"/recordings/{id}/files/report.html"))).StatusCode);
    }

    [Fact]
    public async Task Erasing_a_subject_leaves_no_trace_in_the_database_or_the_data_directory()
    {
        var (project, key) = await ProjectAsync("clinical-monitoring", "clinic", keepMedia: true);
        using var admin = server.Client(key);
        await ErasureScan.RunAsync(admin, server.Address, project, key, server.Clip, server.Jpegs, server.DataDirectory, null);
    }

    private string Folder(JsonElement recording) => Path.Combine(server.DataDirectory, "recordings", recording.GetProperty("id").GetGuid().ToString("N"));

    private async Task<(Guid Project, string Key)> ProjectAsync(string purpose, string setting, bool keepMedia = false)
    {
        using var admin = server.Client(server.AdminKey);
        var response = await admin.PostAsJsonAsync("/api/v1/projects", new { name = $"{purpose} in {setting}", purpose, setting, keepMedia });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (json.GetProperty("project").GetProperty("id").GetGuid(), json.GetProperty("adminKey").GetString()!);
    }

    private async Task<HttpResponseMessage> UploadAsync(HttpClient client, Guid project, Guid subject, string? options, byte[]? body = null)
    {
        body ??= await File.ReadAllBytesAsync(server.Clip);
        var url = $"/api/v1/projects/{project}/recordings?subject={subject}&name=clip.mp4" + (options is null ? "" : "&options=" + Uri.EscapeDataString(options));
        return await client.PostAsync(url, new ByteArrayContent(body));
    }

    private async Task<JsonElement> UploadAndWaitAsync(HttpClient client, Guid project, Guid subject, string options)
    {
        var response = await UploadAsync(client, project, subject, options);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        return await ErasureScan.WaitAsync(client, project, id);
    }

    private async Task IdleAsync()
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(Storage.MienStore.SqliteConnectionString(server.DataDirectory) + ";Mode=ReadOnly");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM recordings WHERE status IN ('queued', 'running')";
            if ((long)(await command.ExecuteScalarAsync())! == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < until, "jobs of earlier tests still running after 3 min");
            await Task.Delay(250);
        }
    }

    private async Task<string> RowCountsAsync()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(Storage.MienStore.SqliteConnectionString(server.DataDirectory) + ";Mode=ReadOnly");
        await connection.OpenAsync();
        var counts = new List<string>();
        foreach (var table in new[] { "recordings", "frames", "events", "person_summaries", "recording_summaries", "skin_sessions", "subjects" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM {table}";
            counts.Add($"{table}={await command.ExecuteScalarAsync()}");
        }

        return string.Join(", ", counts);
    }

    private string DataFiles() => string.Join("\n", Directory.GetFiles(server.DataDirectory, "*", SearchOption.AllDirectories)
        .Where(f => !Path.GetFileName(f).StartsWith(Storage.MienStore.SqliteFileName, StringComparison.Ordinal))
        .Select(f => Path.GetRelativePath(server.DataDirectory, f)).Order(StringComparer.Ordinal));
}
