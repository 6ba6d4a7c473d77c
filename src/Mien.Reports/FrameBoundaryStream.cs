namespace Mien.Reports;

/// <summary>
/// An unbuffered output file whose every <see cref="Flush"/> marks a frame boundary. When a write or flush fails (a
/// full disk, a yanked drive) the file is cut back to the last boundary, so faces.jsonl and faces.csv end with a
/// whole frame however the failure struck; the failure still propagates. Later writes are refused, except that
/// <see cref="Abandon"/> lets an owner close the file without its text writer flushing half a row into it.
/// </summary>
internal sealed class FrameBoundaryStream(FileStream inner) : Stream
{
    private long _committed = inner.Position;
    private IOException? _failure;
    private bool _abandoned;

    /// <summary>Whether a write failed and the file was cut back to its last frame boundary.</summary>
    public bool Failed => _failure is not null;

    /// <summary>Opens (creating or truncating) <paramref name="path"/> for writing; others may read it while it grows.</summary>
    public static FrameBoundaryStream Create(string path) =>
        // bufferSize 0: the writers already buffer a whole frame, and a FileStream buffer would hold bytes past the boundary.
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0));

    /// <summary>From now on writes and flushes are dropped: the owner reported the failure and is closing the file.</summary>
    public void Abandon() => _abandoned = true;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_abandoned && _failure is null;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException("frame boundary streams only append");
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Refused())
        {
            return;
        }

        try
        {
            inner.Write(buffer);
        }
        catch (IOException e)
        {
            CutBack(e);
            throw;
        }
    }

    public override void Flush()
    {
        if (Refused())
        {
            return;
        }

        try
        {
            inner.Flush();
            _committed = inner.Position;
        }
        catch (IOException e)
        {
            CutBack(e);
            throw;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("frame boundary streams are write-only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("frame boundary streams only append");

    public override void SetLength(long value) => throw new NotSupportedException("frame boundary streams only append");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool Refused()
    {
        if (_abandoned)
        {
            return true;
        }

        return _failure is { } failure ? throw new IOException($"an earlier write failed ({failure.Message}); the file ends at the last complete frame", failure) : false;
    }

    private void CutBack(IOException failure)
    {
        _failure = failure;
        try
        {
            // Truncating frees space, so it works on a full disk; the position follows so nothing is written past it.
            inner.SetLength(_committed);
            inner.Position = _committed;
        }
        catch (IOException)
        {
            // The file stays as the failure left it; the failure itself is what the caller reports.
        }
    }
}
