using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mien.Server;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

namespace Mien.Cluster.Tests;

/// <summary>
/// Two real `mien serve` servers in this process, each co-hosting a silo of one cluster (localhost clustering, grain
/// state in <see cref="SharedGrainStorage"/> outside both), sharing one results database as nodes share PostgreSQL.
/// </summary>
public sealed class LiveRoutingTests
{
    private static readonly Mien.Privacy.Encryption.MasterKey Key = Mien.Privacy.Encryption.MasterKey.Generate("cluster live test key");

    [Fact]
    public async Task Frames_sent_to_one_node_are_analysed_by_the_session_grain_seen_on_a_dashboard_of_the_other_and_continue_there_after_the_first_node_is_lost()
    {
        // Every silo's instruments, as an OpenTelemetry exporter in its process would read them.
        var framesBySilo = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Mien.Cluster" && instrument.Name == "mien.cluster.frames")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "silo")
                {
                    framesBySilo.AddOrUpdate((string)tag.Value!, value, (_, n) => n + value);
                }
            }
        });
        listener.Start();
        var jpegs = await ClusterFixture.FranckJpegsAsync(24);
        var data = Path.Combine(Path.GetTempPath(), "mien-cluster-live-" + Guid.NewGuid().ToString("N"));
        var (primaryPort, bPort, aPort, bGateway, aGateway) = (FreePort(), FreePort(), FreePort(), FreePort(), FreePort());
        // B is the primary silo (it holds the localhost membership), so losing A leaves the cluster standing.
        await using var b = await StartAsync(data, bPort, bGateway, null);
        var a = await StartAsync(data, aPort, aGateway, bPort);
        var aStopped = false;
        try
        {
            var project = b.FirstProject!.Value;
            var key = b.FirstAdminKey!;
            Assert.Null(await a.WaitUntilReadyAsync(TimeSpan.FromMinutes(3)));
            Assert.Null(await b.WaitUntilReadyAsync(TimeSpan.FromMinutes(3)));

            using var client = await ConnectAsync(a.Addresses[0], $"api/v1/projects/{project}/live", key);
            await SendAsync(client, "{\"type\":\"start\",\"options\":{\"skin\":false}}");
            var ready = await ReceiveAsync(client);
            Assert.Equal("ready", ready.GetProperty("type").GetString());
            var session = ready.GetProperty("session").GetString()!;
            var siloA = ready.GetProperty("silo").GetString()!;
            Assert.False(ready.GetProperty("resumed").GetBoolean());

            using var dashboard = await ConnectAsync(b.Addresses[0], $"api/v1/projects/{project}/live/{session}/watch", key);
            Assert.Equal("watching", (await ReceiveAsync(dashboard)).GetProperty("type").GetString());
            await Task.Delay(TimeSpan.FromSeconds(1)); // the dashboard subscribes at once; this lets the subscription reach the grain

            // Frames go to node A one at a time (each answered), so what the dashboard must see is known exactly.
            var sent = 0;
            var answered = new List<JsonElement>();
            for (; sent < 12; sent++)
            {
                await client.SendAsync(Mien.Server.Live.LiveFrameMessage.Image(TimeSpan.FromMilliseconds(sent * 100), jpegs[sent]), WebSocketMessageType.Binary, true, CancellationToken.None);
                answered.Add(await UntilAsync(client, "frame"));
            }

            Assert.All(answered, f => Assert.Equal(siloA, f.GetProperty("silo").GetString()));
            Assert.All(answered, f => Assert.Equal(0, f.GetProperty("lostInFlight").GetInt64()));
            Assert.Contains(answered, f => f.GetProperty("faces").GetArrayLength() == 1);
            var shown = new List<JsonElement>();
            while (shown.Count < answered.Count)
            {
                shown.Add(await UntilAsync(dashboard, "frame"));
            }

            // The dashboard on node B saw the same results the client on node A got, frame for frame. Not necessarily
            // in order: each result is a one-way observer message, and Orleans does not order them (the first may wait
            // for the observer's address while the second does not); every result carries its time.
            Assert.Equal(
                answered.Select(f => f.GetProperty("time").GetDouble()),
                shown.Select(f => f.GetProperty("time").GetDouble()).Order());

            // Health from node B while both run: the figures aggregated over the silos are what each silo's
            // instruments counted (A ran the session; B had nothing to analyse).
            using var http = new HttpClient { BaseAddress = b.Addresses[0] };
            http.DefaultRequestHeaders.Authorization = new("Bearer", key);
            // (The listener hears every silo in this process, other test classes' too: only these two silos' tags count.)
            var both = await HealthAsync(http, project, h => h.GetProperty("cluster").GetProperty("framesAnalysed").GetInt64() == framesBySilo.GetValueOrDefault(siloA)
                && h.GetProperty("cluster").GetProperty("activeSessions").GetInt32() == 1);
            Assert.Equal(2, both.GetProperty("cluster").GetProperty("activeSilos").GetInt32());
            Assert.Equal(answered.Count, framesBySilo.GetValueOrDefault(siloA));
            Assert.Equal(answered.Count, both.GetProperty("cluster").GetProperty("framesAnalysed").GetInt64());
            Assert.Equal(answered.Count, both.GetProperty("silos").EnumerateArray().Single(s => s.GetProperty("silo").GetString() == siloA).GetProperty("stats").GetProperty("framesAnalysed").GetInt64());

            // Consent under --cluster goes through the subject's grain: given and then withdrawn through node A's REST
            // while the subject's live session runs on node B's silo. The session ends there (its checkpoint deleted),
            // and the REST answers keep their single-node shape.
            using var httpA = new HttpClient { BaseAddress = a.Addresses[0] };
            httpA.DefaultRequestHeaders.Authorization = new("Bearer", key);
            var person = JsonDocument.Parse(await (await httpA.PostAsync($"/api/v1/projects/{project}/subjects", new StringContent("{\"pseudonym\":\"cluster-rest\"}", Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            var given = await httpA.PostAsync($"/api/v1/projects/{project}/subjects/{person}/consents", new StringContent("{\"scopes\":[\"analysis\"],\"textVersion\":\"v1\",\"collectedBy\":\"cluster test\"}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, given.StatusCode);
            Assert.Equal("analysis", JsonDocument.Parse(await given.Content.ReadAsStringAsync()).RootElement[0].GetProperty("scope").GetString());
            using var viewer = await ConnectAsync(b.Addresses[0], $"api/v1/projects/{project}/live", key);
            await SendAsync(viewer, $"{{\"type\":\"start\",\"subject\":\"{person}\",\"options\":{{\"skin\":false}}}}");
            var viewerSilo = (await UntilAsync(viewer, "ready")).GetProperty("silo").GetString()!;
            Assert.NotEqual(siloA, viewerSilo); // by load: A already runs a session
            await viewer.SendAsync(Mien.Server.Live.LiveFrameMessage.Image(TimeSpan.Zero, jpegs[0]), WebSocketMessageType.Binary, true, CancellationToken.None);
            Assert.Equal(viewerSilo, (await UntilAsync(viewer, "frame")).GetProperty("silo").GetString());
            var withdrawal = await httpA.DeleteAsync($"/api/v1/projects/{project}/subjects/{person}/consents/analysis");
            Assert.Equal(HttpStatusCode.OK, withdrawal.StatusCode);
            var withdrawn = JsonDocument.Parse(await withdrawal.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("analysis", withdrawn.GetProperty("withdrawn")[0].GetProperty("scope").GetString());
            Assert.Equal(1, withdrawn.GetProperty("receipt").GetProperty("analysesStopped").GetInt32());
            await viewer.SendAsync(Mien.Server.Live.LiveFrameMessage.Image(TimeSpan.FromMilliseconds(100), jpegs[1]), WebSocketMessageType.Binary, true, CancellationToken.None);
            var stopped = await ReceiveAsync(viewer);
            Assert.Equal("error", stopped.GetProperty("type").GetString());
            Assert.Contains("withdrawn", stopped.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains("\"current\":[]", await http.GetStringAsync($"/api/v1/projects/{project}/subjects/{person}/consents"), StringComparison.Ordinal);
            var restFrames = new Dictionary<string, long> { [viewerSilo] = 1 };

            // Node A goes: its client connection breaks with two frames unanswered, then the node stops.
            for (var i = 0; i < 2; i++, sent++)
            {
                await client.SendAsync(Mien.Server.Live.LiveFrameMessage.Image(TimeSpan.FromMilliseconds(sent * 100), jpegs[sent]), WebSocketMessageType.Binary, true, CancellationToken.None);
            }

            client.Abort();
            await a.DisposeAsync();
            aStopped = true;

            // The client reconnects to node B with the same session id and says how many frames it sent.
            using var again = await ConnectAsync(b.Addresses[0], $"api/v1/projects/{project}/live", key);
            await SendAsync(again, $"{{\"type\":\"start\",\"session\":\"{session}\",\"sent\":{sent},\"options\":{{\"skin\":false}}}}");
            var resumed = await ReceiveAsync(again);
            Assert.Equal("ready", resumed.GetProperty("type").GetString());
            Assert.Equal(session, resumed.GetProperty("session").GetString());
            Assert.True(resumed.GetProperty("resumed").GetBoolean(), resumed.ToString());
            Assert.NotEqual(siloA, resumed.GetProperty("silo").GetString());
            var analysed = resumed.GetProperty("framesAnalysed").GetInt64();
            Assert.InRange(analysed, answered.Count, sent);
            // What the client is told it lost is exactly what the session has no result for.
            Assert.Equal(sent - analysed, resumed.GetProperty("framesLost").GetInt64());

            for (var i = 0; i < 4; i++, sent++)
            {
                await again.SendAsync(Mien.Server.Live.LiveFrameMessage.Image(TimeSpan.FromMilliseconds(sent * 100), jpegs[sent]), WebSocketMessageType.Binary, true, CancellationToken.None);
                var frame = await UntilAsync(again, "frame");
                Assert.Equal(resumed.GetProperty("silo").GetString(), frame.GetProperty("silo").GetString());
            }

            await SendAsync(again, "{\"type\":\"stop\"}");
            var completed = await UntilAsync(again, "completed");
            Assert.Equal(4, completed.GetProperty("framesAnalysed").GetInt64());
            Assert.Equal("stopped", completed.GetProperty("end").GetString());
            // The dashboard follows the session to its new silo and ends with it.
            Assert.Equal("completed", (await UntilAsync(dashboard, "completed")).GetProperty("type").GetString());

            // Per-silo metrics: each silo counted the frames it analysed, under its own tag.
            var siloB = resumed.GetProperty("silo").GetString()!;
            Assert.InRange(framesBySilo.GetValueOrDefault(siloA), answered.Count, analysed);
            Assert.Equal(4 + restFrames.GetValueOrDefault(siloB), framesBySilo.GetValueOrDefault(siloB));

            // Health on node B after the loss: its own silo active, A not, B's figures as its instruments counted them.
            // (A's last figures survive only if the health grain did not live on A: it is kept in memory.)
            var health = await HealthAsync(http, project, h => h.GetProperty("silos").EnumerateArray().Any(s => s.GetProperty("silo").GetString() == siloB
                && s.GetProperty("stats").ValueKind == JsonValueKind.Object && s.GetProperty("stats").GetProperty("framesAnalysed").GetInt64() == 4 + restFrames.GetValueOrDefault(siloB)));
            Assert.Equal(siloB, health.GetProperty("silo").GetProperty("silo").GetString());
            Assert.Equal("Active", health.GetProperty("silo").GetProperty("status").GetString());
            Assert.Equal(1, health.GetProperty("cluster").GetProperty("activeSilos").GetInt32());
            Assert.NotEqual("Active", health.GetProperty("silos").EnumerateArray().Single(s => s.GetProperty("silo").GetString() == siloA).GetProperty("status").GetString());
            Assert.Equal(1, health.GetProperty("silo").GetProperty("stats").GetProperty("reactivations").GetInt64());
            Assert.Equal(0, health.GetProperty("cluster").GetProperty("activeSessions").GetInt32());

            // The subject grain's ledger is the server's store: consent recorded through the grain is a consent row,
            // erasure through it removes the subject's rows, and both are in the project's audit log.
            var created = await http.PostAsync($"/api/v1/projects/{project}/subjects", new StringContent("{\"pseudonym\":\"cluster-ledger\"}", Encoding.UTF8, "application/json"));
            created.EnsureSuccessStatusCode();
            var subject = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            using var orleans = Host.CreateDefaultBuilder().UseOrleansClient(c => c.UseLocalhostClustering(bGateway)).ConfigureLogging(l => l.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning)).Build();
            await orleans.StartAsync();
            var grain = orleans.Services.GetRequiredService<IClusterClient>().GetGrain<ISubjectGrain>($"{project:D}/{subject:D}");
            await grain.GrantAsync(new ConsentGrant(["analysis", "measurements"], "v1", "cluster test"));
            var consents = await http.GetStringAsync($"/api/v1/projects/{project}/subjects/{subject}/consents");
            Assert.Contains("measurements", consents, StringComparison.Ordinal);
            var receipt = await grain.EraseAsync("the subject asked");
            Assert.Contains(receipt.Steps, s => s.StartsWith("database rows: 1 subject", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/v1/projects/{project}/subjects/{subject}")).StatusCode);
            var log = await http.GetStringAsync($"/api/v1/projects/{project}/audit");
            Assert.Contains("service:cluster", log, StringComparison.Ordinal);
            Assert.Contains("subject.erase", log, StringComparison.Ordinal);
            await Assert.ThrowsAsync<SubjectErasedException>(() => grain.GrantAsync(new ConsentGrant(["analysis"], "v1", "cluster test")));
            await orleans.StopAsync();
        }
        finally
        {
            if (!aStopped)
            {
                await a.DisposeAsync();
            }
        }
    }

    /// <summary>GET …/cluster until <paramref name="done"/> holds (silos report every 200 ms here), at most 20 s; returns the last answer.</summary>
    private static async Task<JsonElement> HealthAsync(HttpClient http, Guid project, Func<JsonElement, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        JsonElement health;
        do
        {
            await Task.Delay(250);
            health = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/projects/{project}/cluster")).RootElement.Clone();
        }
        while (!done(health) && DateTime.UtcNow < until);

        return health;
    }

    private static Task<MienServer> StartAsync(string data, int siloPort, int gatewayPort, int? primary) =>
        MienServer.StartAsync(
            new ServerOptions
            {
                DataDirectory = data,
                Urls = "http://127.0.0.1:0",
                JobConcurrency = 1,
                MasterKey = Key,
                RequestsPerMinute = 100_000,
                ConfigureHost = builder => builder.UseOrleans(silo =>
                {
                    silo.UseLocalhostClustering(siloPort, gatewayPort, primary is { } p ? new IPEndPoint(IPAddress.Loopback, p) : null);
                    silo.AddMienGrains(new MienClusterOptions { MaxSessionsPerSilo = 4, StatsInterval = TimeSpan.FromMilliseconds(200) });
                    silo.Services.AddGrainStorage(MienClusterOptions.Storage, (sp, _) => new SharedGrainStorage(sp.GetRequiredService<Serializer>()));
                    silo.Configure<ClusterMembershipOptions>(o =>
                    {
                        o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
                        o.NumMissedProbesLimit = 2;
                        o.NumVotesForDeathDeclaration = 1;
                    });
                }),
            },
            logging => logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<ClientWebSocket> ConnectAsync(Uri server, string path, string key)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        await socket.ConnectAsync(new Uri(server.ToString().Replace("http", "ws", StringComparison.Ordinal) + path), CancellationToken.None);
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[1 << 20];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            length += result.Count;
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
            }
        }
    }

    /// <summary>The next message of <paramref name="type"/>; an error message on the way fails the test with its text.</summary>
    private static async Task<JsonElement> UntilAsync(ClientWebSocket socket, string type)
    {
        while (true)
        {
            var message = await ReceiveAsync(socket);
            var kind = message.GetProperty("type").GetString();
            if (kind == type)
            {
                return message;
            }

            Assert.NotEqual("error", kind);
        }
    }
}
