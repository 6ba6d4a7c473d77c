namespace Mien.Web.Tests;

/// <summary>
/// A browser test: reported as skipped, with the reason, when Debian's chromium or ffmpeg (which makes the fake
/// camera's .y4m) is not installed, instead of failing or passing without running. `.ci/run` installs both.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute() => Skip = BrowserFixture.MissingReason;
}
