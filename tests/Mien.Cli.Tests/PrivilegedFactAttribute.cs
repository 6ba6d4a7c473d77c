namespace Mien.Cli.Tests;

/// <summary>A fact that needs root (e.g. to mount a file system); reported as skipped, with the reason, for anyone else.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PrivilegedFactAttribute : FactAttribute
{
    public PrivilegedFactAttribute(string why)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = $"needs root: {why}";
        }
    }
}
