using Mien.Results;

namespace Mien.Sessions.Tests;

/// <summary>The pulse rate joins the fusion as an arousal cue, and only from windows of high signal quality.</summary>
public sealed class FusionPulseTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    /// <summary>40 s at 10 fps of one face with a steady, calm face estimate and a pulse window every second.</summary>
    private static IReadOnlyList<TrackFusedAffect> Fuse(Func<double, (float? Bpm, float Quality)> pulse)
    {
        var fusion = new FusionCollector(Window);
        for (var i = 0; i < 400; i++)
        {
            var t = i / 10.0;
            HeartRateEstimate? heartRate = null;
            if (i % 10 == 0 && t >= 10)
            {
                var (bpm, quality) = pulse(t);
                heartRate = new HeartRateEstimate(
                    TimeSpan.FromSeconds(t - 10), TimeSpan.FromSeconds(t), bpm, bpm ?? 80, bpm, 3, quality, 0, bpm is null ? new PhysiologyIssue("low-quality", "test") : null);
            }

            var face = new FaceObservation(1, new FaceBox(10, 10, 100, 100), 0.9f, 0.9f, new HeadPose(0, 0, 0), null, null, 0.1f, null, null)
            {
                Affect = new AffectFrame(null, null, new ValenceArousal(0.1f, 0f, 0.7f), 0.9f),
                Physiology = heartRate is null ? null : new PhysiologyFrame { HeartRate = heartRate },
            };
            fusion.Observe(new FrameAnalysis(i, TimeSpan.FromSeconds(t), [face]));
        }

        return fusion.Complete(TimeSpan.FromSeconds(40));
    }

    private static float PulseWeight(TrackFusedAffect f) => f.Affect.Contributions.FirstOrDefault(c => c.Source == AffectSource.Pulse)?.Weight ?? 0;

    [Fact]
    public void A_rise_in_a_high_quality_pulse_raises_the_fused_arousal_with_a_bounded_weight()
    {
        // 70 BPM for 20 s, then 90 BPM: 20 BPM above the person's median by the end.
        var fused = Fuse(t => (t < 25 ? 70 : 90, 0.8f));
        var late = fused.Where(f => f.Affect.Start >= TimeSpan.FromSeconds(32)).ToList();
        Assert.NotEmpty(late);
        Assert.All(late, f =>
        {
            var weight = PulseWeight(f);
            Assert.InRange(weight, 0.1f, 0.35f * 0.8f / ((0.35f * 0.8f) + 0.7f) + 1e-4f);
            Assert.True(f.Affect.Affect.Arousal > 0.05f, $"fused arousal {f.Affect.Affect.Arousal} at {f.Affect.Start} should rise with the pulse");
            Assert.Equal(0.1f, f.Affect.Affect.Valence, 3); // the pulse says nothing about valence
        });

        // Before ten accepted windows there is no baseline, so no cue.
        Assert.All(fused.Where(f => f.Affect.End <= TimeSpan.FromSeconds(19)), f => Assert.Equal(0, PulseWeight(f)));
    }

    [Fact]
    public void Low_quality_or_withheld_pulse_windows_never_reach_the_fusion()
    {
        var lowQuality = Fuse(t => (t < 25 ? 70 : 95, 0.45f));
        var withheld = Fuse(_ => (null, 0.9f));
        Assert.All(lowQuality.Concat(withheld), f =>
        {
            Assert.Equal(0, PulseWeight(f));
            Assert.Equal(0f, f.Affect.Affect.Arousal, 4);
        });
    }
}
