namespace Mien.Testing;

/// <summary>
/// The project lead's development data at <c>../shared/data</c> beside the repository (present on development
/// machines and in CI, never on a user's machine). Tests that need it call <see cref="Find"/> and return early
/// when it is null, so the suite still passes elsewhere.
/// </summary>
public static class SharedData
{
    /// <summary>The shared data folder, or null when it is not beside the repository.</summary>
    public static string? Root { get; } = Locate();

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

    private static string? Locate()
    {
        var dir = Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "data"));
        return Directory.Exists(dir) ? dir : null;
    }
}
