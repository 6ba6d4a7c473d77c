namespace Mien.Pipeline.Tests;

public sealed class StageClockTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Percentiles_from_the_bounded_histogram_match_a_sorted_list_within_one_bin(int seed)
    {
        var random = new Random(seed);
        var clock = new StageClock();
        var samples = new double[5000];
        for (var i = 0; i < samples.Length; i++)
        {
            // Log-normal latencies around a few milliseconds, with a heavy tail, as real stages have.
            samples[i] = Math.Exp(1 + (0.8 * Normal(random)));
            clock.Add("stage", samples[i]);
        }

        Array.Sort(samples);
        var timing = Assert.Single(clock.Summarise());
        Assert.Equal(5000, timing.Count);
        Assert.InRange(timing.MedianMs / samples[2500], 0.985, 1.015);
        Assert.InRange(timing.P90Ms / samples[4500], 0.985, 1.015);
    }

    [Fact]
    public void A_million_samples_take_no_more_memory_than_ten()
    {
        var clock = new StageClock();
        clock.Add("frame", 1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000_000; i++)
        {
            clock.Add("frame", 0.5 + (i % 100));
        }

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024, "adding samples must not allocate");
        Assert.Equal(1_000_001, Assert.Single(clock.Summarise()).Count);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
