using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Mien.Server.Tests.Attacks;

/// <summary>What the attack tests send and read: raw sockets, WebSockets, problem bodies.</summary>
internal static class Wire
{
    public static Uri WebSocketUri(Uri address, string path) => new(new Uri(address.ToString().Replace("http", "ws", StringComparison.Ordinal)), path);

    public static async Task<ClientWebSocket> ConnectAsync(Uri uri, string? key)
    {
        var socket = new ClientWebSocket();
        if (key is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        }

        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(uri, CancellationToken.None);
        return socket;
    }

    /// <summary>The HTTP status a refused WebSocket handshake got.</summary>
    public static async Task<HttpStatusCode> RefusedHandshakeAsync(Uri uri, string? key)
    {
        using var socket = new ClientWebSocket();
        if (key is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        }

        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAnyAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
        return socket.HttpStatusCode;
    }

    public static Task SendTextAsync(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next text message as JSON (fails on close or after 30 s).</summary>
    public static async Task<JsonElement> ReceiveJsonAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
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

    /// <summary>Reads until the server closes (or <paramref name="within"/> passes): the messages, and the close status and reason.</summary>
    public static async Task<(List<JsonElement> Messages, WebSocketCloseStatus? Status, string? Reason)> UntilClosedAsync(WebSocket socket, TimeSpan within)
    {
        var messages = new List<JsonElement>();
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[1 << 20];
        var length = 0;
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
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
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // Aborted or timed out: the caller asserts on the status.
        }

        return (messages, socket.CloseStatus, socket.CloseStatusDescription);
    }

    /// <summary>Asserts <paramref name="response"/> is an RFC 9457 problem with <paramref name="status"/>; returns its detail.</summary>
    public static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} instead of {(int)status}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal((int)status, json.RootElement.GetProperty("status").GetInt32());
        return json.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : "";
    }

    /// <summary>
    /// A normal request with <paramref name="key"/> and a health probe, each within <paramref name="bound"/>: the
    /// server stays responsive for others while an attack runs (a liveness bound, not a speed figure).
    /// </summary>
    public static async Task AssertResponsiveAsync(Uri address, Guid project, string key, TimeSpan bound)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = bound };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/projects/{project}/recordings?limit=1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    /// <summary>A raw TCP connection to the server (for clients no HTTP library would be).</summary>
    public static async Task<TcpClient> TcpAsync(Uri address)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(address.Host, address.Port);
        return tcp;
    }

    /// <summary>Whether the server has closed <paramref name="tcp"/> (a read returns 0 or fails) within <paramref name="within"/>.</summary>
    public static async Task<bool> ClosedByServerAsync(TcpClient tcp, TimeSpan within)
    {
        var stream = tcp.GetStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(within);
        try
        {
            while (true)
            {
                if (await stream.ReadAsync(buffer, timeout.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>A GET sent exactly as written (no client-side normalisation); the status and body.</summary>
    public static Task<(int Status, string Body)> RawGetAsync(Uri address, string rawPath, string? key) => RawAsync(address, "GET", rawPath, key);

    /// <summary>A bodiless request sent exactly as written (no client-side normalisation of the path); the status and body.</summary>
    public static async Task<(int Status, string Body)> RawAsync(Uri address, string method, string rawPath, string? key)
    {
        using var tcp = await TcpAsync(address);
        var stream = tcp.GetStream();
        var request = $"{method} {rawPath} HTTP/1.1\r\nHost: {address.Authority}\r\n" + (key is null ? "" : $"Authorization: Bearer {key}\r\n") + "Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var response = await reader.ReadToEndAsync(timeout.Token);
        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var at = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, at < 0 ? "" : response[(at + 4)..]);
    }

    /// <summary>
    /// Reads one HTTP/1.1 response from <paramref name="stream"/> (status line, headers, a Content-Length, chunked or
    /// read-to-close body) without waiting for the connection to close; fails if it has not arrived within <paramref name="within"/>.
    /// </summary>
    public static async Task<(int Status, string Body)> ReadResponseAsync(Stream stream, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        int headEnd;
        while ((headEnd = IndexOf(received, "\r\n\r\n"u8)) < 0)
        {
            var n = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(n > 0, "the server closed the connection without a complete response");
            received.Write(buffer, 0, n);
        }

        var head = Encoding.ASCII.GetString(received.GetBuffer(), 0, headEnd);
        var status = int.Parse(head.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var lines = head.Split("\r\n");
        var length = lines.Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Select(p => (int?)int.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        var chunked = lines.Any(l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && l.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        bool Complete() => length is { } l ? received.Length - headEnd - 4 >= l : chunked && IndexOf(received, "\r\n0\r\n\r\n"u8) >= 0;
        while (!Complete())
        {
            var n = await stream.ReadAsync(buffer, timeout.Token);
            if (n == 0)
            {
                break;
            }

            received.Write(buffer, 0, n);
        }

        return (status, Encoding.UTF8.GetString(received.GetBuffer(), headEnd + 4, (int)received.Length - headEnd - 4));
    }

    private static int IndexOf(MemoryStream stream, ReadOnlySpan<byte> pattern) => stream.GetBuffer().AsSpan(0, (int)stream.Length).IndexOf(pattern);

    /// <summary>A tiny real PNG (16x16 grey).</summary>
    public static byte[] SmallPng()
    {
        using var image = new OpenCvSharp.Mat(16, 16, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(128));
        return image.ImEncode(".png");
    }
}
