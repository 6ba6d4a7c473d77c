using System.Buffers;
using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Mien.Media;
using Mien.Reports;
using Mien.Results;
using Mien.Privacy;
using Mien.Server.Jobs;
using Mien.Server.Privacy;
using Mien.Server.Telemetry;
using Mien.Sessions;
using Mien.Storage;

namespace Mien.Server.Live;

/// <summary>
/// The live WebSocket (protocol in docs/live-protocol.md): a client sends a start message with its options, then
/// JPEG/PNG frames as binary messages carrying its own timestamps; the server answers every analysed frame with its
/// results in the public schema, its server-side latency and how many frames were dropped. Analysis never queues
/// without bound: frames wait in a queue of <see cref="PushFrameSourceOptions.Capacity"/> and the oldest is dropped
/// when the client sends faster than the server analyses; results the client does not read fast enough are dropped
/// the same way (counted). A client that disconnects mid-frame ends its session cleanly.
/// </summary>
internal sealed partial class LiveSessions(MienRuntime runtime, ServerOptions options, MienMetrics metrics, IMienStore store, ConsentGate gate, ProcessingRegistry registry, ILogger<LiveSessions> log, IServiceProvider services)
{
    /// <summary>Binary message kind: an encoded image frame.</summary>
    public const byte ImageFrame = 1;

    /// <summary>Binary message kind: PCM16 LE mono audio at the rate the start message declared.</summary>
    public const byte AudioChunk = 2;

    /// <summary>Audio rates a live client may declare, Hz.</summary>
    public const int MinAudioRate = 8_000, MaxAudioRate = 48_000;

    private const int HeaderBytes = 9;
    private const int MaxProtocolErrors = 50;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private int _open;

    /// <summary>Set when the server co-hosts a silo (<c>--cluster</c>): sessions then run in grains (see <see cref="ClusterLive"/>).</summary>
    private readonly ClusterLive? _cluster = services.GetService<IGrainFactory>() is { } grains ? ActivatorUtilities.CreateInstance<ClusterLive>(services, grains) : null;

    /// <summary>The cluster side of live sessions, or null on a single node.</summary>
    public ClusterLive? Cluster => _cluster;

