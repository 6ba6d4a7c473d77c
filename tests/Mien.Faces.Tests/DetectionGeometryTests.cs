using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mien.Faces.Detection;
using Mien.Results;

namespace Mien.Faces.Tests;

/// <summary>The pure parts of detection: anchors, IoU, weighted NMS, letterbox.</summary>
public sealed class DetectionGeometryTests
{
    [Theory]
    [InlineData(256)]
    [InlineData(128)]
    public void Anchors_cover_a_16x16x2_then_8x8x6_grid_in_output_order(int size)
    {
        var a = BlazeFaceAnchors.Generate(size);
        Assert.Equal(2 * 896, a.Length);
        var s1 = size / 16f;
        var s2 = size / 8f;
        Assert.Equal((s1 / 2, s1 / 2), (a[0], a[1]));
        Assert.Equal((s1 / 2, s1 / 2), (a[2], a[3]));                   // second anchor of the first cell
        Assert.Equal((1.5f * s1, s1 / 2), (a[4], a[5]));                // next cell to the right
        Assert.Equal((s2 / 2, s2 / 2), (a[2 * 512], a[(2 * 512) + 1])); // first anchor of layer two
        Assert.Equal((size - (s2 / 2), size - (s2 / 2)), (a[^2], a[^1]));
    }

    private static Arbitrary<FaceBox> Boxes() =>
        (from x in Gen.Choose(-50, 300)
         from y in Gen.Choose(-50, 300)
         from w in Gen.Choose(1, 200)
         from h in Gen.Choose(1, 200)
         select new FaceBox(x, y, w, h)).ToArbitrary();

    [Property]
    public Property IoU_is_symmetric_bounded_and_one_with_itself() =>
        Prop.ForAll(Boxes(), Boxes(), (a, b) =>
            Math.Abs(a.IoU(b) - b.IoU(a)) < 1e-6 && a.IoU(b) is >= 0 and <= 1 && Math.Abs(a.IoU(a) - 1) < 1e-6);

    [Property]
    public Property Weighted_nms_leaves_no_two_results_overlapping_beyond_the_threshold() =>
        Prop.ForAll(Gen.ListOf(Boxes().Generator).ToArbitrary(), Gen.Choose(1, 99).ToArbitrary(), (boxes, seed) =>
        {
            var random = new Random(seed);
            var candidates = boxes.Select(b => new Candidate(b, (float)random.NextDouble(), [new FacePoint(b.CenterX, b.CenterY)])).ToList();
            var result = WeightedNms.Apply(candidates, 0.3f, 100);

            // Each result is led by the best candidate of its group; a later leader was not absorbed by an
            // earlier one, so leaders never overlap beyond the threshold.
            var leaders = result.Select(r => candidates.First(c => c.Score == r.Score)).ToList();
            var separated = leaders.SelectMany((x, i) => leaders.Skip(i + 1).Select(y => x.Box.IoU(y.Box))).All(iou => iou <= 0.3f);

            return result.Count <= candidates.Count
                && result.Select(r => r.Score).SequenceEqual(result.Select(r => r.Score).OrderByDescending(s => s))
                && (candidates.Count == 0 || result.Count >= 1)
                && separated;
        });

    [Fact]
    public void Weighted_nms_averages_overlapping_detections_by_score()
    {
        var a = new Candidate(new FaceBox(0, 0, 10, 10), 0.9f, [new FacePoint(0, 0)]);
        var b = new Candidate(new FaceBox(2, 0, 10, 10), 0.3f, [new FacePoint(4, 0)]);
        var far = new Candidate(new FaceBox(100, 100, 10, 10), 0.5f, [new FacePoint(100, 100)]);

        var result = WeightedNms.Apply([b, far, a], 0.3f, 10);

        Assert.Equal(2, result.Count);
        Assert.Equal(0.9f, result[0].Score);
        Assert.Equal(0.5f, result[0].Box.X, 5);          // (0·0.9 + 2·0.3) / 1.2
        Assert.Equal(1f, result[0].Keypoints[0].X, 5);   // (0·0.9 + 4·0.3) / 1.2
        Assert.Equal(100f, result[1].Box.X);
    }

    [Property]
    public Property Letterbox_maps_frame_corners_onto_the_padded_square_and_back(PositiveInt w, PositiveInt h)
    {
        var width = 1 + (w.Get % 4000);
        var height = 1 + (h.Get % 4000);
        var box = Letterbox.Fit(width, height, 256);
        var topLeft = box.ToSource(box.PadX, box.PadY);
        var bottomRight = box.ToSource(box.PadX + box.ResizedWidth, box.PadY + box.ResizedHeight);
        return (Math.Abs(topLeft.X) < 1e-3 && Math.Abs(topLeft.Y) < 1e-3
            && Math.Abs(bottomRight.X - width) <= 0.51f / box.Scale + 1e-3
            && Math.Abs(bottomRight.Y - height) <= 0.51f / box.Scale + 1e-3
            && box.ResizedWidth <= 256 && box.ResizedHeight <= 256
            && (box.ResizedWidth == 256 || box.ResizedHeight == 256)).ToProperty();
    }
}
