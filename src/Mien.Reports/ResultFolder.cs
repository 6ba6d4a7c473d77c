namespace Mien.Reports;

/// <summary>
/// The folder one input's outputs go to, held exclusively while a run writes it: a second run into the same folder
/// is refused with a clear message instead of interleaving lines, and outputs a previous run left (an annotated
/// video beside a report that now says "anonymised", say) are removed first, so the folder only ever describes one run.
/// </summary>
public sealed class ResultFolder : IDisposable
{
    /// <summary>Files a run may write; all of them are removed before a new run writes the folder.</summary>
    public static IReadOnlyList<string> Outputs { get; } =
        ["faces.jsonl", "faces.csv", "summary.json", "report.html", "annotated.mp4", "anonymized.mp4", "annotated.jpg", "anonymized.jpg", "skin.json"];

    /// <summary>What <c>mien analyze</c> sets aside per folder: room for summary.json and a typical report.html.</summary>
    public const long DefaultReserve = 1 << 20;

    private const string LockName = ".mien.lock";
    private const string ReserveName = ".mien-reserve";
    private readonly FileStream _lock;

    private ResultFolder(string path, FileStream @lock)
    {
        Path = path;
        _lock = @lock;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Bytes still set aside in the folder (0 once released, or when none could be).</summary>
    public long Reserved { get; private set; }

    /// <summary>
    /// Creates (if needed) and locks <paramref name="path"/>, then removes stale outputs.
    /// </summary>
    /// <exception cref="IOException">Another run holds the folder, or it cannot be created or written.</exception>
    public static ResultFolder Open(string path) => Lock(path);

    /// <summary>
    /// Creates (if needed) and locks <paramref name="path"/>, removes stale outputs, and sets up to
    /// <paramref name="reserve"/> bytes aside in a hidden file (at most a quarter of the free space, so a nearly full
    /// disk still takes the run's first frames); <see cref="ReleaseReserve"/> gives them back for the last outputs.
    /// </summary>
    /// <exception cref="IOException">Another run holds the folder, or it cannot be created or written.</exception>
    public static ResultFolder Open(string path, long reserve)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(reserve);
        var folder = Lock(path);
        folder.Reserve(reserve);
        return folder;
    }

    /// <summary>Deletes the reserve file, freeing its space for the outputs written last (summary, report).</summary>
    public void ReleaseReserve()
    {
        var file = System.IO.Path.Combine(Path, ReserveName);
        if (File.Exists(file))
        {
            File.Delete(file);
        }

        Reserved = 0;
    }

    private static ResultFolder Lock(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            throw new IOException($"{path}: output path is a file, not a folder");
        }

        Directory.CreateDirectory(path);
        FileStream held;
        try
        {
            held = new FileStream(System.IO.Path.Combine(path, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IOException($"{path}: another Mien run is writing this folder; wait for it or choose another output folder", e);
        }

        // Also what a killed run can leave: its reserve and the temporaries summary and report are renamed from.
        foreach (var name in (string[])[.. Outputs, ReserveName, "summary.json.partial", "report.html.partial"])
        {
            var file = System.IO.Path.Combine(path, name);
            if (File.Exists(file))
            {
                File.Delete(file);
            }
        }

        foreach (var folder in (string[])["annotated", "anonymized"])
        {
            var pictures = System.IO.Path.Combine(path, folder);
            if (Directory.Exists(pictures))
            {
                Directory.Delete(pictures, recursive: true);
            }
        }

        return new ResultFolder(path, held);
    }

    /// <summary>
    /// Names one output folder per input under <paramref name="root"/>: each input's own name, made safe, with a
    /// numeric suffix when two inputs would share one (a/talk.mp4 and b/talk.mp4 → talk and talk-2).
    /// </summary>
    public static IReadOnlyList<string> Plan(string root, IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>(inputs.Count);
        foreach (var input in inputs)
        {
            var name = SafeName(input);
            var candidate = name;
            for (var n = 2; !used.Add(candidate); n++)
            {
                candidate = $"{name}-{n}";
            }

            result.Add(System.IO.Path.Combine(root, candidate));
        }

        return result;
    }

    private static string SafeName(string spec)
    {
        var trimmed = System.IO.Path.TrimEndingDirectorySeparator(spec);
        var name = Directory.Exists(trimmed) ? new DirectoryInfo(trimmed).Name : System.IO.Path.GetFileNameWithoutExtension(trimmed);
        var clean = new string([.. name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]).Trim('.');
        return string.IsNullOrEmpty(clean) ? "input" : clean;
    }

    /// <summary>
    /// Writes the reserve file. Zeros are written rather than only a length set, because a file that is merely long is
    /// sparse and holds no blocks; the preallocation asks the file system for them at once where it can. Failing to
    /// reserve (a disk already nearly full) is not an error: the run then simply has no reserve.
    /// </summary>
    private void Reserve(long bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        var size = Math.Min(bytes, new DriveInfo(Path).AvailableFreeSpace / 4) / 4096 * 4096;
        if (size <= 0)
        {
            return;
        }

        var file = System.IO.Path.Combine(Path, ReserveName);
        try
        {
            using var stream = new FileStream(file, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, PreallocationSize = size, BufferSize = 0 });
            var zeros = new byte[(int)Math.Min(size, 64 * 1024)];
            for (var written = 0L; written < size; written += zeros.Length)
            {
                stream.Write(zeros, 0, (int)Math.Min(zeros.Length, size - written));
            }

            Reserved = size;
        }
        catch (IOException)
        {
            ReleaseReserve();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            ReleaseReserve();
        }
        catch (IOException)
        {
            // Left behind, it is removed by the next run into this folder.
        }

        _lock.Dispose();
    }
}
