using FsCheck;
using FsCheck.Xunit;


namespace Mien.Affect.Tests;

public sealed class FlickerMetricsTests
{
    private static List<LabelSample> Series(string labels, int stepMs = 100) =>
        labels.Select((c, i) => new LabelSample(TimeSpan.FromMilliseconds(i * stepMs), c.ToString())).ToList();

    [Fact]
    public void Switches_per_minute_counts_changes_over_the_series_duration()
    {
        var s = Series("aabbbabbba"); // 4 changes over 0.9 s
        Assert.Equal(4, FlickerMetrics.Switches(s));
        Assert.Equal(4 / (0.9 / 60), FlickerMetrics.SwitchesPerMinute(s), 6);
        Assert.Equal(0, FlickerMetrics.SwitchesPerMinute(Series("a")));
    }

    [Fact]
    public void Onset_lag_is_measured_from_the_first_persistent_raw_run()
    {
        // Raw flickers to b once at 200 ms (not persistent), then shows b from 500 ms on; filter follows at 800 ms.
        var raw = Series("aabaabbbbbbbb");
        var filtered = Series("aaaaaaaabbbbb");
        var lag = FlickerMetrics.OnsetLag(raw, filtered, TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, lag.Changes);
        Assert.Equal(1, lag.Anchored);
        Assert.Equal(TimeSpan.FromMilliseconds(300), lag.Median);
    }

    [Fact]
    public void A_change_without_persistent_raw_evidence_is_counted_but_not_anchored()
    {
        var raw = Series("abababababab");
        var filtered = Series("aaaaaabbbbbb");
        var lag = FlickerMetrics.OnsetLag(raw, filtered, TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, lag.Changes);
        Assert.Equal(0, lag.Anchored);
    }

    [Property(MaxTest = 200)]
    public bool A_series_compared_with_itself_has_zero_lag_for_persistent_runs(NonEmptyArray<bool> bits)
    {
        var s = Series(new string([.. bits.Get.Select(b => b ? 'x' : 'y')]));
        var lag = FlickerMetrics.OnsetLag(s, s, TimeSpan.Zero);
        return lag.Changes == FlickerMetrics.Switches(s) && lag.Anchored == lag.Changes && lag.Lags.All(l => l == TimeSpan.Zero);
    }
}
