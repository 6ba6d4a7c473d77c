using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace Mien.Server.Tests.Attacks;

/// <summary>Another project's ids in every URL shape and in live messages: 404 everywhere, nothing of the other project read, changed or deleted.</summary>
[Collection(ServerCollection.Name)]
public sealed class CrossProjectAttacks(ServerFixture server)
{
    [Fact]
    public async Task Another_projects_ids_under_my_project_answer_404_and_leave_its_data_untouched()
    {
        // The victim: a project with a finished recording, a subject and a second key.
        var (victim, victimKey) = await server.OtherProjectAsync();
        using var asVictim = server.Client(victimKey);
        var victimPath = $"/api/v1/projects/{victim}";
        var subject = JsonDocument.Parse(await (await asVictim.PostAsJsonAsync(victimPath + "/subjects", new { pseudonym = "v-" + Guid.NewGuid().ToString("N")[..8] })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var keyId = JsonDocument.Parse(await (await asVictim.PostAsJsonAsync(victimPath + "/keys", new { role = "viewer" })).Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetProperty("id").GetGuid();
        var upload = await asVictim.PostAsync(victimPath + "/recordings?name=v.jpg", new ByteArrayContent(server.Jpegs[0]));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var recording = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var done = await WaitAsync(asVictim, victimPath, recording);
        Assert.Equal("done", done);

        // The attacker: an admin of its own project, using the victim's ids under its own project.
        using var attacker = server.Client(server.AdminKey);
        var shapes = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, $"/recordings/{recording}"),
            (HttpMethod.Post, $"/recordings/{recording}/cancel"),
            (HttpMethod.Get, $"/recordings/{recording}/frames"),
            (HttpMethod.Get, $"/recordings/{recording}/frames?from=0&to=100&limit=10"),
            (HttpMethod.Get, $"/recordings/{recording}/events"),
            (HttpMethod.Get, $"/recordings/{recording}/events?kind=track-started"),
            (HttpMethod.Get, $"/recordings/{recording}/people"),
            (HttpMethod.Get, $"/recordings/{recording}/summary"),
            (HttpMethod.Get, $"/recordings/{recording}/files/faces.jsonl"),
            (HttpMethod.Get, $"/recordings/{recording}/files/summary.json"),
            (HttpMethod.Get, $"/subjects/{subject}"),
            (HttpMethod.Get, $"/subjects/{subject}/skin"),
            (HttpMethod.Delete, $"/subjects/{subject}"),
            (HttpMethod.Delete, $"/keys/{keyId}"),
            (HttpMethod.Delete, $"/recordings/{recording}"),
        };
        foreach (var (method, path) in shapes)
        {
            var response = await attacker.SendAsync(new HttpRequestMessage(method, server.ProjectPath(path)));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {response.StatusCode} {body}");
            Assert.DoesNotContain(victim.ToString(), body, StringComparison.OrdinalIgnoreCase);
        }

        // The victim's ids as a subject of the attacker's own uploads and streams.
        await Wire.ProblemAsync(await attacker.PostAsync(server.ProjectPath($"/recordings?name=x.jpg&subject={subject}"), new ByteArrayContent(server.Jpegs[0])), HttpStatusCode.NotFound);
        await Wire.ProblemAsync(await attacker.PostAsJsonAsync(server.ProjectPath("/streams"), new { url = "rtsp://203.0.113.7/cam", subject }), HttpStatusCode.NotFound);

        // The attacker's key on the victim's URLs, including the live socket.
        await Wire.ProblemAsync(await attacker.GetAsync(victimPath + $"/recordings/{recording}"), HttpStatusCode.NotFound);
        await Wire.ProblemAsync(await attacker.PostAsJsonAsync(victimPath + "/live/tickets", new { }), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, await Wire.RefusedHandshakeAsync(Wire.WebSocketUri(server.Address, victimPath + "/live"), server.AdminKey));

        // Nothing of the victim's changed.
        Assert.Equal(HttpStatusCode.OK, (await asVictim.GetAsync(victimPath + $"/recordings/{recording}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await asVictim.GetAsync(victimPath + $"/recordings/{recording}/files/faces.jsonl")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await asVictim.GetAsync(victimPath + $"/subjects/{subject}")).StatusCode);
        var keys = JsonDocument.Parse(await asVictim.GetStringAsync(victimPath + "/keys")).RootElement;
        Assert.Contains(keys.EnumerateArray(), k => k.GetProperty("id").GetGuid() == keyId && (!k.TryGetProperty("revokedAt", out var revoked) || revoked.ValueKind == JsonValueKind.Null));
    }

    [Fact]
    public async Task Ids_in_a_live_start_message_cannot_move_the_session_into_another_project()
    {
        var (victim, victimKey) = await server.OtherProjectAsync();
        using var socket = await Wire.ConnectAsync(Wire.WebSocketUri(server.Address, server.ProjectPath("/live")), server.AdminKey);

        // Ids inside the options are refused (unknown option names); ids beside them are not part of the protocol and change nothing.
        await Wire.SendTextAsync(socket, $"{{\"type\":\"start\",\"options\":{{\"project\":\"{victim}\"}}}}");
        Assert.Equal("error", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());
        await Wire.SendTextAsync(socket, $"{{\"type\":\"start\",\"store\":true,\"project\":\"{victim}\",\"projectId\":\"{victim}\",\"recording\":\"{Guid.NewGuid()}\"}}");
        var ready = await Wire.ReceiveJsonAsync(socket);
        Assert.Equal("ready", ready.GetProperty("type").GetString());
        var recording = ready.GetProperty("recording").GetGuid();
        await socket.SendAsync(Live.LiveFrameMessage.Image(TimeSpan.Zero, server.Jpegs[0]), WebSocketMessageType.Binary, true, CancellationToken.None);
        await Wire.SendTextAsync(socket, "{\"type\":\"stop\"}");
        _ = await Wire.UntilClosedAsync(socket, TimeSpan.FromMinutes(1));

        using var mine = server.Client(server.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await mine.GetAsync(server.ProjectPath($"/recordings/{recording}"))).StatusCode);
        using var theirs = server.Client(victimKey);
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.GetAsync($"/api/v1/projects/{victim}/recordings/{recording}")).StatusCode);
        var total = JsonDocument.Parse(await theirs.GetStringAsync($"/api/v1/projects/{victim}/recordings")).RootElement.GetProperty("total").GetInt64();
        Assert.Equal(0, total);
    }

    private static async Task<string> WaitAsync(HttpClient client, string projectPath, Guid recording)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var status = JsonDocument.Parse(await client.GetStringAsync($"{projectPath}/recordings/{recording}")).RootElement.GetProperty("status").GetString()!;
            if (status is "done" or "failed" or "cancelled" || DateTime.UtcNow > until)
            {
                return status;
            }

            await Task.Delay(200);
        }
    }
}
