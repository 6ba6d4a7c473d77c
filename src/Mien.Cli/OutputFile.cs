namespace Mien.Cli;

/// <summary>
/// A result file named on the command line: checked before the work starts (so a bad -o fails in a second, not after
/// an hour), and written through a temporary file in the same folder that then replaces it, so a failed write (disk
/// full) never leaves half a file. Paths that may not be regular files — a symbolic link (/dev/stdout), or an existing
/// empty entry, which is what devices and pipes look like to .NET — are written directly: renaming over them would
/// replace the device node or the link instead of writing through it.
/// </summary>
internal sealed class OutputFile
{
    private OutputFile(string path) => Path = path;

    /// <summary>The file that will be written.</summary>
    public string Path { get; }

    /// <summary>
    /// Resolves <paramref name="path"/> (an existing folder, or a path ending in '/', means <paramref name="fileName"/>
    /// inside it), creates its folder and checks that a file can be written there.
    /// </summary>
    /// <exception cref="OutputException">The folder cannot be created or written, or the path is unusable.</exception>
    public static OutputFile Prepare(string path, string fileName)
    {
        if (Directory.Exists(path) || path.EndsWith(System.IO.Path.DirectorySeparatorChar))
        {
            path = System.IO.Path.Combine(path, fileName);
        }

        var full = System.IO.Path.GetFullPath(path);
        if (WrittenDirectly(full))
        {
            return new OutputFile(path);
        }

        var folder = System.IO.Path.GetDirectoryName(full)!;
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (FileProblems.IsFileSystem(e))
        {
            throw OutputException.ForFile(path, e);
        }

        // Creating (then removing) the temporary file is the one honest test of "can I write here".
        var probe = TemporaryPath(full);
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (FileProblems.IsFileSystem(e))
        {
            throw OutputException.ForFile(path, e);
        }

        return new OutputFile(path);
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) as the file's whole content.</summary>
    /// <exception cref="OutputException">It could not be written; the previous content, if any, is untouched.</exception>
    public void Write(string text) => Write(temporary =>
    {
        // A plain stream rather than File.WriteAllText, which preallocates and reports a full disk without its errno.
        using var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    });

    /// <summary>Lets <paramref name="write"/> write the content to a path, then puts it in place.</summary>
    /// <exception cref="OutputException">It could not be written; the previous content, if any, is untouched.</exception>
    public void Write(Action<string> write)
    {
        var full = System.IO.Path.GetFullPath(Path);
        if (WrittenDirectly(full))
        {
            try
            {
                write(full);
            }
            catch (Exception e) when (FileProblems.IsFileSystem(e))
            {
                throw OutputException.ForFile(Path, e);
            }

            return;
        }

        var temporary = TemporaryPath(full);
        try
        {
            write(temporary);
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (FileProblems.IsFileSystem(e))
        {
            TryDelete(temporary);
            throw OutputException.ForFile(Path, e);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static string TemporaryPath(string full) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.{Environment.ProcessId}.tmp");

    /// <summary>
    /// Whether <paramref name="full"/> must be written in place: a symbolic link, or an existing empty entry (a device,
    /// a pipe or an empty file; .NET does not tell them apart, and an empty file has nothing to lose).
    /// </summary>
    private static bool WrittenDirectly(string full)
    {
        var info = new FileInfo(full);
        return info.Exists && (info.LinkTarget is not null || info.Length == 0);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (FileProblems.IsFileSystem(e))
        {
            // The original failure is the one to report.
        }
    }
}
