using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mien.Server.Tests;

/// <summary>
/// Consent links: an admin issues a link for one subject; whoever holds it (the subject) reads the plain-words
/// explanation and records or withdraws consent with no API key; forged or altered links and API keys are refused;
/// every use lands in the audit log.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ConsentLinkTests(ServerFixture server)
{
    private const string Header = "X-Mien-Consent-Link";

    private async Task<(Guid Subject, string Token)> LinkAsync()
    {
        using var admin = server.Client(server.AdminKey);
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, server.Project);
        var response = await admin.PostAsJsonAsync(server.ProjectPath($"/subjects/{subject}/consent-links"), new { days = 2 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var token = json.GetProperty("token").GetString()!;
        Assert.Equal("/consent.html#" + token, json.GetProperty("url").GetString());
        return (subject, token);
    }

    private HttpRequestMessage AsSubject(HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add(Header, token);
        return request;
    }

    [Fact]
    public async Task The_subject_reads_gives_and_withdraws_consent_through_the_link_and_each_use_is_audited()
    {
        var (subject, token) = await LinkAsync();
        using var anonymous = server.Client();
        var page = JsonDocument.Parse(await (await anonymous.SendAsync(AsSubject(HttpMethod.Get, "/api/v1/consent", token))).Content.ReadAsStringAsync()).RootElement;
        var scopes = page.GetProperty("scopes").EnumerateArray().Select(s => s.GetProperty("scope").GetString()).ToList();
        Assert.Contains("analysis", scopes);
        Assert.Contains("measurements", scopes);
        Assert.All(page.GetProperty("scopes").EnumerateArray(), s => Assert.False(s.GetProperty("given").GetBoolean()));
        Assert.Contains("estimates", page.GetProperty("scopes")[0].GetProperty("what").GetString(), StringComparison.Ordinal);

        // Measurements alone cannot take effect without analysis: refused rather than recorded uselessly.
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.SendAsync(AsSubject(HttpMethod.Post, "/api/v1/consent", token, new { scopes = new[] { "measurements" } }))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.SendAsync(AsSubject(HttpMethod.Post, "/api/v1/consent", token, new { scopes = new[] { "identity-template" } }))).StatusCode);
        var given = await anonymous.SendAsync(AsSubject(HttpMethod.Post, "/api/v1/consent", token, new { scopes = new[] { "analysis", "measurements" } }));
        Assert.Equal(HttpStatusCode.Created, given.StatusCode);

        using var admin = server.Client(server.AdminKey);
        var consents = await admin.GetFromJsonAsync<JsonElement>(server.ProjectPath($"/subjects/{subject}/consents"));
        Assert.Equal<string>(["analysis", "measurements"], [.. consents.GetProperty("current").EnumerateArray().Select(s => s.GetString()!)]);
        Assert.All(consents.GetProperty("history").EnumerateArray(), c =>
        {
            Assert.Equal("self via consent link", c.GetProperty("collectedBy").GetString());
            Assert.Equal("consent-page-1", c.GetProperty("textVersion").GetString());
        });

        var withdrawn = await anonymous.SendAsync(AsSubject(HttpMethod.Delete, "/api/v1/consent/measurements", token));
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        Assert.True(JsonDocument.Parse(await withdrawn.Content.ReadAsStringAsync()).RootElement.TryGetProperty("receipt", out _));
        consents = await admin.GetFromJsonAsync<JsonElement>(server.ProjectPath($"/subjects/{subject}/consents"));
        Assert.Equal<string>(["analysis"], [.. consents.GetProperty("current").EnumerateArray().Select(s => s.GetString()!)]);

        var audit = await admin.GetFromJsonAsync<JsonElement>(server.ProjectPath($"/audit?subject={subject}&limit=1000"));
        var actions = audit.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("actor").GetString(), e.GetProperty("action").GetString())).ToList();
        Assert.Contains(("subject:consent-link", "consent.give"), actions);
        Assert.Contains(("subject:consent-link", "consent.withdraw"), actions);
        Assert.Contains(actions, a => a.Item2 == "consent.link" && a.Item1!.StartsWith("key:", StringComparison.Ordinal));
        Assert.True((await admin.GetFromJsonAsync<JsonElement>(server.ProjectPath("/audit/verify"))).GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Missing_altered_or_foreign_links_and_api_keys_are_refused()
    {
        var (subject, token) = await LinkAsync();
        using var anonymous = server.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/consent")).StatusCode);
        // Every single-character change of the token (its subject, project, expiry or signature) is refused.
        for (var i = 0; i < token.Length; i += 7)
        {
            var altered = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            var response = await anonymous.SendAsync(AsSubject(HttpMethod.Post, "/api/v1/consent", altered, new { scopes = new[] { "analysis" } }));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"altered at {i}: {response.StatusCode}");
        }

        // An admin key is no consent link: staff record consent through the admin endpoint, naming who collected it.
        using var admin = server.Client(server.AdminKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.PostAsJsonAsync("/api/v1/consent", new { scopes = new[] { "analysis" } })).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>(server.ProjectPath($"/subjects/{subject}/consents"))).GetProperty("current").EnumerateArray());

        // A link of another project's subject cannot be made by this project's admin (404), and an erased subject's link dies.
        var (other, otherKey) = await server.OtherProjectAsync();
        using var otherAdmin = server.Client(otherKey);
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.PostAsJsonAsync($"/api/v1/projects/{other}/subjects/{subject}/consent-links", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(server.ProjectPath($"/subjects/{subject}/consent-links"), new { days = 365 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync(server.ProjectPath($"/subjects/{subject}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.SendAsync(AsSubject(HttpMethod.Get, "/api/v1/consent", token))).StatusCode);
    }
}
