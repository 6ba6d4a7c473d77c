using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Mien.Server.Tests.Attacks;

/// <summary>Missing, malformed, forged, revoked and foreign API keys; keys smuggled in cookies and URLs; live tickets replayed, forged, expired, foreign.</summary>
[Collection(ServerCollection.Name)]
public sealed class KeyAttacks(ServerFixture server, LimitedServerFixture limited)
{
    [Fact]
    public async Task Missing_malformed_forged_and_revoked_keys_get_401_and_a_foreign_key_404()
    {
        var prefix = server.AdminKey[..server.AdminKey.LastIndexOf('_')];
        var random = new Random(9);
        string Base64Url(int n) => new([.. Enumerable.Range(0, n).Select(_ => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[random.Next(64)])]);
        var revoked = await RevokedKeyAsync();
        var (_, foreign) = await server.OtherProjectAsync();
        var refused = new (string Header, string Value)[]
        {
            ("Authorization", "Bearer"),
            ("Authorization", "Bearer "),
            ("Authorization", "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes("admin:" + server.AdminKey))),
            ("Authorization", "Bearer mien_"),
            ("Authorization", "Bearer " + new string('A', 300)),
            ("Authorization", "Bearer " + prefix + "_" + Base64Url(43)), // the real key's prefix, a wrong secret
            ("Authorization", "Bearer " + server.AdminKey[..^1] + (server.AdminKey[^1] == 'A' ? 'B' : 'A')), // one character off
            ("Authorization", "Bearer " + server.AdminKey + "x"),
            ("Authorization", "Bearer ' OR 1=1 --"),
            ("Authorization", "Bearer " + revoked),
            ("X-Api-Key", prefix + "_" + Base64Url(43)),
            ("X-Api-Key", revoked),
            ("X-Api-Key", "mien_%00_"),
        };
        var endpoints = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, server.ProjectPath()),
            (HttpMethod.Get, server.ProjectPath("/recordings")),
            (HttpMethod.Post, server.ProjectPath("/subjects")),
            (HttpMethod.Delete, server.ProjectPath($"/keys/{Guid.NewGuid()}")),
            (HttpMethod.Post, server.ProjectPath("/live/tickets")),
            (HttpMethod.Post, "/api/v1/projects"),
        };
        using var client = server.Client();
        foreach (var (method, path) in endpoints)
        {
            using (var none = new HttpRequestMessage(method, path) { Content = Json("{}") })
            {
                await Wire.ProblemAsync(await client.SendAsync(none), HttpStatusCode.Unauthorized);
            }

            foreach (var (header, value) in refused)
            {
                using var request = new HttpRequestMessage(method, path) { Content = Json("{}") };
                Assert.True(request.Headers.TryAddWithoutValidation(header, value));
                var response = await client.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with {header}: {value[..Math.Min(value.Length, 30)]}: {response.StatusCode}");
            }

            if (path.StartsWith(server.ProjectPath(), StringComparison.Ordinal))
            {
                using var request = new HttpRequestMessage(method, path) { Content = Json("{}") };
                request.Headers.Add("Authorization", "Bearer " + foreign);
                await Wire.ProblemAsync(await client.SendAsync(request), HttpStatusCode.NotFound);
            }
        }

