using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Mien.Server.Tests;

/// <summary>
/// Browser sign-in (docs/web-app.md): an API key exchanged for an HttpOnly, SameSite=Strict session cookie that acts
/// with the key's role in the key's project only, with an anti-forgery header on every state-changing request.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class WebSessionTests(ServerFixture server)
{
    private sealed record Browser(HttpClient Client, string Csrf, string SetCookie) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }

    /// <summary>Signs in like the web app does and returns a client that carries only the cookie (no key).</summary>
    private static async Task<Browser> SignInAsync(Uri address, string key)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(json.GetProperty("browser").GetBoolean());
        return new Browser(client, json.GetProperty("csrf").GetString()!, string.Join("\n", response.Headers.GetValues("Set-Cookie")));
    }

    private static HttpRequestMessage WithCsrf(HttpRequestMessage request, string csrf)
    {
        request.Headers.Add("X-Mien-Csrf", csrf);
        return request;
    }

    [Fact]
    public async Task A_session_cookie_is_httponly_strict_and_acts_with_the_keys_role()
    {
        using var browser = await SignInAsync(server.Address, server.AdminKey);
        Assert.Contains("mien_session=", browser.SetCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", browser.SetCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", browser.SetCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", browser.SetCookie, StringComparison.OrdinalIgnoreCase);
        // Plain http on loopback: a Secure cookie would never come back.
        Assert.DoesNotContain("secure", browser.SetCookie.Replace("mien_session", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync(server.ProjectPath("/recordings"))).StatusCode);
        var who = await browser.Client.GetFromJsonAsync<JsonElement>("/api/v1/session");
        Assert.Equal("admin", who.GetProperty("role").GetString());
        Assert.Equal(server.Project, who.GetProperty("project").GetGuid());

        // A viewer's session may read but not create subjects, exactly like the viewer's key.
        using var viewer = await SignInAsync(server.Address, await server.KeyAsync("viewer"));
        Assert.Equal(HttpStatusCode.OK, (await viewer.Client.GetAsync(server.ProjectPath("/subjects"))).StatusCode);
        using var create = WithCsrf(new HttpRequestMessage(HttpMethod.Post, server.ProjectPath("/subjects")) { Content = JsonContent.Create(new { pseudonym = "c-" + Guid.NewGuid().ToString("N")[..8] }) }, viewer.Csrf);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Client.SendAsync(create)).StatusCode);
    }

    [Fact]
    public async Task A_cookie_request_that_changes_state_without_the_csrf_header_is_refused()
    {
        using var browser = await SignInAsync(server.Address, server.AdminKey);
        var body = new { pseudonym = "csrf-" + Guid.NewGuid().ToString("N")[..8] };
        var without = await browser.Client.PostAsJsonAsync(server.ProjectPath("/subjects"), body);
        Assert.Equal(HttpStatusCode.Forbidden, without.StatusCode);
        Assert.Contains("X-Mien-Csrf", await without.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var wrong = WithCsrf(new HttpRequestMessage(HttpMethod.Post, server.ProjectPath("/subjects")) { Content = JsonContent.Create(body) }, browser.Csrf + "x");
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Client.SendAsync(wrong)).StatusCode);
        // Nothing was created by the refused requests.
        using var admin = server.Client(server.AdminKey);
        Assert.DoesNotContain(body.pseudonym, await admin.GetStringAsync(server.ProjectPath("/subjects")), StringComparison.Ordinal);

        using var right = WithCsrf(new HttpRequestMessage(HttpMethod.Post, server.ProjectPath("/subjects")) { Content = JsonContent.Create(body) }, browser.Csrf);
        Assert.Equal(HttpStatusCode.Created, (await browser.Client.SendAsync(right)).StatusCode);
        // A key-authenticated request needs no CSRF header (scripts are not browsers).
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync(server.ProjectPath("/subjects"), new { pseudonym = "k-" + Guid.NewGuid().ToString("N")[..8] })).StatusCode);
    }

    [Fact]
    public async Task A_cookie_of_one_project_cannot_reach_another()
    {
        var (other, otherKey) = await server.OtherProjectAsync();
        using var browser = await SignInAsync(server.Address, otherKey);
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync($"/api/v1/projects/{other}")).StatusCode);
        foreach (var path in new[] { server.ProjectPath(), server.ProjectPath("/recordings"), server.ProjectPath("/subjects"), server.ProjectPath($"/subjects/{server.Subject}/consents") })
        {
            var response = await browser.Client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
        }

        using var post = WithCsrf(new HttpRequestMessage(HttpMethod.Post, server.ProjectPath("/subjects")) { Content = JsonContent.Create(new { pseudonym = "x-" + Guid.NewGuid().ToString("N")[..8] }) }, browser.Csrf);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.Client.SendAsync(post)).StatusCode);
    }

    [Fact]
    public async Task Signing_out_or_revoking_the_key_ends_the_session()
    {
        using var browser = await SignInAsync(server.Address, server.AdminKey);
        // Sign-out changes state: it needs the CSRF header too (no cross-site logout).
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Client.DeleteAsync("/api/v1/session")).StatusCode);
        using var signOut = WithCsrf(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/session"), browser.Csrf);
        Assert.Equal(HttpStatusCode.NoContent, (await browser.Client.SendAsync(signOut)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.GetAsync(server.ProjectPath("/recordings"))).StatusCode);

        using var admin = server.Client(server.AdminKey);
        var created = JsonDocument.Parse(await (await admin.PostAsJsonAsync(server.ProjectPath("/keys"), new { role = "analyst" })).Content.ReadAsStringAsync()).RootElement;
        using var analyst = await SignInAsync(server.Address, created.GetProperty("secret").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await analyst.Client.GetAsync(server.ProjectPath("/recordings"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(server.ProjectPath($"/keys/{created.GetProperty("key").GetProperty("id").GetGuid()}"))).StatusCode);
        var refused = await analyst.Client.GetAsync(server.ProjectPath("/recordings"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("revoked", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_expires_after_its_lifetime()
    {
        var data = Directory.CreateTempSubdirectory("mien-web-session-").FullName;
        // Starts at the real now: the client's cookie jar drops cookies by the real clock, the server by this one.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        try
        {
            await using var other = await ServerFixture.StartAsync(data, o => o with { Time = time });
            var address = other.Addresses[0];
            using var browser = await SignInAsync(address, other.FirstAdminKey!);
            var project = $"/api/v1/projects/{other.FirstProject}";
            time.Advance(Security.WebSessions.Lifetime - TimeSpan.FromMinutes(1));
            Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync(project)).StatusCode);
            time.Advance(TimeSpan.FromMinutes(2));
            var expired = await browser.Client.GetAsync(project);
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
            Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Pages_are_served_with_etags_and_the_strict_page_policy_and_the_api_keeps_its_own()
    {
        using var client = server.Client();
        var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains($"ws://{server.Address.Authority}", csp, StringComparison.Ordinal);
        Assert.Contains("media-src 'self' blob:", csp, StringComparison.Ordinal);
        var etag = page.Headers.ETag ?? throw new InvalidOperationException("no ETag on /");

        using var again = new HttpRequestMessage(HttpMethod.Get, "/app.js");
        var script = await client.GetAsync("/app.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        again.Headers.IfNoneMatch.Add(script.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
        Assert.NotEqual(etag.Tag, script.Headers.ETag!.Tag);

        var api = await client.GetAsync("/healthz");
        Assert.Equal("default-src 'self'; frame-ancestors 'none'", string.Join(";", api.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/no-such-page.html")).StatusCode);
    }
}
