namespace Mien.Packages;

/// <summary>
/// Paths of files inside a package: relative, '/'-separated, with no empty, '.' or '..' segment.
/// Requested paths and tarball entry names are both brought to this form before they are compared,
/// so nothing outside the extraction directory can ever be named.
/// </summary>
internal static class PackagePath
{
    /// <summary>
    /// Validates and normalises the requested files (a leading <c>./</c> is dropped, duplicates are merged);
    /// throws <see cref="ArgumentException"/> naming the bad path.
    /// </summary>
    public static IReadOnlyList<string> NormalizeRequested(IReadOnlyCollection<string> files, NpmPackageSpec spec, string paramName, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(files, paramName);
        if (files.Count == 0 && !allowEmpty)
        {
            throw new ArgumentException($"No files of {spec} were requested; name at least one path inside the package, e.g. 'package.json'.", paramName);
        }

        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            result.Add(TryNormalize(file) ?? throw new ArgumentException(
                $"'{file}' is not a path inside package {spec}: use a relative '/'-separated path without '..', e.g. 'models/emotion.json'.",
                paramName));
        }

        return [.. result];
    }

    /// <summary>
    /// The package path of a tarball entry: the top folder (<c>package/</c> in every tarball npm publishes) is stripped,
    /// as npm itself does. <see langword="null"/> for names that are absolute, climb with '..', or are the top folder itself.
    /// </summary>
    public static string? FromEntryName(string entryName)
    {
        var name = entryName.Replace('\\', '/');
        while (name.StartsWith("./", StringComparison.Ordinal))
        {
            name = name[2..];
        }

        if (name.StartsWith('/'))
        {
            return null;
        }

        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || name.AsSpan(0, slash) is "..")
        {
            return null;
        }

        return TryNormalize(name[(slash + 1)..]);
    }

    private static string? TryNormalize(string? path)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\\', StringComparison.Ordinal) || path.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        while (path.StartsWith("./", StringComparison.Ordinal))
        {
            path = path[2..];
        }

        if (path.Length == 0 || path.StartsWith('/') || Path.IsPathRooted(path))
        {
            return null;
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                return null;
            }
        }

        return path;
    }
}
