using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Mien.Evaluation.Tests;

/// <summary>Per-sequence scoring: one verdict per group of near-duplicate frames.</summary>
public sealed class MajorityVoteTests
{
    [Fact]
    public void The_most_frequent_prediction_wins()
    {
        var verdicts = MajorityVote.ByGroup(
        [
            new("S1/001", 2, 1, 0.9f), new("S1/001", 2, 2, 0.4f), new("S1/001", 2, 2, 0.5f),
            new("S0/002", 0, 0, 0.6f),
        ], classCount: 3);

        Assert.Equal([new GroupVerdict("S0/002", 0, 0, 1, 1), new GroupVerdict("S1/001", 2, 2, 3, 2)], verdicts);
    }

    [Fact]
    public void A_tie_goes_to_the_larger_summed_confidence_then_the_lower_class()
    {
        var byConfidence = MajorityVote.ByGroup([new("g", 0, 2, 0.9f), new("g", 0, 1, 0.5f), new("g", 0, 0, 0.7f)], 3);
        var byIndex = MajorityVote.ByGroup([new("g", 0, 2, 0.5f), new("g", 0, 1, 0.5f)], 3);

        Assert.Equal(2, byConfidence[0].Predicted);
        Assert.Equal(1, byIndex[0].Predicted);
    }

    [Fact]
    public void Frames_without_a_prediction_abstain_and_an_all_abstaining_group_gets_none()
    {
        var verdicts = MajorityVote.ByGroup([new("a", 1, null, 0), new("a", 1, null, 0), new("a", 1, 0, 0.3f), new("b", 1, null, 0)], 2);

        Assert.Equal(new GroupVerdict("a", 1, 0, 3, 1), verdicts[0]);
        Assert.Equal(new GroupVerdict("b", 1, null, 1, 0), verdicts[1]);
    }

    [Fact]
    public void A_group_mixing_true_labels_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => MajorityVote.ByGroup([new("S5/003", 0, 0, 1), new("S5/003", 1, 0, 1)], 2));
        Assert.Contains("S5/003", e.Message, StringComparison.Ordinal);
    }

    private static Gen<GroupedPrediction[]> Frames() =>
        Gen.ArrayOf(
            from g in Gen.Choose(0, 9)
            from p in Gen.Choose(-1, 3)
            from q in Gen.Choose(1, 100)
            select new GroupedPrediction($"g{g}", g % 4, p < 0 ? null : p, q / 100f));

    [Property(MaxTest = 300)]
    public Property Frame_order_does_not_change_any_verdict() =>
        Prop.ForAll(Frames().ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (frames, seed) =>
        {
            var shuffled = frames.ToArray();
            new Random(seed).Shuffle(shuffled);
            return MajorityVote.ByGroup(frames, 4).SequenceEqual(MajorityVote.ByGroup(shuffled, 4));
        });

    [Property(MaxTest = 300)]
    public Property The_winner_has_as_many_votes_as_any_other_class() =>
        Prop.ForAll(Frames().ToArbitrary(), frames =>
            MajorityVote.ByGroup(frames, 4).All(v =>
            {
                var counts = frames.Where(f => f.Group == v.Group && f.Predicted is not null).GroupBy(f => f.Predicted!.Value).Select(g => g.Count()).DefaultIfEmpty(0);
                return v.Votes == counts.Max() && v.Samples == frames.Count(f => f.Group == v.Group);
            }));
}
