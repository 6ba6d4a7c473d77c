using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Mien.Testing;

namespace Mien.Server.Tests.Attacks;

/// <summary>SQL-injection strings in every text field and query parameter, on SQLite and on PostgreSQL: stored verbatim or refused with 400, tables intact.</summary>
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

    private static async Task CampaignAsync(Uri address, Guid project, string adminKey, byte[] jpeg)
    {
        using var admin = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(1) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        var p = $"/api/v1/projects/{project}";
        var before = await CountsAsync(admin, p);
        var stored = 0;
        var refused = 0;
        foreach (var text in Payloads)
        {
            // Project name, purpose, setting: free text, stored verbatim (or refused by a vocabulary check).
            var created = await admin.PostAsJsonAsync("/api/v1/projects", new { name = text, purpose = text, setting = text });
            if (created.StatusCode == HttpStatusCode.Created)
            {
                var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(text, json.GetProperty("project").GetProperty("name").GetString());
                stored++;
            }
            else
            {
                await Wire.ProblemAsync(created, HttpStatusCode.BadRequest);
                var nameOnly = await admin.PostAsJsonAsync("/api/v1/projects", new { name = text });
                Assert.Equal(HttpStatusCode.Created, nameOnly.StatusCode);
                Assert.Equal(text, JsonDocument.Parse(await nameOnly.Content.ReadAsStringAsync()).RootElement.GetProperty("project").GetProperty("name").GetString());
                stored++;
            }

            // Pseudonym (a strict id) and key role (a fixed vocabulary): refused.
            await Wire.ProblemAsync(await admin.PostAsJsonAsync(p + "/subjects", new { pseudonym = text }), HttpStatusCode.BadRequest);
            await Wire.ProblemAsync(await admin.PostAsJsonAsync(p + "/keys", new { role = text }), HttpStatusCode.BadRequest);
            refused += 2;

            // Recording name on an upload and on a stream: a label, stored verbatim (its last path segment).
            var upload = await admin.PostAsync(p + "/recordings?name=" + Uri.EscapeDataString(text), new ByteArrayContent(jpeg));
            Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
            var recording = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(text[(text.LastIndexOfAny(['/', '\\']) + 1)..].Trim(), recording.GetProperty("name").GetString());
            var id = recording.GetProperty("id").GetGuid();
            var stream = await admin.PostAsJsonAsync(p + "/streams", new { url = "rtsp://203.0.113.9/cam", name = text });
            Assert.Equal(HttpStatusCode.Accepted, stream.StatusCode);
            var streamId = JsonDocument.Parse(await stream.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync(p + $"/recordings/{streamId}")).StatusCode);
            stored += 2;

            // Options JSON: as a value and as a property name; filters and paging parameters; ids.
            await Wire.ProblemAsync(await admin.PostAsync(p + "/recordings?options=" + Uri.EscapeDataString(JsonSerializer.Serialize(new { detector = text })), new ByteArrayContent(jpeg)), HttpStatusCode.BadRequest);
            await Wire.ProblemAsync(await admin.PostAsync(p + "/recordings?options=" + Uri.EscapeDataString("{" + JsonSerializer.Serialize(text) + ":true}"), new ByteArrayContent(jpeg)), HttpStatusCode.BadRequest);
            await Wire.ProblemAsync(await admin.PostAsJsonAsync(p + "/streams", new { url = "rtsp://203.0.113.9/" + text, options = new { detector = text } }), HttpStatusCode.BadRequest);
            await Wire.ProblemAsync(await admin.GetAsync(p + "/recordings?status=" + Uri.EscapeDataString(text)), HttpStatusCode.BadRequest);
            await Wire.ProblemAsync(await admin.GetAsync(p + $"/recordings/{id}/events?kind=" + Uri.EscapeDataString(text)), HttpStatusCode.BadRequest);
            refused += 5;
            foreach (var parameter in new[] { $"/recordings?offset={Uri.EscapeDataString(text)}", $"/recordings?limit={Uri.EscapeDataString(text)}", $"/recordings/{id}/frames?from={Uri.EscapeDataString(text)}", $"/recordings/{id}/frames?after={Uri.EscapeDataString(text)}", $"/recordings?name=x&subject={Uri.EscapeDataString(text)}" })
            {
                var response = parameter.StartsWith("/recordings?name=x&subject=", StringComparison.Ordinal) ? await admin.PostAsync(p + parameter, new ByteArrayContent(jpeg)) : await admin.GetAsync(p + parameter);
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{parameter}: {response.StatusCode}");
                refused++;
            }

            var path = await admin.GetAsync($"/api/v1/projects/{Uri.EscapeDataString(text)}/recordings");
            Assert.True(path.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"project id '{text}': {path.StatusCode}");
            await admin.DeleteAsync(p + $"/recordings/{id}");
        }

        // Tables intact: the project, its keys, subjects and recordings are as before (the uploads were deleted again), the key still works.
        Assert.Equal(before, await CountsAsync(admin, p));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(p)).StatusCode);
        Assert.Equal(Payloads.Length * 3, stored);
        Assert.Equal(Payloads.Length * 12, refused);
    }

    private static async Task<(int Keys, int Subjects, long Recordings)> CountsAsync(HttpClient client, string p) =>
        (JsonDocument.Parse(await client.GetStringAsync(p + "/keys")).RootElement.GetArrayLength(),
         JsonDocument.Parse(await client.GetStringAsync(p + "/subjects")).RootElement.GetArrayLength(),
         JsonDocument.Parse(await client.GetStringAsync(p + "/recordings?limit=1")).RootElement.GetProperty("total").GetInt64());
}
