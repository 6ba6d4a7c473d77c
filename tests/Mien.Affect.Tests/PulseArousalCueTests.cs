using Mien.Results;

namespace Mien.Affect.Tests;

/// <summary>The pulse rate as an arousal cue: relative to the person's own median, only from high-quality windows.</summary>
public sealed class PulseArousalCueTests
{
    private static HeartRateEstimate Window(double end, float? bpm, float quality) =>
        new(TimeSpan.FromSeconds(end - 10), TimeSpan.FromSeconds(end), bpm, bpm ?? 75, bpm, 2, quality, 0, bpm is null ? new PhysiologyIssue("low-quality", "test") : null);

    [Fact]
    public void The_cue_reads_the_rate_against_the_persons_median_with_confidence_scaled_by_quality()
    {
        var cue = new PulseArousalCue();
        for (var i = 0; i < 9; i++)
        {
            Assert.Null(cue.Observe(Window(10 + i, 64 + (i % 3), 0.9f))); // no baseline yet
        }

        Assert.NotNull(cue.Observe(Window(19, 65, 0.9f)));
        Assert.Equal(65, cue.BaselineBpm);
        var above = cue.Observe(Window(20, 75, 0.6f))!;
        Assert.Equal(AffectSource.Pulse, above.Source);
        Assert.True(float.IsNaN(above.Affect!.Value.Valence));
        Assert.Equal(0.5f, above.Affect.Value.Arousal, 3);    // 10 BPM above / 20 BPM per unit
        Assert.Equal(0.35f * 0.6f, above.Affect.Value.Confidence, 4);
        var far = cue.Observe(Window(21, 140, 0.9f))!;
        Assert.Equal(1f, far.Affect!.Value.Arousal);             // clamped
        var below = cue.Observe(Window(22, 55, 0.9f))!;
        Assert.True(below.Affect!.Value.Arousal < 0);
    }

    [Fact]
    public void Withheld_and_low_quality_windows_give_no_cue_and_do_not_move_the_baseline()
    {
        var cue = new PulseArousalCue(new PulseArousalOptions { MinBaselineWindows = 3 });
        for (var i = 0; i < 3; i++)
        {
            cue.Observe(Window(10 + i, 70, 0.8f));
        }

        Assert.Null(cue.Observe(Window(13, null, 0.9f)));
        Assert.Null(cue.Observe(Window(14, 150, 0.49f)));
        Assert.Null(cue.Observe(Window(15, 150, 0.1f)));
        Assert.Equal(70, cue.BaselineBpm);
    }

    [Theory]
    [InlineData(1.5f, 0.35f, 20f, 10, "MinQuality")]
    [InlineData(0.5f, 0f, 20f, 10, "Weight")]
    [InlineData(0.5f, 0.35f, 0f, 10, "BpmPerUnit")]
    [InlineData(0.5f, 0.35f, 20f, 0, "MinBaselineWindows")]
    public void Options_out_of_range_are_refused_naming_the_option(float quality, float weight, float bpmPerUnit, int windows, string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new PulseArousalCue(new PulseArousalOptions { MinQuality = quality, Weight = weight, BpmPerUnit = bpmPerUnit, MinBaselineWindows = windows }));
        Assert.StartsWith(name + " = ", error.Message, StringComparison.Ordinal);
    }
}
