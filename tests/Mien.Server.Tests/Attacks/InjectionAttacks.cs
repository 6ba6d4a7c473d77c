using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Mien.Testing;

namespace Mien.Server.Tests.Attacks;

/// <summary>
/// SQL-injection strings in every text field and query parameter (projects, policies, subjects, keys, consents and
/// their withdrawal, recordings, streams, options, filters, live start messages), on SQLite and on PostgreSQL: stored
/// verbatim or refused with 400, tables intact.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class InjectionAttacks(ServerFixture server)
{
    /// <summary>Classic, dialect-specific (PostgreSQL dollar quoting, SQLite ATTACH) and encoding tricks.</summary>
    internal static readonly string[] Payloads =
    [
        "'; DROP TABLE recordings; --",
        "\" OR \"\"=\"",
        "' OR '1'='1' --",
        "1; DELETE FROM api_keys",
        "' UNION SELECT hash FROM api_keys --",
        "$$; DROP TABLE projects; $$",
        "'); ATTACH DATABASE '/tmp/pwn.db' AS pwn; --",
        "\\'; DROP TABLE subjects; --",
        "%' OR 1=1 --",
        "\u02BC OR 1=1 --",
        "x'||(SELECT pg_sleep(5))||'",
        "'||(SELECT sqlite_version())||'",
    ];

    [Fact]
    public Task Injection_strings_in_every_field_are_data_on_sqlite() =>
        CampaignAsync(server.Address, server.Project, server.AdminKey, server.Jpegs[0]);

    [PostgresFact]
    public async Task Injection_strings_in_every_field_are_data_on_postgresql()
    {
        var database = "mien_attack_" + Guid.NewGuid().ToString("N")[..12];
        var connection = await PostgresCluster.Instance.CreateDatabaseAsync(database);
        var data = Path.Combine(Path.GetTempPath(), "mien-pg-attack-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var pg = await ServerFixture.StartAsync(data, o => o with { ConnectionString = connection });
            Assert.Null(await pg.WaitUntilReadyAsync(TimeSpan.FromMinutes(5)));
            await CampaignAsync(pg.Addresses[0], pg.FirstProject!.Value, pg.FirstAdminKey!, server.Jpegs[0]);
        }
        finally
        {
            await PostgresCluster.Instance.DropDatabaseAsync(database);
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("done,cancelled")]
    [InlineData("Done, Failed")]
    [InlineData("queued,running")]
    [InlineData(" 2")]
    [InlineData("+4")]
    [InlineData("7")]
    public async Task A_status_filter_takes_one_status_name_not_numbers_or_flag_combinations(string status)
    {
        using var admin = server.Client(server.AdminKey);
        var detail = await Wire.ProblemAsync(await admin.GetAsync(server.ProjectPath("/recordings?status=" + Uri.EscapeDataString(status))), HttpStatusCode.BadRequest);
        Assert.Contains("must be queued, running, done, failed or cancelled", detail, StringComparison.Ordinal);
    }

    private static async Task CampaignAsync(Uri address, Guid project, string firstAdminKey, byte[] jpeg)
    {
        var p = $"/api/v1/projects/{project}";
        string adminKey;
        using (var first = Client(address, firstAdminKey))
        {
            // A key of its own, so the campaign's few hundred requests do not eat the shared admin key's rate budget.
            var key = await first.PostAsJsonAsync(p + "/keys", new { role = "admin" });
            Assert.Equal(HttpStatusCode.Created, key.StatusCode);
            adminKey = JsonDocument.Parse(await key.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        }

        using var admin = Client(address, adminKey);

        // A subject who consented, so uploads and streams reach their name and options checks; and one whose consent
        // records carry the payloads (recorded, then withdrawn, every round).
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, project, "analysis", "measurements");
        var recorded = await ServerFixture.ConsentingSubjectAsync(admin, project);
        var before = await CountsAsync(admin, p);
        var stored = 0;
        var refused = 0;
        foreach (var text in Payloads)
        {
            // Project name: free text, stored verbatim; purpose and setting: vocabularies, refused.
            await Wire.ProblemAsync(await admin.PostAsJsonAsync("/api/v1/projects", new { name = text, purpose = text, setting = "lab" }), HttpStatusCode.BadRequest);
            await Wire.ProblemAsync(await admin.PostAsJsonAsync("/api/v1/projects", new { name = text, purpose = "research", setting = text }), HttpStatusCode.BadRequest);
            var created = await admin.PostAsJsonAsync("/api/v1/projects", new { name = text, purpose = "research", setting = "lab" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var createdJson = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(text, createdJson.GetProperty("project").GetProperty("name").GetString());
            refused += 2;
            stored++;

            // The new project's policy: purpose, setting and basis refused; the justification (free text) stored verbatim.
            using (var other = Client(address, createdJson.GetProperty("adminKey").GetString()!))
            {
                var policy = $"/api/v1/projects/{createdJson.GetProperty("project").GetProperty("id").GetGuid()}/policy";
                var justification = text + " (rehabilitation of facial palsy)";
                await Wire.ProblemAsync(await other.PutAsJsonAsync(policy, new { purpose = text, setting = "lab" }), HttpStatusCode.BadRequest);
                await Wire.ProblemAsync(await other.PutAsJsonAsync(policy, new { purpose = "research", setting = text }), HttpStatusCode.BadRequest);
                await Wire.ProblemAsync(await other.PutAsJsonAsync(policy, new { purpose = "research", setting = "workplace", basis = text, justification }), HttpStatusCode.BadRequest);
                var changed = await other.PutAsJsonAsync(policy, new { purpose = "clinical-monitoring", setting = "workplace", basis = "medical", justification });
                Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
                Assert.Equal(justification, JsonDocument.Parse(await changed.Content.ReadAsStringAsync()).RootElement.GetProperty("justification").GetString());
                refused += 3;
                stored++;
            }

            // Pseudonym (a strict id) and key role (a fixed vocabulary): refused.
            await Wire.ProblemAsync(await admin.PostAsJsonAsync(p + "/subjects", new { pseudonym = text }), HttpStatusCode.BadRequest);
            await Wire.ProblemAsync(await admin.PostAsJsonAsync(p + "/keys", new { role = text }), HttpStatusCode.BadRequest);
            refused += 2;

            // Consent: text version and collector stored verbatim, scope names refused (in the body and in the URL),
            // the withdrawal's ?by= stored verbatim.
            var consents = p + $"/subjects/{recorded}/consents";
            var given = await admin.PostAsJsonAsync(consents, new { scopes = new[] { "measurements" }, textVersion = text, collectedBy = text });
            Assert.Equal(HttpStatusCode.Created, given.StatusCode);
            var consent = JsonDocument.Parse(await given.Content.ReadAsStringAsync()).RootElement[0];
            Assert.Equal(text, consent.GetProperty("textVersion").GetString());
            Assert.Equal(text, consent.GetProperty("collectedBy").GetString());
            await Wire.ProblemAsync(await admin.PostAsJsonAsync(consents, new { scopes = new[] { text }, textVersion = "v1", collectedBy = "x" }), HttpStatusCode.BadRequest);
            var scopeInUrl = await admin.DeleteAsync(consents + "/" + Uri.EscapeDataString(text));
            Assert.True(scopeInUrl.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"scope '{text}' in the URL: {scopeInUrl.StatusCode}");
            var withdrawal = await admin.DeleteAsync(consents + "/measurements?by=" + Uri.EscapeDataString(text));
            Assert.Equal(HttpStatusCode.OK, withdrawal.StatusCode);
            Assert.Equal(text, JsonDocument.Parse(await withdrawal.Content.ReadAsStringAsync()).RootElement.GetProperty("withdrawn")[0].GetProperty("withdrawnBy").GetString());
            stored += 3;
            refused += 2;

            // Recording name on an upload and on a stream: a label, stored verbatim (its last path segment).
            var upload = await admin.PostAsync(p + $"/recordings?subject={subject}&name=" + Uri.EscapeDataString(text), new ByteArrayContent(jpeg));
            Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
            var recording = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(text[(text.LastIndexOfAny(['/', '\\']) + 1)..].Trim(), recording.GetProperty("name").GetString());
            var id = recording.GetProperty("id").GetGuid();
            var stream = await admin.PostAsJsonAsync(p + "/streams", new { url = "rtsp://203.0.113.9/cam", name = text, subject });
            Assert.Equal(HttpStatusCode.Accepted, stream.StatusCode);
            var streamId = JsonDocument.Parse(await stream.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync(p + $"/recordings/{streamId}")).StatusCode);
            stored += 2;

            // Options JSON: as a value and as a property name; filters and paging parameters; ids.
            await Wire.ProblemAsync(await admin.PostAsync(p + $"/recordings?subject={subject}&options=" + Uri.EscapeDataString(JsonSerializer.Serialize(new { detector = text })), new ByteArrayContent(jpeg)), HttpStatusCode.BadRequest);
            await Wire.ProblemAsync(await admin.PostAsync(p + $"/recordings?subject={subject}&options=" + Uri.EscapeDataString("{" + JsonSerializer.Serialize(text) + ":true}"), new ByteArrayContent(jpeg)), HttpStatusCode.BadRequest);
            await Wire.ProblemAsync(await admin.PostAsJsonAsync(p + "/streams", new { url = "rtsp://203.0.113.9/" + text, options = new { detector = text }, subject }), HttpStatusCode.BadRequest);
            await Wire.ProblemAsync(await admin.GetAsync(p + "/recordings?status=" + Uri.EscapeDataString(text)), HttpStatusCode.BadRequest);
            await Wire.ProblemAsync(await admin.GetAsync(p + $"/recordings/{id}/events?kind=" + Uri.EscapeDataString(text)), HttpStatusCode.BadRequest);
            refused += 5;
            foreach (var parameter in new[] { $"/recordings?offset={Uri.EscapeDataString(text)}", $"/recordings?limit={Uri.EscapeDataString(text)}", $"/recordings/{id}/frames?from={Uri.EscapeDataString(text)}", $"/recordings/{id}/frames?after={Uri.EscapeDataString(text)}", $"/recordings?name=x&subject={Uri.EscapeDataString(text)}" })
            {
                var response = parameter.StartsWith("/recordings?name=x&subject=", StringComparison.Ordinal) ? await admin.PostAsync(p + parameter, new ByteArrayContent(jpeg)) : await admin.GetAsync(p + parameter);
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{parameter}: {response.StatusCode}");
                refused++;
            }

            // The subject of a live start message: an id, refused before anything else happens.
            using (var socket = await Wire.ConnectAsync(Wire.WebSocketUri(address, p + "/live"), adminKey))
            {
                await Wire.SendTextAsync(socket, JsonSerializer.Serialize(new { type = "start", store = true, subject = text }));
                var error = await Wire.ReceiveJsonAsync(socket);
                Assert.Equal("error", error.GetProperty("type").GetString());
                Assert.Contains("\"subject\" must be a subject id", error.GetProperty("message").GetString(), StringComparison.Ordinal);
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                refused++;
            }

            var path = await admin.GetAsync($"/api/v1/projects/{Uri.EscapeDataString(text)}/recordings");
            Assert.True(path.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"project id '{text}': {path.StatusCode}");
            await admin.DeleteAsync(p + $"/recordings/{id}");
        }

        // Tables intact: the project, its keys, subjects and recordings are as before (the uploads were deleted again),
        // the consenting subject still consents, the other's history holds every payload, the key still works.
        Assert.Equal(before, await CountsAsync(admin, p));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(p)).StatusCode);
        var current = JsonDocument.Parse(await admin.GetStringAsync(p + $"/subjects/{subject}/consents")).RootElement.GetProperty("current");
        Assert.Equal(["analysis", "measurements"], current.EnumerateArray().Select(e => e.GetString()));
        var history = JsonDocument.Parse(await admin.GetStringAsync(p + $"/subjects/{recorded}/consents")).RootElement.GetProperty("history");
        Assert.Equal(Payloads.Order(StringComparer.Ordinal), history.EnumerateArray().Select(c => c.GetProperty("withdrawnBy").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(Payloads.Length * 7, stored);
        Assert.Equal(Payloads.Length * 20, refused);
    }

    private static HttpClient Client(Uri address, string key)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(1) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<(int Keys, int Subjects, long Recordings)> CountsAsync(HttpClient client, string p) =>
        (JsonDocument.Parse(await client.GetStringAsync(p + "/keys")).RootElement.GetArrayLength(),
         JsonDocument.Parse(await client.GetStringAsync(p + "/subjects")).RootElement.GetArrayLength(),
         JsonDocument.Parse(await client.GetStringAsync(p + "/recordings?limit=1")).RootElement.GetProperty("total").GetInt64());
}
