using System.Text;

namespace Mien.Sessions.Persons;

/// <summary>
/// The person list and user splits of a results folder written by <c>mien analyze</c> (offline: faces.jsonl and
/// summary.json are the record). A split rewrites faces.jsonl (face lines' <c>person</c> and the split tracks'
/// <c>person-link</c> events, evidence kept) and appends a <c>person-split</c> event to it and to summary.json's
/// <c>personSplits</c>, so the folder itself says who split what and when. faces.csv, report.html and the per-track
/// summaries carry no person ids and are unchanged.
/// </summary>
public static class ResultFolderPersons
{
    private const string Faces = "faces.jsonl";
    private const string Summary = "summary.json";

    /// <summary>The folder's people with their tracks and the similarity behind each link.</summary>
    /// <exception cref="FileNotFoundException">The folder has no faces.jsonl.</exception>
    public static PersonLinks Read(string folder) => PersonLinks.Read(EventLines(FacesPath(folder)));

    /// <summary>
    /// Splits <paramref name="tracks"/> away from <paramref name="person"/> into a new person and rewrites the folder
    /// (each file replaced whole, so a failure leaves the old file); returns the split.
    /// </summary>
    /// <exception cref="PersonSplitException">The request does not fit the results (unknown person or track, every track of the person, …).</exception>
    /// <exception cref="IOException">An analysis is still writing the folder, or a file cannot be replaced.</exception>
    public static PersonSplit Split(string folder, int person, IReadOnlyList<int> tracks, string by, DateTimeOffset at)
    {
        var faces = FacesPath(folder);
        using var held = Hold(folder);
        var split = PersonLinks.Read(EventLines(faces)).Plan(person, tracks, by, at);
        Replace(faces, writer =>
        {
            using var reader = new StreamReader(faces, Encoding.UTF8);
            split.RewriteJsonl(reader, writer);
        });

        var summary = Path.Combine(folder, Summary);
        if (File.Exists(summary))
        {
            var text = File.ReadAllText(summary);
            Replace(summary, writer =>
            {
                writer.Write(split.RewriteSummary(text, indented: true));
                writer.Write('\n');
            });
        }

        return split;
    }

    private static string FacesPath(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var faces = Path.Combine(folder, Faces);
        return File.Exists(faces)
            ? faces
            : throw new FileNotFoundException($"{folder}: no {Faces} here; give the results folder of a finished `mien analyze` run (e.g. out/analyze/<name>)", faces);
    }

    private static IEnumerable<string> EventLines(string faces)
    {
        foreach (var line in File.ReadLines(faces))
        {
            // Only event lines matter; face lines are most of the file and are not parsed.
            if (line.StartsWith("{\"type\":\"event\"", StringComparison.Ordinal))
            {
                yield return line;
            }
        }
    }

    /// <summary>Holds the folder's run lock (the one <c>mien analyze</c> holds while writing) for the rewrite.</summary>
    private static FileStream Hold(string folder)
    {
        try
        {
            return new FileStream(Path.Combine(folder, ".mien.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IOException($"{folder}: an analysis is still writing this folder; split its people after it has finished", e);
        }
    }

    /// <summary>Writes beside <paramref name="path"/> and renames into place, so a failed write leaves the old file whole.</summary>
    private static void Replace(string path, Action<TextWriter> write)
    {
        var temporary = path + ".partial";
        try
        {
            using (var writer = new StreamWriter(temporary, append: false, new UTF8Encoding(false)))
            {
                write(writer);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
