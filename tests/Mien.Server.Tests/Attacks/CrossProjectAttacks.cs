using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace Mien.Server.Tests.Attacks;

/// <summary>
/// Another project's ids in every URL shape (results, files, subjects, consents, keys, policy) and in live messages:
/// 404 everywhere, the same answer a random id gets, nothing of the other project read, changed or deleted.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class CrossProjectAttacks(ServerFixture server)
{
    [Fact]
    public async Task Another_projects_ids_under_my_project_answer_404_and_leave_its_data_untouched()
    {
        // The victim: a project with a consenting subject, a finished recording of them and a second key.
        var (victim, victimKey) = await server.OtherProjectAsync();
        using var asVictim = server.Client(victimKey);
        var victimPath = $"/api/v1/projects/{victim}";
        var subject = await ServerFixture.ConsentingSubjectAsync(asVictim, victim, "analysis", "measurements");
        var keyId = JsonDocument.Parse(await (await asVictim.PostAsJsonAsync(victimPath + "/keys", new { role = "viewer" })).Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetProperty("id").GetGuid();
        var upload = await asVictim.PostAsync(victimPath + $"/recordings?name=v.jpg&subject={subject}", new ByteArrayContent(server.Jpegs[0]));
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var recording = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var done = await WaitAsync(asVictim, victimPath, recording);
        Assert.Equal("done", done);
        var policyBefore = await asVictim.GetStringAsync(victimPath);

        // The attacker: an admin of its own project, using the victim's ids under its own project. Each answer must be
        // the one a random id gets, so it tells nothing about whether the id exists elsewhere.
        using var attacker = server.Client(server.AdminKey);
        var consent = new { scopes = new[] { "analysis", "measurements", "media" }, textVersion = "v-forged", collectedBy = "attacker" };
        var shapes = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, "/recordings/{recording}", null),
            (HttpMethod.Post, "/recordings/{recording}/cancel", null),
            (HttpMethod.Get, "/recordings/{recording}/frames", null),
            (HttpMethod.Get, "/recordings/{recording}/frames?from=0&to=100&limit=10", null),
            (HttpMethod.Get, "/recordings/{recording}/events", null),
            (HttpMethod.Get, "/recordings/{recording}/events?kind=track-started", null),
            (HttpMethod.Get, "/recordings/{recording}/people", null),
            (HttpMethod.Get, "/recordings/{recording}/summary", null),
            (HttpMethod.Get, "/recordings/{recording}/files/faces.jsonl", null),
            (HttpMethod.Get, "/recordings/{recording}/files/summary.json", null),
            (HttpMethod.Get, "/recordings/{recording}/files/report.html", null),
            (HttpMethod.Get, "/subjects/{subject}", null),
            (HttpMethod.Get, "/subjects/{subject}/skin", null),
            (HttpMethod.Get, "/subjects/{subject}/consents", null),
            (HttpMethod.Post, "/subjects/{subject}/consents", consent),
            (HttpMethod.Delete, "/subjects/{subject}/consents/measurements", null),
            (HttpMethod.Delete, "/subjects/{subject}/consents/media?by=attacker", null),
            (HttpMethod.Delete, "/subjects/{subject}/consents/analysis", null),
            (HttpMethod.Delete, "/subjects/{subject}", null),
            (HttpMethod.Delete, "/keys/{key}", null),
            (HttpMethod.Delete, "/recordings/{recording}", null),
        };
        foreach (var (method, template, body) in shapes)
        {
            var (status, answer) = await SendAsync(attacker, method, server.ProjectPath(Fill(template, recording, subject, keyId)), body);
            Assert.True(status == HttpStatusCode.NotFound, $"{method} {template}: {status} {answer}");
            Assert.DoesNotContain(victim.ToString(), answer, StringComparison.OrdinalIgnoreCase);
            var (randomStatus, randomAnswer) = await SendAsync(attacker, method, server.ProjectPath(Fill(template, Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid())), body);
            Assert.Equal(randomStatus, status);
            Assert.True(Comparable(randomAnswer) == Comparable(answer), $"{method} {template}: the victim's id answers differently from a random id");
        }

        // The victim's subject as the subject of the attacker's own uploads and streams: 404, like a random id.
        foreach (var id in new[] { subject, Guid.NewGuid() })
        {
            Assert.Equal("no such subject", await Wire.ProblemAsync(await attacker.PostAsync(server.ProjectPath($"/recordings?name=x.jpg&subject={id}"), new ByteArrayContent(server.Jpegs[0])), HttpStatusCode.NotFound));
            Assert.Equal("no such subject", await Wire.ProblemAsync(await attacker.PostAsJsonAsync(server.ProjectPath("/streams"), new { url = "rtsp://203.0.113.7/cam", subject = id }), HttpStatusCode.NotFound));
        }

        // The attacker's key on the victim's URLs, including the policy, consents and the live socket.
        await Wire.ProblemAsync(await attacker.GetAsync(victimPath + $"/recordings/{recording}"), HttpStatusCode.NotFound);
        await Wire.ProblemAsync(await attacker.PutAsJsonAsync(victimPath + "/policy", new { purpose = "ux-study", setting = "workplace", basis = "safety", justification = "an attacker's justification, long enough", keepMedia = true }), HttpStatusCode.NotFound);
        await Wire.ProblemAsync(await attacker.PostAsJsonAsync(victimPath + $"/subjects/{subject}/consents", consent), HttpStatusCode.NotFound);
        await Wire.ProblemAsync(await attacker.DeleteAsync(victimPath + $"/subjects/{subject}/consents/analysis"), HttpStatusCode.NotFound);
        await Wire.ProblemAsync(await attacker.PostAsJsonAsync(victimPath + "/live/tickets", new { }), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, await Wire.RefusedHandshakeAsync(Wire.WebSocketUri(server.Address, victimPath + "/live"), server.AdminKey));

        // Nothing of the victim's changed: recording and results, subject, consent, policy, key.
        Assert.Equal(HttpStatusCode.OK, (await asVictim.GetAsync(victimPath + $"/recordings/{recording}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await asVictim.GetAsync(victimPath + $"/recordings/{recording}/files/faces.jsonl")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await asVictim.GetAsync(victimPath + $"/subjects/{subject}")).StatusCode);
        var consents = JsonDocument.Parse(await asVictim.GetStringAsync(victimPath + $"/subjects/{subject}/consents")).RootElement;
        Assert.Equal(["analysis", "measurements"], consents.GetProperty("current").EnumerateArray().Select(e => e.GetString()));
        Assert.All(consents.GetProperty("history").EnumerateArray(), c => Assert.Equal("test-v1", c.GetProperty("textVersion").GetString()));
        Assert.Equal(policyBefore, await asVictim.GetStringAsync(victimPath));
        var keys = JsonDocument.Parse(await asVictim.GetStringAsync(victimPath + "/keys")).RootElement;
        Assert.Contains(keys.EnumerateArray(), k => k.GetProperty("id").GetGuid() == keyId && (!k.TryGetProperty("revokedAt", out var revoked) || revoked.ValueKind == JsonValueKind.Null));
    }

    [Fact]
    public async Task Ids_in_a_live_start_message_cannot_move_the_session_into_another_project()
    {
        var (victim, victimKey) = await server.OtherProjectAsync();
        using var socket = await Wire.ConnectAsync(Wire.WebSocketUri(server.Address, server.ProjectPath("/live")), server.AdminKey);

        // Ids inside the options are refused (unknown option names); ids beside them are not part of the protocol and
        // change nothing. The session names the attacker's own consenting subject, so it is stored (not ephemeral).
        await Wire.SendTextAsync(socket, $"{{\"type\":\"start\",\"options\":{{\"project\":\"{victim}\"}}}}");
        Assert.Equal("error", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());
        await Wire.SendTextAsync(socket, $"{{\"type\":\"start\",\"store\":true,\"subject\":\"{server.Subject}\",\"project\":\"{victim}\",\"projectId\":\"{victim}\",\"recording\":\"{Guid.NewGuid()}\"}}");
        var ready = await Wire.ReceiveJsonAsync(socket);
        Assert.Equal("ready", ready.GetProperty("type").GetString());
        Assert.Equal("stored", ready.GetProperty("mode").GetString());
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

    [Fact]
    public async Task A_live_start_naming_another_projects_subject_gets_the_answer_a_random_id_gets()
    {
        var (victim, victimKey) = await server.OtherProjectAsync();
        using var asVictim = server.Client(victimKey);
        var subject = await ServerFixture.ConsentingSubjectAsync(asVictim, victim, "analysis", "measurements", "media");

        // Stored or not, naming a subject is checked: the victim's consenting subject, a random id and a deleted subject
        // of one's own project all get the same error (404, then a policy-violation close), and nothing is recorded.
        using var admin = server.Client(server.AdminKey);
        var deleted = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis", "measurements");
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync(server.ProjectPath($"/subjects/{deleted}"))).StatusCode);
        var before = await TotalAsync(admin, server.ProjectPath());
        var answers = new List<string>();
        foreach (var id in new[] { subject, Guid.NewGuid(), deleted })
        {
            foreach (var store in new[] { true, false })
            {
                using var socket = await Wire.ConnectAsync(Wire.WebSocketUri(server.Address, server.ProjectPath("/live")), server.AdminKey);
                await Wire.SendTextAsync(socket, $"{{\"type\":\"start\",\"store\":{(store ? "true" : "false")},\"subject\":\"{id}\"}}");
                var (messages, status, reason) = await Wire.UntilClosedAsync(socket, TimeSpan.FromSeconds(30));
                var error = Assert.Single(messages);
                Assert.Equal("error", error.GetProperty("type").GetString());
                Assert.Equal(404, error.GetProperty("status").GetInt32());
                Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
                Assert.DoesNotContain(victim.ToString(), error.GetRawText(), StringComparison.OrdinalIgnoreCase);
                answers.Add($"{error.GetRawText()} | {status} {reason}");
            }
        }

        Assert.Single(answers.Distinct());
        Assert.Equal(before, await TotalAsync(admin, server.ProjectPath()));
        Assert.Equal(0, await TotalAsync(asVictim, $"/api/v1/projects/{victim}"));
        var consents = JsonDocument.Parse(await asVictim.GetStringAsync($"/api/v1/projects/{victim}/subjects/{subject}/consents")).RootElement;
        Assert.Equal(["analysis", "measurements", "media"], consents.GetProperty("current").EnumerateArray().Select(e => e.GetString()));
    }

    private static string Fill(string template, Guid recording, Guid subject, Guid key) => template
        .Replace("{recording}", recording.ToString(), StringComparison.Ordinal)
        .Replace("{subject}", subject.ToString(), StringComparison.Ordinal)
        .Replace("{key}", key.ToString(), StringComparison.Ordinal);

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A problem body without its per-request trace id.</summary>
    private static string Comparable(string problem) => System.Text.RegularExpressions.Regex.Replace(problem, "\"traceId\":\"[^\"]*\"", "");

    private static async Task<long> TotalAsync(HttpClient client, string projectPath) =>
        JsonDocument.Parse(await client.GetStringAsync(projectPath + "/recordings?limit=1")).RootElement.GetProperty("total").GetInt64();

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
