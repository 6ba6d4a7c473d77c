using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Mien.Server.Live;
using Mien.Testing;

namespace Mien.Server.Tests;

/// <summary>The same service on a real PostgreSQL (a throwaway cluster from Debian's package): upload, results, a stored live session, restart recovery.</summary>
[Collection(ServerCollection.Name)]
public sealed class PostgresServerTests(ServerFixture fixture)
{
    [PostgresFact]
    public async Task Uploads_live_sessions_and_restarts_work_on_postgresql()
    {
        var database = "mien_server_" + Guid.NewGuid().ToString("N")[..12];
        var connection = await PostgresCluster.Instance.CreateDatabaseAsync(database);
        var data = Path.Combine(Path.GetTempPath(), "mien-pg-server-" + Guid.NewGuid().ToString("N"));
        try
        {
            Guid project;
            string key;
            Guid recording;
            await using (var server = await ServerFixture.StartAsync(data, o => o with { ConnectionString = connection }))
            {
                Assert.Null(await server.WaitUntilReadyAsync(TimeSpan.FromMinutes(5)));
                project = server.FirstProject!.Value;
                key = server.FirstAdminKey!;
                using var client = Client(server, key);
                var subject = await ServerFixture.ConsentingSubjectAsync(client, project, "analysis", "measurements");
                await using (var file = File.OpenRead(fixture.Clip))
                {
                    var response = await client.PostAsync($"/api/v1/projects/{project}/recordings?subject={subject}&name=clip.mp4&options=" + Uri.EscapeDataString("{\"video\":false}"), new StreamContent(file));
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                    recording = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
                }

                var done = await WaitAsync(client, project, recording);
                Assert.Equal("done", done.GetProperty("status").GetString());
                var frames = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{recording}/frames?limit=2000")).RootElement.GetProperty("frames");
                Assert.Equal(75, frames.GetArrayLength());
                Assert.True(frames.EnumerateArray().Sum(f => f.GetProperty("faces").GetArrayLength()) >= 60);

                // A stored live session: its frames can be read back afterwards.
                var live = new Uri(server.Addresses[0].ToString().Replace("http", "ws", StringComparison.Ordinal) + $"api/v1/projects/{project}/live");
                using var socket = new ClientWebSocket();
                socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
                await socket.ConnectAsync(live, CancellationToken.None);
                await socket.SendAsync(Encoding.UTF8.GetBytes("{\"type\":\"start\",\"store\":true,\"subject\":\"" + subject + "\"}"), WebSocketMessageType.Text, true, CancellationToken.None);
                var ready = await ReceiveAsync(socket);
                var liveRecording = ready.GetProperty("recording").GetGuid();
                for (var i = 0; i < 10; i++)
                {
                    await socket.SendAsync(LiveFrameMessage.Image(TimeSpan.FromMilliseconds(i * 100), fixture.Jpegs[i]), WebSocketMessageType.Binary, true, CancellationToken.None);
                    await Task.Delay(100);
                }

                await socket.SendAsync(Encoding.UTF8.GetBytes("{\"type\":\"stop\"}"), WebSocketMessageType.Text, true, CancellationToken.None);
                while ((await ReceiveAsync(socket)).GetProperty("type").GetString() != "completed")
                {
                }

                var stored = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{liveRecording}/frames")).RootElement.GetProperty("frames");
                Assert.InRange(stored.GetArrayLength(), 1, 10);
            }

            // The next start finds what the first left: the key still works, results are still there.
            await using (var again = await ServerFixture.StartAsync(data, o => o with { ConnectionString = connection }))
            {
                Assert.Null(again.FirstAdminKey);
                using var client = Client(again, key);
                var still = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{recording}")).RootElement;
                Assert.Equal("done", still.GetProperty("status").GetString());
            }
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

    [PostgresFact]
    public async Task Erasing_a_subject_leaves_no_trace_on_postgresql()
    {
        var database = "mien_erase_" + Guid.NewGuid().ToString("N")[..12];
        var connection = await PostgresCluster.Instance.CreateDatabaseAsync(database);
        var data = Path.Combine(Path.GetTempPath(), "mien-pg-erase-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = await ServerFixture.StartAsync(data, o => o with { ConnectionString = connection });
            Assert.Null(await server.WaitUntilReadyAsync(TimeSpan.FromMinutes(5)));
            using var client = Client(server, server.FirstAdminKey!);
            var project = server.FirstProject!.Value;
            (await client.PutAsync($"/api/v1/projects/{project}/policy", JsonContent("{\"purpose\":\"research\",\"setting\":\"lab\",\"keepMedia\":true}"))).EnsureSuccessStatusCode();
            await ErasureScan.RunAsync(client, server.Addresses[0], project, server.FirstAdminKey!, fixture.Clip, fixture.Jpegs, data, connection);
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await PostgresCluster.Instance.DropDatabaseAsync(database);
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [PostgresFact]
    public async Task The_authorisation_matrix_holds_on_postgresql()
    {
        var database = "mien_authz_" + Guid.NewGuid().ToString("N")[..12];
        var connection = await PostgresCluster.Instance.CreateDatabaseAsync(database);
        var data = Path.Combine(Path.GetTempPath(), "mien-pg-authz-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = await ServerFixture.StartAsync(data, o => o with { ConnectionString = connection });
            await AccessTests.CheckMatrixAsync(server.Addresses[0], server.FirstProject!.Value, server.FirstAdminKey!);
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await PostgresCluster.Instance.DropDatabaseAsync(database);
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    private static HttpClient Client(MienServer server, string key)
    {
        var client = new HttpClient { BaseAddress = server.Addresses[0], Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<JsonElement> WaitAsync(HttpClient client, Guid project, Guid recording)
    {
        var until = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var json = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/projects/{project}/recordings/{recording}")).RootElement;
            if (json.GetProperty("status").GetString() is "done" or "failed" or "cancelled" || DateTime.UtcNow > until)
            {
                return json;
            }

            await Task.Delay(250);
        }
    }

    private static async Task<JsonElement> ReceiveAsync(WebSocket socket)
    {
        var buffer = new byte[1 << 20];
        var length = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            length += result.Count;
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
            }
        }
    }
}
