namespace Mien.Studies.Tests;

/// <summary>The t distribution, intervals and the A/B test against values computed by hand or read from printed tables.</summary>
public sealed class StatisticsTests
{
    [Theory]
    // Two-sided 95 % critical values from any printed t table (e.g. NIST/SEMATECH e-Handbook, Table 1.3.6.7.2).
    [InlineData(1, 12.706)]
    [InlineData(2, 4.303)]
    [InlineData(4, 2.776)]
    [InlineData(9, 2.262)]
    [InlineData(29, 2.045)]
    [InlineData(100, 1.984)]
    public void T_quantiles_match_the_printed_table(int df, double expected) =>
        Assert.Equal(expected, StudentT.Quantile(0.975, df), 3);

    [Fact]
    public void T_cdf_matches_closed_forms()
    {
        // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/π. df = 2: F(t) = 1/2 + t / (2 √(t² + 2)).
        foreach (var t in new[] { -3.0, -0.7, 0, 0.4, 2.5, 10 })
        {
            Assert.Equal(0.5 + (Math.Atan(t) / Math.PI), StudentT.Cdf(t, 1), 10);
            Assert.Equal(0.5 + (t / (2 * Math.Sqrt((t * t) + 2))), StudentT.Cdf(t, 2), 10);
        }
    }

    [Fact]
    public void An_interval_of_three_viewers_is_the_hand_computed_t_interval_clamped_to_the_range()
    {
        // Happiness of three viewers in one second: 0.2, 0.4, 0.6.
        // mean 0.4; squared deviations 0.04 + 0 + 0.04 = 0.08; s² = 0.08/2 = 0.04, s = 0.2; s/√3 = 0.115470;
        // t(0.975, 2) = 4.302653 → half width 0.496828; 0.4 − 0.496828 < 0 is clamped to 0, high = 0.896828.
        var e = Estimate.Of([0.2, 0.4, 0.6], minViewers: 3, confidence: 0.95, (0, 1));
        Assert.Equal(3, e.N);
        Assert.Equal(0.4, e.Mean!.Value, 12);
        Assert.Equal(0.2, e.Sd!.Value, 12);
        Assert.Equal(0, e.Low!.Value, 12);
        Assert.Equal(0.896828, e.High!.Value, 5);
    }

    [Fact]
    public void An_interval_of_five_viewers_is_the_hand_computed_t_interval()
    {
        // Valence −0.5, 0.1, 0.3, 0.5, 0.6: mean 1.0/5 = 0.2; deviations −0.7, −0.1, 0.1, 0.3, 0.4; squares sum
        // 0.49 + 0.01 + 0.01 + 0.09 + 0.16 = 0.76; s² = 0.19, s = 0.435890; s/√5 = 0.194936;
        // t(0.975, 4) = 2.776445 → half 0.541229 → [−0.341229, 0.741229]. NaN (a viewer without a face) is skipped.
        var e = Estimate.Of([-0.5, 0.1, double.NaN, 0.3, 0.5, 0.6], minViewers: 5, confidence: 0.95, (-1, 1));
        Assert.Equal(5, e.N);
        Assert.Equal(0.2, e.Mean!.Value, 12);
        Assert.Equal(-0.341229, e.Low!.Value, 5);
        Assert.Equal(0.741229, e.High!.Value, 5);
    }

    [Fact]
    public void Fewer_viewers_than_k_withhold_the_cell_and_its_count()
    {
        var e = Estimate.Of([0.1, 0.2, 0.3, 0.4], minViewers: 5, confidence: 0.95, (0, 1));
        Assert.True(e.Suppressed);
        Assert.Null(e.N);
        Assert.Null(e.Low);
    }

