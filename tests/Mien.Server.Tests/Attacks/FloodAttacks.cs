using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using Mien.Server.Live;

namespace Mien.Server.Tests.Attacks;

/// <summary>
/// WebSocket floods (tiny messages, oversized messages, frames faster than analysis, idle sessions) and HTTP floods
/// (forged keys, one key too fast): bounded by the server, which meanwhile answers another key and a health probe.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class FloodAttacks(ServerFixture server, LimitedServerFixture limited)
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Thousands_of_tiny_messages_get_the_socket_closed_with_1008_while_others_are_served()
    {
        await limited.StartAsync();
        var other = await limited.KeyAsync("viewer");
        using var socket = await Wire.ConnectAsync(limited.LiveUri(), limited.AdminKey);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\",\"audio\":{\"sampleRate\":16000}}");
        Assert.Equal("ready", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());
        var closed = Wire.UntilClosedAsync(socket, TimeSpan.FromSeconds(30));
        var sent = 0;
        try
        {
            // 10-ms audio chunks, each valid, as fast as the socket takes them (the limit here is 50 a second), until the
            // server's close arrives or 100 000 went out. The client's writes run ahead of the server's reads (5000 can
            // sit in socket buffers before the close comes back), so the bound is far above where the server cuts.
            var chunk = new short[160];
            for (; sent < 100_000 && socket.State == WebSocketState.Open; sent++)
            {
                await socket.SendAsync(LiveFrameMessage.Audio(TimeSpan.FromMilliseconds(10 * sent), chunk), WebSocketMessageType.Binary, true, CancellationToken.None);
                if (sent == 50)
                {
                    await Wire.AssertResponsiveAsync(limited.Address, limited.Project, other, Liveness);
                }
            }
        }
        catch (WebSocketException)
        {
            // The server closed the socket under the flood.
        }

        var (_, status, reason) = await closed;
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("LiveMessagesPerSecond", reason, StringComparison.Ordinal);
        Assert.True(sent < 100_000, "the whole flood was accepted");
        await Wire.AssertResponsiveAsync(limited.Address, limited.Project, other, Liveness);
    }

    [Fact]
    public async Task Oversized_messages_are_refused_without_buffering_and_a_run_of_them_closes_the_socket()
    {
        await limited.StartAsync();
        using var socket = await Wire.ConnectAsync(limited.LiveUri(), limited.AdminKey);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\"}");
        Assert.Equal("ready", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());

        // One message of 32 MB (64 times the limit): an error, and the session goes on.
        var huge = new byte[32 * 1024 * 1024];
        huge[0] = LiveSessions.ImageFrame;
        await socket.SendAsync(huge, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Contains("exceeds", (await Wire.ReceiveJsonAsync(socket)).GetProperty("message").GetString(), StringComparison.Ordinal);
        await socket.SendAsync(LiveFrameMessage.Image(TimeSpan.Zero, server.Jpegs[0]), WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal("frame", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());

        // A run of oversized messages: closed with 1008 after 50.
        var closed = Wire.UntilClosedAsync(socket, TimeSpan.FromSeconds(60));
        var over = new byte[(512 * 1024) + 100];
        over[0] = LiveSessions.ImageFrame;
        try
        {
            for (var i = 0; i < 60 && socket.State == WebSocketState.Open; i++)
            {
                await socket.SendAsync(over, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
        }

        var (messages, status, reason) = await closed;
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("malformed", reason, StringComparison.Ordinal);
        // The close may overtake the last queued error replies: at least the first ones arrived.
        Assert.Contains(messages, m => m.GetProperty("type").GetString() == "error" && m.GetProperty("message").GetString()!.Contains("exceeds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_live_frame_declaring_a_huge_size_is_refused_before_it_is_decoded()
    {
        await limited.StartAsync();
        using var socket = await Wire.ConnectAsync(limited.LiveUri(), limited.AdminKey);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\"}");
        Assert.Equal("ready", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());

        // 16000x7000 (112 megapixels, under the decoder's own cap): refused from its header, with an error to the client.
        await socket.SendAsync(LiveFrameMessage.Image(TimeSpan.Zero, Corpus.HostileCorpus.PngBomb(16_000, 7_000)), WebSocketMessageType.Binary, true, CancellationToken.None);
        var error = await Wire.ReceiveJsonAsync(socket);
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Contains("before decoding", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await Wire.SendTextAsync(socket, "{\"type\":\"stop\"}");
        var (messages, _, _) = await Wire.UntilClosedAsync(socket, TimeSpan.FromSeconds(30));
        var completed = messages.Single(m => m.GetProperty("type").GetString() == "completed");
        Assert.Equal(0, completed.GetProperty("framesReceived").GetInt64());
    }

    [Fact]
    public async Task Frames_sent_faster_than_analysis_are_dropped_oldest_first_and_the_session_completes()
    {
        await limited.StartAsync();
        using var socket = await Wire.ConnectAsync(limited.LiveUri(), limited.AdminKey);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\"}");
        Assert.Equal("ready", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());
        var closed = Wire.UntilClosedAsync(socket, TimeSpan.FromMinutes(1));
        for (var i = 0; i < server.Jpegs.Count; i++)
        {
            await socket.SendAsync(LiveFrameMessage.Image(TimeSpan.FromMilliseconds(40 * i), server.Jpegs[i]), WebSocketMessageType.Binary, true, CancellationToken.None);
        }

        await Wire.SendTextAsync(socket, "{\"type\":\"stop\"}");
        var (messages, status, _) = await closed;
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        var completed = messages.Single(m => m.GetProperty("type").GetString() == "completed");
        var dropped = completed.GetProperty("framesDropped").GetInt64();
        Assert.Equal(server.Jpegs.Count, completed.GetProperty("framesAnalysed").GetInt64() + dropped);
        Assert.True(dropped > 0, "75 frames in a burst were all analysed: the test did not outrun the server");
    }

    [Fact]
    public async Task Idle_live_sessions_are_closed_and_their_slots_freed()
    {
        await limited.StartAsync();
        var holders = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var socket = await Wire.ConnectAsync(limited.LiveUri(), limited.AdminKey);
                holders.Add(socket);
                await Wire.SendTextAsync(socket, "{\"type\":\"start\"}");
                Assert.Equal("ready", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());
            }

            // Both slots taken: a third client is refused with a reason.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await Wire.RefusedHandshakeAsync(limited.LiveUri(), limited.AdminKey));

            // Silent clients are closed after the idle timeout (3 s here).
            foreach (var socket in holders)
            {
                var (_, status, reason) = await Wire.UntilClosedAsync(socket, TimeSpan.FromSeconds(15));
                Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
                Assert.Contains("LiveIdleTimeout", reason, StringComparison.Ordinal);
            }

            // Their slots are free again.
            var until = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                try
                {
                    using var again = await Wire.ConnectAsync(limited.LiveUri(), limited.AdminKey);
                    await Wire.SendTextAsync(again, "{\"type\":\"start\"}");
                    Assert.Equal("ready", (await Wire.ReceiveJsonAsync(again)).GetProperty("type").GetString());
                    await Wire.SendTextAsync(again, "{\"type\":\"stop\"}");
                    _ = await Wire.UntilClosedAsync(again, TimeSpan.FromSeconds(30));
                    break;
                }
                catch (WebSocketException) when (DateTime.UtcNow < until)
                {
                    await Task.Delay(200);
                }
            }
        }
        finally
        {
            holders.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Forged_keys_are_rate_limited_by_address_and_a_fast_key_by_itself_while_others_are_served()
    {
        await limited.StartAsync();
        var other = await limited.KeyAsync("viewer");

        // From a second loopback address, so the rest of this collection's anonymous requests keep their own budget.
        using var attacker = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = limited.Address };
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 80; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, limited.ProjectPath("/recordings"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "mien_" + i.ToString("x16") + "_" + new string('Q', 43));
            var response = await attacker.SendAsync(request);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Contains("RequestsPerMinute", await Wire.ProblemAsync(response, HttpStatusCode.TooManyRequests), StringComparison.Ordinal);
            }
        }

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, s.ToString()));
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= 20, $"{statuses.Count(s => s == HttpStatusCode.TooManyRequests)} of 80 forged-key requests limited (limit 60 a minute)");
        await Wire.AssertResponsiveAsync(limited.Address, limited.Project, other, Liveness);

        // One real key too fast: limited by itself; another key is not.
        var fast = await limited.KeyAsync("viewer");
        using var asFast = limited.Client(fast);
        var limitedCount = 0;
        for (var i = 0; i < 70; i++)
        {
            if ((await asFast.GetAsync(limited.ProjectPath("/recordings?limit=1"))).StatusCode == HttpStatusCode.TooManyRequests)
            {
                limitedCount++;
            }
        }

        Assert.True(limitedCount >= 10, $"{limitedCount} of 70 requests limited");
        await Wire.AssertResponsiveAsync(limited.Address, limited.Project, other, Liveness);
    }
}
