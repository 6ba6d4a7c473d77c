using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mien.Server.Tests;

/// <summary>Every endpoint the OpenAPI document lists, tried without a key, with a forged key, from another project and with too small a role.</summary>
[Collection(ServerCollection.Name)]
public sealed class AccessTests(ServerFixture server)
{
    [Fact]
    public async Task Health_readiness_openapi_and_metrics_answer_without_a_key()
    {
        using var client = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        var openApi = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        Assert.True(openApi.RootElement.GetProperty("paths").EnumerateObject().Count() >= 15);
        // Prometheus text format without a key. Mien's own instruments are not asserted here: this test process runs
        // many servers whose meters share one name, and the exporter may show another (disposed) server's instance.
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("# TYPE ", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_api_endpoint_refuses_no_key_a_forged_key_and_another_projects_key()
    {
        var endpoints = await EndpointsAsync();
        Assert.True(endpoints.Count >= 20, $"{endpoints.Count} endpoints");
        var (_, otherKey) = await server.OtherProjectAsync();
        var forged = "mien_0000000000000000_" + new string('A', 43);
        var tried = 0;
        foreach (var (method, path) in endpoints)
        {
            var url = Fill(path, server.Project);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(null, method, url)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(forged, method, url)).StatusCode);
            if (path.Contains("{projectId}", StringComparison.Ordinal))
            {
                // Another project's admin key on this project's URLs: 404, exactly as if the project did not exist.
                var response = await SendAsync(otherKey, method, url);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {response.StatusCode}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }

            tried++;
        }

        Assert.Equal(endpoints.Count, tried);
    }

