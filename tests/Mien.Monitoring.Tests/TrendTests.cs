using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Mien.Monitoring.Tests;

public sealed class TrendTests
{
    private static SessionValue S(int i, double mean, double se) => new($"s{i}", DateTimeOffset.UnixEpoch.AddDays(i), new Estimate(mean, se, 100, 50, 0.1));

    [Fact]
    public void A_step_after_stable_sessions_is_flagged_and_the_stable_changes_are_not()
    {
        // Means 0, 0, 0, 1 with se 0.1. Excess d² − se² − se² per change: −0.02, −0.02, 0.98 (total 0.94).
        // Last change: τ² from the other two = max(0, (0.94 − 0.98)/4) = 0 → se = √0.02, RCI = 1/0.1414 = 7.07.
        // First change: τ² = (0.94 + 0.02)/4 = 0.24 → se = √(0.02 + 0.48) = 0.7071, Δ = 0.
        var changes = TrendAnalyzer.Changes([S(0, 0, 0.1), S(1, 0, 0.1), S(2, 0, 0.1), S(3, 1, 0.1)]);
        Assert.Equal(3, changes.Count);
        Assert.Equal(1 / Math.Sqrt(0.02), changes[2].ReliableChangeIndex, 9);
        Assert.Equal(0, changes[2].Tau, 12);
        Assert.True(changes[2].Flagged);
        Assert.False(changes[2].IntervalsOverlap);
        Assert.Equal(Math.Sqrt(0.5), changes[0].StandardError, 9);
        Assert.Equal(Math.Sqrt(0.24), changes[0].Tau, 9);
        Assert.False(changes[0].Flagged);
        Assert.False(changes[1].Flagged);
    }

    [Fact]
    public void Session_to_session_wobble_of_the_same_size_is_not_flagged_once_the_history_shows_it_is_usual()
    {
        // 0, 0.3, 0, 0.3, 0 with se 0.1: alone, 0.3/√0.02 = 2.12 would pass 1.96. The other three changes show the
        // wobble is usual: excess 0.09 − 0.02 = 0.07 each, τ² = 0.21/6 = 0.035 → se = √(0.02 + 0.07) = 0.3, RCI = ±1.
        var changes = TrendAnalyzer.Changes([S(0, 0, 0.1), S(1, 0.3, 0.1), S(2, 0, 0.1), S(3, 0.3, 0.1), S(4, 0, 0.1)]);
        Assert.All(changes, c => Assert.Equal(1, Math.Abs(c.ReliableChangeIndex), 9));
        Assert.All(changes, c => Assert.False(c.Flagged));

        // With only two sessions there is no history: τ = 0 and the intervals' test decides.
        var two = TrendAnalyzer.Changes([S(0, 0, 0.1), S(1, 0.3, 0.1)]);
        Assert.True(two.Single().Flagged);
        Assert.Equal(0.3 / Math.Sqrt(0.02), two.Single().ReliableChangeIndex, 9);
    }

    [Fact]
    public void Minimum_change_and_bad_estimates()
    {
        var changes = TrendAnalyzer.Changes([S(0, 0, 0.01), S(1, 0.05, 0.01)], new TrendOptions { MinDelta = 0.1 });
        Assert.False(changes.Single().Flagged);
        Assert.Empty(TrendAnalyzer.Changes([S(0, 0, 0.1)]));
        Assert.Throws<ArgumentException>(() => TrendAnalyzer.Changes([S(0, double.NaN, 0.1), S(1, 0, 0.1)]));
        var e = Assert.Throws<ArgumentException>(() => TrendAnalyzer.Changes([], new TrendOptions { MinZ = -1 }));
        Assert.Contains("MinZ = -1", e.Message, StringComparison.Ordinal);
    }

    private static Arbitrary<(double Mean, double Se)[]> SessionsArb() => Gen.Sized(size =>
        Gen.ListOf(Gen.Zip(Gen.Choose(-1000, 1000).Select(m => m / 100.0), Gen.Choose(1, 100).Select(s => s / 100.0)))
            .Select(list => list.Select(t => (t.Item1, t.Item2)).ToArray())).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Flags_do_not_depend_on_units_or_offset()
    {
        return Prop.ForAll(SessionsArb(), Gen.Choose(1, 20).ToArbitrary(), Gen.Choose(-50, 50).ToArbitrary(), (sessions, scale, shift) =>
        {
            var a = sessions.Select((s, i) => S(i, s.Mean, s.Se)).ToArray();
            var b = sessions.Select((s, i) => S(i, (scale * s.Mean) + shift, scale * s.Se)).ToArray();
            var fa = TrendAnalyzer.Changes(a).Select(c => c.Flagged);
            var fb = TrendAnalyzer.Changes(b).Select(c => c.Flagged);
            return fa.SequenceEqual(fb);
        });
    }

    [Property(MaxTest = 200)]
    public Property Reversing_the_sessions_reverses_the_flags_and_equal_means_are_never_flagged()
    {
        return Prop.ForAll(SessionsArb(), sessions =>
        {
            var forward = TrendAnalyzer.Changes(sessions.Select((s, i) => S(i, s.Mean, s.Se)).ToArray()).Select(c => c.Flagged).ToArray();
            var backward = TrendAnalyzer.Changes(sessions.Reverse().Select((s, i) => S(i, s.Mean, s.Se)).ToArray()).Select(c => c.Flagged).Reverse().ToArray();
            var flat = TrendAnalyzer.Changes(sessions.Select((s, i) => S(i, 0.5, s.Se)).ToArray());
            return forward.SequenceEqual(backward) && flat.All(c => !c.Flagged);
        });
    }

    [Property(MaxTest = 200)]
    public Property A_flagged_change_is_beyond_its_own_intervals_test_when_tau_is_zero()
    {
        // τ ≥ 0 only widens the noise: a change flagged with τ is also beyond the plain two-interval test.
        return Prop.ForAll(SessionsArb(), sessions =>
        {
            var values = sessions.Select((s, i) => S(i, s.Mean, s.Se)).ToArray();
            return TrendAnalyzer.Changes(values).Where(c => c.Flagged).All(c =>
            {
                var i = Array.FindIndex(values, v => v.Session == c.ToSession);
                var plain = c.Delta / Math.Sqrt((values[i].Estimate.StandardError * values[i].Estimate.StandardError) + (values[i - 1].Estimate.StandardError * values[i - 1].Estimate.StandardError));
                return Math.Abs(plain) >= Math.Abs(c.ReliableChangeIndex) - 1e-9;
            });
        });
    }
}
