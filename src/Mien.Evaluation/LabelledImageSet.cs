using System.Globalization;

namespace Mien.Evaluation;

/// <summary>A labelled folder cannot be evaluated (missing, empty, no known labels, malformed labels.csv); the message says which and why.</summary>
public sealed class EvaluationInputException(string message) : Mien.Failures.InputException(message);

/// <summary>One image of a labelled set.</summary>
/// <param name="Path">File path.</param>
/// <param name="Class">Index of its class in <see cref="LabelledImageSet.Classes"/>.</param>
/// <param name="Group">Group of near-duplicate images it belongs to (a CK+ sequence), or null.</param>
public sealed record LabelledImage(string Path, int Class, string? Group);

/// <summary>
/// A folder of labelled images laid out as <c>&lt;root&gt;/&lt;label&gt;/&lt;image&gt;</c>. Label folders the
/// <see cref="LabelMap"/> does not know are skipped and counted; files that are not images are counted and
/// ignored. If <c>&lt;root&gt;/labels.csv</c> has <c>file</c>, <c>subject</c> and <c>sequence</c> columns (CK+),
/// each image listed there is tagged with its sequence, so near-duplicate frames can be scored once.
/// </summary>
public sealed class LabelledImageSet
{
    /// <summary>Name of the optional per-image metadata file at the root.</summary>
    public const string LabelsFile = "labels.csv";

    private LabelledImageSet(string root, IReadOnlyList<string> classes, IReadOnlyList<LabelledImage> images, IReadOnlyDictionary<string, int> skippedLabels,
        int ignoredFiles, int? limitPerClass, bool hasGroups, IReadOnlyList<string> notes)
    {
        Root = root;
        Classes = classes;
        Images = images;
        SkippedLabels = skippedLabels;
        IgnoredFiles = ignoredFiles;
        LimitPerClass = limitPerClass;
        HasGroups = hasGroups;
        Notes = notes;
    }

    /// <summary>The folder scanned (full path).</summary>
    public string Root { get; }

    /// <summary>The model's classes, in output order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Images to score, by class then file name (ordinal).</summary>
    public IReadOnlyList<LabelledImage> Images { get; }

    /// <summary>Label folders the model has no class for, with how many images each holds (not scored).</summary>
    public IReadOnlyDictionary<string, int> SkippedLabels { get; }

    /// <summary>Files inside known label folders that are not images (by extension).</summary>
    public int IgnoredFiles { get; }

    /// <summary>At most this many images per class were taken (the first by file name), or null for all.</summary>
    public int? LimitPerClass { get; }

    /// <summary>Whether images carry sequence groups from labels.csv.</summary>
    public bool HasGroups { get; }

    /// <summary>Human-readable notes on what was skipped or ignored and why.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Scans <paramref name="root"/>.</summary>
    /// <param name="root">Folder of label folders.</param>
    /// <param name="labels">Label folder → class.</param>
    /// <param name="imageExtensions">Extensions (with dot) treated as images.</param>
    /// <param name="limitPerClass">Take at most this many images per class (first by file name), or null for all.</param>
    /// <exception cref="EvaluationInputException">The folder is missing, holds no label folders, no known label, no images, or labels.csv is malformed.</exception>
    public static LabelledImageSet Scan(string root, LabelMap labels, IReadOnlySet<string> imageExtensions, int? limitPerClass = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(imageExtensions);
        if (limitPerClass is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(limitPerClass), limitPerClass, "must be at least 1 (or null for all images)");
        }

        var full = Path.GetFullPath(root);
        if (File.Exists(full))
        {
            throw new EvaluationInputException($"{root}: is a file; expected a folder laid out as <folder>/<label>/<image>");
        }

        if (!Directory.Exists(full))
        {
            throw new EvaluationInputException($"{root}: folder not found");
        }

