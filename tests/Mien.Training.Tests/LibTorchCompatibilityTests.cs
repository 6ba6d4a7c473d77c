namespace Mien.Training.Tests;

public sealed class LibTorchCompatibilityTests
{
    [Fact]
    public void OnlyTheGlibcxx332RequirementFlagChangesAndOnlyOnce()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var original = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(original))
        {
            return;
        }

        var before = File.ReadAllBytes(original);
        var after = (byte[])before.Clone();
        Assert.True(LibTorchCompatibility.MakeVersionRequirementWeak(after, "GLIBCXX_3.4.32"));
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        var index = Assert.Single(changed);
        Assert.Equal(before[index] | 0x2, after[index]);
        Assert.False(LibTorchCompatibility.MakeVersionRequirementWeak(after, "GLIBCXX_3.4.32"));
        Assert.False(LibTorchCompatibility.MakeVersionRequirementWeak((byte[])before.Clone(), "GLIBCXX_9.9.99"));
    }
}