    public async Task HandleAsync(HttpContext context, ApiKeyIdentity identity)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request", "this endpoint speaks WebSocket only (see docs/live-protocol.md)").ConfigureAwait(false);
            return;
        }

        if (runtime.NotReady is { } why)
        {
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Not ready", why).ConfigureAwait(false);
            return;
        }

        if (Interlocked.Increment(ref _open) > options.MaxLiveSessions)
        {
            Interlocked.Decrement(ref _open);
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Too many live sessions",
                $"the server already runs {options.MaxLiveSessions} live sessions (MaxLiveSessions); try again later").ConfigureAwait(false);
            return;
        }

        metrics.LiveStarted();
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            await RunAsync(socket, identity, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            LogClientGone(log, e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
            metrics.LiveEnded();
        }
    }

    private async Task RunAsync(WebSocket socket, ApiKeyIdentity identity, CancellationToken aborted)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(options.MaxWebSocketMessageBytes);
        try
        {
            var connection = new Connection(socket, metrics);
            var sender = connection.SendLoopAsync(aborted);
            var request = await ReadStartAsync(socket, buffer, connection, aborted).ConfigureAwait(false);
            if (request is null)
            {
                connection.Complete();
                await sender.ConfigureAwait(false);
                await CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, "no valid start message").ConfigureAwait(false);
                return;
            }

            var (analysis, keep, audioRate, subject, resume) = request.Value;
            var (plan, refusal) = await PlanAsync(identity, analysis, audioRate is not null, keep, subject, aborted).ConfigureAwait(false);
            if (plan is null || (_cluster is null && resume.Session is not null) || (_cluster is not null && audioRate is not null))
            {
                refusal ??= new Refusal(StatusCodes.Status400BadRequest, "Bad request", _cluster is null
                    ? "\"session\" continues a cluster session: this server runs on its own (start it with --cluster)"
                    : "audio is not analysed in a cluster session (the grains carry frames only); leave \"audio\" out");
                connection.Send(Error(refusal.Detail, refusal.Status));
                connection.Complete();
                await sender.ConfigureAwait(false);
                await CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, refusal.Title).ConfigureAwait(false);
                return;
            }

            if (_cluster is not null)
            {
                // Consent and purpose were checked here as on one node; the frames go to the session's grain.
                await _cluster.RunAsync(socket, buffer, connection, identity.ProjectId, plan.SubjectId, resume, analysis.Body == true, plan.Measurements
                    ? "ephemeral: sessions routed through the cluster are not stored yet, even with consent to store"
                    : "ephemeral: results go to this connection and the session's dashboards only; nothing is stored", aborted).ConfigureAwait(false);
                await sender.ConfigureAwait(false);
                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "session completed").ConfigureAwait(false);
                }

                return;
            }

            await using var push = new PushFrameSource("live", options.Live);
            var audio = audioRate is { } rate ? new AudioPushSource(rate) : null;
            var sessionOptions = await Privacy.SubjectRecognition.ApplyAsync(analysis.ToSession(live: true, null), analysis, store, identity.ProjectId, null, aborted).ConfigureAwait(false);
            await using var session = audio is null
                ? await AnalysisSession.CreateAsync(runtime.Models, push, sessionOptions, null, options.Time, aborted).ConfigureAwait(false)
                : await AnalysisSession.CreateAsync(runtime.Models, push, audio, await runtime.VoiceAsync().ConfigureAwait(false), sessionOptions, options.Time, aborted).ConfigureAwait(false);
            // Ephemeral unless the subject's consent covers storing: then no recording row, no writer, nothing on disk.
            var recording = plan.Measurements ? await StartRecordingAsync(identity, analysis, plan.SubjectId).ConfigureAwait(false) : null;
            await using var writer = recording is null ? null : await store.OpenWriterAsync(recording.Id, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            using var database = writer is null ? null : new DatabaseSink(writer);
            var stored = database is null ? null : new GatedSink(database);
            var skin = plan.SkinProfile && analysis.Skin == true ? new GatedSink(new SkinProfileSink(store, identity.ProjectId, plan.SubjectId!.Value, recording?.Id, options.Time)) : null;
            using var live = new LiveSink(connection, push, metrics, options.Time);
            var alerts = await LiveAlertSink.CreateAsync(store, identity.ProjectId, connection, aborted).ConfigureAwait(false);
            connection.Send(Ready(recording?.Id, audio, plan));

            using var stop = new CancellationTokenSource();
            // The writer is completed by the session's end or flushed by a withdrawal, never both at once.
            using var writerTurn = new SemaphoreSlim(1, 1);
            var consentWithdrawn = false;
            // A withdrawal closes the storing sinks and flushes what they queued before the erasure runs; withdrawing
            // analysis (or measurements) also ends the session at once.
            using var registration = plan.SubjectId is { } subjectId
                ? registry.Register(identity.ProjectId, subjectId, async scope =>
                {
                    if (scope is ConsentScope.SkinProfile or ConsentScope.Analysis)
                    {
                        skin?.Close();
                    }

                    if (scope is ConsentScope.Measurements or ConsentScope.Analysis)
                    {
                        skin?.Close();
                        await writerTurn.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                        try
                        {
                            // Unless the session already completed its writer: then everything is committed.
                            if (stored is { IsOpen: true })
                            {
                                stored.Close();
                                await writer!.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                            }
                        }
                        finally
                        {
                            writerTurn.Release();
                        }
                    }

                    if (scope == ConsentScope.Analysis && !consentWithdrawn)
                    {
                        // Stop analysing now; tell the client why and close from our side (cancelling the pending
                        // receive would abort the socket without a reason).
                        consentWithdrawn = true;
                        await stop.CancelAsync().ConfigureAwait(false);
                        push.Complete("the subject withdrew consent");
                        connection.Send(Error("the subject withdrew consent: analysis stopped and what was stored of this session is erased", StatusCodes.Status403Forbidden));
                        connection.CloseAfterSending(WebSocketCloseStatus.PolicyViolation, "consent withdrawn");
                    }
                })
                : null;
            var recognitions = new RecognitionAuditSink(store, identity.ProjectId, recording?.Id);
            IAnalysisSink[] sinks = [live, alerts, recognitions, .. stored is null ? Array.Empty<IAnalysisSink>() : [stored], .. skin is null ? Array.Empty<IAnalysisSink>() : [skin]];
            var frames = 0L;
            var run = Task.Run(() => session.RunAsync(sinks, p => { metrics.FrameAnalysed("live", p.FramesAnalysed - frames); frames = p.FramesAnalysed; }, stop.Token), CancellationToken.None);
            var ended = await ReceiveFramesAsync(socket, buffer, push, audio, live, connection, aborted).ConfigureAwait(false);
            push.Complete(ended);
            var completed = await run.ConfigureAwait(false);
            await recognitions.FlushAsync().ConfigureAwait(false);
            metrics.Stages(completed.Summary.Stages);
            metrics.FramesDropped(push.Dropped);
            await writerTurn.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                // A withdrawal closed the gate (and the erasure took the recording): nothing to complete then.
                if (writer is not null && recording is not null && stored is { IsOpen: true })
                {
                    stored.Close();
                    await writer.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
                    await store.FinishAsync(recording.Id, RecordingStatus.Done, null, completed.Summary.FramesAnalysed, null, CancellationToken.None).ConfigureAwait(false);
                }
            }
            finally
            {
                writerTurn.Release();
            }

            if (consentWithdrawn)
            {
                await sender.ConfigureAwait(false);
                return;
            }

            connection.Send(Completed(completed, live.Unsent));
            connection.Complete();
            await sender.ConfigureAwait(false);
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "session completed").ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The project's purpose rules, then the subject's consent, decide whether the session may run and what it may store.</summary>
    private async Task<(StoragePlan? Plan, Refusal? Refusal)> PlanAsync(ApiKeyIdentity identity, AnalysisRequest analysis, bool audio, bool keep, Guid? subject, CancellationToken ct)
    {
        if (await store.GetProjectAsync(identity.ProjectId, ct).ConfigureAwait(false) is not { } project)
        {
            return (null, new Refusal(StatusCodes.Status404NotFound, "Not found", "no such project"));
        }

        // Declared audio is analysed by the voice model (arousal, valence) whatever "voice" says, so the purpose rules
        // judge it as voice emotion inference (ConsentAttacks.Emotion_inference_cannot_be_smuggled…).
        if (ConsentGate.CheckPurpose(project, audio ? analysis with { Voice = true } : analysis) is { } refusal)
        {
            return (null, audio ? refusal with { Detail = refusal.Detail + " Declared audio is analysed for voice emotion: leave \"audio\" out of the start message." } : refusal);
        }

        return await gate.PlanAsync(project, subject, keep, requireStore: false, ct).ConfigureAwait(false);
    }

    private async Task<Recording> StartRecordingAsync(ApiKeyIdentity identity, AnalysisRequest analysis, Guid? subject)
    {
        var recording = await store.CreateRecordingAsync(new NewRecording(identity.ProjectId, "live", SourceKind.Live, subject, OptionsJson: JsonSerializer.Serialize(analysis, DatabaseSink.Json)), CancellationToken.None).ConfigureAwait(false);
        await store.TryStartAsync(recording.Id, CancellationToken.None).ConfigureAwait(false);
        return recording;
    }

    /// <summary>Waits for the start message (text); a binary frame first means "start with the defaults".</summary>
    private async Task<(AnalysisRequest Request, bool Store, int? AudioRate, Guid? Subject, LiveResume Resume)?> ReadStartAsync(WebSocket socket, byte[] buffer, Connection connection, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(StartTimeout);
        for (var errors = 0; errors < 3; errors++)
        {
            Message message;
            try
            {
                message = await ReceiveAsync(socket, buffer, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
            {
                connection.Send(Error("no start message within 10 s"));
                return null;
            }

            switch (message.Kind)
            {
                case MessageKind.Closed:
                    return null;
                case MessageKind.TooBig:
                    connection.Send(Error($"message exceeds {options.MaxWebSocketMessageBytes} bytes"));
                    continue;
                case MessageKind.Text:
                    var (request, store, audioRate, subject, problem) = ParseStart(buffer.AsSpan(0, message.Length));
                    if (request is not null)
                    {
                        var (resume, resumeProblem) = ParseResume(buffer.AsSpan(0, message.Length));
                        if (resume is not null)
                        {
                            return (request, store, audioRate, subject, resume);
                        }

                        problem = resumeProblem;
                    }

                    connection.Send(Error(problem!));
                    continue;
                default:
                    connection.Send(Error("send a start message first: {\"type\":\"start\",\"options\":{…}}"));
                    continue;
            }
        }

        return null;
    }

    private (AnalysisRequest? Request, bool Store, int? AudioRate, Guid? Subject, string? Problem) ParseStart(ReadOnlySpan<byte> text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "start")
            {
                return (null, false, null, null, "the first message must be {\"type\":\"start\",\"options\":{…}}");
            }

            var request = root.TryGetProperty("options", out var o) && o.ValueKind == JsonValueKind.Object
                ? o.Deserialize<AnalysisRequest>(DatabaseSink.Json) ?? new AnalysisRequest()
                : new AnalysisRequest();
            request.Validate();
            var store = root.TryGetProperty("store", out var s) && s.ValueKind == JsonValueKind.True;
            int? audioRate = null;
            if (root.TryGetProperty("audio", out var a) && a.ValueKind != JsonValueKind.Null)
            {
                if (a.ValueKind != JsonValueKind.Object || !a.TryGetProperty("sampleRate", out var r) || !r.TryGetInt32(out var rate))
                {
                    return (null, false, null, null, "invalid start message: \"audio\" must be {\"sampleRate\": <Hz>} (PCM16 LE mono)");
                }

                if (rate is < MinAudioRate or > MaxAudioRate)
                {
                    return (null, false, null, null, $"invalid start message: audio sampleRate = {rate}: must be between {MinAudioRate} and {MaxAudioRate} Hz");
                }

                Voice.VoiceStream.ValidateSampleRate(rate);
                audioRate = rate;
            }

            Guid? subject = null;
            if (root.TryGetProperty("subject", out var subjectProperty) && subjectProperty.ValueKind != JsonValueKind.Null)
            {
                if (subjectProperty.ValueKind != JsonValueKind.String || !Guid.TryParse(subjectProperty.GetString(), out var parsed))
                {
                    return (null, false, null, null, "invalid start message: \"subject\" must be a subject id (GUID) of this project");
                }

                subject = parsed;
            }

            return (request, store, audioRate, subject, null);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return (null, false, null, null, "invalid start message: " + e.Message);
        }
    }

    /// <summary>The start message's optional "session" (a cluster session to continue) and "sent" (frames sent in its earlier connections).</summary>
    private static (LiveResume? Resume, string? Problem) ParseResume(ReadOnlySpan<byte> text)
    {
        using var doc = JsonDocument.Parse(text.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        string? session = null;
        long? sent = null;
        if (doc.RootElement.TryGetProperty("session", out var s) && s.ValueKind != JsonValueKind.Null)
        {
            if (s.ValueKind != JsonValueKind.String)
            {
                return (null, "invalid start message: \"session\" must be a string");
            }

            if (ClusterLive.CheckId(s.GetString()!) is { } bad)
            {
                return (null, "invalid start message: " + bad);
            }

            session = s.GetString();
        }

        if (doc.RootElement.TryGetProperty("sent", out var n) && n.ValueKind != JsonValueKind.Null)
        {
            if (!n.TryGetInt64(out var count) || count < 0)
            {
                return (null, "invalid start message: \"sent\" must be the number of frames sent before (0 or more)");
            }

            sent = count;
        }

        return (new LiveResume(session, sent), null);
    }

    /// <summary>Reads frames until the client stops, leaves or breaks the protocol; returns why the stream ended.</summary>
    private async Task<string?> ReceiveFramesAsync(WebSocket socket, byte[] buffer, PushFrameSource push, AudioPushSource? audio, LiveSink live, Connection connection, CancellationToken aborted)
    {
        var errors = 0;
        while (true)
        {
            Message message;
            try
            {
                message = await ReceiveAsync(socket, buffer, aborted).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // Gone mid-frame: what was analysed stays; the partial message is discarded.
                return "the client disconnected";
            }

            string? problem = null;
            switch (message.Kind)
            {
                case MessageKind.Closed:
                    return "the client closed the connection";
                case MessageKind.TooBig:
                    problem = $"message exceeds {options.MaxWebSocketMessageBytes} bytes";
                    break;
                case MessageKind.Text:
                    if (IsStop(buffer.AsSpan(0, message.Length)))
                    {
                        return null;
                    }

                    problem = "expected a binary frame or {\"type\":\"stop\"}";
                    break;
                case MessageKind.Binary:
                    problem = Frame(buffer.AsSpan(0, message.Length), push, audio, live);
                    break;
                default:
                    break;
            }

            if (problem is not null)
            {
                connection.Send(Error(problem));
                if (++errors >= MaxProtocolErrors)
                {
                    connection.Send(Error($"{MaxProtocolErrors} malformed messages: closing"));
                    await CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, "too many malformed messages").ConfigureAwait(false);
                    return "too many malformed messages";
                }
            }
        }
    }

    private static string? Frame(ReadOnlySpan<byte> message, PushFrameSource push, AudioPushSource? audio, LiveSink live)
    {
        if (message.Length < HeaderBytes)
        {
            return $"binary message of {message.Length} bytes is shorter than the {HeaderBytes}-byte header (kind, timestamp)";
        }

        if (message[0] is not (ImageFrame or AudioChunk))
        {
            return $"unknown binary message kind {message[0]} (1 = image frame, 2 = audio chunk)";
        }

        var micros = BinaryPrimitives.ReadInt64LittleEndian(message[1..HeaderBytes]);
        if (micros is < 0 or > 7L * 24 * 3600 * 1_000_000)
        {
            return $"timestamp {micros} µs is outside 0 .. 7 days";
        }

        var timestamp = TimeSpan.FromMicroseconds(micros);
        if (message[0] == AudioChunk)
        {
            if (audio is null)
            {
                return "audio chunk refused: declare the audio in the start message first, e.g. {\"type\":\"start\",\"audio\":{\"sampleRate\":16000}}";
            }

            try
            {
                audio.PushPcm16(message[HeaderBytes..], timestamp);
                return null;
            }
            catch (ArgumentException e)
            {
                return "audio chunk refused: " + e.Message;
            }
        }

        live.Received(timestamp);
        return push.Push(message[HeaderBytes..], timestamp);
    }

    internal static bool IsStop(ReadOnlySpan<byte> text)
    {
        try
        {
            var reader = new Utf8JsonReader(text, new JsonReaderOptions { MaxDepth = 4 });
            using var doc = JsonDocument.ParseValue(ref reader);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "stop";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    internal enum MessageKind
    {
        Text,
        Binary,
        Closed,
        TooBig,
    }

    internal readonly record struct Message(MessageKind Kind, int Length);

    /// <summary>Reads one whole message into <paramref name="buffer"/>; a message larger than it is read to its end and reported, never buffered.</summary>
    internal static async Task<Message> ReceiveAsync(WebSocket socket, byte[] buffer, CancellationToken ct)
    {
        var length = 0;
        var tooBig = false;
        while (true)
        {
            var free = tooBig ? buffer.AsMemory() : buffer.AsMemory(length);
            if (free.Length == 0)
            {
                tooBig = true;
                continue;
            }

            var result = await socket.ReceiveAsync(free, ct).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new Message(MessageKind.Closed, 0);
            }

            if (!tooBig)
            {
                length += result.Count;
            }

            if (result.EndOfMessage)
            {
                return tooBig ? new Message(MessageKind.TooBig, 0)
                    : new Message(result.MessageType == WebSocketMessageType.Text ? MessageKind.Text : MessageKind.Binary, length);
            }
        }
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.CloseAsync(status, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
    }

    private byte[] Ready(Guid? recording, AudioPushSource? audio, StoragePlan plan) => Json(w =>
    {
        w.WriteString("type", "ready");
        w.WriteString("schema", ResultJsonEncoder.Schema);
        if (recording is { } id)
        {
            w.WriteString("recording", id);
            w.WriteString("mode", "stored");
            w.WriteString("storage", plan.SkinProfile ? "measurements and skin profile are stored (the subject consented)" : "measurements are stored (the subject consented)");
        }
        else
        {
            w.WriteString("mode", "ephemeral");
            w.WriteString("storage", "ephemeral: results go to this connection only; nothing is stored");
            w.WriteString("reason", plan.EphemeralReason);
        }

        w.WriteStartObject("limits");
        w.WriteNumber("maxFrameBytes", options.Live.MaxEncodedBytes);
        w.WriteNumber("maxSide", options.Live.MaxSide);
        w.WriteNumber("queue", options.Live.Capacity);
        if (audio is not null)
        {
            w.WriteNumber("audioSampleRate", audio.SampleRate);
            w.WriteNumber("audioQueueSeconds", audio.Capacity.TotalSeconds);
            w.WriteNumber("maxAudioChunkSeconds", new Voice.VoiceStreamOptions().MaxChunk.TotalSeconds);
        }

        w.WriteEndObject();
    });

    private static byte[] Completed(SessionCompleted completed, long unsent) => Json(w =>
    {
        var s = completed.Summary;
        w.WriteString("type", "completed");
        w.WriteString("end", completed.End.ToString().ToLowerInvariant());
        w.WriteNumber("framesReceived", s.FramesRead);
        w.WriteNumber("framesAnalysed", s.FramesAnalysed);
        w.WriteNumber("framesDropped", s.FramesDropped);
        if (completed.VoiceNote is { } note)
        {
            w.WriteString("voice", note);
        }

        w.WriteNumber("resultsUnsent", unsent);
        w.WriteNumber("people", s.Tracks.Count);
        w.WriteStartArray("problems");
        foreach (var p in s.Problems)
        {
            w.WriteStringValue(p);
        }

        w.WriteEndArray();
    });

    internal static byte[] Error(string message, int? status = null) => Json(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("message", message);
        if (status is { } code)
        {
            // The HTTP status this refusal would have had, so clients handle it like the REST API's.
            w.WriteNumber("status", code);
        }
    });

    /// <summary>One JSON object message (what <paramref name="body"/> writes between the braces), as sent to live clients.</summary>
    internal static byte[] Json(Action<Utf8JsonWriter> body)
    {
        var output = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Live client gone: {Reason}")]
    private static partial void LogClientGone(ILogger logger, string reason);

    /// <summary>
    /// The sending half of a connection: messages wait in a bounded queue for one sender. Frame results beyond the
    /// bound are dropped and counted (a slow reader must not stall analysis); control messages and events always go.
    /// </summary>
    internal sealed class Connection(WebSocket socket, MienMetrics metrics)
    {
        private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(64) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        private long _unsent;
        private (WebSocketCloseStatus Status, string Reason)? _close;

        public long Unsent => Interlocked.Read(ref _unsent);

        /// <summary>Queues a message that must arrive (control, events): waits briefly for room rather than drop it.</summary>
        public void Send(byte[] message)
        {
            if (!_queue.Writer.TryWrite(message))
            {
                bool sent;
                try
                {
                    sent = _queue.Writer.WriteAsync(message).AsTask().Wait(TimeSpan.FromSeconds(5));
                }
                catch (AggregateException e) when (e.InnerException is ChannelClosedException)
                {
                    // Closing already (e.g. consent withdrawn): nothing more goes out.
                    sent = false;
                }

                if (!sent)
                {
                    Interlocked.Increment(ref _unsent);
                }
            }
        }

        /// <summary>Sends what is queued, then closes the socket from the server's side with this status (the client's close reply ends the receive loop).</summary>
        public void CloseAfterSending(WebSocketCloseStatus status, string reason)
        {
            _close = (status, reason);
            _queue.Writer.TryComplete();
        }

        /// <summary>Queues a frame result; dropped (and counted) when the client is not keeping up.</summary>
        public void SendFrame(byte[] message)
        {
            if (!_queue.Writer.TryWrite(message))
            {
                Interlocked.Increment(ref _unsent);
                metrics.FramesDropped(1);
            }
        }

        public void Complete() => _queue.Writer.TryComplete();

        public async Task SendLoopAsync(CancellationToken ct)
        {
            try
            {
                await foreach (var message in _queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    if (socket.State != WebSocketState.Open && socket.State != WebSocketState.CloseReceived)
                    {
                        continue;
                    }

                    await socket.SendAsync(message, WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
                }

                if (_close is { } close && socket.State == WebSocketState.Open)
                {
                    await socket.CloseOutputAsync(close.Status, close.Reason, ct).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The client went away: drain so producers never wait on a dead connection.
                while (_queue.Reader.TryRead(out _))
                {
                }
            }
        }
    }

    /// <summary>Encodes a live session's updates for its connection, with latency and drop counts on every frame.</summary>
    private sealed class LiveSink(Connection connection, PushFrameSource push, MienMetrics metrics, TimeProvider time) : IAnalysisSink, IDisposable
    {
        private readonly ResultJsonEncoder _encoder = new();
        private readonly Dictionary<TimeSpan, long> _arrivals = [];
        private readonly Queue<TimeSpan> _order = new();

        public long Unsent => connection.Unsent;

        /// <summary>Remembers when a frame arrived (bounded: frames dropped before analysis are forgotten in order).</summary>
        public void Received(TimeSpan timestamp)
        {
            lock (_arrivals)
            {
                if (_order.Count >= 256 && _order.TryDequeue(out var old))
                {
                    _arrivals.Remove(old);
                }

                if (_arrivals.TryAdd(timestamp, time.GetTimestamp()))
                {
                    _order.Enqueue(timestamp);
                }
            }
        }

        public void Write(AnalysisUpdate update)
        {
            if (update is FrameUpdate f)
            {
                double? latency = null;
                lock (_arrivals)
                {
                    if (_arrivals.Remove(f.Frame.Timestamp, out var arrived))
                    {
                        latency = time.GetElapsedTime(arrived).TotalMilliseconds;
                    }
                }

                if (latency is { } ms)
                {
                    metrics.LiveLatency(ms);
                }

                var json = _encoder.Encode(update, w =>
                {
                    if (latency is { } ms)
                    {
                        w.WriteNumber("latencyMs", Math.Round(ms, 1));
                    }

                    w.WriteNumber("dropped", push.Dropped);
                });
                connection.SendFrame(json.ToArray());
                return;
            }

            var encoded = _encoder.Encode(update);
            if (!encoded.IsEmpty)
            {
                connection.Send(encoded.ToArray());
            }
        }

        public void Dispose() => _encoder.Dispose();
    }
}

/// <summary>Encodes a binary live frame message: kind, client timestamp, image bytes (used by clients and tests).</summary>
public static class LiveFrameMessage
{
    /// <summary>Builds <c>[2][int64 LE microseconds of the first sample][PCM16 LE mono samples]</c>.</summary>
    public static byte[] Audio(TimeSpan clientTime, ReadOnlySpan<short> samples)
    {
        var message = new byte[9 + (2 * samples.Length)];
        message[0] = 2;
        BinaryPrimitives.WriteInt64LittleEndian(message.AsSpan(1, 8), (long)clientTime.TotalMicroseconds);
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(message.AsSpan(9 + (2 * i), 2), samples[i]);
        }

        return message;
    }

    /// <summary>Builds <c>[1][int64 LE microseconds][JPEG or PNG bytes]</c>.</summary>
    public static byte[] Image(TimeSpan clientTime, ReadOnlySpan<byte> encodedImage)
    {
        var message = new byte[9 + encodedImage.Length];
        message[0] = 1;
        BinaryPrimitives.WriteInt64LittleEndian(message.AsSpan(1, 8), (long)clientTime.TotalMicroseconds);
        encodedImage.CopyTo(message.AsSpan(9));
        return message;
    }
}
