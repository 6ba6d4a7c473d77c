using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mien.Server.Tests;

/// <summary>
/// A live session that requires liveness before naming anyone: franck.mp4's man (the fixture's real frames) is enrolled;
/// streamed live he is named only once his track's check has passed, while the same man as a still picture sent again
/// and again is never named.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class LiveLivenessTests(ServerFixture server)
{
    private const string Options = "{\"recogniseSubjects\":true,\"requireLiveness\":true,\"expressions\":false,\"affect\":false}";

    [Fact]
    public async Task A_still_picture_is_never_named_and_live_video_is_named_after_its_liveness_check()
    {
        using var admin = server.Client(server.AdminKey);
        var key = await server.KeyAsync("analyst");
        using var analyst = server.Client(key);
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis", "identity-template");
        var enrol = new MultipartFormDataContent();
        foreach (var i in new[] { 0, 20, 40, 60 })
        {
            var part = new ByteArrayContent(server.Jpegs[i]);
            part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            enrol.Add(part, "image", $"f{i}.jpg");
        }

        Assert.Equal(HttpStatusCode.Created, (await analyst.PostAsync(server.ProjectPath($"/subjects/{subject}/identity/enrol"), enrol)).StatusCode);
        try
        {
            await StillIsNeverNamedLiveIsAsync(analyst, key, subject);
        }
        finally
        {
            // The project is shared by the collection: a second enrolled franck would answer IdentityApiTests' 1:N search.
            using var withdrawn = await admin.DeleteAsync(server.ProjectPath($"/subjects/{subject}/consents/identity-template"));
            Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        }
    }

    private async Task StillIsNeverNamedLiveIsAsync(HttpClient analyst, string key, Guid subject)
    {
        var reference = (await analyst.GetFromJsonAsync<JsonElement>(server.ProjectPath($"/subjects/{subject}/identity"))).GetProperty("reference").GetString()!;

        // The same frame 30 times (3 s of timestamps): pending, then failed; never a subject.
        var still = await LinksAsync(key, Enumerable.Repeat(server.Jpegs[10], 30).ToArray());
        Assert.NotEmpty(still);
        Assert.Equal("pending", still[0].GetProperty("liveness").GetString());
        Assert.Equal("failed", still[^1].GetProperty("liveness").GetString());
        Assert.Contains("still picture", still[^1].GetProperty("livenessReason").GetString(), StringComparison.Ordinal);
        Assert.All(still, l => Assert.False(l.TryGetProperty("subject", out _), l.ToString()));

        // His live frames: pending (no name) first, then passed and named by his subject's reference.
        var live = await LinksAsync(key, [.. server.Jpegs.Take(30)]);
        Assert.Equal("pending", live[0].GetProperty("liveness").GetString());
        Assert.False(live[0].TryGetProperty("subject", out _));
        var passed = Assert.Single(live, l => l.GetProperty("liveness").GetString() != "pending");
        Assert.True(passed.GetProperty("liveness").GetString() == "passed", passed.ToString());
        Assert.Equal(reference, passed.GetProperty("subject").GetString());
    }

    /// <summary>Streams <paramref name="jpegs"/> 0.1 s apart, one at a time (each frame's result awaited, so none is dropped); returns the person-link events.</summary>
    private async Task<List<JsonElement>> LinksAsync(string key, byte[][] jpegs)
    {
        var links = new List<JsonElement>();
        using var live = await LiveClient.ConnectAsync(server.Address, server.Project, key);
        await live.SendAsync("{\"type\":\"start\",\"options\":" + Options + "}");
        Assert.NotNull(await live.UntilAsync("ready"));
        for (var i = 0; i < jpegs.Length; i++)
        {
            await live.SendFrameAsync(i, jpegs[i]);
            while (await live.ReceiveAsync() is { } message)
            {
                var type = message.GetProperty("type").GetString();
                if (type == "event" && message.GetProperty("event").GetString() == "person-link")
                {
                    links.Add(message);
                }

                if (type == "frame")
                {
                    break;
                }
            }
        }

        await live.SendAsync("{\"type\":\"stop\"}");
        while (await live.ReceiveAsync() is { } message && message.GetProperty("type").GetString() != "completed")
        {
            if (message.GetProperty("type").GetString() == "event" && message.GetProperty("event").GetString() == "person-link")
            {
                links.Add(message);
            }
        }

        return links;
    }
}
