using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Mien.Studies.Tests;

/// <summary>Properties every input must keep: intervals hold their mean, k is never undercut, tests are symmetric, mapping is monotone.</summary>
public sealed class PropertyTests
{
    private static Gen<double[]> Values(double lo, double hi, int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.Choose(0, 1000).Select(i => lo + ((hi - lo) * i / 1000.0)).ArrayOf(n));

    public static class Cases
    {
        public static Arbitrary<double[]> Doubles() => Values(-1, 1, 0, 30).ToArbitrary();
    }

    [Property(Arbitrary = [typeof(Cases)], MaxTest = 300)]
    public void An_interval_holds_its_mean_and_is_withheld_exactly_below_k(double[] values)
    {
        foreach (var k in new[] { 2, 3, 5 })
        {
            var e = Estimate.Of(values, k, 0.95, (-1, 1));
            Assert.Equal(values.Length < k, e.Suppressed);
            if (!e.Suppressed)
            {
                Assert.True(e.N >= k);
                Assert.InRange(e.Mean!.Value, e.Low!.Value - 1e-12, e.High!.Value + 1e-12);
                Assert.InRange(e.Low.Value, -1, 1);
                Assert.InRange(e.High.Value, -1, 1);
            }
        }
    }

    [Property(MaxTest = 200)]
    public void The_t_quantile_inverts_the_cdf(PositiveInt dfSeed, NormalFloat pSeed)
    {
        var df = 1 + (dfSeed.Get % 200);
        var p = 0.5 + (0.499 * Math.Abs(Math.Tanh(pSeed.Get)));
        if (p <= 0.5)
        {
            return;
        }

        Assert.Equal(p, StudentT.Cdf(StudentT.Quantile(p, df), df), 9);
    }

    public static class ArmCases
    {
        public static Arbitrary<(double[] A, double[] B)> Arms() =>
            Values(-1, 1, 2, 9).SelectMany(a => Values(-1, 1, 2, 9).Select(b => (a, b))).ToArbitrary();
    }

    [Property(Arbitrary = [typeof(ArmCases)], MaxTest = 150)]
    public void Swapping_the_arms_negates_the_difference_and_keeps_the_p_values((double[] A, double[] B) arms)
    {
        var options = new StudyOptions { MinViewers = 2 };
        var ab = AbTest.Compare(StudyMetric.Valence, arms.A, arms.B, options, permutations: 500);
        var ba = AbTest.Compare(StudyMetric.Valence, arms.B, arms.A, options, permutations: 500);
        Assert.Equal(ab.Difference!.Value, -ba.Difference!.Value, 9);
        Assert.InRange(ab.PermutationP!.Value, 0, 1);
        Assert.Equal(ab.PermutationP.Value, ba.PermutationP!.Value, 9);
        if (ab.WelchP is { } p)
        {
            Assert.InRange(p, 0, 1);
            Assert.Equal(p, ba.WelchP!.Value, 9);
            Assert.Equal(ab.HedgesG!.Value, -ba.HedgesG!.Value, 9);
            Assert.InRange(ab.Difference.Value, ab.DifferenceLow!.Value - 1e-12, ab.DifferenceHigh!.Value + 1e-12);
        }
    }

    public static class PlaybackCases
    {
        /// <summary>A log of playing stretches with pauses and seeks between them, reported every 0.25 s while playing.</summary>
        public static Arbitrary<PlaybackSample[]> Logs() =>
            Gen.Choose(0, 5000).Select(i => i / 1000.0).ArrayOf(8).Select(Build).ToArbitrary();

        private static PlaybackSample[] Build(double[] r)
        {
            var log = new List<PlaybackSample>();
            double client = 1, position = 0;
            for (var i = 0; i + 1 < r.Length; i += 2)
            {
                var length = 0.5 + r[i];
                for (var t = 0.0; t < length; t += 0.25)
                {
                    log.Add(new(client + t, position + t, PlaybackState.Playing));
                }

                client += length;
                position += length;
                log.Add(new(client, position, r[i + 1] > 2.5 ? PlaybackState.Seeking : PlaybackState.Paused));
                client += 0.1 + r[i + 1];
                position = r[i + 1] > 2.5 ? r[i + 1] * 2 : position;
            }

            return [.. log];
        }
    }

    [Property(Arbitrary = [typeof(PlaybackCases)], MaxTest = 200)]
    public void Within_a_playing_stretch_stimulus_time_advances_with_the_clock(PlaybackSample[] log)
    {
        var timeline = new PlaybackTimeline(log);
        for (var i = 0; i + 1 < log.Length; i++)
        {
            if (log[i].State != PlaybackState.Playing)
            {
                // Between a pause/seek and the next report nothing maps.
                Assert.False(timeline.TryMap((log[i].ClientTimeS + log[i + 1].ClientTimeS) / 2, out _));
                continue;
            }

            var dt = (log[i + 1].ClientTimeS - log[i].ClientTimeS) * 0.6;
            Assert.True(timeline.TryMap(log[i].ClientTimeS, out var a));
            Assert.True(timeline.TryMap(log[i].ClientTimeS + dt, out var b));
            Assert.Equal(dt, b - a, 9);
        }
    }

    public static class GroupCases
    {
        public static Arbitrary<int[]> Groups() => Gen.Choose(0, 4).ArrayOf().Where(a => a.Length is > 0 and < 40).ToArbitrary();
    }

    [Property(Arbitrary = [typeof(GroupCases)], MaxTest = 200)]
    public void No_breakdown_cell_shows_fewer_than_k_viewers_and_no_withheld_group_stands_alone(int[] groupOf)
    {
        var options = new StudyOptions { MinViewers = 3 };
        var viewings = groupOf.Select((g, i) => new AttributedViewing(
            ResultsTests.Viewer(i % 3 == 0 ? double.NaN : 0.1 * (i % 7), 0.05 * (i % 5)),
            g == 0 ? new Dictionary<string, string>() : new Dictionary<string, string> { ["group"] = "g" + g })).ToList();
        var result = AudienceBreakdown.By("group", viewings, 2, options);
        foreach (var group in result.Groups)
        {
            Assert.True(group.Viewers is null or >= 3);
            foreach (var curve in group.PerSecond.Curves)
            {
                Assert.All(curve.Seconds, e => Assert.True(e.Suppressed || e.N >= 3));
            }
        }

        if (result.Groups.Count > 1)
        {
            Assert.NotEqual(1, result.Groups.Count(g => g.Viewers is null));
            foreach (var metric in StudyMetrics.All)
            {
                for (var s = 0; s < 2; s++)
                {
                    var shown = result.Groups.Where(g => g.Viewers is not null).ToArray();
                    if (shown.Length > 1)
                    {
                        Assert.NotEqual(1, shown.Count(g => g.PerSecond[metric].Seconds[s].Suppressed));
                    }
                }
            }
        }
    }
}
