using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mien.Server.Tests;

/// <summary>Session indicators, trends, clinician notes, monitoring settings and live alerts through a real server on real face video.</summary>
[Collection(ServerCollection.Name)]
public sealed class MonitoringApiTests(ServerFixture server)
{
    [Fact]
    public async Task Indicators_and_trends_are_computed_from_the_stored_results_of_real_uploads()
    {
        var first = (await server.UploadAndWaitAsync(server.Clip)).GetProperty("id").GetGuid();
        var second = (await server.UploadAndWaitAsync(server.Clip)).GetProperty("id").GetGuid();
        using var viewer = server.Client(await server.KeyAsync("viewer"));

        var indicators = JsonDocument.Parse(await viewer.GetStringAsync(server.ProjectPath($"/recordings/{second}/indicators"))).RootElement;
        Assert.Equal(server.Subject, indicators.GetProperty("subject").GetGuid());
        Assert.Contains("not diagnoses", indicators.GetProperty("wording").GetString(), StringComparison.Ordinal);
        var report = indicators.GetProperty("report");
        Assert.Equal(1, report.GetProperty("track").GetInt32());
        Assert.True(report.GetProperty("frames").GetInt32() > 40, "most of the 75 frames have the face");
        var valence = report.GetProperty("metrics").GetProperty("valence");
        Assert.True(valence.GetProperty("low").GetDouble() <= valence.GetProperty("mean").GetDouble());
        Assert.True(valence.GetProperty("effectiveN").GetDouble() < valence.GetProperty("n").GetInt32(), "smoothed valence is autocorrelated");
        // A 3-second clip is too short to judge flat affect or gaze aversion: the report says so rather than guessing.
        var limits = report.GetProperty("limits").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Contains(limits, l => l.Contains("flat affect needs", StringComparison.Ordinal));
        Assert.Contains(limits, l => l.Contains("no speech was found", StringComparison.Ordinal));

        var trends = JsonDocument.Parse(await viewer.GetStringAsync(server.ProjectPath($"/subjects/{server.Subject}/trends"))).RootElement;
        var sessions = trends.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("recording").GetGuid()).ToList();
        Assert.Contains(first, sessions);
        Assert.Contains(second, sessions);
        var expressivity = trends.GetProperty("trends").EnumerateArray().Single(t => t.GetProperty("metric").GetString() == "expressivity");
        Assert.True(expressivity.GetProperty("points").GetArrayLength() >= 2);
        Assert.Equal(expressivity.GetProperty("points").GetArrayLength() - 1, expressivity.GetProperty("changes").GetArrayLength());

        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync(server.ProjectPath($"/recordings/{Guid.NewGuid()}/indicators"))).StatusCode);
        var (other, otherKey) = await server.OtherProjectAsync();
        using var stranger = server.Client(otherKey);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/projects/{other}/recordings/{second}/indicators")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/projects/{other}/subjects/{server.Subject}/trends")).StatusCode);
    }

    [Fact]
    public async Task A_clinician_note_on_the_timeline_is_kept_changed_deleted_and_audited_by_subject_reference()
    {
        var recording = (await server.UploadAndWaitAsync(server.Clip)).GetProperty("id").GetGuid();
        using var analyst = server.Client(await server.KeyAsync("analyst"));
        var notes = server.ProjectPath($"/subjects/{server.Subject}/notes");

        var created = await analyst.PostAsJsonAsync(notes, new { text = "Looked away when the move was mentioned.", recording, at = 1.5 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var note = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var id = note.GetProperty("id").GetGuid();
        Assert.Equal(1.5, note.GetProperty("atS").GetDouble());
        Assert.StartsWith("key:", note.GetProperty("author").GetString(), StringComparison.Ordinal);

        var listed = JsonDocument.Parse(await analyst.GetStringAsync(notes + $"?recording={recording}")).RootElement;
        Assert.Contains(listed.EnumerateArray(), n => n.GetProperty("id").GetGuid() == id);
        var changed = await analyst.PutAsJsonAsync($"{notes}/{id}", new { text = "Looked away when the move came up." });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("Looked away when the move came up.", JsonDocument.Parse(await changed.Content.ReadAsStringAsync()).RootElement.GetProperty("text").GetString());

        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PostAsJsonAsync(notes, new { text = "  " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PostAsJsonAsync(notes, new { text = "moment without a session", at = 3 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.PostAsJsonAsync(notes, new { text = "x", recording = Guid.NewGuid(), at = 1 })).StatusCode);
        var otherSubject = await ServerFixture.ConsentingSubjectAsync(server.Client(server.AdminKey), server.Project, "analysis");
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.PutAsJsonAsync(server.ProjectPath($"/subjects/{otherSubject}/notes/{id}"), new { text = "moved" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await analyst.DeleteAsync($"{notes}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.DeleteAsync($"{notes}/{id}")).StatusCode);

        using var admin = server.Client(server.AdminKey);
        // The shared project's log holds more than a page: read this subject's entries.
        var audit = await admin.GetStringAsync(server.ProjectPath($"/audit?limit=1000&subject={server.Subject}"));
        Assert.Contains("\"notes.create\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"notes.delete\"", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("Looked away", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_are_validated_and_a_live_session_gets_alert_messages_under_them()
    {
        var (project, key) = await server.OtherProjectAsync();
        using var admin = server.Client(key);
        var path = $"/api/v1/projects/{project}/monitoring/settings";
        var defaults = JsonDocument.Parse(await admin.GetStringAsync(path)).RootElement;
        Assert.Equal(0.7, defaults.GetProperty("alerts").GetProperty("distress").GetProperty("raise").GetDouble());

        var bad = await admin.PutAsync(path, new StringContent("""{"alerts":{"distress":{"raise":0.3,"clear":0.5}}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Distress.Clear = 0.5: must be below Raise = 0.3", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var unknown = await admin.PutAsync(path, new StringContent("""{"alerts":{"panic":{}}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        // Every gaze more than 1° off the camera axis counts as away (franck looks ≈ 13° below it): the alert must rise
        // within the first seconds of a live session.
        const string Permissive = """{"indicators":{"gazeAversion":{"awayYaw":1,"awayPitch":1}},"alerts":{"distress":{"enabled":false},"gazeAversion":{"windowS":2,"raise":0.5,"clear":0.2,"raiseAfterS":0}}}""";
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync(path, new StringContent(Permissive, System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await admin.GetStringAsync(path)).RootElement.GetProperty("indicators").GetProperty("gazeAversion").GetProperty("awayYaw").GetDouble());

        using var live = await LiveClient.ConnectAsync(server.Address, project, key);
        await live.SendAsync("{\"type\":\"start\"}");
        Assert.NotNull(await live.UntilAsync("ready"));
        var messages = Task.Run(async () =>
        {
            var all = new List<JsonElement>();
            while (await live.ReceiveAsync(TimeSpan.FromSeconds(90)) is { } m)
            {
                all.Add(m);
                if (m.GetProperty("type").GetString() == "completed")
                {
                    break;
                }
            }

            return all;
        });
        for (var i = 0; i < 50; i++)
        {
            await live.SendFrameAsync(i, server.Jpegs[i]);
            await Task.Delay(100);
        }

        await live.SendAsync("{\"type\":\"stop\"}");
        var alert = (await messages).First(m => m.GetProperty("type").GetString() == "alert");
        Assert.Equal("gaze-aversion", alert.GetProperty("kind").GetString());
        Assert.Equal("raised", alert.GetProperty("state").GetString());
        Assert.Contains("the gaze pointed away from the camera", alert.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("windowValue", alert.GetProperty("measurements")[0].GetProperty("name").GetString());
    }
}
