using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Mien.Server.Live;
using Mien.Server.Tests.Attacks;
using Mien.Testing;

namespace Mien.Server.Tests;

/// <summary>Real WebSocket clients streaming real face frames to a real server.</summary>
[Collection(ServerCollection.Name)]
public sealed class LiveTests(ServerFixture server)
{
    [Fact]
    public async Task Frames_sent_at_15_fps_come_back_with_faces_latency_and_drop_counts()
    {
        using var socket = await ConnectAsync(server.AdminKey);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\",\"options\":{\"maxFaces\":4}}");
        var ready = await Wire.ReceiveJsonAsync(socket);
        Assert.Equal("ready", ready.GetProperty("type").GetString());
        Assert.Contains("ephemeral", ready.GetProperty("storage").GetString(), StringComparison.Ordinal);

        var receive = Task.Run(() => CollectAsync(socket));
        for (var i = 0; i < 45; i++)
        {
            var message = LiveFrameMessage.Image(TimeSpan.FromMilliseconds(i * 1000.0 / 15), server.Jpegs[i]);
            await socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
            await Task.Delay(66);
        }

        await Wire.SendTextAsync(socket, "{\"type\":\"stop\"}");
        var messages = await receive;
        var frames = messages.Where(m => m.GetProperty("type").GetString() == "frame").ToList();
        var completed = messages.Single(m => m.GetProperty("type").GetString() == "completed");
        var dropped = completed.GetProperty("framesDropped").GetInt64();
        Assert.Equal(45, completed.GetProperty("framesAnalysed").GetInt64() + dropped);
        Assert.Equal(completed.GetProperty("framesAnalysed").GetInt64(), frames.Count);
        Assert.True(frames.Count(f => f.GetProperty("faces").GetArrayLength() == 1) >= frames.Count / 2, "a face in most frames");
        Assert.All(frames, f => Assert.True(f.GetProperty("latencyMs").GetDouble() is > 0 and < 5000));
        Assert.All(frames, f => Assert.Equal("mien-results/1", f.GetProperty("schema").GetString()));
        Assert.Contains(messages, m => m.TryGetProperty("event", out var e) && e.GetString() == "track-started");
    }

    [SharedDataFact("audio/ravdess_dev/anger/03-01-05-01-01-01-03.wav", "audio/ravdess_dev/calm/03-01-02-01-01-01-05.wav")]
    public async Task Speech_streamed_with_the_frames_comes_back_as_speech_events()
    {
        // Two real utterances with a pause, as a client's microphone would send them: 16 kHz PCM16 in 100 ms chunks,
        // interleaved with frames of a face video at 15 fps on the same clock.
        var speech = new[] { "audio/ravdess_dev/anger/03-01-05-01-01-01-03.wav", "audio/ravdess_dev/calm/03-01-02-01-01-01-05.wav" }
            .SelectMany(f => Voice.AudioClip.Load(SharedData.Require(f))!.Samples.Concat(new float[8_000]))
            .Select(v => (short)Math.Clamp(MathF.Round(v * 32768), short.MinValue, short.MaxValue)).ToArray();
        using var socket = await ConnectAsync(server.AdminKey);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\",\"options\":{\"maxFaces\":2},\"audio\":{\"sampleRate\":16000}}");
        var ready = await Wire.ReceiveJsonAsync(socket);
        Assert.Equal("ready", ready.GetProperty("type").GetString());
        Assert.Equal(16_000, ready.GetProperty("limits").GetProperty("audioSampleRate").GetInt32());

        var receive = Task.Run(() => CollectAsync(socket));
        const int chunk = 1_600;
        for (var at = 0; at < speech.Length; at += chunk)
        {
            var t = TimeSpan.FromSeconds(at / 16_000.0);
            var audio = LiveFrameMessage.Audio(t, speech.AsSpan(at, Math.Min(chunk, speech.Length - at)));
            await socket.SendAsync(audio, WebSocketMessageType.Binary, true, CancellationToken.None);
            if (at / chunk % 2 == 0)
            {
                // One frame every 200 ms keeps a 2-core test machine from dropping most of them.
                var frame = at / chunk / 2;
                await socket.SendAsync(LiveFrameMessage.Image(t, server.Jpegs[frame % server.Jpegs.Count]), WebSocketMessageType.Binary, true, CancellationToken.None);
            }

            await Task.Delay(50);
        }

        await Wire.SendTextAsync(socket, "{\"type\":\"stop\"}");
        var messages = await receive;
        Assert.DoesNotContain(messages, m => m.GetProperty("type").GetString() == "error");
        var spoken = messages.Where(m => m.TryGetProperty("event", out var e) && e.GetString() == "speech").ToList();
        Assert.True(spoken.Count >= 2, $"{spoken.Count} speech events for two utterances");
        Assert.Contains(messages, m => m.GetProperty("type").GetString() == "frame");
        Assert.Contains(messages, m => m.GetProperty("type").GetString() == "completed");
    }

    [Fact]
    public async Task Audio_without_a_declared_rate_or_at_an_absurd_rate_is_refused_with_a_clear_error()
    {
        using var socket = await ConnectAsync(server.AdminKey);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\",\"audio\":{\"sampleRate\":96000}}");
        Assert.Contains("sampleRate = 96000: must be between 8000 and 48000 Hz", (await Wire.ReceiveJsonAsync(socket)).GetProperty("message").GetString(), StringComparison.Ordinal);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\"}");
        Assert.Equal("ready", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());
        await socket.SendAsync(LiveFrameMessage.Audio(TimeSpan.Zero, new short[160]), WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Contains("declare the audio in the start message", (await Wire.ReceiveJsonAsync(socket)).GetProperty("message").GetString(), StringComparison.Ordinal);
        await Wire.SendTextAsync(socket, "{\"type\":\"stop\"}");
        Assert.Contains(await CollectAsync(socket), m => m.GetProperty("type").GetString() == "completed");
    }

    [Fact]
    public async Task An_odd_or_oversized_audio_chunk_is_refused_and_the_session_goes_on()
    {
        using var socket = await ConnectAsync(server.AdminKey);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\",\"audio\":{\"sampleRate\":8000}}");
        Assert.Equal("ready", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());
        var odd = LiveFrameMessage.Audio(TimeSpan.Zero, new short[10]);
        await socket.SendAsync(odd.AsMemory(0, odd.Length - 1), WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Contains("not a whole number of 2-byte samples", (await Wire.ReceiveJsonAsync(socket)).GetProperty("message").GetString(), StringComparison.Ordinal);
        await socket.SendAsync(LiveFrameMessage.Audio(TimeSpan.Zero, new short[80_001]), WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Contains("1 to 80000 samples", (await Wire.ReceiveJsonAsync(socket)).GetProperty("message").GetString(), StringComparison.Ordinal);
        await socket.SendAsync(LiveFrameMessage.Image(TimeSpan.Zero, server.Jpegs[0]), WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal("frame", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());
        await Wire.SendTextAsync(socket, "{\"type\":\"stop\"}");
        Assert.Contains(await CollectAsync(socket), m => m.GetProperty("type").GetString() == "completed");
    }

    [Fact]
    public async Task Malformed_messages_get_errors_and_the_session_goes_on()
    {
        using var socket = await ConnectAsync(server.AdminKey);
        await Wire.SendTextAsync(socket, "not json at all");
        Assert.Contains("invalid start message", (await Wire.ReceiveJsonAsync(socket)).GetProperty("message").GetString(), StringComparison.Ordinal);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\",\"options\":{\"maxFaces\":-3}}");
        Assert.Contains("maxFaces", (await Wire.ReceiveJsonAsync(socket)).GetProperty("message").GetString(), StringComparison.Ordinal);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\"}");
        Assert.Equal("ready", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());

        await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Contains("header", (await Wire.ReceiveJsonAsync(socket)).GetProperty("message").GetString(), StringComparison.Ordinal);
        await socket.SendAsync(LiveFrameMessage.Image(TimeSpan.Zero, Encoding.ASCII.GetBytes("this is not an image")), WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Contains("JPEG", (await Wire.ReceiveJsonAsync(socket)).GetProperty("message").GetString(), StringComparison.Ordinal);
        var wrongKind = LiveFrameMessage.Image(TimeSpan.Zero, server.Jpegs[0]);
        wrongKind[0] = 9;
        await socket.SendAsync(wrongKind, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Contains("unknown binary message kind", (await Wire.ReceiveJsonAsync(socket)).GetProperty("message").GetString(), StringComparison.Ordinal);

        // A real frame after all that is still analysed.
        await socket.SendAsync(LiveFrameMessage.Image(TimeSpan.FromSeconds(1), server.Jpegs[0]), WebSocketMessageType.Binary, true, CancellationToken.None);
        await socket.SendAsync(LiveFrameMessage.Image(TimeSpan.FromSeconds(0.5), server.Jpegs[1]), WebSocketMessageType.Binary, true, CancellationToken.None);
        var replies = new List<JsonElement> { await Wire.ReceiveJsonAsync(socket), await Wire.ReceiveJsonAsync(socket) };
        Assert.Contains(replies, r => r.GetProperty("type").GetString() == "frame");
        Assert.Contains(replies, r => r.GetProperty("type").GetString() == "error" && r.GetProperty("message").GetString()!.Contains("does not increase", StringComparison.Ordinal));
        await Wire.SendTextAsync(socket, "{\"type\":\"stop\"}");
        var rest = await CollectAsync(socket);
        Assert.Contains(rest, m => m.GetProperty("type").GetString() == "completed");
    }

    [Fact]
    public async Task A_client_that_vanishes_mid_frame_leaves_the_server_serving_others()
    {
        var socket = await ConnectAsync(server.AdminKey);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\"}");
        _ = await Wire.ReceiveJsonAsync(socket);
        var frame = LiveFrameMessage.Image(TimeSpan.Zero, server.Jpegs[2]);
        await socket.SendAsync(frame.AsMemory(0, frame.Length / 2), WebSocketMessageType.Binary, endOfMessage: false, CancellationToken.None);
        socket.Abort();
        socket.Dispose();

        using var again = await ConnectAsync(server.AdminKey);
        await Wire.SendTextAsync(again, "{\"type\":\"start\"}");
        Assert.Equal("ready", (await Wire.ReceiveJsonAsync(again)).GetProperty("type").GetString());
        await again.SendAsync(LiveFrameMessage.Image(TimeSpan.Zero, server.Jpegs[3]), WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal("frame", (await Wire.ReceiveJsonAsync(again)).GetProperty("type").GetString());
        await Wire.SendTextAsync(again, "{\"type\":\"stop\"}");
        _ = await CollectAsync(again);
        using var client = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task A_browser_ticket_opens_the_socket_once_and_a_missing_key_is_refused()
    {
        using var anonymous = new ClientWebSocket();
        var refused = await Assert.ThrowsAnyAsync<WebSocketException>(() => anonymous.ConnectAsync(LiveUri(), CancellationToken.None));
        Assert.NotNull(refused);

        using var client = server.Client(server.AdminKey);
        var ticket = JsonDocument.Parse(await (await client.PostAsJsonAsync(server.ProjectPath("/live/tickets"), new { })).Content.ReadAsStringAsync()).RootElement.GetProperty("ticket").GetString()!;
        using (var first = new ClientWebSocket())
        {
            await first.ConnectAsync(new Uri(LiveUri() + "?ticket=" + ticket), CancellationToken.None);
            await Wire.SendTextAsync(first, "{\"type\":\"stop\"}");
        }

        using var second = new ClientWebSocket();
        await Assert.ThrowsAnyAsync<WebSocketException>(() => second.ConnectAsync(new Uri(LiveUri() + "?ticket=" + ticket), CancellationToken.None));
    }

    private Uri LiveUri() => new(new Uri(server.Address.ToString().Replace("http", "ws", StringComparison.Ordinal)), server.ProjectPath("/live"));

    private async Task<ClientWebSocket> ConnectAsync(string key)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        await socket.ConnectAsync(LiveUri(), CancellationToken.None);
        return socket;
    }

    /// <summary>Every message until the server closes the socket.</summary>
    private static async Task<List<JsonElement>> CollectAsync(WebSocket socket)
    {
        var messages = new List<JsonElement>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var buffer = new byte[1 << 20];
        var length = 0;
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                messages.Add(JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone());
                length = 0;
            }
        }

        return messages;
    }
}
