namespace Mien.Packages;

/// <summary>
/// An exclusive lock on one package version across processes: a lock file opened with <see cref="FileShare.None"/>
/// (an advisory <c>flock</c> on Unix, a sharing lock on Windows). The operating system drops it when the process
/// dies, so there are no stale locks to clean up; the file itself is left in place on purpose, because deleting a
/// lock file while another process waits on it would let two writers in.
/// </summary>
internal sealed class PackageLock : IDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly FileStream _stream;

    private PackageLock(FileStream stream) => _stream = stream;

    /// <summary>Waits until the lock at <paramref name="path"/> is free and takes it.</summary>
    public static async Task<PackageLock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var delay = FirstRetryDelay;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return new PackageLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1));
            }
            catch (IOException ex) when (IsHeldElsewhere(ex))
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    public void Dispose() => _stream.Dispose();

    // EWOULDBLOCK from flock is 11 on Linux and 35 on macOS; Windows reports ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION.
    private static bool IsHeldElsewhere(IOException ex) =>
        ex.GetType() == typeof(IOException)
        && ex.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);
}
