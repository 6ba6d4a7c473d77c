namespace Mien.Failures;

/// <summary>
/// Says in words why a file or folder could not be read or written, from the exception and the state of the path
/// (.NET reports a file standing where a folder is needed as "could not find a part of the path", and writing onto a
/// folder as "access denied"; the user needs to hear which file is in the way).
/// </summary>
public static class FileProblems
{
    // errno values of Linux, which .NET puts in IOException.HResult when it has no more specific exception type.
    private const int Eio = 5;
    private const int Eexist = 17;
    private const int Enotdir = 20;
    private const int Eisdir = 21;
    private const int Efbig = 27;
    private const int Enospc = 28;
    private const int Erofs = 30;
    private const int Edquot = 122;

    /// <summary>Whether <paramref name="e"/> is a file-system failure (I/O or permission) that these descriptions cover.</summary>
    public static bool IsFileSystem(Exception e) => e is IOException or UnauthorizedAccessException;

    /// <summary>The problem with <paramref name="path"/> in a few words, e.g. "no space left on device".</summary>
    public static string Describe(string path, Exception e)
    {
        if (FileInTheWay(path) is { } file)
        {
            return $"{file} is a file, not a folder";
        }

        return e switch
        {
            UnauthorizedAccessException when Directory.Exists(path) => "permission denied (or it is a folder where a file is needed)",
            IOException { HResult: Eexist } when File.Exists(path) => "is a file, not a folder",
            _ => KindOf(e) ?? e.Message,
        };
    }

    /// <summary>
    /// The kind of file-system failure in words that name no path (for answers that leave the machine, where a server's
    /// paths must not), e.g. "no space left on device"; null when the exception is not one of the kinds known here.
    /// </summary>
    public static string? KindOf(Exception e)
    {
        return e switch
        {
            UnauthorizedAccessException => "permission denied",
            PathTooLongException => "the path is too long",
            FileNotFoundException => "no such file",
            DirectoryNotFoundException => "a folder on the path does not exist",
            IOException { HResult: Enospc } => "no space left on device",
            IOException { HResult: Edquot } => "disk quota exceeded",
            IOException { HResult: Erofs } => "read-only file system",
            IOException { HResult: Efbig } => "file too large for the file system",
            IOException { HResult: Eio } => "input/output error (a failing disk or a lost network mount?)",
            IOException { HResult: Enotdir } => "a part of the path is a file, not a folder",
            IOException { HResult: Eisdir } => "is a folder, not a file",
            _ => null,
        };
    }

    /// <summary>The absolute path quoted in a .NET I/O message ("… '/x/y' …"), or null.</summary>
    public static string? PathIn(string message)
    {
        var end = message.LastIndexOf('\'');
        var start = end > 0 ? message.LastIndexOf('\'', end - 1) : -1;
        if (start < 0)
        {
            return null;
        }

        var path = message[(start + 1)..end];
        return Path.IsPathFullyQualified(path) ? path : null;
    }

    /// <summary>The nearest existing ancestor of <paramref name="path"/> when it is a file (so nothing below it can be created), else null.</summary>
    private static string? FileInTheWay(string path)
    {
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
            {
                return dir;
            }

            if (Directory.Exists(dir))
            {
                return null;
            }
        }

        return null;
    }
}
