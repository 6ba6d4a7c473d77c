using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Mien.Server.Live;

namespace Mien.Cluster.Tests;

/// <summary>
/// A simulated viewer of the process benchmark: like <c>mien bench serve</c>'s clients it sends real face frames on a
/// fixed clock over the live WebSocket (never waiting for results) and reads results concurrently; unlike them it
/// speaks the cluster part of the protocol — when its node goes away it reconnects to another node with
/// <c>{"session", "sent"}</c> and continues the same session, collecting what the server reports as lost.
/// </summary>
internal sealed class LiveViewer
{
    private readonly Func<int, Uri?> _node;
    private readonly string _key;
    private readonly IReadOnlyList<byte[]> _frames;
    private readonly int _index;
    private readonly ConcurrentDictionary<long, long> _sentAt = new();
    private readonly Lock _gate = new();

    private LiveViewer(Func<int, Uri?> node, string key, IReadOnlyList<byte[]> frames, int index)
    {
        _node = node;
        _key = key;
        _frames = frames;
        _index = index;
    }

    public string? Session { get; private set; }

    /// <summary>The silo of the first <c>ready</c>.</summary>
    public string? FirstSilo { get; private set; }

    public long Sent { get; private set; }

    /// <summary>Frames the camera produced while the viewer had no connection (not sent, so not the server's to count).</summary>
    public long NotSentWhileReconnecting { get; private set; }

    public int Reconnects { get; private set; }

    /// <summary>Sum of <c>framesLost</c> over the <c>ready</c> messages of resumed connections.</summary>
    public long FramesLostReported { get; private set; }

    /// <summary>Frames the server said were lost in flight (error messages), over every connection.</summary>
    public long LostInFlightErrors;

    /// <summary>Frames dropped from full queues, from the <c>completed</c> message of each connection that ended properly.</summary>
    public long Dropped { get; private set; }

    /// <summary>Every result: when it arrived (Stopwatch ticks) and the silo that answered.</summary>
    public List<(long At, string Silo)> Results { get; } = [];

    public List<double> ServerLatencyMs { get; } = [];

    public List<double> RoundTripMs { get; } = [];

    /// <summary>When the connection was first seen broken (Stopwatch ticks), or 0.</summary>
    public long DisconnectedAt { get; private set; }

    /// <summary>Streams at <paramref name="rate"/> frames a second for <paramref name="length"/>; <paramref name="node"/>(k) is the k-th node's live URL, null when that node is gone.</summary>
    public static async Task<LiveViewer> RunAsync(Func<int, Uri?> node, int nodes, string key, IReadOnlyList<byte[]> frames, int index, double rate, TimeSpan length)
    {
        var viewer = new LiveViewer(node, key, frames, index);
        await viewer.StreamAsync(nodes, rate, length);
        return viewer;
    }

    private async Task StreamAsync(int nodes, double rate, TimeSpan length)
    {
        var attempt = 0;
        var connection = await ConnectAsync(nodes, attempt++);
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1 / rate);
        for (var i = 0; clock.Elapsed < length; i++)
        {
            var due = interval * i;
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            if (connection is null || connection.Reader.IsCompleted)
            {
                // The node is gone (or refused): the camera keeps running while the viewer finds another node.
                if (DisconnectedAt == 0)
                {
                    DisconnectedAt = Stopwatch.GetTimestamp();
                }

                connection?.Socket.Dispose();
                connection = await ConnectAsync(nodes, attempt++);
                if (connection is null)
                {
                    NotSentWhileReconnecting++;
                    continue;
                }

                Reconnects++;
            }

            // Timestamps keep increasing across reconnects: they are the session's frame sequence.
            // Whole milliseconds: results carry the time in milliseconds, which is how round trips are matched.
            var millis = (long)Math.Round(i * 1000 / rate);
            var micros = millis * 1000;
            _sentAt[millis] = Stopwatch.GetTimestamp();
            try
            {
                await connection.Socket.SendAsync(LiveFrameMessage.Image(TimeSpan.FromMicroseconds(micros), _frames[(i + (_index * 7)) % _frames.Count]), WebSocketMessageType.Binary, true, CancellationToken.None);
                Sent++;
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or IOException or OperationCanceledException)
            {
                NotSentWhileReconnecting++;
            }
        }

        if (connection is not null)
        {
            try
            {
                await connection.Socket.SendAsync("{\"type\":\"stop\"}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
                await connection.Reader.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or IOException or TimeoutException or OperationCanceledException)
            {
            }

            connection.Socket.Dispose();
        }
    }

    /// <summary>Connects to a live node (this viewer's own first, the next one after each loss) and waits for <c>ready</c>; null when none answered.</summary>
    private async Task<Connection?> ConnectAsync(int nodes, int start)
    {
        for (var k = 0; k < nodes; k++)
        {
            if (_node((_index + start + k) % nodes) is not { } live)
            {
                continue;
            }

            var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", new AuthenticationHeaderValue("Bearer", _key).ToString());
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await socket.ConnectAsync(live, timeout.Token);
                var start1 = Session is null
                    ? "{\"type\":\"start\",\"options\":{\"skin\":false}}"
                    : $"{{\"type\":\"start\",\"options\":{{\"skin\":false}},\"session\":\"{Session}\",\"sent\":{Sent}}}";
                await socket.SendAsync(Encoding.UTF8.GetBytes(start1), WebSocketMessageType.Text, true, timeout.Token);
                var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var reader = Task.Run(() => ReadAsync(socket, ready), CancellationToken.None);
                if (await ready.Task.WaitAsync(TimeSpan.FromSeconds(30)))
                {
                    return new Connection(socket, reader);
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException or IOException)
            {
            }

            socket.Dispose();
        }

        return null;
    }

    private async Task ReadAsync(ClientWebSocket socket, TaskCompletionSource<bool> ready)
    {
        var buffer = new byte[1 << 20];
        var length = 0;
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                length += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var arrived = Stopwatch.GetTimestamp();
                using var doc = JsonDocument.Parse(buffer.AsMemory(0, length));
                length = 0;
                var root = doc.RootElement;
                switch (root.GetProperty("type").GetString())
                {
                    case "ready":
                        Session ??= root.GetProperty("session").GetString();
                        FirstSilo ??= root.GetProperty("silo").GetString();
                        if (root.TryGetProperty("framesLost", out var lost))
                        {
                            FramesLostReported += lost.GetInt64();
                        }

                        ready.TrySetResult(true);
                        break;
                    case "frame":
                        lock (_gate)
                        {
                            Results.Add((arrived, root.GetProperty("silo").GetString()!));
                            ServerLatencyMs.Add(root.GetProperty("latencyMs").GetDouble());
                            if (root.TryGetProperty("time", out var time) && _sentAt.TryRemove((long)Math.Round(time.GetDouble() * 1000), out var sent))
                            {
                                RoundTripMs.Add(Stopwatch.GetElapsedTime(sent, arrived).TotalMilliseconds);
                            }
                        }

                        break;
                    case "error":
                        if (root.TryGetProperty("message", out var m) && m.GetString() is { } text && text.Contains("lost in flight", StringComparison.Ordinal))
                        {
                            Interlocked.Increment(ref LostInFlightErrors);
                        }
                        else if (!ready.Task.IsCompleted)
                        {
                            ready.TrySetResult(false);
                        }

                        break;
                    case "completed":
                        Dropped += root.GetProperty("framesDropped").GetInt64();
                        break;
                    default:
                        break;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The node went away: the sender sees the reader finished and reconnects elsewhere.
        }

        ready.TrySetResult(false);
    }

    private sealed record Connection(ClientWebSocket Socket, Task Reader);
}
