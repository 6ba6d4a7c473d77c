using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mien.Packages.Tests.Infrastructure;

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 that plays an npm registry: it serves the bodies registered for exact paths,
/// answers 404 for everything else, and can misbehave on purpose (cut a body short, never answer).
/// Written on a raw socket rather than HttpListener so the misbehaviour is byte-exact.
/// </summary>
internal sealed class LoopbackRegistry : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _acceptLoop;

    private static readonly Route NotFound = new(404, "{\"error\":\"Not found\"}"u8.ToArray(), 21, 21, Hang: false, null);

    public LoopbackRegistry()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The registry address to put in <see cref="NpmStoreOptions.Registry"/>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Raw request targets in arrival order (as sent, not percent-decoded).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Serves <paramref name="body"/> with status 200 and a correct Content-Length.</summary>
    public void Serve(string path, byte[] body) => _routes[path] = new Route(200, body, body.Length, body.Length, Hang: false, null);

    /// <summary>Announces the whole body's length but closes the connection after <paramref name="sentBytes"/> bytes.</summary>
    public void ServeTruncated(string path, byte[] body, int sentBytes) =>
        _routes[path] = new Route(200, body, body.Length, sentBytes, Hang: false, null);

    /// <summary>Answers with <paramref name="status"/> and a short text body.</summary>
    public void ServeStatus(string path, int status)
    {
        var body = Encoding.ASCII.GetBytes($"status {status}\n");
        _routes[path] = new Route(status, body, body.Length, body.Length, Hang: false, null);
    }

    /// <summary>Accepts the request, signals <paramref name="received"/>, and never answers.</summary>
    public void ServeNothing(string path, TaskCompletionSource received) =>
        _routes[path] = new Route(200, [], 0, 0, Hang: true, received);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await Task.WhenAll([_acceptLoop, .. _connections]);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _connections.Add(HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var target = await ReadRequestTargetAsync(stream, _stop.Token);
                if (target is null)
                {
                    return;
                }

                Requests.Enqueue(target);
                var route = _routes.TryGetValue(target, out var found) ? found : NotFound;

                if (route.Hang)
                {
                    route.Received?.TrySetResult();
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }

                var head = $"HTTP/1.1 {route.Status} {ReasonPhrase(route.Status)}\r\n"
                    + "Content-Type: application/octet-stream\r\n"
                    + $"Content-Length: {route.DeclaredLength}\r\n"
                    + "Connection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(route.Body.AsMemory(0, route.SentLength), _stop.Token);
                await stream.FlushAsync(_stop.Token);
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // The client went away or the server is stopping.
            }
        }
    }

    private static async Task<string?> ReadRequestTargetAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return null;
            }

            length += read;
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var requestLine = text[..text.IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');
                return requestLine.Length == 3 ? requestLine[1] : null;
            }
        }

        return null;
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };

    private sealed record Route(int Status, byte[] Body, long DeclaredLength, int SentLength, bool Hang, TaskCompletionSource? Received);
}
