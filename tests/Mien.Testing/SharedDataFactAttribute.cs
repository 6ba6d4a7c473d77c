using Xunit;

namespace Mien.Testing;

/// <summary>
/// A fact that needs files from the shared development data (<c>../shared/data</c>): when any of
/// <see cref="Paths"/> is absent the test is reported as <em>skipped</em>, with the missing path as the reason, instead of
/// returning early and counting as passed. The test reads its files with <see cref="SharedData.Require"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SharedDataFactAttribute : FactAttribute
{
    /// <param name="paths">Files or folders relative to the shared data folder, e.g. <c>"videos/single_face.mp4"</c>.</param>
    public SharedDataFactAttribute(params string[] paths)
    {
        Paths = paths;
        Skip = SharedData.MissingReason(paths);
    }

    /// <summary>The shared files or folders the test needs.</summary>
    public IReadOnlyList<string> Paths { get; }
}

/// <summary>The theory form of <see cref="SharedDataFactAttribute"/>: skipped, with the reason, when a needed shared path is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    /// <param name="paths">Files or folders relative to the shared data folder that every case needs.</param>
    public SharedDataTheoryAttribute(params string[] paths)
    {
        Paths = paths;
        Skip = SharedData.MissingReason(paths);
    }

    /// <summary>The shared files or folders the test needs.</summary>
    public IReadOnlyList<string> Paths { get; }
}
