using FsCheck;
using FsCheck.Xunit;

using Mien.Results;

namespace Mien.Affect.Tests;

public sealed class ValenceArousalTests
{
    private static float[] OneHot(int c)
    {
        var p = new float[7];
        p[c] = 1;
        return p;
    }

    [Fact]
    public void Classes_land_in_their_circumplex_quadrants()
    {
        var happy = ValenceArousalMapper.Map(OneHot(3), null, 1);
        var sad = ValenceArousalMapper.Map(OneHot(4), null, 1);
        var anger = ValenceArousalMapper.Map(OneHot(0), null, 1);
        var neutral = ValenceArousalMapper.Map(OneHot(6), null, 1);
        Assert.True(happy.Valence > 0.5f && happy.Arousal > 0);
        Assert.True(sad.Valence < -0.5f && sad.Arousal < 0);
        Assert.True(anger.Valence < 0 && anger.Arousal > 0.5f);
        Assert.Equal(0, neutral.Valence);
        Assert.Equal(1, happy.Confidence, 5);
        Assert.Equal(0.5f, ValenceArousalMapper.Map(Enumerable.Repeat(1 / 7f, 7).ToArray(), null, 1).Confidence, 3);
    }

    [Fact]
    public void Lip_corner_pull_raises_valence_and_activity_raises_arousal()
    {
        var p = OneHot(6);
        var still = new ActionUnits(new float[16], true);
        var au = new float[16];
        au[8] = 4; // AU12
        au[13] = 2; // AU25
        var smiling = new ActionUnits(au, true);
        var a = ValenceArousalMapper.Map(p, still, 1);
        var b = ValenceArousalMapper.Map(p, smiling, 1);
        Assert.True(b.Valence > a.Valence + 0.1f);
        Assert.True(b.Arousal > a.Arousal + 0.1f);
    }

    [Property(MaxTest = 300)]
    public bool Output_stays_in_range(NormalFloat[] raw, NormalFloat reliability)
    {
        var p = new float[7];
        for (var i = 0; i < 7; i++)
        {
            p[i] = raw.Length == 0 ? 0 : (float)Math.Abs(raw[i % raw.Length].Get);
        }

        var au = new float[16];
        for (var i = 0; i < 16; i++)
        {
            au[i] = raw.Length == 0 ? 0 : (float)Math.Clamp(Math.Abs(raw[(i + 3) % raw.Length].Get), 0, 5);
        }

        var va = ValenceArousalMapper.Map(p, new ActionUnits(au, true), (float)reliability.Get);
        return va.Valence is >= -1 and <= 1 && va.Arousal is >= -1 and <= 1 && va.Confidence is >= 0 and <= 1;
    }
}
