namespace Mien.Testing;

/// <summary>
/// The project lead's development data at <c>../shared/data</c> beside the repository (present on development
/// machines and in CI, never on a user's machine). Tests that need it are marked <see cref="SharedDataFactAttribute"/>
/// (or <see cref="SharedDataTheoryAttribute"/>) with the paths they read, so they are reported as skipped with the
/// reason when it is absent, and read them with <see cref="Require"/>. <see cref="Find"/> serves tests that merely use
/// more data when it is there.
/// </summary>
public static class SharedData
{
    /// <summary>Where the shared data folder is expected.</summary>
    public static string ExpectedRoot { get; } = Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "data"));

    /// <summary>The shared data folder, or null when it is not beside the repository.</summary>
    public static string? Root { get; } = Directory.Exists(ExpectedRoot) ? ExpectedRoot : null;

    /// <summary>Full path of <paramref name="relative"/> under the shared data folder, or null when absent.</summary>
    public static string? Find(string relative)
    {
        if (Root is null)
        {
            return null;
        }

        var path = Path.Combine(Root, relative);
        return File.Exists(path) || Directory.Exists(path) ? path : null;
    }

    /// <summary>Full path of <paramref name="relative"/>, for a test marked with the attribute that names it (which skips the test when it is absent).</summary>
    /// <exception cref="InvalidOperationException">The path is absent: the test lacks its <see cref="SharedDataFactAttribute"/>.</exception>
    public static string Require(string relative) =>
        Find(relative) ?? throw new InvalidOperationException($"{MissingReason([relative])} (mark the test [SharedDataFact(\"{relative}\")] so it is skipped instead)");

    /// <summary>Why a test needing <paramref name="relatives"/> cannot run here, or null when all are present.</summary>
    public static string? MissingReason(IReadOnlyList<string> relatives)
    {
        if (Root is null)
        {
            return $"needs the shared development data, not found at {ExpectedRoot}";
        }

        var missing = relatives.Where(r => Find(r) is null).ToArray();
        return missing.Length == 0 ? null : $"needs shared data not found in {Root}: {string.Join(", ", missing)}";
    }
}
