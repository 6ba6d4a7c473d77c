using System.Runtime.InteropServices;

namespace Mien.Media;

/// <summary>
/// What kind of file-system object a path names once symbolic links are followed. Openers read only
/// <see cref="Regular"/> files: a device (<c>/dev/zero</c> never ends), a FIFO (opening it blocks until a writer
/// appears) or a socket must be refused before it is opened, not discovered by running out of memory or hanging.
/// </summary>
public enum InputFileKind
{
    /// <summary>Nothing is there (or a symbolic link points nowhere).</summary>
    Missing,

    /// <summary>An ordinary file.</summary>
    Regular,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A character device such as <c>/dev/zero</c> or a terminal.</summary>
    CharacterDevice,

    /// <summary>A block device (a disk).</summary>
    BlockDevice,

    /// <summary>A named pipe.</summary>
    Fifo,

    /// <summary>A Unix socket.</summary>
    Socket,

    /// <summary>Symbolic links that point at each other in a loop.</summary>
    LinkLoop,

    /// <summary>Exists, but its kind could not be determined (e.g. no permission to look).</summary>
    Unknown,
}

/// <summary>Checks that an input path is an ordinary file before anything opens it.</summary>
public static partial class InputFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxBufferSize = 256;
    private const int StatxModeOffset = 28;
    private static bool _statxMissing;

    /// <summary>The kind of object <paramref name="path"/> names after following symbolic links.</summary>
    public static InputFileKind KindOf(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!_statxMissing && OperatingSystem.IsLinux())
        {
            try
            {
                return StatxKind(path);
            }
            catch (EntryPointNotFoundException)
            {
                _statxMissing = true; // glibc < 2.28: fall back to what .NET can tell
            }
        }

        // .NET alone cannot tell a device or FIFO from a file; this fallback only serves other platforms.
        return Directory.Exists(path) ? InputFileKind.Directory : File.Exists(path) ? InputFileKind.Regular : InputFileKind.Missing;
    }

    /// <summary>
    /// Why <paramref name="path"/> cannot be read as an input file, or null when it is a regular file (after
    /// following symbolic links). The text is a sentence fragment to follow the path, e.g. "file not found".
    /// </summary>
    public static string? Problem(string path)
    {
        var kind = KindOf(path);
        if (kind == InputFileKind.Regular)
        {
            return null;
        }

        var target = LinkTarget(path);
        var subject = target is null ? "is" : $"links to {target}, which is";
        return kind switch
        {
            InputFileKind.Missing => target is null ? "file not found" : $"is a broken link (to {target})",
            InputFileKind.Directory => $"{subject} a folder, not a file",
            InputFileKind.CharacterDevice => $"{subject} a character device, not a regular file (a device such as /dev/zero never ends); only regular files are read",
            InputFileKind.BlockDevice => $"{subject} a block device, not a regular file; only regular files are read",
            InputFileKind.Fifo => $"{subject} a named pipe (FIFO), not a regular file; reading it would wait for a writer. Save the data to a file first",
            InputFileKind.Socket => $"{subject} a socket, not a regular file; only regular files are read",
            InputFileKind.LinkLoop => "is a symbolic link that leads back to itself (a loop of links)",
            _ => "cannot be examined (no permission?)",
        };
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is null ? null : new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        }
        catch (IOException)
        {
            return null; // a loop of links: the kind already says what matters
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static unsafe InputFileKind StatxKind(string path)
    {
        // statx's layout is the same on every Linux architecture (unlike struct stat): stx_mode is a u16 at 28.
        var buffer = stackalloc byte[StatxBufferSize];
        if (statx(AtFdCwd, path, 0, StatxType, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno switch { 2 or 20 => InputFileKind.Missing, 40 => InputFileKind.LinkLoop, _ => InputFileKind.Unknown }; // ENOENT, ENOTDIR, ELOOP
        }

        var mode = *(ushort*)(buffer + StatxModeOffset);
        return (mode & 0xF000) switch
        {
            0x8000 => InputFileKind.Regular,
            0x4000 => InputFileKind.Directory,
            0x2000 => InputFileKind.CharacterDevice,
            0x6000 => InputFileKind.BlockDevice,
            0x1000 => InputFileKind.Fifo,
            0xC000 => InputFileKind.Socket,
            _ => InputFileKind.Unknown,
        };
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int directory, string path, int flags, uint mask, byte* buffer);
}
