using System.Net;
using System.Text.Json;

namespace Mien.Server.Tests;

/// <summary>Uploads of a real face video run as jobs; results come back from the database and as files; bad uploads are refused and leave nothing.</summary>
[Collection(ServerCollection.Name)]
public sealed class RecordingTests(ServerFixture server)
{
    [Fact]
    public async Task An_uploaded_video_is_analysed_and_its_results_match_the_downloaded_files()
    {
        var keptBefore = KeptFiles();
        var recording = await server.UploadAndWaitAsync(server.Clip);
        Assert.Equal("done", recording.GetProperty("status").GetString());
        var id = recording.GetProperty("id").GetGuid();
        Assert.Equal(75, recording.GetProperty("frames").GetInt64());
        using var client = server.Client(server.AdminKey);

        // Every frame, paged in small pages, in order and once.
        var frames = new List<JsonElement>();
        long after = -1;
        while (true)
        {
            var page = JsonDocument.Parse(await client.GetStringAsync(server.ProjectPath($"/recordings/{id}/frames?after={after}&limit=20"))).RootElement;
            frames.AddRange(page.GetProperty("frames").EnumerateArray().Select(f => f.Clone()));
            if (page.GetProperty("next").ValueKind == JsonValueKind.Null)
            {
                break;
            }

            after = page.GetProperty("next").GetInt64();
        }

        Assert.Equal(75, frames.Count);
        Assert.Equal(Enumerable.Range(0, 75).Select(i => (long)i), frames.Select(f => f.GetProperty("frame").GetInt64()));
        Assert.All(frames, f => Assert.Equal("mien-results/1", f.GetProperty("schema").GetString()));
        var faces = frames.SelectMany(f => f.GetProperty("faces").EnumerateArray()).ToList();
        Assert.True(faces.Count >= 60, $"{faces.Count} faces in 75 frames of a talking head");
        Assert.All(faces, f => Assert.Equal(1, f.GetProperty("track").GetInt32()));
        // Landmarks are personal geometry: only on request (docs/privacy.md, minimisation).
        Assert.All(faces, f => Assert.False(f.TryGetProperty("landmarks", out _)));

        // A time range returns only frames inside it.
        var range = JsonDocument.Parse(await client.GetStringAsync(server.ProjectPath($"/recordings/{id}/frames?from=1&to=2"))).RootElement.GetProperty("frames").EnumerateArray().ToList();
        Assert.NotEmpty(range);
        Assert.All(range, f => Assert.InRange(f.GetProperty("time").GetDouble(), 1, 2));

        // The database and faces.jsonl hold the same face records.
        var jsonl = (await client.GetStringAsync(server.ProjectPath($"/recordings/{id}/files/faces.jsonl"))).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var jsonlFaces = jsonl.Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.GetProperty("type").GetString() == "face").ToList();
        Assert.Equal(faces.Count, jsonlFaces.Count);
        Assert.Equal(faces[10].GetRawText(), jsonlFaces[10].GetRawText());

        var events = JsonDocument.Parse(await client.GetStringAsync(server.ProjectPath($"/recordings/{id}/events?kind=track-started"))).RootElement.GetProperty("events");
        Assert.Equal(1, events.GetArrayLength());
        var people = JsonDocument.Parse(await client.GetStringAsync(server.ProjectPath($"/recordings/{id}/people"))).RootElement;
        Assert.Equal(1, people.GetArrayLength());
        var summary = JsonDocument.Parse(await client.GetStringAsync(server.ProjectPath($"/recordings/{id}/summary"))).RootElement;
        Assert.Equal(75, summary.GetProperty("framesAnalysed").GetInt64());

