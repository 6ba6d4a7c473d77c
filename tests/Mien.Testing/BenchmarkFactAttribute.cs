using Xunit;

namespace Mien.Testing;

/// <summary>
/// A measurement, not a test: skipped (with how to run it) unless <c>MIEN_BENCH=1</c>. Long measurements stay out of
/// the suite's 15-minute budget and never count as passes.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BenchmarkFactAttribute : FactAttribute
{
    /// <summary>Skips unless <c>MIEN_BENCH=1</c>.</summary>
    /// <param name="writes">What the measurement writes (named in the skip reason).</param>
    public BenchmarkFactAttribute(string writes)
    {
        Writes = writes;
        if (Environment.GetEnvironmentVariable("MIEN_BENCH") != "1")
        {
            Skip = $"A benchmark, not a test: run with MIEN_BENCH=1 (writes {writes}).";
        }
    }

    /// <summary>What the measurement writes.</summary>
    public string Writes { get; }
}
