using Mien.Cli.Commands;
using Mien.Skin;

namespace Mien.Cli.Tests;

/// <summary>How `mien skin` words a change over a subject's sessions (issue 18: "decreased by -13.85" said the sign twice).</summary>
public sealed class SkinWordingTests
{
    [Theory]
    [InlineData(ChangeFlag.Decrease, -13.85f, -20.1f, -7.6f, "decreased by 13.85 (95 % interval of the change -20.1…-7.6)")]
    [InlineData(ChangeFlag.Increase, 8.11f, 2.5f, 13.72f, "increased by 8.11 (95 % interval of the change +2.5…+13.72)")]
    public void A_flagged_change_states_its_size_once_and_its_interval_with_the_sign(ChangeFlag flag, float difference, float low, float high, string expected)
    {
        var trend = new SkinTrend(SkinMetric.ErythemaIndex, 4, 40, 40 + difference, difference, low, high, null, null, null, flag);

        var words = SkinCommand.Change(trend);

        Assert.Equal(expected, words);
        Assert.DoesNotContain("by -", words, StringComparison.Ordinal);
    }
}
