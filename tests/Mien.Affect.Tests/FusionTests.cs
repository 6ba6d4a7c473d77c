using FsCheck;
using FsCheck.Xunit;

using Mien.Results;

namespace Mien.Affect.Tests;

public sealed class FusionTests
{
    private static readonly TimeSpan End = TimeSpan.FromSeconds(2);

    private static float Unit(NormalFloat f) => (float)Math.Clamp(Math.Tanh(f.Get), -1, 1);

    private static float Conf(NormalFloat f) => (float)(1 / (1 + Math.Exp(-f.Get)));

    [Property(MaxTest = 300)]
    public bool Weights_are_normalised_and_follow_confidence(NormalFloat v1, NormalFloat a1, NormalFloat c1, NormalFloat v2, NormalFloat a2, NormalFloat c2)
    {
        var face = new ModalityEstimate(AffectSource.Face, new ValenceArousal(Unit(v1), Unit(a1), Conf(c1)), null);
        var voice = new ModalityEstimate(AffectSource.Voice, new ValenceArousal(Unit(v2), Unit(a2), Conf(c2)), null);
        var fused = AffectFusion.Fuse(TimeSpan.Zero, End, [face, voice]);
        var w = fused.Contributions.Select(c => c.Weight).ToArray();
        var sumOk = Math.Abs(w.Sum() - 1) < 1e-5;
        var orderOk = Conf(c1) >= Conf(c2) ? w[0] >= w[1] - 1e-6 : w[1] >= w[0] - 1e-6;
        var lo = Math.Min(Unit(v1), Unit(v2)) - 1e-5;
        var hi = Math.Max(Unit(v1), Unit(v2)) + 1e-5;
        var between = fused.Affect.Valence >= lo && fused.Affect.Valence <= hi;
        return sumOk && orderOk && between && fused.Affect.Confidence is >= 0 and <= 1 && fused.Expression is null;
    }

    [Fact]
    public void A_source_without_confidence_contributes_nothing_and_agreeing_sources_raise_confidence()
    {
        var face = new ModalityEstimate(AffectSource.Face, new ValenceArousal(0.6f, 0.4f, 0.6f), [0.05f, 0.05f, 0.05f, 0.6f, 0.05f, 0.1f, 0.1f]);
        var silent = new ModalityEstimate(AffectSource.Voice, new ValenceArousal(-0.9f, -0.9f, 0f), null);
        var body = new ModalityEstimate(AffectSource.Body, null, null);
        var fused = AffectFusion.Fuse(TimeSpan.Zero, End, [face, silent, body]);
        Assert.Equal([1f, 0f, 0f], fused.Contributions.Select(c => c.Weight));
        Assert.Equal(0.6f, fused.Affect.Valence, 5);
        Assert.Equal(face.Expression, fused.Expression!.Select(p => (float)Math.Round(p, 5)));

        var agreeing = new ModalityEstimate(AffectSource.Voice, new ValenceArousal(0.6f, 0.4f, 0.6f), null);
        var both = AffectFusion.Fuse(TimeSpan.Zero, End, [face, agreeing]);
        Assert.True(both.Affect.Confidence > fused.Affect.Confidence);
        var disagreeing = new ModalityEstimate(AffectSource.Voice, new ValenceArousal(-0.6f, -0.4f, 0.6f), null);
        Assert.True(AffectFusion.Fuse(TimeSpan.Zero, End, [face, disagreeing]).Affect.Confidence < both.Affect.Confidence);
    }

    [Fact]
    public void Windows_collect_frames_and_overlapping_segments_per_source()
    {
        var windows = new AffectWindows(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 60; i++)
        {
            windows.Add(TimeSpan.FromMilliseconds(i * 66.7), new ModalityEstimate(AffectSource.Face, new ValenceArousal(0.5f, 0.2f, 0.8f), null));
        }

        // A voice segment covering only the second window.
        windows.Add(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), new ModalityEstimate(AffectSource.Voice, new ValenceArousal(-0.5f, 0.8f, 0.8f), null));
        var fused = windows.Flush(TimeSpan.FromSeconds(4));
        Assert.Equal(2, fused.Count);
        Assert.Equal(TimeSpan.Zero, fused[0].Start);
        Assert.Equal([AffectSource.Face], fused[0].Contributions.Select(c => c.Source));
        Assert.Equal(0.5f, fused[0].Affect.Valence, 4);
        Assert.Equal([AffectSource.Face, AffectSource.Voice], fused[1].Contributions.Select(c => c.Source));
        Assert.InRange(fused[1].Affect.Valence, -0.5f, 0.5f);
        Assert.Empty(windows.Flush(TimeSpan.FromSeconds(4)));
    }
}
