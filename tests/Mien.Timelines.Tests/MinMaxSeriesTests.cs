using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Mien.Timelines.Tests;

/// <summary>The min/max reduction on random series of every shape: bounded, ordered, made of input samples, extremes kept.</summary>
public sealed class MinMaxSeriesTests
{
    /// <summary>A random series: random length (up to 20000), times with gaps and out-of-order arrival, values with spikes.</summary>
    private static (TimePoint[] Points, int MaxPoints, double From, double To) RandomSeries(int seed)
    {
        var random = new Random(seed);
        var length = random.Next(4) switch { 0 => random.Next(0, 40), 1 => random.Next(40, 800), _ => random.Next(800, 20_000) };
        var points = new TimePoint[length];
        var time = random.NextDouble() * 5;
        for (var i = 0; i < length; i++)
        {
            time += random.Next(10) == 0 ? random.NextDouble() * 3 : 0.04;
            var value = Math.Sin(time) + (random.NextDouble() * 0.2) + (random.Next(200) == 0 ? (random.NextDouble() - 0.5) * 40 : 0);
            points[i] = new TimePoint(time, value);
        }

        // Some sources deliver late samples: shuffle a few neighbours.
        for (var i = 1; i < length; i += 1 + random.Next(50))
        {
            (points[i - 1], points[i]) = (points[i], points[i - 1]);
        }

        var maxPoints = 2 + random.Next(1000);
        var end = length == 0 ? 10 : points.Max(p => p.Time);
        var from = random.Next(3) == 0 ? end * random.NextDouble() * 0.5 : 0;
        var to = random.Next(3) == 0 ? from + ((end - from) * (0.5 + (random.NextDouble() * 0.5))) : end;
        return (points, maxPoints, from, to);
    }

    private static (IReadOnlyList<TimePoint> Output, TimePoint[] Inside) Reduce(TimePoint[] points, int maxPoints, double from, double to)
    {
        var series = new MinMaxSeries(from, to, maxPoints);
        foreach (var p in points)
        {
            series.Add(p.Time, p.Value);
        }

        return (series.ToPoints(), points.Where(p => p.Time >= from && p.Time <= to).ToArray());
    }

    [Property(MaxTest = 300)]
    public Property Point_count_never_exceeds_the_budget(PositiveInt seed)
    {
        var (points, maxPoints, from, to) = RandomSeries(seed.Get);
        var (output, inside) = Reduce(points, maxPoints, from, to);
        return (output.Count <= maxPoints && output.Count <= inside.Length && (inside.Length == 0 || output.Count > 0))
            .Label($"{inside.Length} samples in range, budget {maxPoints}: {output.Count} points");
    }

    [Property(MaxTest = 300)]
    public Property Points_are_in_time_order_and_are_input_samples_inside_the_range(PositiveInt seed)
    {
        var (points, maxPoints, from, to) = RandomSeries(seed.Get);
        var (output, inside) = Reduce(points, maxPoints, from, to);
        var samples = inside.ToHashSet();
        var ordered = output.Zip(output.Skip(1)).All(pair => pair.First.Time <= pair.Second.Time);
        return (ordered && output.All(samples.Contains)).Label($"ordered {ordered}; all from the input {output.All(samples.Contains)}");
    }

    [Property(MaxTest = 300)]
    public Property The_global_minimum_and_maximum_survive(PositiveInt seed)
    {
        var (points, maxPoints, from, to) = RandomSeries(seed.Get);
        var (output, inside) = Reduce(points, maxPoints, from, to);
        if (inside.Length == 0)
        {
            return true.ToProperty();
        }

        return (output.Min(p => p.Value) == inside.Min(p => p.Value) && output.Max(p => p.Value) == inside.Max(p => p.Value))
            .Label($"min {output.Min(p => p.Value)} vs {inside.Min(p => p.Value)}, max {output.Max(p => p.Value)} vs {inside.Max(p => p.Value)}");
    }

    [Property(MaxTest = 200)]
    public Property Every_bucket_keeps_its_own_extremes(PositiveInt seed)
    {
        // Local peaks, not just the global ones: the largest sample of each bucket-wide slice is in the output.
        var (points, maxPoints, from, to) = RandomSeries(seed.Get);
        var (output, inside) = Reduce(points, maxPoints, from, to);
        if (inside.Length <= maxPoints || to <= from)
        {
            return (output.Count == inside.Length).Label("short series come back whole");
        }

        var buckets = maxPoints / 2;
        var kept = output.ToHashSet();
        var missing = inside
            .GroupBy(p => Math.Min(buckets - 1, (int)Math.Floor((p.Time - from) / (to - from) * buckets)))
            .Where(g => !kept.Any(k => k.Value == g.Max(p => p.Value) && Bucket(k.Time) == g.Key) || !kept.Any(k => k.Value == g.Min(p => p.Value) && Bucket(k.Time) == g.Key))
            .Select(g => g.Key).ToArray();
        return (missing.Length == 0).Label($"buckets without their extremes: {string.Join(", ", missing.Take(5))}");

        int Bucket(double t) => Math.Min(buckets - 1, (int)Math.Floor((t - from) / (to - from) * buckets));
    }

    [Fact]
    public void A_one_sample_spike_in_an_hour_of_flat_data_is_kept()
    {
        var series = new MinMaxSeries(0, 3600, 600);
        for (var i = 0; i < 3600 * 25; i++)
        {
            var t = i / 25.0;
            series.Add(t, i == 61728 ? 0.97 : 0.05);
        }

        var points = series.ToPoints();
        Assert.InRange(points.Count, 300, 600);
        Assert.Contains(points, p => p.Value == 0.97 && Math.Abs(p.Time - (61728 / 25.0)) < 1e-9);
    }

    [Fact]
    public void Missing_values_and_samples_outside_the_range_are_ignored_not_zeroed()
    {
        var series = new MinMaxSeries(10, 20, 100);
        series.Add(5, 1);
        series.Add(12, double.NaN);
        series.Add(13, 0.5);
        series.Add(double.PositiveInfinity, 0.7);
        series.Add(25, 3);
        Assert.Equal([new TimePoint(13, 0.5)], series.ToPoints());
        Assert.Equal(1, series.Count);
    }

    [Fact]
    public void A_bad_range_or_budget_is_refused_with_the_values()
    {
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => new MinMaxSeries(5, 4, 100));
        Assert.Contains("[5, 4]", range.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinMaxSeries(0, 1, 1));
    }
}