        var known = string.Join(", ", labels.Classes);
        var folders = Directory.GetDirectories(full).Order(StringComparer.Ordinal).ToArray();
        if (folders.Length == 0)
        {
            throw new EvaluationInputException($"{root}: holds no label folders; expected <folder>/<label>/<image> with labels among {known}");
        }

        var groups = ReadGroups(full, out var groupNote);
        var perClass = new List<(string Path, string Relative)>[labels.Classes.Count];
        var skipped = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var ignored = 0;
        foreach (var folder in folders)
        {
            var label = Path.GetFileName(folder);
            var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToArray();
            var images = files.Where(f => imageExtensions.Contains(Path.GetExtension(f))).ToArray();
            if (labels.ClassOf(label) is not { } c)
            {
                skipped[label] = images.Length;
                continue;
            }

            ignored += files.Length - images.Length;
            (perClass[c] ??= []).AddRange(images.Select(f => (f, Path.GetRelativePath(full, f).Replace('\\', '/'))));
        }

        if (perClass.All(l => l is null))
        {
            throw new EvaluationInputException(
                $"{root}: none of its label folders ({string.Join(", ", folders.Select(Path.GetFileName))}) is a class of the model ({known})");
        }

        var selected = new List<LabelledImage>();
        for (var c = 0; c < perClass.Length; c++)
        {
            var list = perClass[c];
            if (list is null)
            {
                continue;
            }

            var take = limitPerClass is { } n ? Math.Min(n, list.Count) : list.Count;
            for (var i = 0; i < take; i++)
            {
                selected.Add(new LabelledImage(list[i].Path, c, groups?.GetValueOrDefault(list[i].Relative)));
            }
        }

        if (selected.Count == 0)
        {
            throw new EvaluationInputException(
                $"{root}: its label folders hold no images (extensions {string.Join(" ", imageExtensions.Order(StringComparer.Ordinal))})");
        }

        var notes = new List<string>();
        foreach (var (label, count) in skipped)
        {
            notes.Add($"skipped {count} image(s) labelled '{label}': the model has no such class ({known})");
        }

        if (ignored > 0)
        {
            notes.Add($"ignored {ignored} file(s) in label folders that are not images");
        }

        if (groupNote is not null)
        {
            notes.Add(groupNote);
        }

        var ungrouped = groups is null ? 0 : selected.Count(i => i.Group is null);
        if (ungrouped > 0)
        {
            notes.Add($"{ungrouped} image(s) are not listed in {LabelsFile}; they are scored per image but not per sequence");
        }

        return new LabelledImageSet(full, labels.Classes, selected, skipped, ignored, limitPerClass, groups is not null, notes);
    }

    /// <summary>Relative path (forward slashes) → "subject/sequence", from labels.csv; null when absent or without those columns.</summary>
    private static Dictionary<string, string>? ReadGroups(string root, out string? note)
    {
        note = null;
        var path = Path.Combine(root, LabelsFile);
        if (!File.Exists(path))
        {
            return null;
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EvaluationInputException($"{path}: cannot be read ({e.Message})");
        }

        var header = lines.Length == 0 ? [] : lines[0].Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var file = Array.IndexOf(header, "file");
        var subject = Array.IndexOf(header, "subject");
        var sequence = Array.IndexOf(header, "sequence");
        if (file < 0 || subject < 0 || sequence < 0)
        {
            note = $"{LabelsFile} has no file/subject/sequence columns; scoring per image only";
            return null;
        }

        var width = Math.Max(file, Math.Max(subject, sequence)) + 1;
        var groups = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var cells = lines[i].Split(',');
            if (cells.Length < width)
            {
                throw new EvaluationInputException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}, line {i + 1}: {cells.Length} column(s), expected at least {width} (header: {lines[0]})"));
            }

            groups[cells[file].Trim().Replace('\\', '/')] = $"{cells[subject].Trim()}/{cells[sequence].Trim()}";
        }

        return groups;
    }
}