    [Fact]
    public async Task Viewers_read_but_cannot_change_and_analysts_cannot_manage_keys_or_erase()
    {
        var viewer = await server.KeyAsync("viewer");
        var analyst = await server.KeyAsync("analyst");
        using var asViewer = server.Client(viewer);
        using var asAnalyst = server.Client(analyst);

        Assert.Equal(HttpStatusCode.OK, (await asViewer.GetAsync(server.ProjectPath("/recordings"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asViewer.PostAsJsonAsync(server.ProjectPath("/subjects"), new { pseudonym = "v1" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asViewer.PostAsync(server.ProjectPath("/recordings"), new ByteArrayContent([1, 2, 3]))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asAnalyst.PostAsJsonAsync(server.ProjectPath("/keys"), new { role = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asAnalyst.PostAsJsonAsync("/api/v1/projects", new { name = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await asAnalyst.PostAsJsonAsync(server.ProjectPath("/subjects"), new { pseudonym = "a-" + Guid.NewGuid().ToString("N")[..8] })).StatusCode);
    }

    [Fact]
    public async Task Audit_and_retention_endpoints_are_for_admins_only()
    {
        var endpoints = (await EndpointsAsync()).Where(e => e.Path.Contains("/audit", StringComparison.Ordinal) || e.Path.Contains("/retention", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, endpoints.Count);
        var viewer = await server.KeyAsync("viewer");
        var analyst = await server.KeyAsync("analyst");
        foreach (var (method, path) in endpoints)
        {
            var url = Fill(path, server.Project);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(viewer, method, url)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(analyst, method, url)).StatusCode);
            var admin = await SendAsync(server.AdminKey, method, url);
            Assert.True(admin.StatusCode == HttpStatusCode.OK, $"{method} {path} as admin: {admin.StatusCode} {await admin.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task A_revoked_key_stops_working_at_once()
    {
        using var admin = server.Client(server.AdminKey);
        var created = JsonDocument.Parse(await (await admin.PostAsJsonAsync(server.ProjectPath("/keys"), new { role = "viewer" })).Content.ReadAsStringAsync()).RootElement;
        var secret = created.GetProperty("secret").GetString()!;
        var id = created.GetProperty("key").GetProperty("id").GetGuid();
        using var client = server.Client(secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(server.ProjectPath())).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(server.ProjectPath($"/keys/{id}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(server.ProjectPath())).StatusCode);
    }

    [Theory]
    [InlineData("'; DROP TABLE recordings; --")]
    [InlineData("Robert\"); DELETE FROM subjects; --")]
    public async Task Injection_strings_are_data_never_sql(string text)
    {
        using var admin = server.Client(server.AdminKey);
        var project = await admin.PostAsJsonAsync("/api/v1/projects", new { name = text, purpose = "research", setting = "lab" });
        Assert.Equal(HttpStatusCode.Created, project.StatusCode);
        var name = JsonDocument.Parse(await project.Content.ReadAsStringAsync()).RootElement.GetProperty("project").GetProperty("name").GetString();
        Assert.Equal(text, name);
        var subject = await admin.PostAsJsonAsync(server.ProjectPath("/subjects"), new { pseudonym = text });
        Assert.Equal(HttpStatusCode.BadRequest, subject.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(server.ProjectPath("/recordings"))).StatusCode);
    }

    [Fact]
    public async Task Oversized_and_malformed_json_get_problem_details()
    {
        using var admin = server.Client(server.AdminKey);
        var big = new StringContent("{\"name\":\"" + new string('x', 200_000) + "\"}", Encoding.UTF8, "application/json");
        var response = await admin.PostAsync("/api/v1/projects", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var broken = await admin.PostAsync(server.ProjectPath("/subjects"), new StringContent("{\"pseudonym\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync(server.ProjectPath("/recordings?status=nonsense"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync(server.ProjectPath("/recordings?limit=100000"))).StatusCode);
    }

    /// <summary>
    /// The authorisation matrix: the least role every endpoint needs. An endpoint the OpenAPI document lists but this
    /// table does not fails the test, so a new endpoint cannot ship without a decision on who may call it.
    /// </summary>
    private static readonly Dictionary<string, string> LeastRole = new(StringComparer.Ordinal)
    {
        ["POST /api/v1/projects"] = "admin",
        ["GET /api/v1/projects/{projectId}"] = "viewer",
        ["PUT /api/v1/projects/{projectId}/policy"] = "admin",
        ["GET /api/v1/projects/{projectId}/keys"] = "admin",
        ["POST /api/v1/projects/{projectId}/keys"] = "admin",
        ["DELETE /api/v1/projects/{projectId}/keys/{keyId}"] = "admin",
        ["GET /api/v1/projects/{projectId}/subjects"] = "viewer",
        ["POST /api/v1/projects/{projectId}/subjects"] = "analyst",
        ["GET /api/v1/projects/{projectId}/subjects/{subjectId}"] = "viewer",
        ["DELETE /api/v1/projects/{projectId}/subjects/{subjectId}"] = "admin",
        ["GET /api/v1/projects/{projectId}/subjects/{subjectId}/skin"] = "analyst",
        ["GET /api/v1/projects/{projectId}/subjects/{subjectId}/consents"] = "analyst",
        ["POST /api/v1/projects/{projectId}/subjects/{subjectId}/consents"] = "admin",
        ["DELETE /api/v1/projects/{projectId}/subjects/{subjectId}/consents/{scope}"] = "admin",
        ["POST /api/v1/projects/{projectId}/recordings"] = "analyst",
        ["POST /api/v1/projects/{projectId}/streams"] = "analyst",
        ["GET /api/v1/projects/{projectId}/recordings"] = "viewer",
        ["GET /api/v1/projects/{projectId}/recordings/{recordingId}"] = "viewer",
        ["POST /api/v1/projects/{projectId}/recordings/{recordingId}/cancel"] = "analyst",
        ["DELETE /api/v1/projects/{projectId}/recordings/{recordingId}"] = "admin",
        ["GET /api/v1/projects/{projectId}/recordings/{recordingId}/files/{name}"] = "viewer",
        ["GET /api/v1/projects/{projectId}/recordings/{recordingId}/frames"] = "viewer",
        ["GET /api/v1/projects/{projectId}/recordings/{recordingId}/events"] = "viewer",
        ["GET /api/v1/projects/{projectId}/recordings/{recordingId}/people"] = "viewer",
        ["GET /api/v1/projects/{projectId}/recordings/{recordingId}/persons"] = "viewer",
        ["POST /api/v1/projects/{projectId}/recordings/{recordingId}/persons/{person}/split"] = "analyst",
        ["GET /api/v1/projects/{projectId}/recordings/{recordingId}/summary"] = "viewer",
        ["POST /api/v1/projects/{projectId}/uploads"] = "analyst",
        ["GET /api/v1/projects/{projectId}/uploads/{uploadId}"] = "analyst",
        ["PUT /api/v1/projects/{projectId}/uploads/{uploadId}"] = "analyst",
        ["POST /api/v1/projects/{projectId}/uploads/{uploadId}/complete"] = "analyst",
        ["DELETE /api/v1/projects/{projectId}/uploads/{uploadId}"] = "analyst",
        ["GET /api/v1/projects/{projectId}/recordings/{recordingId}/timeline"] = "viewer",
        ["GET /api/v1/projects/{projectId}/recordings/{recordingId}/playback"] = "analyst",
        ["GET /api/v1/projects/{projectId}/recordings/{recordingId}/playback/{file}"] = "analyst",
        ["GET /api/v1/projects/{projectId}/live"] = "analyst",
        ["POST /api/v1/projects/{projectId}/live/tickets"] = "analyst",
        ["GET /api/v1/projects/{projectId}/live/{session}/watch"] = "analyst",
        ["GET /api/v1/projects/{projectId}/cluster"] = "admin",
        ["GET /api/v1/projects/{projectId}/audit"] = "admin",
        ["GET /api/v1/projects/{projectId}/audit/verify"] = "admin",
        ["GET /api/v1/projects/{projectId}/retention"] = "admin",
        ["PUT /api/v1/projects/{projectId}/retention"] = "admin",
        ["POST /api/v1/projects/{projectId}/retention/run"] = "admin",
        ["GET /api/v1/projects/{projectId}/encryption"] = "admin",
        ["POST /api/v1/projects/{projectId}/encryption/rotate"] = "admin",
        // Studies (StudiesApi): aggregates are k-anonymous numbers and stimuli are not people, so viewers read them;
        // viewings name subjects and their declared attributes, so listing and changing them needs an analyst.
        ["POST /api/v1/projects/{projectId}/studies"] = "analyst",
        ["GET /api/v1/projects/{projectId}/studies"] = "viewer",
        ["GET /api/v1/projects/{projectId}/studies/{studyId}"] = "viewer",
        ["DELETE /api/v1/projects/{projectId}/studies/{studyId}"] = "admin",
        ["POST /api/v1/projects/{projectId}/studies/{studyId}/stimuli"] = "analyst",
        ["GET /api/v1/projects/{projectId}/studies/{studyId}/stimuli/{stimulusId}/media"] = "viewer",
        ["GET /api/v1/projects/{projectId}/studies/{studyId}/stimuli/{stimulusId}/thumbnails/{second}"] = "viewer",
        ["POST /api/v1/projects/{projectId}/studies/{studyId}/viewers"] = "analyst",
        ["GET /api/v1/projects/{projectId}/studies/{studyId}/viewers"] = "analyst",
        ["PUT /api/v1/projects/{projectId}/studies/{studyId}/viewers/{viewerId}/recording"] = "analyst",
        ["POST /api/v1/projects/{projectId}/studies/{studyId}/viewers/{viewerId}/playback"] = "analyst",
        ["GET /api/v1/projects/{projectId}/studies/{studyId}/results"] = "viewer",
        ["GET /api/v1/projects/{projectId}/studies/{studyId}/ab"] = "viewer",
        ["GET /api/v1/projects/{projectId}/studies/{studyId}/breakdown"] = "viewer",
        ["GET /api/v1/projects/{projectId}/studies/{studyId}/results.csv"] = "viewer",
        ["POST /api/v1/session"] = "viewer",
        ["GET /api/v1/session"] = "viewer",
        ["DELETE /api/v1/session"] = "viewer",
        ["POST /api/v1/projects/{projectId}/subjects/{subjectId}/consent-links"] = "admin",
        // The subject-facing consent page: its credential is the consent link alone; no API key of any role opens it.
        ["GET /api/v1/consent"] = Link,
        ["POST /api/v1/consent"] = Link,
        ["DELETE /api/v1/consent/{scope}"] = Link,
        ["GET /api/v1/projects/{projectId}/recordings/{recordingId}/indicators"] = "viewer",
        ["GET /api/v1/projects/{projectId}/subjects/{subjectId}/trends"] = "viewer",
        ["GET /api/v1/projects/{projectId}/subjects/{subjectId}/notes"] = "analyst",
        ["POST /api/v1/projects/{projectId}/subjects/{subjectId}/notes"] = "analyst",
        ["PUT /api/v1/projects/{projectId}/subjects/{subjectId}/notes/{noteId}"] = "analyst",
        ["DELETE /api/v1/projects/{projectId}/subjects/{subjectId}/notes/{noteId}"] = "analyst",
        ["GET /api/v1/projects/{projectId}/monitoring/settings"] = "viewer",
        ["PUT /api/v1/projects/{projectId}/monitoring/settings"] = "admin",
        // Identity (IdentityApi): enrolment and matching handle biometric data of consenting subjects (analysts);
        // erasing a template is an erasure (admins).
        ["POST /api/v1/projects/{projectId}/subjects/{subjectId}/identity/enrol"] = "analyst",
        ["GET /api/v1/projects/{projectId}/subjects/{subjectId}/identity"] = "analyst",
        ["DELETE /api/v1/projects/{projectId}/subjects/{subjectId}/identity"] = "admin",
        ["POST /api/v1/projects/{projectId}/subjects/{subjectId}/identity/verify"] = "analyst",
        ["POST /api/v1/projects/{projectId}/identity/identify"] = "analyst",
    };

    /// <summary>Least "role" of the consent-link endpoints: only a consent link, never an API key.</summary>
    private const string Link = "consent-link";

    private static readonly string[] RoleOrder = ["viewer", "analyst", "admin"];

    [Fact]
    public Task Every_endpoint_answers_each_role_as_the_authorisation_matrix_says() => CheckMatrixAsync(server.Address, server.Project, server.AdminKey);

    /// <summary>Runs the role matrix against any running server (the PostgreSQL tests run it too).</summary>
    internal static async Task CheckMatrixAsync(Uri address, Guid project, string adminKey)
    {
        HttpClient Client(string? key)
        {
            var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
            if (key is not null)
            {
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            }

            return client;
        }

        var keys = new Dictionary<string, string>();
        using (var admin = Client(adminKey))
        {
            foreach (var role in RoleOrder)
            {
                var created = await admin.PostAsJsonAsync($"/api/v1/projects/{project}/keys", new { role });
                created.EnsureSuccessStatusCode();
                keys[role] = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
            }
        }

        List<(string Method, string Path)> endpoints;
        using (var anonymous = Client(null))
        using (var doc = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")))
        {
            endpoints = [.. doc.RootElement.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject()
                .Where(m => m.Name is "get" or "post" or "put" or "delete" or "patch").Select(m => (m.Name.ToUpperInvariant(), p.Name)))];
        }

        var unlisted = endpoints.Select(e => $"{e.Method} {e.Path}").Where(e => !LeastRole.ContainsKey(e)).ToList();
        Assert.True(unlisted.Count == 0, "endpoints missing from the authorisation matrix: " + string.Join(", ", unlisted));

        var checkedCells = 0;
        foreach (var (method, path) in endpoints)
        {
            var linkOnly = LeastRole[$"{method} {path}"] == Link;
            var least = linkOnly ? RoleOrder.Length : Array.IndexOf(RoleOrder, LeastRole[$"{method} {path}"]);
            for (var role = 0; role < RoleOrder.Length; role++)
            {
                // Random ids: an allowed role gets past authorisation and meets 404/400 (or 200); a refused one gets 403.
                using var client = Client(keys[RoleOrder[role]]);
                using var request = new HttpRequestMessage(new HttpMethod(method), Fill(path, project));
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                var response = await client.SendAsync(request);
                if (linkOnly)
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{RoleOrder[role]} on {method} {path}: {response.StatusCode}, expected 401 (a consent link only)");
                }
                else if (role < least)
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{RoleOrder[role]} on {method} {path}: {response.StatusCode}, expected 403");
                }
                else
                {
                    // Allowed past authorisation; an upload without a consenting subject is then refused by the
                    // consent rule (403 "Consent required"), which is not an authorisation answer.
                    var refusedByConsent = response.StatusCode == HttpStatusCode.Forbidden
                        && (await response.Content.ReadAsStringAsync()).Contains("\"title\":\"Consent required\"", StringComparison.Ordinal);
                    Assert.True(response.StatusCode != HttpStatusCode.Unauthorized && (response.StatusCode != HttpStatusCode.Forbidden || refusedByConsent),
                        $"{RoleOrder[role]} on {method} {path}: {response.StatusCode}, expected to be allowed");
                }

                checkedCells++;
            }
        }

        Assert.Equal(endpoints.Count * RoleOrder.Length, checkedCells);
    }

    private async Task<List<(string Method, string Path)>> EndpointsAsync()
    {
        using var client = server.Client();
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var result = new List<(string, string)>();
        foreach (var path in doc.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                if (method.Name is "get" or "post" or "put" or "delete" or "patch")
                {
                    result.Add((method.Name.ToUpperInvariant(), path.Name));
                }
            }
        }

        return result;
    }

    private static string Fill(string path, Guid project) =>
        System.Text.RegularExpressions.Regex.Replace(path.Replace("{projectId}", project.ToString(), StringComparison.Ordinal), "\\{[A-Za-z]+\\}", m =>
            m.Value == "{name}" ? "faces.jsonl" : Guid.NewGuid().ToString());

    private async Task<HttpResponseMessage> SendAsync(string? key, string method, string url)
    {
        using var client = server.Client(key);
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        return await client.SendAsync(request);
    }
}
