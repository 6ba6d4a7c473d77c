using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mien.Server.Tests.Attacks;

/// <summary>Security headers on every kind of response (successes, every error, framework-written ones, downloads); no CORS opened by accident.</summary>
[Collection(ServerCollection.Name)]
public sealed class HeaderAttacks(ServerFixture server, LimitedServerFixture limited)
{
    [Fact]
    public async Task Every_kind_of_response_carries_the_security_headers_and_no_server_banner()
    {
        var recording = await server.UploadAndWaitAsync(server.Clip, "{\"video\":false,\"body\":false,\"skin\":false,\"voice\":false}");
        var id = recording.GetProperty("id").GetGuid();
        using var admin = server.Client(server.AdminKey);
        using var anonymous = server.Client();
        using var viewer = server.Client(await server.KeyAsync("viewer"));
        var revocable = JsonDocument.Parse(await (await admin.PostAsJsonAsync(server.ProjectPath("/keys"), new { role = "viewer" })).Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetProperty("id").GetGuid();
        var responses = new List<(string Kind, HttpResponseMessage Response)>
        {
            ("200 json", await admin.GetAsync(server.ProjectPath())),
            ("200 download", await admin.GetAsync(server.ProjectPath($"/recordings/{id}/files/report.html"))),
            ("206 range", await RangeAsync(admin, server.ProjectPath($"/recordings/{id}/files/faces.jsonl"))),
            ("201", await admin.PostAsJsonAsync(server.ProjectPath("/subjects"), new { pseudonym = "h-" + Guid.NewGuid().ToString("N")[..8] })),
            ("202", await admin.PostAsync(server.UploadPath("name=h.jpg"), new ByteArrayContent(server.Jpegs[0]))),
            ("204", await admin.DeleteAsync(server.ProjectPath($"/keys/{revocable}"))),
            ("200 healthz", await anonymous.GetAsync("/healthz")),
            ("200 readyz", await anonymous.GetAsync("/readyz")),
            ("200 metrics", await anonymous.GetAsync("/metrics")),
            ("200 openapi", await anonymous.GetAsync("/openapi/v1.json")),
            ("400 json", await admin.PostAsync(server.ProjectPath("/subjects"), new StringContent("{", Encoding.UTF8, "application/json"))),
            ("400 binding", await admin.GetAsync(server.ProjectPath("/recordings?limit=abc"))),
            ("400 websocket only", await admin.GetAsync(server.ProjectPath("/live"))),
            ("401", await anonymous.GetAsync(server.ProjectPath())),
            ("403", await viewer.PostAsJsonAsync(server.ProjectPath("/subjects"), new { pseudonym = "nope" })),
            ("403 consent", await admin.PostAsync(server.ProjectPath("/recordings?name=h.jpg"), new ByteArrayContent(server.Jpegs[0]))),
            ("403 viewer download", await viewer.GetAsync(server.ProjectPath($"/recordings/{id}/files/report.html"))),
            ("404 route", await admin.GetAsync("/no/such/route")),
            ("404 problem", await admin.GetAsync(server.ProjectPath($"/recordings/{Guid.NewGuid()}"))),
            ("405", await admin.PutAsync("/healthz", new StringContent(""))),
            ("413", await admin.PostAsync("/api/v1/projects", new StringContent("{\"name\":\"" + new string('x', 100_000) + "\"}", Encoding.UTF8, "application/json"))),
            ("415 upload", await admin.PostAsync(server.UploadPath(), new ByteArrayContent(Encoding.ASCII.GetBytes("<html><script>alert(1)</script></html>")))),
            ("415 json", await admin.PostAsync("/api/v1/projects", new StringContent("name=x", Encoding.UTF8, "text/plain"))),
            ("422", await admin.PostAsync(server.UploadPath(), new ByteArrayContent(Corpus.HostileCorpus.PngBomb(50_000, 50_000)))),
        };

        // Let the accepted upload's job end, so its file does not linger into other tests of the collection.
        var accepted = responses.Single(r => r.Kind == "202").Response;
        _ = await server.WaitAsync(admin, JsonDocument.Parse(await accepted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid(), TimeSpan.FromMinutes(2));

        // 429 from the rate limiter, on the small server.
        await limited.StartAsync();
        using (var fast = limited.Client(await limited.KeyAsync("viewer")))
        {
            HttpResponseMessage last;
            var n = 0;
            do
            {
                last = await fast.GetAsync(limited.ProjectPath());
            }
            while (last.StatusCode != HttpStatusCode.TooManyRequests && ++n < 200);
            responses.Add(("429", last));
        }

        foreach (var (kind, response) in responses)
        {
            Assert.True(kind.StartsWith(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), $"{kind}: got {(int)response.StatusCode}");
            var headers = response.Headers;
            Assert.True(headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Single() == "nosniff", $"{kind}: X-Content-Type-Options");
            Assert.True(headers.TryGetValues("X-Frame-Options", out var frame) && frame.Single() == "DENY", $"{kind}: X-Frame-Options");
            Assert.True(headers.TryGetValues("Referrer-Policy", out var referrer) && referrer.Single() == "no-referrer", $"{kind}: Referrer-Policy");
            Assert.True(headers.TryGetValues("Content-Security-Policy", out var csp) && csp.Single().Contains("frame-ancestors 'none'", StringComparison.Ordinal), $"{kind}: Content-Security-Policy");
            Assert.False(headers.Contains("Server"), $"{kind}: Server header {string.Join(",", headers.TryGetValues("Server", out var s) ? s : [])}");
            Assert.False(headers.Contains("X-Powered-By"), kind);
            if ((int)response.StatusCode >= 400 && response.Content.Headers.ContentLength is not 0)
            {
                Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{kind}: {response.Content.Headers.ContentType}");
            }
        }
    }

    [Fact]
    public async Task Cross_origin_requests_get_no_cors_permission()
    {
        using var anonymous = server.Client();
        using var admin = server.Client(server.AdminKey);
        foreach (var method in new[] { "DELETE", "POST", "GET" })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, server.ProjectPath("/recordings"));
            preflight.Headers.Add("Origin", "https://evil.example");
            preflight.Headers.Add("Access-Control-Request-Method", method);
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
            var response = await anonymous.SendAsync(preflight);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), $"preflight {method}: {response.StatusCode}");
            Assert.False(response.Headers.Contains("Access-Control-Allow-Headers"));
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
        }

        using var simple = new HttpRequestMessage(HttpMethod.Get, server.ProjectPath());
        simple.Headers.Add("Origin", "null");
        var answer = await admin.SendAsync(simple);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static Task<HttpResponseMessage> RangeAsync(HttpClient client, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 9);
        return client.SendAsync(request);
    }
}
