using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mien.Results;

namespace Mien.Reports.Tests;

public sealed class SeriesTests
{
    private static double[] Times(int n, double fps = 30) => [.. Enumerable.Range(0, n).Select(i => i / fps)];

    [Fact]
    public void Builder_records_one_sample_per_frame_seen_and_starts_a_segment_after_each_absence()
    {
        var series = SyntheticSession.Series(SyntheticSession.Create(secondPerson: true));

        Assert.Equal(1800, series.Frames);
        Assert.Equal(0, series.Start);
        Assert.Equal(1799 / 30.0, series.End, 6);
        Assert.Equal(0.033, series.FrameInterval, 6);
        Assert.Equal([1, 2], series.Tracks.Select(t => t.TrackId));

        var one = series.Find(1)!;
        Assert.Equal(1740, one.Count);
        Assert.Equal([0, 1200], one.SegmentStarts.ToArray()); // 40–42 s missing
        Assert.True(one.HasExpression && one.HasPose && one.HasEyes && one.HasMouth);
        Assert.Equal(12, one.InBlink.ToArray().Count(b => b));

        var two = series.Find(2)!;
        Assert.Equal(1050, two.Count);
        Assert.True(two.HasExpression);
        Assert.False(two.HasPose || two.HasEyes || two.HasMouth);
        Assert.True(float.IsNaN(two.Yaw[0]));
        Assert.Null(series.Find(3));
    }

    [Fact]
    public void A_step_longer_than_a_second_between_frames_starts_a_new_segment()
    {
        var builder = new ReportSeriesBuilder();
        var face = TrackSummaryBuilderTests.Face();
        builder.Add(new FrameAnalysis(0, TimeSpan.Zero, [face]));
        builder.Add(new FrameAnalysis(1, TimeSpan.FromSeconds(0.5), [face]));
        builder.Add(new FrameAnalysis(2, TimeSpan.FromSeconds(3), [face])); // frames dropped in between
        Assert.Equal([0, 2], builder.Build().Find(1)!.SegmentStarts.ToArray());
    }

    [Fact]
    public void Downsampling_keeps_a_one_frame_spike_and_dip_in_6000_samples()
    {
        var x = Times(6000);
        var y = Enumerable.Range(0, 6000).Select(i => (float)Math.Sin(i / 200.0)).ToArray();
        y[3001] = 40;   // one-frame glitch up
        y[4500] = -35;  // and down

        var runs = Downsampling.MinMax(x, y, [0], 0, 200, 1500);
        var points = runs.SelectMany(r => r).ToList();

        Assert.Single(runs);
        Assert.InRange(points.Count, 100, 1500);
        Assert.Contains(new PlotPoint(x[3001], 40), points);
        Assert.Contains(new PlotPoint(x[4500], -35), points);
    }

    [Fact]
    public void Downsampling_breaks_lines_at_absences_and_at_unmeasured_samples()
    {
        var x = Times(12);
        float[] y = [1, 2, 3, float.NaN, 5, 6, 7, 8, 9, float.NaN, float.NaN, 12];
        var runs = Downsampling.MinMax(x, y, [0, 6], 0, 1, 100);
        Assert.Equal([3, 2, 3, 1], runs.Select(r => r.Length));
        Assert.Equal(5, runs[1][0].Y);
        Assert.Equal(7, runs[2][0].Y); // index 6 starts a segment
    }

    [Fact]
    public void Expression_means_keep_the_stack_summing_to_one_and_cover_the_seen_time()
    {
        var series = SyntheticSession.Series(SyntheticSession.Long()).Find(1)!;
        var runs = Downsampling.ExpressionMeans(series, 0, 200, 750, 1 / 30.0);

        Assert.Equal(2, runs.Count); // the 40–42 s absence
        Assert.All(runs.SelectMany(r => r), g => Assert.Equal(1, g.Values.Sum(), 4));
        Assert.InRange(runs.Sum(r => r.Length), 700, 760);
        Assert.Equal(0, runs[0][0].Start);
        Assert.Equal(40, runs[0][^1].End, 2);
        Assert.Equal(42, runs[1][0].Start, 2);
        Assert.Equal(200, runs[1][^1].End, 2);
        var smile = runs[0].Where(g => g.X is > 13 and < 17).ToList();
        Assert.All(smile, g => Assert.Equal(3, g.Dominant)); // happiness in the middle of the smile
    }

    private static Arbitrary<float[]> Signals() =>
        Gen.Choose(1, 4000).SelectMany(n => Gen.ArrayOf(Gen.Choose(-100_000, 100_000).Select(v => v / 1000f), n)).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Downsampling_keeps_the_extremes_in_time_order_within_the_point_budget() =>
        Prop.ForAll(Signals(), Gen.Choose(20, 600).ToArbitrary(), (y, maxPoints) =>
        {
            var x = Times(y.Length);
            var runs = Downsampling.MinMax(x, y, [0], 0, x[^1] + (1 / 30.0), maxPoints);
            var points = runs.SelectMany(r => r).ToList();
            var countOk = y.Length <= maxPoints ? points.Count == y.Length : points.Count <= maxPoints;
            return runs.Count == 1
                && countOk
                && points.Max(p => p.Y) == y.Max()
                && points.Min(p => p.Y) == y.Min()
                && points.Zip(points.Skip(1)).All(p => p.First.X < p.Second.X);
        });

    [Fact]
    public void Frame_interval_is_the_median_step_so_a_few_long_steps_do_not_change_it()
    {
        var builder = new ReportSeriesBuilder();
        for (var i = 0; i < 100; i++)
        {
            var t = TimeSpan.FromMilliseconds((i * 40) + (i > 50 ? 2000 : 0));
            builder.Add(new FrameAnalysis(i, t, []));
        }

        var series = builder.Build();
        Assert.Equal(0.04, series.FrameInterval, 6);
        Assert.Empty(series.Tracks);
        Assert.Same(ReportSeries.Empty, new ReportSeriesBuilder().Build());
    }
}
