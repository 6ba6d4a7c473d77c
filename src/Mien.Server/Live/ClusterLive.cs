using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Mien.Cluster;
using Mien.Server.Telemetry;

namespace Mien.Server.Live;

/// <summary>
/// The live WebSocket when the server co-hosts a silo (<c>mien serve --cluster</c>): frames are not analysed in this
/// process but sent to the <see cref="ISessionGrain"/> of the session, wherever the cluster placed it (by load, this
/// silo winning ties), and each reply comes back to this socket. Results also reach dashboards on any node through
/// grain observers (<see cref="WatchAsync"/>). A session has an id the client may give again after losing its node:
/// the grain (re-activated from its checkpoint if its silo died) continues it, and the client is told what was lost.
/// </summary>
internal sealed partial class ClusterLive(IGrainFactory grains, ServerOptions options, MienMetrics metrics, ILogger<ClusterLive> log)
{
    /// <summary>How often a dashboard re-subscribes: observers live in the grain's memory, so a re-activated session forgets them.</summary>
    internal static readonly TimeSpan Resubscribe = TimeSpan.FromSeconds(2);

    /// <summary>The grain key of a project's live session (the project in the key: one project cannot reach another's session).</summary>
    public static string Key(Guid project, string session) => $"{project:N}/live/{session}";

    /// <summary>Null when <paramref name="session"/> may name a session, else why not.</summary>
    public static string? CheckId(string session) =>
        session.Length is >= 1 and <= 64 && session.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? null
            : $"session id '{(session.Length > 70 ? session[..64] + "…" : session)}' must be 1–64 letters, digits, '-' or '_'";

