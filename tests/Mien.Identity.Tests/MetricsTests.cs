using Mien.Identity.Evaluation;

namespace Mien.Identity.Tests;

public sealed class MetricsTests
{
    [Fact]
    public void Separated_scores_give_zero_eer_and_full_tar()
    {
        var r = VerificationMetrics.Compute([0.8f, 0.9f, 0.7f], [0.1f, 0.2f, 0.3f, 0.0f]);
        Assert.Equal(0, r.Eer);
        Assert.Equal(1, r.TarAtFar1);
        Assert.Equal(1, r.Auc);
    }

    [Fact]
    public void Overlapping_scores_give_the_counted_rates()
    {
        // 10 impostors 0.0..0.9, 10 genuine 0.5..1.4: at FAR 1 % (0 of 10 allowed) the threshold is just above 0.9,
        // accepting genuine 1.0..1.4 = 5 of 10.
        float[] impostor = [.. Enumerable.Range(0, 10).Select(i => i / 10f)];
        float[] genuine = [.. Enumerable.Range(5, 10).Select(i => i / 10f)];
        var r = VerificationMetrics.Compute(genuine, impostor);
        Assert.Equal(0.5, r.TarAtFar1, 6);
        Assert.True(r.ThresholdAtFar1 > 0.9f && r.ThresholdAtFar1 < 0.9001, $"threshold {r.ThresholdAtFar1}");
        Assert.Equal(0.25, r.Eer, 6); // at 0.8: FRR 3/10 (0.5, 0.6, 0.7), FAR 2/10 (0.8, 0.9); no threshold closes the gap, so the average
        Assert.Throws<ArgumentException>(() => VerificationMetrics.Compute([], impostor));
    }

    [Fact]
    public void Bootstrap_interval_contains_the_estimate()
    {
        var pairs = new List<(int, int, float)>();
        var random = new Random(1);
        for (var a = 0; a < 12; a++)
        {
            for (var b = a; b < 12; b++)
            {
                pairs.Add((a, b, (float)(a == b ? 0.6 + (0.3 * random.NextDouble()) : 0.5 * random.NextDouble())));
            }
        }

        var e = VerificationMetrics.Bootstrap(pairs, (g, i) => VerificationMetrics.Compute(g, i).Auc, 200);
        Assert.InRange(e.Value, e.Low, e.High);
        Assert.True(e.Low <= e.High);
    }

    [Fact]
    public void Reid_counts_switches_fragments_merges_and_idf1()
    {
        // A for frames 0–3 as id 1, leaves, returns as id 2 (frames 10–11); B as id 3 then id 1 (a wrong merge).
        ReidSample[] samples =
        [
            new(0, "A", 1), new(1, "A", 1), new(2, "A", 1), new(3, "A", 1),
            new(5, "B", 3), new(6, "B", 3),
            new(10, "A", 2), new(11, "A", 2),
            new(12, "B", 1),
        ];
        var r = ReidMetrics.Compute(samples);
        Assert.Equal(2, r.IdSwitches);
        Assert.Equal(2, r.Fragmentation);
        Assert.Equal(1, r.Merges);
        Assert.Equal(3, r.PredictedIds);
        // Best mapping A→1 (4), B→3 (2): IDTP 6 of 9.
        Assert.Equal(6.0 / 9, r.Idf1, 6);

        var perfect = ReidMetrics.Compute([new(0, "A", 7), new(1, "A", 7), new(2, "B", 8)]);
        Assert.Equal(1, perfect.Idf1);
        Assert.Equal(0, perfect.IdSwitches + perfect.Fragmentation + perfect.Merges);
    }
}
