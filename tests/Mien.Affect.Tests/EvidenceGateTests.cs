using FsCheck;
using FsCheck.Xunit;
using Mien.Results;

namespace Mien.Affect.Tests;

public sealed class EvidenceGateTests
{
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(33.3);

    private static float[] OneHot(int c, float peak = 0.9f)
    {
        var p = Enumerable.Repeat((1 - peak) / 6, 7).ToArray();
        p[c] = peak;
        return p;
    }

    private static ActionUnits Units(params (string Code, float Value)[] set)
    {
        var v = new float[ActionUnits.Codes.Count];
        foreach (var (code, value) in set)
        {
            v[ActionUnits.Codes.ToList().IndexOf(code)] = value;
        }

        return new ActionUnits(v, ActionUnitBaseline.Person);
    }

    /// <summary>Feeds 2 s of happiness with a resting face, then sadness with <paramref name="after"/>; returns how long the reported label took to follow.</summary>
    private static TimeSpan TimeToSwitch(HmmOptions options, ActionUnits? after)
    {
        var filter = new HmmExpressionFilter(options);
        var rest = Units(("AU06", 0.5f));
        var t = TimeSpan.Zero;
        for (var i = 0; i < 60; i++)
        {
            t += Frame;
            filter.Update(new TemporalInput(t, OneHot(3), 1, rest));
        }

        Assert.Equal("happiness", filter.Update(new TemporalInput(t + (Frame / 2), OneHot(3), 1, rest)).Dominant);
        t += Frame / 2;
        var onset = t;
        for (var i = 0; i < 300; i++)
        {
            t += Frame;
            if (filter.Update(new TemporalInput(t, OneHot(4), 1, after ?? rest)).Dominant == "sadness")
            {
                return t - onset;
            }
        }

        return TimeSpan.MaxValue;
    }

    [Fact]
    public void Contrary_evidence_switches_a_still_face_slowly_and_a_moving_face_quickly()
    {
        // The same classifier output: on a face whose geometry stays put, it reads as the classifier re-reading one
        // image; when the brows lower and the lip corners drop with it, as an expression change.
        var still = TimeToSwitch(new HmmOptions(), after: null);
        var moving = TimeToSwitch(new HmmOptions(), Units(("AU04", 2.5f), ("AU15", 2.5f), ("AU17", 1.5f)));
        var ungated = TimeToSwitch(new HmmOptions { MotionGate = null }, after: null);
        Assert.True(moving <= TimeSpan.FromMilliseconds(300), $"moving face switched after {moving.TotalMilliseconds:F0} ms");
        Assert.True(still > 3 * moving, $"still {still.TotalMilliseconds:F0} ms vs moving {moving.TotalMilliseconds:F0} ms");
        Assert.True(still > ungated, $"still {still.TotalMilliseconds:F0} ms vs ungated {ungated.TotalMilliseconds:F0} ms");
    }

    [Property(MaxTest = 100)]
    public bool Without_action_units_the_gated_filter_is_the_ungated_one(NonEmptyArray<PositiveInt> classes, PositiveInt gapMs)
    {
        var gated = new HmmExpressionFilter(new HmmOptions());
        var plain = new HmmExpressionFilter(new HmmOptions { MotionGate = null });
        var t = TimeSpan.Zero;
        foreach (var c in classes.Get)
        {
            t += TimeSpan.FromMilliseconds(1 + (gapMs.Get % 500));
            var a = gated.Update(new TemporalInput(t, OneHot(c.Get % 7, 0.6f), 1));
            var b = plain.Update(new TemporalInput(t, OneHot(c.Get % 7, 0.6f), 1));
            if (a.Dominant != b.Dominant || a.Probabilities.Zip(b.Probabilities).Any(p => p.First != p.Second))
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void Blinks_do_not_count_as_motion_but_other_units_do()
    {
        var filter = new HmmExpressionFilter();
        filter.Update(new TemporalInput(Frame, OneHot(6), 1, Units()));
        filter.Update(new TemporalInput(2 * Frame, OneHot(6), 1, Units(("AU45", 5f))));
        Assert.Equal(0f, filter.Motion);
        filter.Update(new TemporalInput(3 * Frame, OneHot(6), 1, Units(("AU12", 3f), ("AU45", 5f))));
        Assert.Equal(3f, filter.Motion, 3);
    }

    [Fact]
    public void Reset_forgets_the_motion_history()
    {
        var filter = new HmmExpressionFilter();
        filter.Update(new TemporalInput(Frame, OneHot(6), 1, Units()));
        filter.Reset();
        filter.Update(new TemporalInput(2 * Frame, OneHot(6), 1, Units(("AU12", 4f))));
        Assert.Equal(0f, filter.Motion);
    }

    [Theory]
    [InlineData(0f, 20f, 2f, 4f, 1.0, "StillRate")]
    [InlineData(1f, float.NaN, 2f, 4f, 1.0, "MovingRate")]
    [InlineData(1f, 20f, -1f, 4f, 1.0, "StillBelow")]
    [InlineData(1f, 20f, 2f, 2f, 1.0, "MovingAbove")]
    [InlineData(1f, 20f, 2f, 4f, 0.0, "Memory")]
    public void Bad_gate_options_are_rejected_naming_the_option(float still, float moving, float below, float above, double memorySeconds, string name)
    {
        var options = new HmmOptions
        {
            MotionGate = new EvidenceGateOptions { StillRate = still, MovingRate = moving, StillBelow = below, MovingAbove = above, Memory = TimeSpan.FromSeconds(memorySeconds) },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new HmmExpressionFilter(options));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }
}