    [Fact]
    public void Welch_test_and_Hedges_g_match_the_hand_computation()
    {
        // A: 0.1 0.2 0.3 0.4 0.5 → mean 0.3, s² = (0.04+0.01+0+0.01+0.04)/4 = 0.025
        // B: 0.0 0.0 0.1 0.1 0.2 0.2 → mean 0.1, s² = (0.01·4)/5 = 0.008
        // se² = 0.025/5 + 0.008/6 = 0.0063333, se = 0.0795822; t = 0.2/0.0795822 = 2.513123
        // df = se⁴ / ((0.005)²/4 + (0.0013333)²/5) = 4.011111e-5 / 6.605556e-6 = 6.072330
        // printed table, df 6: t = 2.447 ↔ p = 0.05, t = 3.143 ↔ p = 0.02, so 0.02 < p < 0.05.
        // pooled s = √((4·0.025 + 5·0.008)/9) = 0.124722; d = 1.603567; J = 1 − 3/(4·11 − 9) = 0.914286; g = 1.466118
        var r = AbTest.Compare(StudyMetric.Valence, [0.1, 0.2, 0.3, 0.4, 0.5], [0.0, 0.0, 0.1, 0.1, 0.2, 0.2], new StudyOptions { MinViewers = 5 });
        Assert.Equal(0.2, r.Difference!.Value, 12);
        Assert.Equal(2.513123, r.WelchT!.Value, 5);
        Assert.Equal(6.072330, r.WelchDf!.Value, 4);
        Assert.InRange(r.WelchP!.Value, 0.02, 0.05);
        Assert.Equal(StudentT.TwoSidedP(r.WelchT.Value, r.WelchDf.Value), r.WelchP.Value, 12);
        Assert.Equal(1.466118, r.HedgesG!.Value, 5);
        // C(11, 5) = 462 relabellings: small enough to enumerate.
        Assert.True(r.Exact);
        Assert.Equal(462, r.Permutations);
        // The interval of the difference straddles the difference by t(0.975, df)·se.
        Assert.Equal(0.2 - (StudentT.Quantile(0.975, r.WelchDf.Value) * 0.0795822), r.DifferenceLow!.Value, 5);
    }

    [Fact]
    public void The_exact_permutation_p_is_the_hand_counted_share_of_relabellings()
    {
        // Pooled 0.1 … 0.5, A = {0.1, 0.2}: observed |mean A − mean B| = |0.15 − 0.4| = 0.25. For a 2-subset with
        // sum S the difference is (5S − 3)/6, at least 0.25 in size iff S ≤ 0.3 or S ≥ 0.9: of the ten subsets only
        // {0.1, 0.2} (0.3) and {0.4, 0.5} (0.9) qualify → p = 2/10.
        var (p, count, exact) = AbTest.Permutation([0.1, 0.2], [0.3, 0.4, 0.5], 1000, 1);
        Assert.True(exact);
        Assert.Equal(10, count);
        Assert.Equal(0.2, p, 12);
    }

    [Fact]
    public void Large_arms_use_monte_carlo_permutations_whose_p_is_never_zero()
    {
        var a = Enumerable.Range(0, 20).Select(i => 0.5 + (i * 0.01)).ToArray();
        var b = Enumerable.Range(0, 20).Select(i => 0.1 + (i * 0.01)).ToArray();
        var (p, count, exact) = AbTest.Permutation(a, b, 2000, 3);
        Assert.False(exact);
        Assert.Equal(2000, count);
        // Completely separated arms: no random relabelling is as extreme, so p = 1/(2000 + 1).
        Assert.Equal(1.0 / 2001, p, 12);
    }

    [Fact]
    public void A_withheld_arm_gives_no_test()
    {
        var r = AbTest.Compare(StudyMetric.Happiness, [0.1, 0.2, 0.3], [0.1, 0.2, 0.3, 0.4, 0.5], new StudyOptions { MinViewers = 5 });
        Assert.True(r.A.Suppressed);
        Assert.Null(r.WelchP);
        Assert.Null(r.PermutationP);
        Assert.Null(r.HedgesG);
    }

    [Fact]
    public void Options_out_of_range_are_refused_with_the_option_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new StudyOptions { MinViewers = 1 }.Validate());
        Assert.Contains("MinViewers = 1", e.Message, StringComparison.Ordinal);
    }
}
