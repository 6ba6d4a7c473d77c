using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mien.Server.Tests;

/// <summary>
/// The right-to-be-forgotten check of issue 11, shared by the SQLite and PostgreSQL runs: a subject is seeded
/// through the real API (an upload with kept media, a skin profile, a stored live session, an identity template), a control subject
/// likewise; the first is erased with one call; then the whole database and data directory are searched for its
/// ids, pseudonym, recording ids and file name. The control's traces must still be found (the scan works).
/// </summary>
internal static class ErasureScan
{
    public static async Task RunAsync(HttpClient admin, Uri address, Guid project, string key, string clip, IReadOnlyList<byte[]> jpegs, string dataDirectory, string? postgres)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var erased = await SeedAsync(admin, address, project, key, clip, jpegs, "Erase-Me-" + tag, "erase-me-" + tag + ".mp4");
        var control = await SeedAsync(admin, address, project, key, clip, jpegs, "Keep-Me-" + tag, "keep-me-" + tag + ".mp4");

        var response = await admin.DeleteAsync($"/api/v1/projects/{project}/subjects/{erased.Subject}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1, receipt.GetProperty("rows").GetProperty("subjects").GetInt32());
        Assert.Equal(2, receipt.GetProperty("rows").GetProperty("recordings").GetInt32());
        Assert.True(receipt.GetProperty("rows").GetProperty("skinSessions").GetInt32() >= 1);
        Assert.Equal(1, receipt.GetProperty("rows").GetProperty("identityTemplates").GetInt32());
        Assert.True(receipt.GetProperty("filesDeleted").GetInt32() >= 5, receipt.ToString());
        Assert.NotEqual(Guid.Empty, receipt.GetProperty("receiptId").GetGuid());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/projects/{project}/subjects/{erased.Subject}")).StatusCode);

        var hits = await Traces.FindAsync(dataDirectory, postgres, erased.Needles);
        Assert.True(hits.Count == 0, "traces of the erased subject: " + string.Join("; ", hits));

        var controlHits = await Traces.FindAsync(dataDirectory, postgres, control.Needles);
        Assert.Contains(controlHits, h => h.Contains("@ table subjects", StringComparison.Ordinal));
        Assert.Contains(controlHits, h => h.Contains("@ table recordings", StringComparison.Ordinal));
        Assert.Contains(controlHits, h => h.Contains("@ name recordings", StringComparison.Ordinal));
        if (postgres is null)
        {
            // The raw SQLite file is scanned byte by byte too: the control's pseudonym must be found there.
            Assert.Contains(controlHits, h => h.Contains("@ bytes of " + Storage.MienStore.SqliteFileName, StringComparison.Ordinal));
        }
    }

    private sealed record Seeded(Guid Subject, IReadOnlyCollection<string> Needles);

    private static async Task<Seeded> SeedAsync(HttpClient admin, Uri address, Guid project, string key, string clip, IReadOnlyList<byte[]> jpegs, string pseudonym, string fileName)
    {
        var created = await admin.PostAsJsonAsync($"/api/v1/projects/{project}/subjects", new { pseudonym });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var subject = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var consent = await admin.PostAsJsonAsync($"/api/v1/projects/{project}/subjects/{subject}/consents",
            new { scopes = new[] { "analysis", "measurements", "media", "skin-profile", "identity-template" }, textVersion = "v1", collectedBy = "RA-1" });
        Assert.Equal(HttpStatusCode.Created, consent.StatusCode);

        // An identity template (issue 16): enrolled from four frames of the clip.
        using var images = new MultipartFormDataContent();
        foreach (var i in new[] { 0, 20, 40, 60 })
        {
            images.Add(new ByteArrayContent(jpegs[i]), "image", $"f{i}.jpg");
        }

        var enrolled = await admin.PostAsync($"/api/v1/projects/{project}/subjects/{subject}/identity/enrol", images);
        Assert.True(enrolled.StatusCode == HttpStatusCode.Created, await enrolled.Content.ReadAsStringAsync());

        // An upload with media kept, an anonymised video, a report and a skin summary added to the profile.
        var upload = await admin.PostAsync($"/api/v1/projects/{project}/recordings?subject={subject}&name={fileName}&options=" + Uri.EscapeDataString("{\"body\":false,\"landmarks\":true}"),
            new StreamContent(File.OpenRead(clip)));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var uploaded = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var done = await WaitAsync(admin, project, uploaded);
        Assert.Equal("done", done.GetProperty("status").GetString());
        Assert.True(File.Exists(done.GetProperty("mediaPath").GetString()), "the seeded media are kept");
        var skin = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/projects/{project}/subjects/{subject}/skin")).RootElement;
        Assert.True(skin.GetArrayLength() >= 1, "the seeded skin profile has a session");

        // A stored live session of the same subject.
        using var live = await LiveClient.ConnectAsync(address, project, key);
        await live.SendAsync("{\"type\":\"start\",\"store\":true,\"subject\":\"" + subject + "\"}");
        var ready = (await live.UntilAsync("ready"))!.Value;
        var liveRecording = ready.GetProperty("recording").GetGuid();
        for (var i = 0; i < 10; i++)
        {
            await live.SendFrameAsync(i, jpegs[i]);
        }

        await live.SendAsync("{\"type\":\"stop\"}");
        Assert.NotNull(await live.UntilAsync("completed"));

        return new Seeded(subject, [subject.ToString(), subject.ToString("N"), pseudonym, fileName, uploaded.ToString(), uploaded.ToString("N"), liveRecording.ToString(), liveRecording.ToString("N")]);
    }

    public static async Task<JsonElement> WaitAsync(HttpClient client, Guid project, Guid recording)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (true)
        {
            var json = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{recording}")).RootElement;
            var status = json.GetProperty("status").GetString();
            if (status is "done" or "failed" or "cancelled")
            {
                return json;
            }

            Assert.True(DateTime.UtcNow < until, $"recording {recording} still {status}");
            await Task.Delay(250);
        }
    }
}
