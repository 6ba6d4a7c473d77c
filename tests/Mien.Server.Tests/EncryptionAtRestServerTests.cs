using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mien.Privacy.Encryption;
using Mien.Storage;
using Mien.Testing;
using Npgsql;

namespace Mien.Server.Tests;

/// <summary>
/// Encryption at rest through the real service: after real uploads, analysis with landmarks, a kept upload and a skin
/// session, nothing of them is readable in the raw database files or anywhere in the data folder, while a name stored
/// in plaintext on purpose is found by the same scan (so the scan can fail).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class EncryptionAtRestServerTests(ServerFixture fixture)
{
    [Fact]
    public async Task Nothing_personal_is_readable_in_the_sqlite_files_or_the_data_folder()
    {
        var connection = MienStore.SqliteConnectionString(fixture.DataDirectory);
        await ScanScenarioAsync(fixture.Server, fixture.DataDirectory, connection, postgres: false);
    }

    [PostgresFact]
    public async Task Nothing_personal_is_readable_in_the_postgresql_cluster_or_the_data_folder()
    {
        var database = "mien_crypt_" + Guid.NewGuid().ToString("N")[..12];
        var connection = await PostgresCluster.Instance.CreateDatabaseAsync(database);
        var data = Path.Combine(Path.GetTempPath(), "mien-crypt-pg-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var server = await ServerFixture.StartAsync(data, o => o with { ConnectionString = connection }))
            {
                Assert.Null(await server.WaitUntilReadyAsync(TimeSpan.FromMinutes(5)));
                await ScanScenarioAsync(server, data, connection, postgres: true);
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await PostgresCluster.Instance.DropDatabaseAsync(database);
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Rotating_a_project_data_key_reencrypts_rows_and_files_and_keeps_them_readable()
    {
        using var admin = fixture.Client(fixture.AdminKey);
        var (project, key) = await NewProjectAsync(admin, keepMedia: true);
        using var client = Client(fixture.Server, key);
        var recording = await UploadAsync(client, project, fixture.Clip, "rotate.mp4", "{\"video\":false,\"body\":false}");
        var before = await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{recording}/frames?limit=100");
        var csvBefore = await client.GetByteArrayAsync($"/api/v1/projects/{project}/recordings/{recording}/files/faces.csv");

        var rotate = await client.PostAsync($"/api/v1/projects/{project}/encryption/rotate", null);
        Assert.Equal(HttpStatusCode.Accepted, rotate.StatusCode);
        Assert.Equal(2, JsonDocument.Parse(await rotate.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetInt32());
        var status = await WaitForRotationAsync(client, project);
        Assert.Equal(["retired", "active"], status.GetProperty("dataKeys").EnumerateArray().Select(k => k.GetProperty("state").GetString()));
        Assert.Equal(ServerFixture.MasterKey.Id, status.GetProperty("masterKeyId").GetString());

        // Every row and file now names version 2, and reads back exactly as before.
        Assert.Equal(before, await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{recording}/frames?limit=100"));
        Assert.Equal(csvBefore, await client.GetByteArrayAsync($"/api/v1/projects/{project}/recordings/{recording}/files/faces.csv"));
        var files = Directory.GetFiles(Path.Combine(fixture.DataDirectory, "recordings", recording.ToString("N")), "*", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(fixture.DataDirectory, "uploads", project.ToString("N")))).ToList();
        Assert.True(files.Count >= 4, string.Join(", ", files));
        Assert.All(files, f => Assert.Equal(2, SealedFile.KeyVersion(f)));

        // Only admins rotate.
        var viewer = await KeyAsync(client, project, "viewer");
        using var viewerClient = Client(fixture.Server, viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerClient.PostAsync($"/api/v1/projects/{project}/encryption/rotate", null)).StatusCode);
    }

    [Fact]
    public async Task A_download_is_decrypted_on_the_fly_with_http_ranges()
    {
        // A project that keeps media, and a subject who consented to it: only then is a video written.
        using var admin = fixture.Client(fixture.AdminKey);
        var (project, key) = await NewProjectAsync(admin, keepMedia: true);
        using var client = fixture.Client(key);
        var id = await UploadAsync(client, project, fixture.Clip, "range.mp4", "{\"body\":false,\"skin\":false}");
        var whole = await client.GetByteArrayAsync($"/api/v1/projects/{project}/recordings/{id}/files/anonymized.mp4");
        Assert.True(whole.Length > 2 * SealedFile.ChunkSize, $"{whole.Length} bytes: the range below should cross chunks");

        // A range across a chunk boundary, and the last bytes (what video players ask for first).
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/projects/{project}/recordings/{id}/files/anonymized.mp4");
        request.Headers.Range = new RangeHeaderValue(SealedFile.ChunkSize - 100, SealedFile.ChunkSize + 99);
        var partial = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(whole.AsSpan(SealedFile.ChunkSize - 100, 200).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        using var tail = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/projects/{project}/recordings/{id}/files/anonymized.mp4");
        tail.Headers.Range = new RangeHeaderValue(null, 1000);
        Assert.Equal(whole.AsSpan(whole.Length - 1000).ToArray(), await (await client.SendAsync(tail)).Content.ReadAsByteArrayAsync());

        // On disk it is sealed: no MP4 header, and a flipped byte is an error, not a corrupt video.
        var path = Path.Combine(fixture.DataDirectory, "recordings", id.ToString("N"), "anonymized.mp4");
        var raw = await File.ReadAllBytesAsync(path);
        Assert.Equal(-1, raw.AsSpan().IndexOf("ftyp"u8));
        raw[raw.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(path, raw);
        var broken = await client.GetAsync($"/api/v1/projects/{project}/recordings/{id}/files/anonymized.mp4", HttpCompletionOption.ResponseHeadersRead);
        Assert.False(broken.IsSuccessStatusCode && (await ReadAllOrFailAsync(broken)).SequenceEqual(whole), "a tampered file must not be served as the original");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_server_refuses_to_start_with_a_wrong_or_missing_key_and_generates_one_only_on_first_start()
    {
        var root = Path.Combine(Path.GetTempPath(), "mien-keys-" + Guid.NewGuid().ToString("N"));
        var data = Path.Combine(root, "data");
        var config = Path.Combine(root, "config");
        var previous = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", config);
        try
        {
            // First start without any key: one is generated outside the data folder, 0600, and logged with a warning.
            var generated = Path.Combine(config, "mien", "master.key");
            string keyId;
            await using (var first = await ServerFixture.StartAsync(data, o => o with { MasterKey = null }))
            {
                Assert.True(File.Exists(generated));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(generated));
                keyId = MasterKey.ReadFile(generated, "test").Id;
            }

            // The next start finds it again.
            await (await ServerFixture.StartAsync(data, o => o with { MasterKey = null })).DisposeAsync();

            // A wrong key is refused, naming the key the database expects.
            using var wrong = MasterKey.Generate("MIEN_MASTER_KEY");
            var refused = await Assert.ThrowsAsync<MienStoreException>(() => ServerFixture.StartAsync(data, o => o with { MasterKey = wrong }));
            Assert.Contains($"encrypted under master key {keyId}", refused.Message, StringComparison.Ordinal);
            Assert.Contains("MIEN_MASTER_KEY_FILE", refused.Message, StringComparison.Ordinal);

            // The key file gone: refused (never silently replaced by a new key).
            File.Move(generated, generated + ".moved");
            var missing = await Assert.ThrowsAsync<MasterKeyException>(() => ServerFixture.StartAsync(data, o => o with { MasterKey = null }));
            Assert.Contains($"encrypted under master key {keyId}, but no master key is configured", missing.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(generated));

            // A key file others may read is refused with the fix.
            File.SetUnixFileMode(generated + ".moved", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var open = await Assert.ThrowsAsync<MasterKeyException>(() => ServerFixture.StartAsync(data, o => o with { MasterKey = null, MasterKeyFile = generated + ".moved" }));
            Assert.Contains($"chmod 600 {generated}.moved", open.Message, StringComparison.Ordinal);
            File.SetUnixFileMode(generated + ".moved", UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await (await ServerFixture.StartAsync(data, o => o with { MasterKey = null, MasterKeyFile = generated + ".moved" })).DisposeAsync();
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", previous);
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// Seeds through the API and the store: an upload kept on disk (its own project keeps media), a finished job with
    /// landmarks, a skin session with marker values; then scans every byte of the database files and the data folder.
    /// </summary>
    private async Task ScanScenarioAsync(MienServer server, string data, string connection, bool postgres)
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        using var bootstrap = Client(server, server.FirstAdminKey ?? fixture.AdminKey);
        var (project, key) = await NewProjectAsync(bootstrap, keepMedia: true);
        using var client = Client(server, key);

        // The positive control: recording names are stored in plaintext on purpose (short: inline in PostgreSQL's heap).
        var control = $"ctl{tag}.mp4";
        var recording = await UploadAsync(client, project, fixture.Clip, control, "{\"landmarks\":true,\"body\":false}");
        var frames = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{recording}/frames?limit=10")).RootElement.GetProperty("frames");
        var face = frames.EnumerateArray().SelectMany(f => f.GetProperty("faces").EnumerateArray()).First();
        var landmarks = face.GetProperty("landmarks").GetRawText();

        // A skin session with distinctive values, through a second store on the same database (the API has no write for it).
        var subject = JsonDocument.Parse(await (await client.PostAsJsonAsync($"/api/v1/projects/{project}/subjects", new { pseudonym = "P-" + tag })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        await using (var store = await MienStore.OpenAsync(connection, new MienStoreOptions { MasterKey = ServerFixture.MasterKey }))
        {
            await store.AppendSkinSessionAsync(project, subject, recording, DateTimeOffset.UtcNow, $"{{\"who\":\"skin{tag}\",\"ita\":27182.818284}}");
        }

        var csv = await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{recording}/files/faces.csv");
        var report = await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{recording}/files/report.html");
        var jsonl = (await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{recording}/files/faces.jsonl")).Split('\n')[0];
        var clip = await File.ReadAllBytesAsync(fixture.Clip);
        var secrets = new Dictionary<string, byte[]>
        {
            ["landmarks (frames payload, faces.jsonl)"] = Encoding.UTF8.GetBytes(landmarks[..Math.Min(48, landmarks.Length)]),
            ["skin session marker"] = Encoding.UTF8.GetBytes($"skin{tag}"),
            ["skin session number"] = "27182.818284"u8.ToArray(),
            ["faces.csv header"] = Encoding.UTF8.GetBytes(csv[..Math.Min(60, csv.IndexOf('\n'))]),
            ["faces.jsonl first line"] = Encoding.UTF8.GetBytes(jsonl[..Math.Min(60, jsonl.Length)]),
            ["report.html start"] = Encoding.UTF8.GetBytes(report[..Math.Min(60, report.Length)]),
            ["uploaded video bytes"] = clip.AsSpan(clip.Length / 2, 48).ToArray(),
        };

        // Every file the server wrote (the test's own input clip.mp4 in the fixture folder is not the server's).
        var files = Directory.GetFiles(data, "*", SearchOption.AllDirectories).Where(f => Path.GetFullPath(f) != Path.GetFullPath(fixture.Clip)).ToList();
        Assert.Contains(files, f => f.EndsWith(".mienc", StringComparison.Ordinal)); // the kept upload is there, sealed
        if (postgres)
        {
            await using (var admin = new NpgsqlConnection(PostgresCluster.Instance.AdminConnectionString))
            {
                await admin.OpenAsync();
                await using var checkpoint = new NpgsqlCommand("CHECKPOINT", admin);
                await checkpoint.ExecuteNonQueryAsync();
            }

            files.AddRange(Directory.GetFiles(PostgresCluster.Instance.DataDirectory ?? throw new InvalidOperationException("MIEN_TEST_POSTGRES names an external server: its files are not here to scan"), "*", SearchOption.AllDirectories));
        }

        var bytes = files.Select(f => (Path: f, Bytes: ReadShared(f))).Where(f => f.Bytes is not null).ToList();
        Assert.Contains(bytes, f => f.Bytes!.AsSpan().IndexOf(Encoding.UTF8.GetBytes(control)) >= 0); // the scan finds plaintext when there is some
        foreach (var (what, secret) in secrets)
        {
            var hits = bytes.Where(f => f.Bytes!.AsSpan().IndexOf(secret) >= 0).Select(f => f.Path).ToList();
            Assert.True(hits.Count == 0, $"{what} found in plaintext in {string.Join(", ", hits)}");
        }
    }

    private static byte[]? ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var bytes = new byte[stream.Length];
            stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // a PostgreSQL temp file that vanished between listing and opening
        }
    }

    private static async Task<byte[]> ReadAllOrFailAsync(HttpResponseMessage response)
    {
        try
        {
            return await response.Content.ReadAsByteArrayAsync();
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return []; // the server aborted the response when the tampered chunk failed: the right outcome
        }
    }

    private static HttpClient Client(MienServer server, string key)
    {
        var client = new HttpClient { BaseAddress = server.Addresses[0], Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<(Guid Project, string Key)> NewProjectAsync(HttpClient admin, bool keepMedia)
    {
        var response = await admin.PostAsJsonAsync("/api/v1/projects", new { name = "crypt " + Guid.NewGuid().ToString("N")[..6], purpose = "research", setting = "lab", keepMedia });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (json.RootElement.GetProperty("project").GetProperty("id").GetGuid(), json.RootElement.GetProperty("adminKey").GetString()!);
    }

    private static async Task<string> KeyAsync(HttpClient admin, Guid project, string role)
    {
        var response = await admin.PostAsJsonAsync($"/api/v1/projects/{project}/keys", new { role });
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
    }

    private static async Task<Guid> UploadAsync(HttpClient client, Guid project, string path, string name, string options)
    {
        // Jobs store results and (with the media scope) keep media: the subject consents to both.
        var subject = await ServerFixture.ConsentingSubjectAsync(client, project, "analysis", "measurements", "media", "skin-profile");
        await using var file = File.OpenRead(path);
        var response = await client.PostAsync($"/api/v1/projects/{project}/recordings?subject={subject}&name={Uri.EscapeDataString(name)}&options={Uri.EscapeDataString(options)}", new StreamContent(file));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var until = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var json = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{id}")).RootElement;
            var status = json.GetProperty("status").GetString();
            if (status is "done" or "failed" or "cancelled")
            {
                Assert.True(status == "done", json.GetRawText());
                return id;
            }

            Assert.True(DateTime.UtcNow < until, $"recording {id} still {status}");
            await Task.Delay(250);
        }
    }

    private static async Task<JsonElement> WaitForRotationAsync(HttpClient client, Guid project)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var status = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/projects/{project}/encryption")).RootElement;
            if (!status.GetProperty("reencrypting").GetBoolean())
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < until, "the data-key rotation did not finish: " + status.GetRawText());
            await Task.Delay(100);
        }
    }
}
