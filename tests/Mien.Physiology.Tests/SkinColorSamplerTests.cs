using Mien.Faces.Geometry;
using Mien.Physiology.Pulse;
using OpenCvSharp;

namespace Mien.Physiology.Tests;

/// <summary>The scanline sampler against OpenCV's polygon fill, and its rings against the mesh regions it copies.</summary>
public sealed class SkinColorSamplerTests
{
    [Fact]
    public void Rings_are_the_mesh_regions_forehead_and_cheeks()
    {
        Assert.Equal(FaceRegions.Indices(FaceRegion.Forehead).ToArray(), SkinColorSampler.ForeheadRing);
        Assert.Equal(FaceRegions.Indices(FaceRegion.RightCheek).ToArray(), SkinColorSampler.RightCheekRing);
        Assert.Equal(FaceRegions.Indices(FaceRegion.LeftCheek).ToArray(), SkinColorSampler.LeftCheekRing);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Scanline_mean_equals_the_mean_under_an_OpenCV_polygon_mask(int seed)
    {
        var random = new Random(seed);
        using var image = new Mat(240, 320, MatType.CV_8UC3);
        Cv2.Randu(image, Scalar.All(30), Scalar.All(240));

        // A random convex-ish polygon (points on a jittered circle), partly outside the image on some seeds.
        var n = 8 + random.Next(10);
        var cx = 60 + (random.NextDouble() * 220);
        var cy = 40 + (random.NextDouble() * 180);
        var xs = new float[n];
        var ys = new float[n];
        for (var i = 0; i < n; i++)
        {
            var a = 2 * Math.PI * i / n;
            var r = 30 + (random.NextDouble() * 40);
            xs[i] = (float)(cx + (r * Math.Cos(a)));
            ys[i] = (float)(cy + (r * Math.Sin(a)));
        }

        Span<double> sums = stackalloc double[3];
        long count;
        unsafe
        {
            var view = new BgrImage(new ReadOnlySpan<byte>((void*)image.Data, (int)(image.Step() * image.Rows)), image.Cols, image.Rows, (int)image.Step());
            count = SkinColorSampler.AccumulatePolygon(view, xs, ys, int.MaxValue, sums);
        }

        // Reference: OpenCV fill of the same polygon (sub-pixel vertices, shift 8) and the mask's mean; pixels on the
        // boundary are decided slightly differently, so the means agree to a fraction of a level, the counts to the perimeter.
        using var mask = new Mat(image.Size(), MatType.CV_8UC1, Scalar.All(0));
        Cv2.FillPoly(mask, [xs.Select((x, i) => new Point((int)Math.Round((x - 0.5) * 256), (int)Math.Round((ys[i] - 0.5) * 256))).ToArray()], Scalar.All(255), LineTypes.Link8, 8);
        var reference = Cv2.Mean(image, mask);
        var pixels = Cv2.CountNonZero(mask);
        Assert.InRange(count, pixels * 0.95, pixels * 1.05);
        Assert.InRange(Math.Abs(reference.Val0 - (sums[0] / count)), 0, 0.5);
        Assert.InRange(Math.Abs(reference.Val1 - (sums[1] / count)), 0, 0.5);
        Assert.InRange(Math.Abs(reference.Val2 - (sums[2] / count)), 0, 0.5);
    }

    [Fact]
    public void Subsampling_keeps_the_mean_and_bounds_the_pixels_read()
    {
        using var image = new Mat(480, 640, MatType.CV_8UC3);
        Cv2.Randu(image, Scalar.All(30), Scalar.All(240));
        float[] xs = [100, 500, 500, 100];
        float[] ys = [50, 50, 400, 400];
        Span<double> full = stackalloc double[3];
        Span<double> sparse = stackalloc double[3];
        long all, few;
        unsafe
        {
            var view = new BgrImage(new ReadOnlySpan<byte>((void*)image.Data, (int)(image.Step() * image.Rows)), image.Cols, image.Rows, (int)image.Step());
            all = SkinColorSampler.AccumulatePolygon(view, xs, ys, int.MaxValue, full);
            few = SkinColorSampler.AccumulatePolygon(view, xs, ys, 4000, sparse);
        }

        Assert.InRange(few, 2000, 4000);
        Assert.InRange(Math.Abs((full[1] / all) - (sparse[1] / few)), 0, 1);
    }

    [Fact]
    public void Bad_image_sizes_are_refused_with_the_numbers()
    {
        var e = Assert.Throws<ArgumentException>(() => new BgrImage(new byte[100], 10, 10, 30));
        Assert.Contains("needs 300 bytes", e.Message, StringComparison.Ordinal);
    }
}
