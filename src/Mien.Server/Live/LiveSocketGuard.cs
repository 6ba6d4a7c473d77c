using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Features;

namespace Mien.Server.Live;

/// <summary>
/// Bounds what one live client can make the server do, below the protocol: at most
/// <see cref="ServerOptions.LiveMessagesPerSecond"/> messages a second (a token bucket holding two seconds' worth,
/// so a burst after a network hiccup passes) and no silence longer than <see cref="ServerOptions.LiveIdleTimeout"/>.
/// A client over either bound gets a close frame with 1008 (policy violation) and its reason, and the session ends
/// as if the client had closed: frames already queued are finished, the slot is freed.
/// </summary>
/// <remarks>
/// Installed as a decorator of the request's WebSocket feature (see <see cref="Install"/>), so the session code
/// reads an ordinary <see cref="WebSocket"/> and needs no hook of its own.
/// </remarks>
internal sealed class LiveSocketGuard : WebSocket
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);
    private readonly WebSocket _inner;
    private readonly double _rate;
    private readonly double _burst;
    private readonly TimeSpan _idle;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _lastRefill;

    private LiveSocketGuard(WebSocket inner, ServerOptions options)
    {
        _inner = inner;
        _rate = options.LiveMessagesPerSecond;
        _burst = 2.0 * options.LiveMessagesPerSecond;
        _tokens = _burst;
        _idle = options.LiveIdleTimeout;
        _time = TimeProvider.System;
        _lastRefill = _time.GetTimestamp();
    }

    /// <summary>Why the guard closed the socket, or null.</summary>
    public string? Violation { get; private set; }

    /// <summary>Makes the WebSocket this request accepts a guarded one.</summary>
    public static void Install(HttpContext context, ServerOptions options)
    {
        if (context.Features.Get<IHttpWebSocketFeature>() is { } feature)
        {
            context.Features.Set<IHttpWebSocketFeature>(new Feature(feature, options));
        }
    }

    public override WebSocketCloseStatus? CloseStatus => _inner.CloseStatus;

    public override string? CloseStatusDescription => _inner.CloseStatusDescription;

    public override WebSocketState State => _inner.State;

    public override string? SubProtocol => _inner.SubProtocol;

    public override void Abort() => _inner.Abort();

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        _inner.CloseAsync(closeStatus, statusDescription, cancellationToken);

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        _inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    public override void Dispose() => _inner.Dispose();

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        _inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        _inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage, CloseStatus, CloseStatusDescription);
    }

    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (Violation is not null)
        {
            return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, true);
        }

        var pending = _inner.ReceiveAsync(buffer, cancellationToken);
        ValueWebSocketReceiveResult result;
        if (pending.IsCompleted)
        {
            result = pending.Result;
        }
        else
        {
            var receive = pending.AsTask();
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var finished = await Task.WhenAny(receive, Task.Delay(_idle, idle.Token)).ConfigureAwait(false);
            await idle.CancelAsync().ConfigureAwait(false);
            if (finished != receive)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return await ViolateAsync($"no message for {_idle.TotalSeconds:0.#} s (LiveIdleTimeout)", receive).ConfigureAwait(false);
            }

            result = await receive.ConfigureAwait(false);
        }

        if (result.MessageType != WebSocketMessageType.Close && result.EndOfMessage && !TakeToken())
        {
            return await ViolateAsync($"more than {_rate:0} messages a second (LiveMessagesPerSecond)", null).ConfigureAwait(false);
        }

        return result;
    }

    private bool TakeToken()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_lastRefill, now).TotalSeconds * _rate));
        _lastRefill = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }

    /// <summary>Sends 1008 with the reason, waits briefly for the client's close, and reports the socket closed to the session.</summary>
    private async Task<ValueWebSocketReceiveResult> ViolateAsync(string reason, Task<ValueWebSocketReceiveResult>? pending)
    {
        Violation = reason;
        using var grace = new CancellationTokenSource(CloseGrace);
        try
        {
            await _inner.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, reason, grace.Token).ConfigureAwait(false);
            // Drain until the client's close frame (or the grace runs out): whatever it still sends is ignored.
            var drain = new byte[4096];
            while (true)
            {
                var next = pending is not null ? await pending.WaitAsync(grace.Token).ConfigureAwait(false) : await _inner.ReceiveAsync(drain.AsMemory(), grace.Token).ConfigureAwait(false);
                pending = null;
                if (next.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException)
        {
            _inner.Abort();
        }

        return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, true);
    }

    private sealed class Feature(IHttpWebSocketFeature inner, ServerOptions options) : IHttpWebSocketFeature
    {
        public bool IsWebSocketRequest => inner.IsWebSocketRequest;

        public async Task<WebSocket> AcceptAsync(WebSocketAcceptContext context) => new LiveSocketGuard(await inner.AcceptAsync(context).ConfigureAwait(false), options);
    }
}