    /// <summary>Runs one client connection of a cluster session until the client stops or leaves.</summary>
    public async Task RunAsync(WebSocket socket, byte[] buffer, LiveSessions.Connection connection, Guid project, Guid? subject, LiveResume resume, bool body, string storageNote, CancellationToken aborted)
    {
        var id = resume.Session ?? Guid.NewGuid().ToString("N");
        var grain = grains.GetGrain<ISessionGrain>(Key(project, id));
        SessionOpened opened;
        SessionStatus status;
        try
        {
            // A named subject's session registers with the subject's grain, which ends it on withdrawal or erasure.
            var subjectKey = subject is { } s ? Privacy.StoreSubjectLedger.Key(project, s) : null;
            opened = await grain.OpenAsync(new SessionStart("live", body, Subject: subjectKey)).ConfigureAwait(false);
            status = await grain.StatusAsync().ConfigureAwait(false);
        }
        catch (ClusterFullException e)
        {
            connection.Send(LiveSessions.Error(e.Message, StatusCodes.Status503ServiceUnavailable));
            connection.CloseAfterSending(WebSocketCloseStatus.EndpointUnavailable, "cluster full");
            return;
        }
        catch (Exception e) when (Transient(e))
        {
            connection.Send(LiveSessions.Error("the cluster could not open the session: " + e.Message + "; try again", StatusCodes.Status503ServiceUnavailable));
            connection.CloseAfterSending(WebSocketCloseStatus.EndpointUnavailable, "cluster unavailable");
            return;
        }

        // Frames the client says it sent before this connection that the session has no result for: dropped from a
        // full queue, in flight when a node died, or answered after the last checkpoint of a silo that died.
        var lostBefore = resume.Sent is { } sent ? Math.Max(0, sent - status.FramesAnalysed) : 0;
        connection.Send(Ready(id, opened, status, resume.Sent is null ? null : lostBefore, storageNote));
        var counters = new Counters();
        var queue = Channel.CreateBounded<(long Micros, byte[] Image, long Arrived)>(new BoundedChannelOptions(options.Live.Capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropOldest,
        }, _ => Interlocked.Increment(ref counters.Dropped));
        var forward = Task.Run(() => ForwardAsync(grain, queue.Reader, connection, counters), CancellationToken.None);
        var ended = await ReceiveAsync(socket, buffer, queue.Writer, connection, counters, aborted).ConfigureAwait(false);
        queue.Writer.TryComplete();
        await forward.ConfigureAwait(false);
        metrics.FramesDropped(Interlocked.Read(ref counters.Dropped));
        if (ended is null)
        {
            // The client said stop: the session ends here. A client that only disconnected may resume it.
            try
            {
                await grain.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (Transient(e))
            {
                LogCloseFailed(log, id, e.Message);
            }
        }

        connection.Send(Completed(id, counters, ended is null));
        connection.Complete();
    }

    /// <summary>Reads the socket: image frames into the queue (the oldest dropped when analysis is behind), "stop" ends.</summary>
    private async Task<string?> ReceiveAsync(WebSocket socket, byte[] buffer, ChannelWriter<(long, byte[], long)> queue, LiveSessions.Connection connection, Counters counters, CancellationToken aborted)
    {
        var errors = 0;
        while (true)
        {
            LiveSessions.Message message;
            try
            {
                message = await LiveSessions.ReceiveAsync(socket, buffer, aborted).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                return "the client disconnected";
            }

            string? problem = null;
            switch (message.Kind)
            {
                case LiveSessions.MessageKind.Closed:
                    return "the client closed the connection";
                case LiveSessions.MessageKind.TooBig:
                    problem = $"message exceeds {options.MaxWebSocketMessageBytes} bytes";
                    break;
                case LiveSessions.MessageKind.Text:
                    if (LiveSessions.IsStop(buffer.AsSpan(0, message.Length)))
                    {
                        return null;
                    }

                    problem = "expected a binary frame or {\"type\":\"stop\"}";
                    break;
                case LiveSessions.MessageKind.Binary:
                    var span = buffer.AsSpan(0, message.Length);
                    if (span.Length < 9 || span[0] != LiveSessions.ImageFrame)
                    {
                        problem = span.Length >= 9 && span[0] == LiveSessions.AudioChunk
                            ? "audio is not analysed in a cluster session (the grains carry frames only); leave \"audio\" out"
                            : "expected an image frame: [1][int64 LE microseconds][JPEG or PNG]";
                        break;
                    }

                    var micros = BinaryPrimitives.ReadInt64LittleEndian(span[1..9]);
                    if (micros is < 0 or > 7L * 24 * 3600 * 1_000_000)
                    {
                        problem = $"timestamp {micros} µs is outside 0 .. 7 days";
                        break;
                    }

                    Interlocked.Increment(ref counters.Received);
                    // Copied out of the shared receive buffer: the frame crosses to another silo as its own message.
                    queue.TryWrite((micros, span[9..].ToArray(), Stopwatch.GetTimestamp()));
                    break;
                default:
                    break;
            }

            if (problem is not null)
            {
                connection.Send(LiveSessions.Error(problem));
                if (++errors >= 50)
                {
                    connection.Send(LiveSessions.Error("50 malformed messages: closing"));
                    return "too many malformed messages";
                }
            }
        }
    }

    /// <summary>One frame at a time to the grain (it analyses a session's frames in order anyway); replies to the socket.</summary>
    private async Task ForwardAsync(ISessionGrain grain, ChannelReader<(long Micros, byte[] Image, long Arrived)> queue, LiveSessions.Connection connection, Counters counters)
    {
        await foreach (var (micros, image, arrived) in queue.ReadAllAsync().ConfigureAwait(false))
        {
            FrameReply reply;
            try
            {
                // The client's timestamp is the sequence: it increases per session on every connection, so a frame
                // sent again after a reconnect is recognised as answered (Duplicate) instead of analysed twice.
                reply = await grain.AnalyzeAsync(new FrameMessage(micros, TimeSpan.FromMicroseconds(micros), image)).ConfigureAwait(false);
            }
            catch (Exception e) when (Transient(e))
            {
                // The silo holding the session died with this frame in flight; the next frame re-activates the
                // session on a live silo from its checkpoint.
                Interlocked.Increment(ref counters.LostInFlight);
                metrics.ClusterFrameLost();
                connection.Send(LiveSessions.Error($"frame at {micros} µs lost in flight ({e.GetType().Name}): the session continues on another silo"));
                continue;
            }

            var latency = Stopwatch.GetElapsedTime(arrived).TotalMilliseconds;
            switch (reply.Outcome)
            {
                case FrameOutcome.Analysed:
                    Interlocked.Increment(ref counters.Analysed);
                    metrics.FrameAnalysed("live", 1);
                    metrics.LiveLatency(latency);
                    connection.SendFrame(WithLiveFields(reply, latency, counters));
                    break;
                case FrameOutcome.Duplicate:
                    Interlocked.Increment(ref counters.Duplicates);
                    break;
                case FrameOutcome.Ended:
                    // Consent to analysis withdrawn or the subject erased (through any node): nothing more is analysed.
                    connection.Send(LiveSessions.Error("the session ended: " + reply.Problem, StatusCodes.Status403Forbidden));
                    connection.CloseAfterSending(WebSocketCloseStatus.PolicyViolation, "session ended");
                    return;
                default:
                    connection.Send(LiveSessions.Error($"frame at {micros} µs refused: {reply.Problem}"));
                    break;
            }
        }
    }

    /// <summary>
    /// A dashboard on this node: every analysed frame of the session, wherever it runs, as the live client gets it
    /// (a slow dashboard loses results, counted; it never slows the session). Ends when the session is closed.
    /// </summary>
    public async Task WatchAsync(HttpContext context, Guid project, string session)
    {
        if (CheckId(session) is { } bad)
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request", bad).ConfigureAwait(false);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request", "this endpoint speaks WebSocket only").ConfigureAwait(false);
            return;
        }

