namespace Mien.Studies.Tests;

/// <summary>Per-second aggregation, k-anonymity, moments, scenes, breakdowns and the CSV on hand-made tables.</summary>
public sealed class ResultsTests
{
    /// <summary>A viewer whose every metric holds <paramref name="values"/> per second (NaN = no data).</summary>
    internal static ViewerSeconds Viewer(params double[] values) =>
        ViewerSeconds.FromValues([.. StudyMetrics.All.Select(m => (IReadOnlyList<double>)[.. values.Select(v => m is StudyMetric.Valence or StudyMetric.Arousal ? v : Math.Abs(v))])]);

    [Fact]
    public void Per_second_means_follow_the_hand_table_and_thin_seconds_are_withheld()
    {
        // Three viewers, three seconds (valence):
        //            s0     s1     s2
        //   v1      0.2    0.5    NaN
        //   v2      0.4    0.1    0.3
        //   v3      0.6    0.3    NaN
        // k = 3: s0 mean 0.4 (n 3), s1 mean 0.3 (n 3), s2 only one viewer → withheld.
        ViewerSeconds[] viewers = [Viewer(0.2, 0.5, double.NaN), Viewer(0.4, 0.1, 0.3), Viewer(0.6, 0.3, double.NaN)];
        var result = StudyAggregator.PerSecond(viewers, 3, new StudyOptions { MinViewers = 3 });
        var valence = result[StudyMetric.Valence].Seconds;
        Assert.Equal(3, result.Viewers);
        Assert.Equal(0.4, valence[0].Mean!.Value, 12);
        Assert.Equal(0.3, valence[1].Mean!.Value, 12);
        Assert.True(valence[2].Suppressed);
        // s1: deviations 0.2, −0.2, 0 → s = 0.2, the same interval half-width as s0: 4.302653·0.2/√3 = 0.496828.
        Assert.Equal(0.3 - 0.496828, valence[1].Low!.Value, 5);
    }

    [Fact]
    public void Fewer_viewers_than_k_withhold_everything()
    {
        ViewerSeconds[] viewers = [Viewer(0.2, 0.5), Viewer(0.4, 0.1), Viewer(0.6, 0.3)];
        var result = StudyAggregator.PerSecond(viewers, 2, new StudyOptions());
        Assert.Null(result.Viewers);
        Assert.All(result.Curves, c => Assert.All(c.Seconds, e => Assert.True(e.Suppressed)));
    }

    [Fact]
    public void Peaks_and_valleys_are_the_window_extremes_on_the_right_side_of_the_average()
    {
        // Means 0.1 0.5 0.2 0.2 0.9 0.3 0.05 0.4 (average 2.65/8 = 0.33125), window ± 2:
        // peaks above the average and highest within ± 2: s4 (0.9), s1 (0.5), s7 (0.4);
        // valleys below it and lowest within ± 2: s6 (0.05), s0 (0.1); s2 and s3 (0.2) have s0 (0.1) resp. the
        // earlier tie s2 within reach, s5 (0.3) has s6.
        double[] means = [0.1, 0.5, 0.2, 0.2, 0.9, 0.3, 0.05, 0.4];
        var curve = new StudyCurve(StudyMetric.Happiness, [.. means.Select(m => new Estimate(5, m, m - 0.1, m + 0.1, 0.1))]);
        var (peaks, valleys) = MomentFinder.Find(curve, window: 2, count: 3);
        Assert.Equal([4, 1, 7], peaks.Select(p => p.Second));
        Assert.Equal([6, 0], valleys.Select(p => p.Second));
    }

    [Fact]
    public void Scenes_split_the_stimulus_at_the_cuts_and_summarise_the_seconds_whose_middle_they_hold()
    {
        // Cut at 2.3 s of a 5 s stimulus: scene 0 = [0, 2.3) holds the middles 0.5 and 1.5 → seconds 0–1;
        // scene 1 = [2.3, 5) holds 2.5, 3.5, 4.5 → seconds 2–4.
        var scenes = SceneCuts.Scenes([2.3], 5);
        Assert.Equal((0, 2), scenes[0].SecondSpan);
        Assert.Equal((2, 5), scenes[1].SecondSpan);
        // Two viewers (k = 2), happiness 0.2 0.4 | 0.1 0.1 0.4 and 0.4 0.4 | 0.3 0.3 0.0:
        // scene 0: viewer means 0.3 and 0.4 → 0.35; scene 1: 0.2 and 0.2 → 0.2 with no spread (interval = point).
        ViewerSeconds[] viewers = [Viewer(0.2, 0.4, 0.1, 0.1, 0.4), Viewer(0.4, 0.4, 0.3, 0.3, 0.0)];
        var summary = SceneCuts.Summarise(scenes, viewers, new StudyOptions { MinViewers = 2 });
        Assert.Equal(0.35, summary[0].Metrics[(int)StudyMetric.Happiness].Mean!.Value, 12);
        Assert.Equal(0.2, summary[1].Metrics[(int)StudyMetric.Happiness].Mean!.Value, 12);
        Assert.Equal(0.2, summary[1].Metrics[(int)StudyMetric.Happiness].Low!.Value, 12);
    }

