using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

using Mien.Results;

namespace Mien.Skin.Tests;

/// <summary>Aggregation over frames, profiles over sessions and the suggestion rules (pure parts).</summary>
public sealed class AggregationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-skin-profiles-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SkinFrame Frame(float ita, float weight = 1, float shine = 0)
    {
        var lab = new LabColor(60, 10, 15);
        var tone = new SkinTone(lab, lab, ita, CieLab.Category(ita), 4, 0.8f);
        var face = new SkinFaceMeasurement(tone, 1f, 1f, 2f, 10f, 1, 0.1f, shine, 3f);
        var quality = new SkinQuality(true, [], weight, 200, 1, 60, 0, 0.9f);
        return new SkinFrame(quality, [], face);
    }

    private static SkinFrame Rejected(string code) =>
        new(new SkinQuality(false, [new SkinIssue(code, code)], 0, 40, float.NaN, float.NaN, float.NaN, float.NaN), [], null);

    [Property]
    public Property Weighted_median_with_equal_weights_is_the_median(NonEmptyArray<NormalFloat> input)
    {
        var values = input.Get.Select(v => (float)Math.Clamp(v.Get, -1e6, 1e6)).ToArray();
        var weights = values.Select(_ => 1f).ToArray();
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        return (Math.Abs(RobustStats.WeightedMedian(values, weights) - median) <= 1e-3f * Math.Max(1, Math.Abs(median))).ToProperty();
    }

    [Property]
    public Property Quickselect_median_matches_sorting(NonEmptyArray<NormalFloat> input)
    {
        var values = input.Get.Select(v => (float)v.Get).ToArray();
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        var expected = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        return (RobustStats.Median(values.AsSpan()) == expected).ToProperty();
    }

    [Fact]
    public void Aggregate_is_robust_to_an_outlier_frame_and_counts_rejections()
    {
        var aggregator = new SkinAggregator();
        for (var i = 0; i < 9; i++)
        {
            aggregator.Add(TimeSpan.FromSeconds(i), Frame(30 + (i % 3)));
        }

        aggregator.Add(TimeSpan.FromSeconds(9), Frame(80, weight: 0.2f));
        aggregator.Add(TimeSpan.FromSeconds(10), Rejected("too-dark"));
        aggregator.Add(TimeSpan.FromSeconds(11), Rejected("too-dark"));
        aggregator.Add(TimeSpan.FromSeconds(12), Rejected("blurred"));

        var summary = aggregator.Summarise();

        Assert.Equal(13, summary.FramesAdded);
        Assert.Equal(10, summary.FramesUsed);
        Assert.Equal(2, summary.Rejections["too-dark"]);
        Assert.Equal(1, summary.Rejections["blurred"]);
        Assert.Equal(31f, summary.Get(SkinMetric.Ita)!.Value);
        Assert.Equal(ItaCategory.Intermediate, summary.Category);
        Assert.Equal(10, summary.Series.Count);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    [InlineData("")]
    [InlineData("name with space")]
    public void Unsafe_subject_ids_are_refused(string id)
    {
        var store = new SkinProfileStore(_dir);
        Assert.Throws<ArgumentException>(() => store.Load(id));
        Assert.False(SkinProfileStore.IsValidId(id));
    }

    private static SkinSession Session(int day, float ita, float sd) =>
        new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(day), $"day{day}.mp4", 50, [new SkinMetricAggregate(SkinMetric.Ita, ita, sd, 50)]);

    [Fact]
    public void Profiles_round_trip_and_flag_only_changes_beyond_measurement_noise()
    {
        var store = new SkinProfileStore(_dir);
        store.Append("subject-7", Session(0, 40, 1));
        store.Append("subject-7", Session(30, 41, 1));

        var small = Assert.Single(store.Trends("subject-7"));
        Assert.Equal(ChangeFlag.NoChange, small.Flag);
        Assert.True(small.DifferenceLow < 0 && small.DifferenceHigh > 0);

        store.Append("subject-7", Session(60, 48, 1));
        var large = Assert.Single(store.Trends("subject-7"));
        Assert.Equal(3, large.Sessions);
        Assert.Equal(ChangeFlag.Increase, large.Flag);
        Assert.Equal(8f, large.Difference, 3);
        Assert.NotNull(large.SlopePer30Days);
        Assert.Equal(3, store.Load("subject-7").Sessions.Count);
        Assert.True(File.Exists(Path.Combine(_dir, "subject-7.skin.json")));
    }

    [Fact]
    public void Suggestions_name_the_measurement_that_triggered_them()
    {
        var aggregator = new SkinAggregator();
        aggregator.Add(TimeSpan.Zero, Frame(30, shine: 6));
        var summary = aggregator.Summarise();

        var suggestions = SkinRecommendations.For(summary);

        var shine = Assert.Single(suggestions, s => s.Metric == SkinMetric.Shine);
        Assert.Equal(6f, shine.Value);
        Assert.Equal(3f, shine.Threshold);
        Assert.DoesNotContain(suggestions, s => s.Metric == SkinMetric.Roughness);
        Assert.Contains("not a diagnosis", SkinRecommendations.Disclaimer, StringComparison.Ordinal);
        Assert.Empty(SkinRecommendations.For(new SkinAggregator().Summarise()));
    }
}
