using FsCheck;
using FsCheck.Xunit;

using Mien.Results;

namespace Mien.Affect.Tests;

public sealed class SegmenterTests
{
    private static FilteredExpression Peak(int c, float p)
    {
        var v = Enumerable.Repeat((1 - p) / 6, 7).ToArray();
        v[c] = p;
        return FilteredExpression.From(v);
    }

    [Property(MaxTest = 200)]
    public bool Segments_are_ordered_disjoint_long_enough_and_well_formed(NonEmptyArray<PositiveInt> labels, NonEmptyArray<NormalFloat> peaks)
    {
        var options = new SegmenterOptions();
        var segmenter = new ExpressionSegmenter(options);
        var all = new List<ExpressionSegment>();
        var t = TimeSpan.Zero;
        for (var i = 0; i < 300; i++)
        {
            t += TimeSpan.FromMilliseconds(33);
            var c = labels.Get[i / 7 % labels.Get.Length].Get % 7;
            var p = (float)(0.2 + (0.8 / (1 + Math.Exp(-peaks.Get[i % peaks.Get.Length].Get))));
            segmenter.Update(t, Peak(c, p), null, new ValenceArousal(0, 0, 1));
            all.AddRange(segmenter.Drain());
        }

        segmenter.Complete(t);
        all.AddRange(segmenter.Drain());
        for (var i = 0; i < all.Count; i++)
        {
            var s = all[i];
            if (s.Duration < options.MinDuration || s.Onset > s.Apex || s.Apex > s.Offset || s.Expression == "neutral" ||
                s.PeakIntensity < options.OpenThreshold || (i > 0 && all[i - 1].Offset >= s.Onset))
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void An_episode_yields_one_segment_with_its_apex_and_the_au_that_drove_it()
    {
        var segmenter = new ExpressionSegmenter();
        var au = new float[16];
        var t = TimeSpan.Zero;
        void Feed(int cls, float p, float au12, int frames)
        {
            for (var i = 0; i < frames; i++)
            {
                t += TimeSpan.FromMilliseconds(40);
                au[8] = au12;
                au[15] = 0.5f; // the person's constant AU45 level: present in neutral frames too, so it must not get credit
                segmenter.Update(t, Peak(cls, p), new ActionUnits([.. au], true), new ValenceArousal(cls == 3 ? 0.8f : 0, 0.3f, 1));
            }
        }

        Feed(6, 0.9f, 0, 25);
        Feed(3, 0.7f, 2, 10);
        var apex = t + TimeSpan.FromMilliseconds(40);
        Feed(3, 0.95f, 4, 1);
        Feed(3, 0.7f, 2, 10);
        Feed(3, 0.3f, 0, 1); // drops below the close threshold
        Feed(6, 0.9f, 0, 10);
        var segments = segmenter.Drain();
        var s = Assert.Single(segments);
        Assert.Equal("happiness", s.Expression);
        Assert.Equal(apex, s.Apex);
        Assert.Equal(0.95f, s.PeakIntensity, 5);
        Assert.Equal(TimeSpan.FromMilliseconds(800), s.Duration);
        Assert.Equal(0.8f, s.MeanValence, 5);
        Assert.Equal("AU12", s.TopUnits[0].Code);
        Assert.DoesNotContain(s.TopUnits, u => u.Code == "AU45");
    }

    [Fact]
    public void A_blip_shorter_than_the_minimum_is_not_a_segment()
    {
        var segmenter = new ExpressionSegmenter();
        segmenter.Update(TimeSpan.FromMilliseconds(0), Peak(0, 0.9f), null, default);
        segmenter.Update(TimeSpan.FromMilliseconds(100), Peak(0, 0.9f), null, default);
        segmenter.Update(TimeSpan.FromMilliseconds(200), Peak(6, 0.9f), null, default);
        segmenter.Complete(TimeSpan.FromMilliseconds(200));
        Assert.Empty(segmenter.Drain());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpressionSegmenter(new SegmenterOptions { CloseThreshold = 0.9f }));
    }
}