    [Fact]
    public void Histogram_distance_and_cuts_follow_the_hand_table()
    {
        // ½(|0.5 − 0| + |0.5 − 0.5| + |0 − 0.5|) = 0.5
        Assert.Equal(0.5, SceneCuts.Distance([0.5f, 0.5f, 0], [0, 0.5f, 0.5f]), 6);
        float[] red = [1, 0, 0], blue = [0, 0, 1], mix = [0.7f, 0, 0.3f];
        // 0.0 red, 0.5 red, 1.0 mix (distance 0.3: no cut), 1.5 blue (0.7: cut), 1.7 red (1.0 but only 0.2 s into the scene: no cut), 2.5 red
        var cuts = SceneCuts.Detect([(0, red), (0.5, red), (1.0, mix), (1.5, blue), (1.7, red), (2.5, red)]);
        Assert.Equal([1.5], cuts);
    }

    [Fact]
    public void A_breakdown_withholds_small_groups_and_one_more_when_only_one_would_be()
    {
        // k = 3. Gender: f ×4, m ×3, undeclared ×1 → the undeclared group (1) is withheld; then it alone would be
        // recoverable from the totals, so the next smallest shown group (m, 3) is withheld too.
        var viewings = new List<AttributedViewing>();
        for (var i = 0; i < 4; i++)
        {
            viewings.Add(new(Viewer(0.1 * (i + 1), 0.2), new Dictionary<string, string> { ["gender"] = "f" }));
        }

        for (var i = 0; i < 3; i++)
        {
            viewings.Add(new(Viewer(0.5, 0.1 * i), new Dictionary<string, string> { ["gender"] = "m" }));
        }

        viewings.Add(new(Viewer(0.9, 0.9), new Dictionary<string, string>()));
        var result = AudienceBreakdown.By("gender", viewings, 2, new StudyOptions { MinViewers = 3 });
        Assert.Equal(["f", "m", AudienceBreakdown.NotDeclared], result.Groups.Select(g => g.Value));
        Assert.Equal(4, result.Groups[0].Viewers);
        // f, s0: (0.1 + 0.2 + 0.3 + 0.4)/4 = 0.25
        Assert.Equal(0.25, result.Groups[0].PerSecond[StudyMetric.Valence].Seconds[0].Mean!.Value, 12);
        Assert.Null(result.Groups[1].Viewers);
        Assert.Contains("recovered", result.Groups[1].Suppressed, StringComparison.Ordinal);
        Assert.Null(result.Groups[2].Viewers);
        Assert.All(result.Groups[1].Overall, e => Assert.True(e.Suppressed));
    }

    [Fact]
    public void Two_small_groups_need_no_complementary_suppression()
    {
        // k = 3: f ×4 shown, m ×2 and undeclared ×1 withheld; two withheld groups are not separable from the totals.
        var viewings = new List<AttributedViewing>();
        for (var i = 0; i < 4; i++)
        {
            viewings.Add(new(Viewer(0.2, 0.2), new Dictionary<string, string> { ["gender"] = "f" }));
        }

        viewings.Add(new(Viewer(0.5, 0.5), new Dictionary<string, string> { ["gender"] = "m" }));
        viewings.Add(new(Viewer(0.5, 0.5), new Dictionary<string, string> { ["gender"] = "m" }));
        viewings.Add(new(Viewer(0.9, 0.9), new Dictionary<string, string> { ["age"] = "25-34" }));
        var result = AudienceBreakdown.By("gender", viewings, 2, new StudyOptions { MinViewers = 3 });
        Assert.Equal(4, result.Groups[0].Viewers);
        Assert.Equal(0.2, result.Groups[0].Overall[(int)StudyMetric.Valence].Mean!.Value, 12);
        Assert.Equal(2, result.Groups.Count(g => g.Viewers is null));
    }

    [Fact]
    public void The_csv_leaves_withheld_cells_empty_and_writes_the_hand_computed_means()
    {
        ViewerSeconds[] viewers = [Viewer(0.2, 0.5, double.NaN), Viewer(0.4, 0.1, 0.3), Viewer(0.6, 0.3, double.NaN)];
        var csv = StudyCsv.PerSecond(StudyAggregator.PerSecond(viewers, 3, new StudyOptions { MinViewers = 3 })).Split('\n');
        var header = csv[0].Split(',');
        Assert.Equal("second", header[0]);
        var valenceMean = Array.IndexOf(header, "valence_mean");
        Assert.Equal("0.4", csv[1].Split(',')[valenceMean]);
        Assert.Equal("0.3", csv[2].Split(',')[valenceMean]);
        Assert.Equal("", csv[3].Split(',')[valenceMean]);
        Assert.Equal("", csv[3].Split(',')[valenceMean - 1]);
        Assert.Equal(4 * StudyMetrics.Count + 1, header.Length);
    }

    [Fact]
    public void Csv_fields_that_look_like_formulas_are_defused()
    {
        Assert.Equal("'=1+1", StudyCsv.Field("=1+1"));
        Assert.Equal("\"a,b\"", StudyCsv.Field("a,b"));
    }
}
