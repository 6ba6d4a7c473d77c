namespace Mien.Packages.Tests.Infrastructure;

/// <summary>A fact that talks to the real npm registry; skipped unless <c>MIEN_ONLINE_TESTS=1</c>.</summary>
internal sealed class OnlineFactAttribute : FactAttribute
{
    public OnlineFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("MIEN_ONLINE_TESTS") != "1")
        {
            Skip = "Talks to the real npm registry; set MIEN_ONLINE_TESTS=1 to run it.";
        }
    }
}
