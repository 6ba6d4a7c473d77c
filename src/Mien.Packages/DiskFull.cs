namespace Mien.Packages;

/// <summary>Recognises "no space left on device" among I/O errors, so the store can say which disk filled up.</summary>
internal static class DiskFull
{
    private const int LinuxEnospc = 28;
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);
    private const int WindowsDiskFull = unchecked((int)0x80070070);

    /// <summary>Whether <paramref name="exception"/> or one of its inner exceptions reports a full disk.</summary>
    public static bool Is(Exception? exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            // On Unix .NET puts the raw errno in HResult; the message is strerror's text.
            if (ex is IOException io
                && (io.HResult is LinuxEnospc or WindowsHandleDiskFull or WindowsDiskFull
                    || io.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
                    || io.Message.Contains("not enough space on the disk", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }
}