        // The real key was never locked out by the forgeries.
        using var admin = server.Client(server.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(server.ProjectPath())).StatusCode);
    }

    [Fact]
    public async Task No_endpoint_takes_a_key_from_a_cookie_or_the_query_string_so_csrf_has_nothing_to_ride_on()
    {
        using var anonymous = server.Client();
        using var openApi = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));
        var endpoints = openApi.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(m => m.Name is "get" or "post" or "put" or "delete").Select(m => (Method: m.Name.ToUpperInvariant(), Path: p.Name)))
            .ToList();
        Assert.True(endpoints.Count >= 20, $"{endpoints.Count} endpoints");
        var key = server.AdminKey;
        var tried = 0;
        foreach (var (method, template) in endpoints)
        {
            var path = System.Text.RegularExpressions.Regex.Replace(template.Replace("{projectId}", server.Project.ToString(), StringComparison.Ordinal), "\\{[A-Za-z]+\\}",
                m => m.Value == "{name}" ? "faces.jsonl" : Guid.NewGuid().ToString());
            foreach (var cookie in new[] { $"key={key}", $"Authorization=Bearer {key}", $".AspNetCore.Cookies={key}" })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Json("{}") };
                request.Headers.Add("Cookie", cookie);
                var response = await anonymous.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with cookie {cookie.Split('=')[0]}: {response.StatusCode}");
                tried++;
            }

            foreach (var parameter in new[] { "key", "api_key", "access_token", "ticket" })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path + "?" + parameter + "=" + Uri.EscapeDataString(key)) { Content = Json("{}") };
                var response = await anonymous.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}?{parameter}=: {response.StatusCode}");
                tried++;
            }
        }

        // A genuine live ticket in the query string of a REST endpoint is no credential either, and is not spent there.
        var ticket = await TicketAsync(server.Client(server.AdminKey), server.ProjectPath());
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(server.ProjectPath("/recordings?ticket=" + ticket))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync(server.ProjectPath($"/recordings/{Guid.NewGuid()}?ticket=" + ticket))).StatusCode);
        using var socket = await Wire.ConnectAsync(new Uri(LiveUri() + "?ticket=" + ticket), null);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.True(tried > 150, $"{tried} requests");
    }

    [Fact]
    public async Task A_live_ticket_opens_its_own_projects_socket_once_and_nothing_else()
    {
        using var admin = server.Client(server.AdminKey);
        var ticket = await TicketAsync(admin, server.ProjectPath());
        using (var first = await Wire.ConnectAsync(new Uri(LiveUri() + "?ticket=" + ticket), null))
        {
            await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }

        // Replayed.
        Assert.Equal(HttpStatusCode.Unauthorized, await Wire.RefusedHandshakeAsync(new Uri(LiveUri() + "?ticket=" + ticket), null));

        // Forged: the right shape, never issued; and junk.
        var forged = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        Assert.Equal(HttpStatusCode.Unauthorized, await Wire.RefusedHandshakeAsync(new Uri(LiveUri() + "?ticket=" + forged), null));
        Assert.Equal(HttpStatusCode.Unauthorized, await Wire.RefusedHandshakeAsync(new Uri(LiveUri() + "?ticket=' OR 1=1 --"), null));
        Assert.Equal(HttpStatusCode.Unauthorized, await Wire.RefusedHandshakeAsync(new Uri(LiveUri() + "?ticket=&ticket=" + ticket), null));

        // Another project's ticket on this project's socket: 404, as if the project did not exist.
        var (other, otherKey) = await server.OtherProjectAsync();
        var foreign = await TicketAsync(server.Client(otherKey), $"/api/v1/projects/{other}");
        Assert.Equal(HttpStatusCode.NotFound, await Wire.RefusedHandshakeAsync(new Uri(LiveUri() + "?ticket=" + foreign), null));

        // A ticket outlives nothing: revoking its key revokes the ticket.
        var created = JsonDocument.Parse(await (await admin.PostAsJsonAsync(server.ProjectPath("/keys"), new { role = "analyst" })).Content.ReadAsStringAsync()).RootElement;
        var analyst = created.GetProperty("secret").GetString()!;
        var pending = await TicketAsync(server.Client(analyst), server.ProjectPath());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(server.ProjectPath($"/keys/{created.GetProperty("key").GetProperty("id").GetGuid()}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await Wire.RefusedHandshakeAsync(new Uri(LiveUri() + "?ticket=" + pending), null));

        // A viewer cannot get one.
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Client(await server.KeyAsync("viewer")).PostAsJsonAsync(server.ProjectPath("/live/tickets"), new { })).StatusCode);
    }

    [Fact]
    public async Task An_expired_live_ticket_is_refused()
    {
        await limited.StartAsync();
        using var admin = limited.Client(limited.AdminKey);
        var stale = await TicketAsync(admin, limited.ProjectPath());
        limited.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Unauthorized, await Wire.RefusedHandshakeAsync(new Uri(limited.LiveUri() + "?ticket=" + stale), null));
        var valid = await TicketAsync(admin, limited.ProjectPath());
        using var socket = await Wire.ConnectAsync(new Uri(limited.LiveUri() + "?ticket=" + valid), null);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    private Uri LiveUri() => Wire.WebSocketUri(server.Address, server.ProjectPath("/live"));

    private async Task<string> RevokedKeyAsync()
    {
        using var admin = server.Client(server.AdminKey);
        var created = JsonDocument.Parse(await (await admin.PostAsJsonAsync(server.ProjectPath("/keys"), new { role = "admin" })).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(server.ProjectPath($"/keys/{created.GetProperty("key").GetProperty("id").GetGuid()}"))).StatusCode);
        return created.GetProperty("secret").GetString()!;
    }

    private static async Task<string> TicketAsync(HttpClient client, string projectPath)
    {
        var response = await client.PostAsJsonAsync(projectPath + "/live/tickets", new { });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("ticket").GetString()!;
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
