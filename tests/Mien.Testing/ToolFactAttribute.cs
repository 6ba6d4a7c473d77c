using Xunit;

namespace Mien.Testing;

/// <summary>
/// A fact that needs programs on the PATH (e.g. Debian's <c>ffmpeg</c>, <c>cvlc</c>): when one is missing the test is
/// reported as <em>skipped</em> with the package to install, instead of returning early and counting as passed.
/// <c>.ci/run</c> installs them, so in CI these tests always run.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute
{
    /// <param name="programs">Program names looked up on the PATH, e.g. <c>"ffmpeg"</c>.</param>
    public ToolFactAttribute(params string[] programs)
    {
        Programs = programs;
        var missing = programs.Where(p => Find(p) is null).ToArray();
        Skip = missing.Length == 0 ? null : $"needs {string.Join(" and ", missing)} on the PATH (Debian: apt-get install {string.Join(' ', missing.Select(Package).Distinct())})";
    }

    /// <summary>The programs the test needs.</summary>
    public IReadOnlyList<string> Programs { get; }

    /// <summary>The full path of <paramref name="program"/> on the PATH, or null.</summary>
    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private static string Package(string program) => program switch
    {
        "cvlc" or "vlc" => "vlc-bin vlc-plugin-base",
        _ => program,
    };
}