        foreach (var file in new[] { "faces.csv", "report.html", "summary.json" })
        {
            var response = await client.GetAsync(server.ProjectPath($"/recordings/{id}/files/{file}"));
            Assert.True(response.StatusCode == HttpStatusCode.OK, file);
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100, file);
        }

        // The default project keeps no media, so not even an anonymised video is written (PrivacyTests covers the kept case).
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(server.ProjectPath($"/recordings/{id}/files/anonymized.mp4"))).StatusCode);

        // Uploaded media are not kept unless the project keeps media.
        Assert.Empty(KeptFiles().Except(keptBefore)); // nothing new in uploads or private (no plaintext left behind)
        var report = await client.GetStringAsync(server.ProjectPath($"/recordings/{id}/files/report.html"));
        Assert.DoesNotContain(server.DataDirectory, report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_garbage_and_truncated_uploads_get_clear_4xx_and_leave_nothing()
    {
        // Other tests of the shared server keep files (sealed stimuli, open upload sessions): only what this test adds counts.
        var keptBefore = KeptFiles();
        using var client = server.Client(server.AdminKey);
        var before = await CountAsync(client);
        var empty = await client.PostAsync(server.UploadPath("name=a.mp4"), new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);

        var random = new byte[100_000];
        new Random(7).NextBytes(random);
        var garbage = await client.PostAsync(server.UploadPath("name=video.mp4"), new ByteArrayContent(random));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, garbage.StatusCode);
        Assert.Contains("by content", await garbage.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var clip = await File.ReadAllBytesAsync(server.Clip);
        var truncated = await client.PostAsync(server.UploadPath("name=cut.mp4"), new ByteArrayContent(clip[..(clip.Length / 3)]));
        Assert.True(truncated.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.Accepted, truncated.StatusCode.ToString());
        if (truncated.StatusCode == HttpStatusCode.Accepted)
        {
            // Some truncations still open: then the job must end (done with what was readable, or failed with a reason), never hang.
            var id = JsonDocument.Parse(await truncated.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            var ended = await server.WaitAsync(client, id, TimeSpan.FromMinutes(2));
            Assert.NotEqual("running", ended.GetProperty("status").GetString());
            before++;
        }

        var badOptions = await client.PostAsync(server.UploadPath("options=" + Uri.EscapeDataString("{\"maxFaces\":0}")), new ByteArrayContent(clip));
        Assert.Equal(HttpStatusCode.BadRequest, badOptions.StatusCode);
        var typo = await client.PostAsync(server.UploadPath("options=" + Uri.EscapeDataString("{\"maxFacez\":3}")), new ByteArrayContent(clip));
        Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);

        Assert.Equal(before, await CountAsync(client));
        Assert.Empty(KeptFiles().Except(keptBefore)); // nothing new in uploads or private (no plaintext left behind)
    }

    [Fact]
    public async Task An_upload_over_the_limit_is_refused_with_413_before_it_fills_the_disk()
    {
        var data = Path.Combine(Path.GetTempPath(), "mien-small-" + Guid.NewGuid().ToString("N"));
        await using var small = await ServerFixture.StartAsync(data, o => o with { MaxUploadBytes = 256 * 1024 });
        try
        {
            using var client = server.Client(small.FirstAdminKey, small.Addresses[0]);
            // A real video's start followed by more bytes than the limit allows.
            var body = new byte[600 * 1024];
            var clip = await File.ReadAllBytesAsync(server.Clip);
            clip.AsSpan(0, Math.Min(clip.Length, body.Length)).CopyTo(body);
            var subject = await ServerFixture.ConsentingSubjectAsync(client, small.FirstProject!.Value, "analysis", "measurements");
            var response = await client.PostAsync($"/api/v1/projects/{small.FirstProject}/recordings?subject={subject}", new ByteArrayContent(body));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("MaxUploadBytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var uploads = Path.Combine(data, "uploads");
            Assert.True(!Directory.Exists(uploads) || Directory.GetFiles(uploads, "*", SearchOption.AllDirectories).Length == 0, "nothing of a refused upload stays on disk");
            Assert.Empty(Directory.GetFiles(Path.Combine(data, "private"), "*", SearchOption.AllDirectories));
        }
        finally
        {
            await small.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Deleting_a_recording_removes_its_rows_and_files()
    {
        var recording = await server.UploadAndWaitAsync(server.Clip, "{\"video\":false,\"body\":false,\"skin\":false}");
        var id = recording.GetProperty("id").GetGuid();
        using var client = server.Client(server.AdminKey);
        var folder = Path.Combine(server.DataDirectory, "recordings", id.ToString("N"));
        Assert.True(Directory.Exists(folder));
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(server.ProjectPath($"/recordings/{id}"))).StatusCode);
        Assert.False(Directory.Exists(folder));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(server.ProjectPath($"/recordings/{id}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(server.ProjectPath($"/recordings/{id}/frames"))).StatusCode);
    }

    private async Task<long> CountAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync(server.ProjectPath("/recordings?limit=500"))).RootElement.GetProperty("total").GetInt64();

    /// <summary>Files in the uploads and private folders of the shared server, relative to its data folder.</summary>
    private string[] KeptFiles() =>
        [.. ((string[])["uploads", "private"]).SelectMany(f => Directory.Exists(Path.Combine(server.DataDirectory, f))
            ? Directory.GetFiles(Path.Combine(server.DataDirectory, f), "*", SearchOption.AllDirectories)
            : []).Select(f => Path.GetRelativePath(server.DataDirectory, f))];
}
