using FsCheck;
using FsCheck.Xunit;
using Mien.Results;

namespace Mien.Affect.Tests;

public sealed class HmmExpressionFilterTests
{
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(33.3);

    private static float[] Probabilities(float[] raw)
    {
        var p = new float[7];
        var sum = 0f;
        for (var i = 0; i < 7; i++)
        {
            p[i] = Math.Abs(raw[i % raw.Length]) % 10 + 0.01f;
            sum += p[i];
        }

        for (var i = 0; i < 7; i++)
        {
            p[i] /= sum;
        }

        return p;
    }

    private static float[] OneHot(int c, float peak = 0.9f)
    {
        var p = Enumerable.Repeat((1 - peak) / 6, 7).ToArray();
        p[c] = peak;
        return p;
    }

    [Property(MaxTest = 200)]
    public bool Output_is_a_probability_distribution(NonEmptyArray<NormalFloat> values, PositiveInt gapMs, NormalFloat reliability)
    {
        var filter = new HmmExpressionFilter();
        var raw = values.Get.Select(v => (float)v.Get).ToArray();
        var t = TimeSpan.Zero;
        for (var i = 0; i < 20; i++)
        {
            t += TimeSpan.FromMilliseconds(gapMs.Get % 5000);
            var result = filter.Update(new TemporalInput(t, Probabilities([.. raw.Skip(i % raw.Length), .. raw]), (float)reliability.Get));
            var sum = result.Probabilities.Sum();
            if (Math.Abs(sum - 1) > 1e-4 || result.Probabilities.Any(p => p < 0 || !float.IsFinite(p)) || result.Confidence != result.Probabilities[ExpressionEstimate.Labels.ToList().IndexOf(result.Dominant)])
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 100)]
    public bool Reliability_zero_is_a_pure_prediction_step(PositiveInt cls, PositiveInt gapMs)
    {
        // After some evidence for one class, a frame with reliability 0 must move the posterior exactly as the
        // transition prior predicts, whatever that frame's probabilities say.
        var a = new HmmExpressionFilter();
        var b = new HmmExpressionFilter();
        var t = TimeSpan.Zero;
        for (var i = 0; i < 10; i++)
        {
            t += Frame;
            a.Update(new TemporalInput(t, OneHot(cls.Get % 7), 1));
            b.Update(new TemporalInput(t, OneHot(cls.Get % 7), 1));
        }

        var before = a.Posterior.ToArray();
        var dt = TimeSpan.FromMilliseconds(1 + (gapMs.Get % 3000));
        var ra = a.Update(new TemporalInput(t + dt, OneHot((cls.Get + 3) % 7, 0.99f), 0));
        var rb = b.Update(new TemporalInput(t + dt, OneHot((cls.Get + 1) % 7, 0.99f), 0));
        var stay = Math.Exp(-dt.TotalSeconds / a.Options.MeanDwell.TotalSeconds);
        for (var c = 0; c < 7; c++)
        {
            var expected = (stay * before[c]) + ((1 - stay) / 7);
            if (Math.Abs(a.Posterior[c] - expected) > 1e-9 || Math.Abs(ra.Probabilities[c] - rb.Probabilities[c]) > 1e-7)
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 100)]
    public bool Longer_dwell_keeps_the_current_expression_longer(PositiveInt cls, PositiveInt dwellMs, PositiveInt gapMs)
    {
        var shortDwell = TimeSpan.FromMilliseconds(100 + (dwellMs.Get % 5000));
        var longDwell = shortDwell * 2;
        float Held(TimeSpan dwell)
        {
            var f = new HmmExpressionFilter(new HmmOptions { MeanDwell = dwell });
            var t = TimeSpan.Zero;
            for (var i = 0; i < 30; i++)
            {
                t += Frame;
                f.Update(new TemporalInput(t, OneHot(cls.Get % 7), 1));
            }

            // The expression changes: how much belief in the old one survives one frame of contrary evidence.
            return f.Update(new TemporalInput(t + TimeSpan.FromMilliseconds(1 + (gapMs.Get % 1000)), OneHot((cls.Get + 2) % 7), 1)).Probabilities[cls.Get % 7];
        }

        return Held(longDwell) >= Held(shortDwell) - 1e-6f;
    }

    [Property(MaxTest = 100)]
    public bool Prediction_over_a_gap_does_not_depend_on_how_it_is_split(PositiveInt cls, PositiveInt gapMs)
    {
        // Two evidence-free steps of Δt/2 give the same state as one of Δt (continuous-time prior), so dropped
        // frames and variable frame rates need no special case.
        var dt = TimeSpan.FromMilliseconds(2 + (gapMs.Get % 4000));
        var a = new HmmExpressionFilter();
        var b = new HmmExpressionFilter();
        a.Update(new TemporalInput(TimeSpan.Zero, OneHot(cls.Get % 7), 1));
        b.Update(new TemporalInput(TimeSpan.Zero, OneHot(cls.Get % 7), 1));
        a.Update(new TemporalInput(dt / 2, OneHot(0), 0));
        a.Update(new TemporalInput(dt, OneHot(1), 0));
        b.Update(new TemporalInput(dt, OneHot(2), 0));
        return a.Posterior.Zip(b.Posterior).All(p => Math.Abs(p.First - p.Second) < 1e-9);
    }

    [Fact]
    public void Steady_evidence_wins_and_a_single_contrary_frame_does_not_switch()
    {
        var filter = new HmmExpressionFilter();
        var t = TimeSpan.Zero;
        FilteredExpression last = null!;
        for (var i = 0; i < 30; i++)
        {
            t += Frame;
            last = filter.Update(new TemporalInput(t, OneHot(3, 0.7f), 1));
        }

        Assert.Equal("happiness", last.Dominant);
        t += Frame;
        Assert.Equal("happiness", filter.Update(new TemporalInput(t, OneHot(4, 0.7f), 1)).Dominant);
        for (var i = 0; i < 30; i++)
        {
            t += Frame;
            last = filter.Update(new TemporalInput(t, OneHot(4, 0.7f), 1));
        }

        Assert.Equal("sadness", last.Dominant);
    }

    [Fact]
    public void Decreasing_timestamps_and_bad_options_are_rejected_with_named_messages()
    {
        var filter = new HmmExpressionFilter();
        filter.Update(new TemporalInput(TimeSpan.FromSeconds(1), OneHot(0), 1));
        Assert.Throws<ArgumentException>(() => filter.Update(new TemporalInput(TimeSpan.Zero, OneHot(0), 1)));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new HmmExpressionFilter(new HmmOptions { MeanDwell = TimeSpan.Zero }));
        Assert.Contains("MeanDwell", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new HmmExpressionFilter(new HmmOptions { ClassifierPriors = [1, 2] }));
        Assert.Contains("ClassifierPriors", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_forgets_the_history()
    {
        var filter = new HmmExpressionFilter();
        filter.Update(new TemporalInput(TimeSpan.Zero, OneHot(5), 1));
        filter.Reset();
        var fresh = new HmmExpressionFilter();
        var a = filter.Update(new TemporalInput(TimeSpan.Zero, OneHot(2), 1));
        var b = fresh.Update(new TemporalInput(TimeSpan.Zero, OneHot(2), 1));
        Assert.Equal(b.Probabilities, a.Probabilities);
        Assert.Equal(ExpressionEstimate.Labels[2], a.Dominant);
    }
}
