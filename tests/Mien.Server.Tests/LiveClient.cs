using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Mien.Server.Live;

namespace Mien.Server.Tests;

/// <summary>A minimal client of the live WebSocket for tests: start, send frames, read JSON messages.</summary>
internal sealed class LiveClient : IDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[1 << 20];

    private LiveClient()
    {
    }

    public WebSocket Socket => _socket;

    public static async Task<LiveClient> ConnectAsync(Uri server, Guid project, string key)
    {
        var client = new LiveClient();
        client._socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        var uri = new Uri(server.ToString().Replace("http", "ws", StringComparison.Ordinal) + $"api/v1/projects/{project}/live");
        await client._socket.ConnectAsync(uri, CancellationToken.None);
        return client;
    }

    public Task SendAsync(string json) => _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SendFrameAsync(int index, byte[] jpeg) =>
        _socket.SendAsync(LiveFrameMessage.Image(TimeSpan.FromMilliseconds(index * 100), jpeg), WebSocketMessageType.Binary, true, CancellationToken.None);

    /// <summary>The next JSON message, or null when the server closed the socket.</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var length = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(length), cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(_buffer.AsMemory(0, length)).RootElement.Clone();
            }
        }
    }

    /// <summary>Reads until a message of <paramref name="type"/> (returned) or the close (null).</summary>
    public async Task<JsonElement?> UntilAsync(string type)
    {
        while (await ReceiveAsync() is { } message)
        {
            if (message.GetProperty("type").GetString() == type)
            {
                return message;
            }
        }

        return null;
    }

    public void Dispose() => _socket.Dispose();
}
