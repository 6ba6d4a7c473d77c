using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mien.Server.Tests;

/// <summary>
/// Studies through the REST API on a real server: recordings made elsewhere and aligned by an offset, the consent gate
/// for viewers, refusals of bad input, k-anonymity and the exports. (The live path with the watch page is the browser
/// test Mien.Web.Tests.StudyTests.)
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class StudiesApiTests(ServerFixture server)
{
    [Fact]
    public async Task Recordings_aligned_by_an_offset_give_per_second_results_ab_and_csv_while_k_guards_every_cell()
    {
        using var admin = server.Client(server.AdminKey);
        var study = await JsonAsync(await admin.PostAsJsonAsync(server.ProjectPath("/studies"), new { name = "offset study", minViewers = 3 }));
        var studyId = study.GetProperty("id").GetGuid();
        // The fixture's clip (about 3 s of a real face) serves as both stimuli; what matters here is the alignment.
        var a = await UploadStimulusAsync(admin, studyId, "A");
        var b = await UploadStimulusAsync(admin, studyId, "B");
        var duration = a.GetProperty("durationS").GetDouble();
        Assert.InRange(duration, 2.5, 6);

        // Three subjects, each with a recording of their face; each watched A, starting 1 s into their recording.
        foreach (var (stimulus, count) in new[] { (a, 3), (b, 1) })
        {
            for (var i = 0; i < count; i++)
            {
                var subject = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis", "measurements");
                var recording = await UploadForAsync(admin, subject);
                var viewer = await JsonAsync(await admin.PostAsJsonAsync(server.ProjectPath($"/studies/{studyId}/viewers?subject={subject}"),
                    new { stimulus = stimulus.GetProperty("id").GetGuid(), attributes = new Dictionary<string, string> { ["age-band"] = i == 0 ? "18-24" : "25-34" } }));
                var linked = await admin.PutAsJsonAsync(server.ProjectPath($"/studies/{studyId}/viewers/{viewer.GetProperty("id").GetGuid()}/recording"), new { recording, offsetS = 1.0 });
                Assert.Equal(HttpStatusCode.OK, linked.StatusCode);
            }
        }

        var results = await JsonAsync(await admin.GetAsync(server.ProjectPath($"/studies/{studyId}/results?stimulus={a.GetProperty("id").GetGuid()}")));
        Assert.True(results.GetProperty("shown").GetBoolean());
        Assert.Equal(3, results.GetProperty("header").GetProperty("viewers").GetProperty("aligned").GetInt32());
        // The recordings are as long as the stimulus and start it 1 s late, so the last stimulus second has no frame.
        var seconds = results.GetProperty("seconds").GetInt32();
        var attention = results.GetProperty("curves").GetProperty("attention").GetProperty("mean").EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Number, attention[0].ValueKind);
        Assert.Equal(JsonValueKind.Null, attention[seconds - 1].ValueKind);
        var n = results.GetProperty("curves").GetProperty("valence").GetProperty("n")[0].GetInt32();
        Assert.Equal(3, n);

        // B has one viewer: below k, so the A/B test gives arms and no p-value.
        var ab = await JsonAsync(await admin.GetAsync(server.ProjectPath($"/studies/{studyId}/ab?a={a.GetProperty("id").GetGuid()}&b={b.GetProperty("id").GetGuid()}")));
        var valence = ab.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "valence");
        Assert.False(valence.GetProperty("a").GetProperty("suppressed").GetBoolean());
        Assert.True(valence.GetProperty("b").GetProperty("suppressed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, valence.GetProperty("welchP").ValueKind);

        // Breakdown by age band: 18-24 has 1 viewer, 25-34 has 2 — both below k.
        var breakdown = await JsonAsync(await admin.GetAsync(server.ProjectPath($"/studies/{studyId}/breakdown?stimulus={a.GetProperty("id").GetGuid()}&attribute=age-band")));
        Assert.All(breakdown.GetProperty("groups").EnumerateArray(), g => Assert.Equal(JsonValueKind.Null, g.GetProperty("viewers").ValueKind));

        var csv = await admin.GetAsync(server.ProjectPath($"/studies/{studyId}/results.csv?stimulus={a.GetProperty("id").GetGuid()}"));
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(seconds + 1, lines.Length);

        // A viewer key reads the aggregates but not the viewings (which name subjects and their attributes).
        using var viewerKey = server.Client(await server.KeyAsync("viewer"));
        Assert.Equal(HttpStatusCode.OK, (await viewerKey.GetAsync(server.ProjectPath($"/studies/{studyId}/results?stimulus={a.GetProperty("id").GetGuid()}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerKey.GetAsync(server.ProjectPath($"/studies/{studyId}/viewers"))).StatusCode);
        // k may be raised for a look, never lowered below the study's.
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync(server.ProjectPath($"/studies/{studyId}/results?stimulus={a.GetProperty("id").GetGuid()}&k=2"))).StatusCode);
        var thumbnail = await admin.GetAsync(server.ProjectPath($"/studies/{studyId}/stimuli/{a.GetProperty("id").GetGuid()}/thumbnails/0"));
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Viewers_need_consent_and_bad_input_is_refused_with_the_reason()
    {
        using var admin = server.Client(server.AdminKey);
        var study = await JsonAsync(await admin.PostAsJsonAsync(server.ProjectPath("/studies"), new { name = "refusals" }));
        var studyId = study.GetProperty("id").GetGuid();
        Assert.Equal(5, study.GetProperty("minViewers").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(server.ProjectPath("/studies"), new { name = "k1", minViewers = 1 })).StatusCode);

        var notVideo = await admin.PostAsync(server.ProjectPath($"/studies/{studyId}/stimuli"), new ByteArrayContent(server.Jpegs[0]));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notVideo.StatusCode);
        var stimulus = await UploadStimulusAsync(admin, studyId, "A");
        var stimulusId = stimulus.GetProperty("id").GetGuid();

        var noConsent = await ServerFixture.ConsentingSubjectAsync(admin, server.Project);
        var refused = await admin.PostAsJsonAsync(server.ProjectPath($"/studies/{studyId}/viewers?subject={noConsent}"), new { stimulus = stimulusId });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Consent required", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var subject = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis", "measurements");
        var badAttribute = await admin.PostAsJsonAsync(server.ProjectPath($"/studies/{studyId}/viewers?subject={subject}"), new { stimulus = stimulusId, attributes = new Dictionary<string, string> { ["Full Name"] = "Jane" } });
        Assert.Equal(HttpStatusCode.BadRequest, badAttribute.StatusCode);
        var viewer = await JsonAsync(await admin.PostAsJsonAsync(server.ProjectPath($"/studies/{studyId}/viewers?subject={subject}"), new { stimulus = stimulusId }));
        var viewerId = viewer.GetProperty("id").GetGuid();

        var badState = await admin.PostAsJsonAsync(server.ProjectPath($"/studies/{studyId}/viewers/{viewerId}/playback"), new { reports = new[] { new { clientTime = 1.0, stimulusTime = 0.0, state = "rewinding" } } });
        Assert.Equal(HttpStatusCode.BadRequest, badState.StatusCode);
        var ok = await admin.PostAsJsonAsync(server.ProjectPath($"/studies/{studyId}/viewers/{viewerId}/playback"), new { reports = new[] { new { clientTime = 1.0, stimulusTime = 0.0, state = "playing" } } });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        // Another subject's recording cannot be borrowed for this viewing.
        var borrowed = await admin.PutAsJsonAsync(server.ProjectPath($"/studies/{studyId}/viewers/{viewerId}/recording"), new { recording = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.NotFound, borrowed.StatusCode);

        // No recording linked yet: not aligned, and with k = 5 nothing is shown.
        var results = await JsonAsync(await admin.GetAsync(server.ProjectPath($"/studies/{studyId}/results?stimulus={stimulusId}")));
        Assert.False(results.GetProperty("shown").GetBoolean());
        Assert.Equal(1, results.GetProperty("header").GetProperty("viewers").GetProperty("notAligned").GetInt32());

        // Another project sees nothing of it.
        var (_, otherKey) = await server.OtherProjectAsync();
        using var other = server.Client(otherKey);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(server.ProjectPath($"/studies/{studyId}"))).StatusCode);

        var deleted = await admin.DeleteAsync(server.ProjectPath($"/studies/{studyId}"));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(server.ProjectPath($"/studies/{studyId}/stimuli/{stimulusId}/media"))).StatusCode);
    }

    private async Task<JsonElement> UploadStimulusAsync(HttpClient admin, Guid studyId, string label)
    {
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(server.Clip));
        return await JsonAsync(await admin.PostAsync(server.ProjectPath($"/studies/{studyId}/stimuli?label={label}"), content));
    }

    private async Task<Guid> UploadForAsync(HttpClient admin, Guid subject)
    {
        await using var file = File.OpenRead(server.Clip);
        var response = await admin.PostAsync(server.ProjectPath($"/recordings?subject={subject}&name=face.mp4"), new StreamContent(file));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var done = await server.WaitAsync(admin, id, TimeSpan.FromMinutes(3));
        Assert.Equal("done", done.GetProperty("status").GetString());
        return id;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