        var grain = grains.GetGrain<ISessionGrain>(Key(project, session));
        if (!(await grain.StatusAsync().ConfigureAwait(false)).Exists)
        {
            // Asking activated an empty grain and placement reserved it a slot: give the slot back.
            await grain.CloseAsync().ConfigureAwait(false);
            await Problems.WriteAsync(context, StatusCodes.Status404NotFound, "Not found", $"no live session '{session}' in this project").ConfigureAwait(false);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var connection = new LiveSessions.Connection(socket, metrics);
        var sender = connection.SendLoopAsync(context.RequestAborted);
        var watcher = new Watcher(connection);
        var reference = grains.CreateObjectReference<IResultObserver>(watcher);
        try
        {
            connection.Send(LiveSessions.Json(w =>
            {
                w.WriteString("type", "watching");
                w.WriteString("session", session);
            }));
            // Until the session closes or the dashboard leaves (a receive returning means it closed or sent something).
            var receive = socket.ReceiveAsync(new byte[256], context.RequestAborted);
            while (!watcher.Closed.IsCompleted && !receive.IsCompleted)
            {
                try
                {
                    // Bounded: a call caught by a silo that is going away must not hold the dashboard for the
                    // messaging timeout (30 s) while the session continues elsewhere.
                    if (!(await grain.StatusAsync().WaitAsync(Resubscribe * 2).ConfigureAwait(false)).Exists)
                    {
                        // Closed while this dashboard was not subscribed (e.g. during a failover): the question
                        // activated an empty grain, whose slot goes back.
                        await grain.CloseAsync().WaitAsync(Resubscribe * 2).ConfigureAwait(false);
                        break;
                    }

                    await grain.SubscribeAsync(reference).WaitAsync(Resubscribe * 2).ConfigureAwait(false);
                }
                catch (Exception e) when (Transient(e))
                {
                    // Its silo is being replaced; the next round subscribes to the re-activated session.
                }

                await Task.WhenAny(watcher.Closed, receive, Task.Delay(Resubscribe)).ConfigureAwait(false);
            }

            connection.Send(LiveSessions.Json(w =>
            {
                w.WriteString("type", "completed");
                w.WriteString("session", session);
                w.WriteNumber("framesShown", watcher.Frames);
            }));
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            try
            {
                await grain.UnsubscribeAsync(reference).ConfigureAwait(false);
            }
            catch (Exception e) when (Transient(e))
            {
            }

            grains.DeleteObjectReference<IResultObserver>(reference);
            connection.Complete();
            await sender.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// This node's silo and the cluster as membership sees it, with every silo's last figures and totals over the
    /// active ones (one call to the health grain, which every silo reports to).
    /// </summary>
    public async Task<IResult> HealthAsync(ILocalSiloDetails local)
    {
        var health = await grains.GetGrain<IClusterHealthGrain>(0).HealthAsync().ConfigureAwait(false);
        var self = local.SiloAddress.ToString();
        return TypedResults.Ok(new
        {
            silo = health.Silos.FirstOrDefault(s => s.Silo == self) ?? new SiloHealth(self, "Unknown", null),
            cluster = new
            {
                health.ActiveSilos,
                health.ActiveSessions,
                health.Capacity,
                health.FramesPerSecond,
                health.FramesAnalysed,
                health.Refusals,
                health.Reactivations,
            },
            silos = health.Silos,
        });
    }

    /// <summary>Failures of the cluster rather than of the request: a dead silo, a lost message, a timeout.</summary>
    private static bool Transient(Exception e) => e is OrleansException or TimeoutException or OperationCanceledException;

    /// <summary>The grain's result JSON with the live fields spliced in before its closing brace (no re-parse per frame).</summary>
    private static byte[] WithLiveFields(FrameReply reply, double latency, Counters counters)
    {
        var json = reply.Json.AsSpan();
        var end = json.LastIndexOf((byte)'}');
        var extra = Encoding.UTF8.GetBytes(FormattableString.Invariant(
            $",\"latencyMs\":{Math.Round(latency, 1)},\"dropped\":{Interlocked.Read(ref counters.Dropped)},\"lostInFlight\":{Interlocked.Read(ref counters.LostInFlight)},\"silo\":\"{reply.Silo}\"}}"));
        var message = new byte[end + extra.Length];
        json[..end].CopyTo(message);
        extra.CopyTo(message.AsSpan(end));
        return message;
    }

    private byte[] Ready(string id, SessionOpened opened, SessionStatus status, long? lostBefore, string storageNote) => LiveSessions.Json(w =>
    {
        w.WriteString("type", "ready");
        w.WriteString("schema", Mien.Reports.ResultJsonEncoder.Schema);
        w.WriteString("mode", "ephemeral");
        w.WriteString("storage", storageNote);
        w.WriteString("session", id);
        w.WriteString("silo", opened.Silo);
        w.WriteBoolean("resumed", opened.Resumed);
        w.WriteNumber("activations", opened.Activations);
        w.WriteNumber("framesAnalysed", status.FramesAnalysed);
        w.WriteNumber("lastAnsweredUs", opened.LastSequence);
        w.WriteNumber("people", status.People.Count);
        if (lostBefore is { } lost)
        {
            w.WriteNumber("framesLost", lost);
        }

        w.WriteStartObject("limits");
        w.WriteNumber("maxFrameBytes", options.Live.MaxEncodedBytes);
        w.WriteNumber("maxSide", options.Live.MaxSide);
        w.WriteNumber("queue", options.Live.Capacity);
        w.WriteEndObject();
    });

    private static byte[] Completed(string id, Counters c, bool closed) => LiveSessions.Json(w =>
    {
        w.WriteString("type", "completed");
        w.WriteString("session", id);
        w.WriteString("end", closed ? "stopped" : "disconnected");
        w.WriteNumber("framesReceived", Interlocked.Read(ref c.Received));
        w.WriteNumber("framesAnalysed", Interlocked.Read(ref c.Analysed));
        w.WriteNumber("framesDropped", Interlocked.Read(ref c.Dropped));
        w.WriteNumber("framesLostInFlight", Interlocked.Read(ref c.LostInFlight));
        w.WriteNumber("framesDuplicate", Interlocked.Read(ref c.Duplicates));
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster session {Session} could not be closed: {Reason}")]
    private static partial void LogCloseFailed(ILogger logger, string session, string reason);

    /// <summary>A connection's frame counts (fields: updated with Interlocked from the two loops).</summary>
    private sealed class Counters
    {
        public long Received;
        public long Analysed;
        public long Dropped;
        public long LostInFlight;
        public long Duplicates;
    }

    /// <summary>Forwards a session's results to a dashboard's socket.</summary>
    private sealed class Watcher(LiveSessions.Connection connection) : IResultObserver
    {
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _frames;

        public Task Closed => _closed.Task;

        public long Frames => Interlocked.Read(ref _frames);

        public Task OnFrame(string session, FrameReply reply)
        {
            if (reply.Outcome == FrameOutcome.Analysed)
            {
                Interlocked.Increment(ref _frames);
                connection.SendFrame(reply.Json);
            }

            return Task.CompletedTask;
        }

        public Task OnClosed(string session)
        {
            _closed.TrySetResult();
            return Task.CompletedTask;
        }
    }
}

/// <summary>What a live client's start message says about continuing a cluster session.</summary>
/// <param name="Session">The session to continue (null: a new one).</param>
/// <param name="Sent">Frames the client sent in earlier connections of the session, so the server can tell it how many have no result.</param>
internal sealed record LiveResume(string? Session, long? Sent);
