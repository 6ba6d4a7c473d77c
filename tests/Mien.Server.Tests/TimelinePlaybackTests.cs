using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mien.Server.Tests;

/// <summary>
/// The viewer's back end on a real analysed clip: /timeline returns every person's series reduced to the budget
/// with the extremes of the stored frames; the browser copy of the video is made, sealed and served with Range to
/// analysts, never to viewers, and only when media were kept.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TimelinePlaybackTests(ServerFixture server)
{
    [Fact]
    public async Task The_timeline_is_reduced_to_the_budget_and_keeps_the_stored_extremes()
    {
        var recording = await server.UploadAndWaitAsync(server.Clip);
        var id = recording.GetProperty("id").GetGuid();
        using var viewer = server.Client(await server.KeyAsync("viewer"));

        var frames = JsonDocument.Parse(await viewer.GetStringAsync(server.ProjectPath($"/recordings/{id}/frames?limit=2000"))).RootElement.GetProperty("frames");
        var faces = frames.EnumerateArray().SelectMany(f => f.GetProperty("faces").EnumerateArray()).ToList();
        var happiness = faces.Select(f => f.GetProperty("expression").GetProperty("happiness").GetDouble()).ToList();
        var yaw = faces.Select(f => f.GetProperty("pose").GetProperty("yaw").GetDouble()).ToList();

        var timeline = JsonDocument.Parse(await viewer.GetStringAsync(server.ProjectPath($"/recordings/{id}/timeline?points=20&aus=3"))).RootElement;
        Assert.Equal(20, timeline.GetProperty("maxPoints").GetInt32());
        var person = Assert.Single(timeline.GetProperty("people").EnumerateArray());
        Assert.Equal(faces.Count, person.GetProperty("faces").GetInt64());
        var series = person.GetProperty("series");
        var h = series.GetProperty("expression.happiness");
        var t = h.GetProperty("t").EnumerateArray().Select(x => x.GetDouble()).ToList();
        var v = h.GetProperty("v").EnumerateArray().Select(x => x.GetDouble()).ToList();
        Assert.InRange(t.Count, 2, 20);
        Assert.Equal(faces.Count, h.GetProperty("samples").GetInt64());
        Assert.True(t.Zip(t.Skip(1)).All(p => p.First <= p.Second), "time order");
        Assert.Equal(Math.Round(happiness.Max(), 4), v.Max());
        Assert.Equal(Math.Round(happiness.Min(), 4), v.Min());
        var yawValues = series.GetProperty("pose.yaw").GetProperty("v").EnumerateArray().Select(x => x.GetDouble()).ToList();
        Assert.Equal(Math.Round(yaw.Max(), 4), yawValues.Max());
        Assert.Equal(3, person.GetProperty("topActionUnits").GetArrayLength());
        foreach (var name in new[] { "valence", "arousal", "eyes.openness", "smoothed.neutral" })
        {
            Assert.True(series.TryGetProperty(name, out _), name);
        }

        // A sub-range holds only its own samples.
        var part = JsonDocument.Parse(await viewer.GetStringAsync(server.ProjectPath($"/recordings/{id}/timeline?from=1&to=2"))).RootElement;
        var partTimes = part.GetProperty("people")[0].GetProperty("series").GetProperty("valence").GetProperty("t").EnumerateArray().Select(x => x.GetDouble()).ToList();
        Assert.NotEmpty(partTimes);
        Assert.All(partTimes, x => Assert.InRange(x, 1, 2));

        var bad = await viewer.GetAsync(server.ProjectPath($"/recordings/{id}/timeline?points=100000"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("points = 100000", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync(server.ProjectPath($"/recordings/{Guid.NewGuid()}/timeline"))).StatusCode);
    }

    [Fact]
    public async Task The_browser_video_is_an_anonymised_webm_served_with_range_to_analysts_only()
    {
        using var bootstrap = server.Client(server.AdminKey);
        var created = await bootstrap.PostAsJsonAsync("/api/v1/projects", new { name = "viewer " + Guid.NewGuid().ToString("N")[..6], purpose = "research", setting = "lab", keepMedia = true });
        created.EnsureSuccessStatusCode();
        var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var project = json.GetProperty("project").GetProperty("id").GetGuid();
        using var admin = server.Client(json.GetProperty("adminKey").GetString()!);
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, project, "analysis", "measurements", "media");
        await using var file = File.OpenRead(server.Clip);
        var upload = await admin.PostAsync($"/api/v1/projects/{project}/recordings?subject={subject}&name=clip.mp4", new StreamContent(file));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var id = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var until = DateTime.UtcNow.AddMinutes(3);
        while (JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/projects/{project}/recordings/{id}")).RootElement.GetProperty("status").GetString() is "queued" or "running")
        {
            Assert.True(DateTime.UtcNow < until, "analysis did not finish");
            await Task.Delay(250);
        }

        var status = $"/api/v1/projects/{project}/recordings/{id}/playback";
        string? url = null;
        for (var i = 0; i < 600 && url is null; i++)
        {
            var state = JsonDocument.Parse(await admin.GetStringAsync(status)).RootElement;
            Assert.NotEqual("unavailable", state.GetProperty("state").GetString());
            url = state.GetProperty("state").GetString() == "ready" ? state.GetProperty("file").GetString() : null;
            await Task.Delay(url is null ? 100 : 0);
        }

        Assert.EndsWith("/playback/playback.webm", url, StringComparison.Ordinal);
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(0, 99);
        var head = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, head.StatusCode);
        Assert.Equal("video/webm", head.Content.Headers.ContentType!.MediaType);
        var bytes = await head.Content.ReadAsByteArrayAsync();
        Assert.Equal(100, bytes.Length);
        Assert.Equal(new byte[] { 0x1A, 0x45, 0xDF, 0xA3 }, bytes[..4]); // EBML: a WebM file
        var total = head.Content.Headers.ContentRange!.Length!.Value;
        var whole = await admin.GetByteArrayAsync(url);
        Assert.Equal(total, whole.Length);

        // Sealed at rest like every result file: no WebM header in the stored bytes.
        var stored = Directory.GetFiles(Path.Combine(server.DataDirectory, "recordings", id.ToString("N")), "playback.webm").Single();
        Assert.False(File.ReadAllBytes(stored).AsSpan(0, 200).IndexOf(new byte[] { 0x1A, 0x45, 0xDF, 0xA3 }) >= 0);

        // Viewers see numbers, never the video.
        var viewerKey = JsonDocument.Parse(await (await admin.PostAsJsonAsync($"/api/v1/projects/{project}/keys", new { role = "viewer" })).Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        using var viewer = server.Client(viewerKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync(status)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync(url)).StatusCode);

        // Unblurred playback exists only when the analysis was asked not to blur.
        var faces = JsonDocument.Parse(await admin.GetStringAsync(status + "?faces=true")).RootElement;
        Assert.Equal("unavailable", faces.GetProperty("state").GetString());

        // Withdrawing media removes the browser copy with the other videos.
        var withdrawn = await admin.DeleteAsync($"/api/v1/projects/{project}/subjects/{subject}/consents/media?by=test");
        Assert.True(withdrawn.IsSuccessStatusCode, await withdrawn.Content.ReadAsStringAsync());
        Assert.False(File.Exists(stored), "the browser copy outlived the media consent");
    }

    [Fact]
    public async Task Without_kept_media_the_viewer_is_told_why_there_is_no_video()
    {
        var recording = await server.UploadAndWaitAsync(server.Clip);
        using var admin = server.Client(server.AdminKey);
        var state = JsonDocument.Parse(await admin.GetStringAsync(server.ProjectPath($"/recordings/{recording.GetProperty("id").GetGuid()}/playback"))).RootElement;
        Assert.Equal("unavailable", state.GetProperty("state").GetString());
        Assert.Contains("keeps media", state.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }
}
