using System.Collections.Concurrent;
using Mien.Privacy;
using Mien.Server.Jobs;
using Mien.Server.Privacy;
using Mien.Server.Protection;

namespace Mien.Server.Uploads;

/// <summary>
/// Resumable uploads: a session is opened (after the purpose and consent checks, before any byte is kept), chunks
/// are written at the offset the server holds, a client that lost its connection asks for that offset and goes on
/// from there, and completion hands the assembled file to the same checks, sealing and job queue as a plain upload.
/// </summary>
/// <remarks>
/// <para>Partial data are held exactly as a plain upload is while it arrives: plaintext only inside the private
/// folder (0700, wiped at every start, so sessions do not survive a restart), deleted when the session is cancelled,
/// expires, or the subject withdraws analysis or measurements (sessions register with the
/// <see cref="ProcessingRegistry"/> like running analyses). A chunk is all or nothing: a chunk cut off mid-way is
/// cut back out of the file, so the offset only ever moves by whole chunks and a retry starts where the last
/// complete chunk ended.</para>
/// <para>Sessions are kept in memory and belong to the key that opened them; another key (even of the same project)
/// finds nothing.</para>
/// </remarks>
internal sealed partial class UploadSessions(ServerOptions options, MediaVault vault, ProcessingRegistry registry, ILogger<UploadSessions> log) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, UploadSession> _sessions = new();

    /// <summary>Sessions open now (all keys).</summary>
    public int Count => _sessions.Count;

    /// <summary>Opens a session for <paramref name="size"/> bytes, or says which limit refuses it (expired sessions are cleaned first).</summary>
    public async Task<(UploadSession? Session, UploadRefusal? Refusal)> OpenAsync(Guid projectId, Guid keyId, Guid subject, string? name, AnalysisRequest analysis, long size)
    {
        if (size < 1)
        {
            return (null, new UploadRefusal(StatusCodes.Status400BadRequest, "Bad request", $"size {size}: declare the file's size in bytes (at least 1)"));
        }

        if (size > options.MaxUploadBytes)
        {
            return (null, new UploadRefusal(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"{size} bytes exceed the limit of {options.MaxUploadBytes} bytes (MaxUploadBytes)"));
        }

        await SweepAsync().ConfigureAwait(false);
        var now = options.Time.GetUtcNow();
        var session = new UploadSession(Guid.NewGuid(), projectId, keyId, subject, name, analysis, size, vault.StagingPath(), now + options.UploadSessionTimeout);
        lock (_sessions)
        {
            var open = _sessions.Values.Count(s => s.KeyId == keyId && !s.Expired(now));
            if (open >= options.MaxUploadSessionsPerKey)
            {
                return (null, new UploadRefusal(StatusCodes.Status429TooManyRequests, "Too many upload sessions",
                    $"this key has {open} upload sessions open, the limit is {options.MaxUploadSessionsPerKey} (MaxUploadSessionsPerKey): complete or cancel one first (they expire after {options.UploadSessionTimeout.TotalMinutes:0} min without a chunk)"));
            }

            _sessions[session.Id] = session;
        }

        // Withdrawing analysis or measurements while the file arrives deletes what arrived and ends the session.
        session.Registration = registry.Register(projectId, subject, async scope =>
        {
            if (scope is ConsentScope.Analysis or ConsentScope.Measurements)
            {
                await DiscardAsync(session, "consent withdrawn").ConfigureAwait(false);
            }
        });
        return (session, null);
    }

    /// <summary>The caller's open session, or null (unknown, expired, another key's or another project's).</summary>
    public UploadSession? Find(Guid projectId, Guid keyId, Guid id) =>
        _sessions.TryGetValue(id, out var s) && s.ProjectId == projectId && s.KeyId == keyId && !s.Discarded && !s.Expired(options.Time.GetUtcNow()) ? s : null;

    /// <summary>
    /// Writes one chunk at <paramref name="start"/> (which must be the session's offset) from <paramref name="body"/>:
    /// exactly <paramref name="length"/> bytes, or nothing (a short or broken body is cut back out).
    /// </summary>
    public async Task<UploadRefusal?> WriteAsync(UploadSession session, long start, long length, Stream body, CancellationToken ct)
    {
        if (!await session.Gate.WaitAsync(TimeSpan.Zero, ct).ConfigureAwait(false))
        {
            return new UploadRefusal(StatusCodes.Status409Conflict, "Chunk in progress", $"another chunk of this upload is still being received (offset {session.Offset}); ask for the offset again in a moment and resend from there");
        }

        try
        {
            if (session.Discarded)
            {
                return new UploadRefusal(StatusCodes.Status404NotFound, "Not found", "no such upload session (it was cancelled, expired or its subject withdrew consent)");
            }

            if (start != session.Offset)
            {
                return new UploadRefusal(StatusCodes.Status409Conflict, "Wrong offset", $"the chunk starts at byte {start} but the upload is at byte {session.Offset}: resend from byte {session.Offset}");
            }

            if (length > options.MaxUploadChunkBytes)
            {
                return new UploadRefusal(StatusCodes.Status413PayloadTooLarge, "Chunk too large", $"a chunk of {length} bytes exceeds the limit of {options.MaxUploadChunkBytes} bytes (MaxUploadChunkBytes): send smaller chunks");
            }

            if (start + length > session.Size)
            {
                return new UploadRefusal(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"the chunk ends at byte {start + length} but the session was opened for {session.Size} bytes");
            }

            using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct, session.Abort.Token);
            var written = 0L;
            await using (var file = new FileStream(session.PartPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                file.Position = start;
                try
                {
                    var buffer = new byte[1 << 16];
                    int read;
                    while ((read = await body.ReadAsync(buffer, abort.Token).ConfigureAwait(false)) > 0)
                    {
                        if (written + read > length)
                        {
                            file.SetLength(start);
                            return new UploadRefusal(StatusCodes.Status400BadRequest, "Chunk longer than declared", $"the body has more than the {length} bytes its Content-Range declares");
                        }

                        await file.WriteAsync(buffer.AsMemory(0, read), abort.Token).ConfigureAwait(false);
                        written += read;
                    }

                    if (written != length)
                    {
                        file.SetLength(start);
                        return new UploadRefusal(StatusCodes.Status400BadRequest, "Chunk incomplete", $"the body ended after {written} of the {length} bytes its Content-Range declares; the upload stays at byte {start}: resend the chunk");
                    }

                    await file.FlushAsync(abort.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
                {
                    // The connection dropped mid-chunk: nothing of it is kept, so the offset stays a whole-chunk boundary.
                    file.SetLength(start);
                    throw;
                }
            }

            session.Offset = start + length;
            session.ExpiresAt = options.Time.GetUtcNow() + options.UploadSessionTimeout;
            return null;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>
    /// Ends a fully received session: the caller gets the staged file's path to accept (it owns the file from then on),
    /// or a refusal when bytes are missing or a chunk is still arriving.
    /// </summary>
    public async Task<(string? Path, UploadRefusal? Refusal)> TakeAsync(UploadSession session, CancellationToken ct)
    {
        if (!await session.Gate.WaitAsync(TimeSpan.Zero, ct).ConfigureAwait(false))
        {
            return (null, new UploadRefusal(StatusCodes.Status409Conflict, "Chunk in progress", "a chunk of this upload is still being received; complete it after that chunk"));
        }

        try
        {
            if (session.Offset != session.Size)
            {
                return (null, new UploadRefusal(StatusCodes.Status409Conflict, "Upload incomplete", $"{session.Offset} of {session.Size} bytes received: send the rest from byte {session.Offset} before completing"));
            }

            session.Discarded = true;
            _sessions.TryRemove(session.Id, out _);
            session.Registration?.Dispose();
            return (session.PartPath, null);
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <summary>Cancels a session and deletes what it received.</summary>
    public Task DiscardAsync(UploadSession session, string why) => RemoveAsync(session, why, wait: true);

    /// <summary>Deletes every expired session's partial data; returns how many sessions ended.</summary>
    public async Task<int> SweepAsync()
    {
        var now = options.Time.GetUtcNow();
        var ended = 0;
        foreach (var session in _sessions.Values)
        {
            if (session.Expired(now) && await RemoveAsync(session, "expired", wait: false).ConfigureAwait(false))
            {
                ended++;
            }
        }

        return ended;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Often enough that an expired session's data do not outlive it by more than a fraction of the timeout.
        var period = TimeSpan.FromTicks(Math.Clamp(options.UploadSessionTimeout.Ticks / 4, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(1).Ticks));
        using var timer = new PeriodicTimer(period, options.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await SweepAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            session.Abort.Cancel();
            TryDelete(session.PartPath);
        }

        base.Dispose();
    }

    private async Task<bool> RemoveAsync(UploadSession session, string why, bool wait)
    {
        // A chunk being written is stopped first, so nothing is written after the file is deleted.
        await session.Abort.CancelAsync().ConfigureAwait(false);
        if (wait)
        {
            await session.Gate.WaitAsync().ConfigureAwait(false);
        }
        else if (!await session.Gate.WaitAsync(TimeSpan.Zero).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            if (session.Discarded && !_sessions.ContainsKey(session.Id))
            {
                return false;
            }

            session.Discarded = true;
            _sessions.TryRemove(session.Id, out _);
            session.Registration?.Dispose();
            TryDelete(session.PartPath);
            LogEnded(log, session.Id, why, session.Offset);
            return true;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The private folder is wiped at the next start.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload session {SessionId} ended ({Why}) after {Bytes} bytes; its partial data were deleted")]
    private static partial void LogEnded(ILogger logger, Guid sessionId, string why, long bytes);
}

/// <summary>Why an upload request is refused: status, title and a detail that says what to do.</summary>
internal sealed record UploadRefusal(int Status, string Title, string Detail)
{
    public IResult ToResult() => Problems.Result(Status, Title, Detail);
}

/// <summary>One resumable upload in progress.</summary>
internal sealed class UploadSession(Guid id, Guid projectId, Guid keyId, Guid subject, string? name, AnalysisRequest analysis, long size, string partPath, DateTimeOffset expiresAt)
{
    public Guid Id { get; } = id;

    public Guid ProjectId { get; } = projectId;

    public Guid KeyId { get; } = keyId;

    public Guid Subject { get; } = subject;

    public string? Name { get; } = name;

    public AnalysisRequest Analysis { get; } = analysis;

    public long Size { get; } = size;

    /// <summary>Where the received bytes are (plaintext, inside the private folder).</summary>
    public string PartPath { get; } = partPath;

    /// <summary>Bytes received so far (always the end of the last complete chunk).</summary>
    public long Offset { get; set; }

    public DateTimeOffset ExpiresAt { get; set; } = expiresAt;

    /// <summary>One writer at a time (a resent chunk cannot interleave with a stale one still being read).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Cancelled when the session is discarded, to stop a chunk being written.</summary>
    public CancellationTokenSource Abort { get; } = new();

    public IDisposable? Registration { get; set; }

    public bool Discarded { get; set; }

    public bool Expired(DateTimeOffset now) => now >= ExpiresAt;
}
