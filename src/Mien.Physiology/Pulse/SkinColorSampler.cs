using Mien.Results;

namespace Mien.Physiology.Pulse;

/// <summary>Mean skin colour of one frame over forehead and cheeks, with where the face was (for motion checks).</summary>
/// <param name="R">Mean red, 0–255.</param>
/// <param name="G">Mean green.</param>
/// <param name="B">Mean blue.</param>
/// <param name="Pixels">Pixels averaged (after subsampling and exclusion of clipped or very dark pixels).</param>
/// <param name="CenterX">Mean of the regions' vertices, x (frame pixels).</param>
/// <param name="CenterY">Mean of the regions' vertices, y.</param>
/// <param name="Size">Distance between the outer eye corners (frame pixels): the scale for motion.</param>
public readonly record struct SkinColorSample(float R, float G, float B, int Pixels, float CenterX, float CenterY, float Size);

/// <summary>
/// Averages the colour of the forehead and both cheeks straight from the frame's bytes: each region's mesh ring is
/// rasterised row by row (scanline fill, no mask image), so the cost is the region's pixels, not the frame's.
/// </summary>
/// <remarks>
/// <para>The rings are <c>Mien.Faces.Geometry.FaceRegions</c>' forehead and cheek rings (copied here so this project needs
/// no OpenCV; a test checks they are identical). These are the regions rPPG work uses: thin skin with dense capillaries,
/// away from eyes and mouth, which move.</para>
/// <para>Pixels with a channel at 250 or more (specular highlights, clipped) or a channel sum below 60 (hair, shadow,
/// brows) are left out: they carry no pulse. Large regions are subsampled on a regular grid to at most
/// <c>maxPixels</c> each; averaging 4000 pixels already puts sensor noise far below a 0.1 % pulse.</para>
/// </remarks>
public static class SkinColorSampler
{
    internal static readonly int[] ForeheadRing = [10, 338, 297, 332, 333, 293, 334, 296, 336, 9, 107, 66, 105, 63, 104, 103, 67, 109];

    internal static readonly int[] RightCheekRing = [117, 118, 119, 120, 100, 142, 36, 206, 216, 207, 50];

    internal static readonly int[] LeftCheekRing = [346, 280, 427, 436, 426, 266, 371, 329, 349, 348, 347];

    internal static readonly int[] NoseRing = [168, 351, 419, 456, 420, 360, 279, 358, 327, 326, 2, 97, 98, 129, 49, 131, 198, 236, 196, 122];

    /// <summary>The regions averaged (experiments may change this set).</summary>
    internal static int[][] Regions { get; set; } = [ForeheadRing, RightCheekRing, LeftCheekRing];

    private const int RightEyeOuter = 33;
    private const int LeftEyeOuter = 263;

    /// <summary>Mean colour of forehead and cheeks of <paramref name="mesh"/> (468 or 478 points in frame pixels), or a sample with 0 pixels when no region is in the frame.</summary>
    /// <param name="image">The frame.</param>
    /// <param name="mesh">The face mesh in the frame's pixels.</param>
    /// <param name="maxPixels">Most pixels read per region (default 4000).</param>
    public static SkinColorSample Sample(BgrImage image, IReadOnlyList<Point3> mesh, int maxPixels = 4000)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentOutOfRangeException.ThrowIfLessThan(mesh.Count, 468, nameof(mesh) + ".Count");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        Span<double> sums = stackalloc double[3];
        sums.Clear();
        long count = 0;
        float cx = 0, cy = 0;
        var vertices = 0;
        Span<float> xBuffer = stackalloc float[32];
        Span<float> yBuffer = stackalloc float[32];
        foreach (var ring in Regions)
        {
            var xs = xBuffer[..ring.Length];
            var ys = yBuffer[..ring.Length];
            for (var i = 0; i < ring.Length; i++)
            {
                var p = mesh[ring[i]];
                xs[i] = p.X;
                ys[i] = p.Y;
                cx += p.X;
                cy += p.Y;
            }

            vertices += ring.Length;
            count += AccumulatePolygon(image, xs, ys, maxPixels, sums);
        }

        var size = Distance(mesh[RightEyeOuter], mesh[LeftEyeOuter]);
        return count == 0
            ? new SkinColorSample(0, 0, 0, 0, cx / vertices, cy / vertices, size)
            : new SkinColorSample((float)(sums[2] / count), (float)(sums[1] / count), (float)(sums[0] / count), (int)count, cx / vertices, cy / vertices, size);
    }

    /// <summary>Adds the B, G, R sums of the polygon's usable pixels to <paramref name="sums"/>; returns how many were added.</summary>
    internal static long AccumulatePolygon(BgrImage image, ReadOnlySpan<float> xs, ReadOnlySpan<float> ys, int maxPixels, Span<double> sums)
    {
        float minY = float.MaxValue, maxY = float.MinValue;
        for (var i = 0; i < xs.Length; i++)
        {
            if (!float.IsFinite(xs[i]) || !float.IsFinite(ys[i]))
            {
                return 0;
            }

            minY = Math.Min(minY, ys[i]);
            maxY = Math.Max(maxY, ys[i]);
        }

        // Regular subsampling on a grid whose step keeps the polygon's pixels (shoelace area) at or below maxPixels.
        double twiceArea = 0;
        for (int i = 0, j = xs.Length - 1; i < xs.Length; j = i++)
        {
            twiceArea += ((double)xs[j] * ys[i]) - ((double)xs[i] * ys[j]);
        }

        var step = Math.Max(1, (int)Math.Ceiling(Math.Sqrt(Math.Abs(twiceArea) / 2 / maxPixels)));
        var top = Math.Max(0, (int)MathF.Ceiling(minY - 0.5f));
        var bottom = Math.Min(image.Height - 1, (int)MathF.Floor(maxY - 0.5f));
        Span<float> crossings = stackalloc float[xs.Length];
        var pixels = image.Pixels;
        long count = 0;
        double b = 0, g = 0, r = 0;
        for (var y = top; y <= bottom; y += step)
        {
            var yc = y + 0.5f;
            var n = 0;
            for (int i = 0, j = xs.Length - 1; i < xs.Length; j = i++)
            {
                // Half-open rule (one end inclusive) so a vertex on the scanline is counted once.
                if ((ys[i] <= yc && yc < ys[j]) || (ys[j] <= yc && yc < ys[i]))
                {
                    crossings[n++] = xs[i] + ((yc - ys[i]) * (xs[j] - xs[i]) / (ys[j] - ys[i]));
                }
            }

            crossings[..n].Sort();
            var row = pixels.Slice(y * image.Stride, image.Width * 3);
            for (var k = 0; k + 1 < n; k += 2)
            {
                var from = Math.Max(0, (int)MathF.Ceiling(crossings[k] - 0.5f));
                var to = Math.Min(image.Width - 1, (int)MathF.Floor(crossings[k + 1] - 0.5f));
                for (var x = from; x <= to; x += step)
                {
                    int pb = row[x * 3], pg = row[(x * 3) + 1], pr = row[(x * 3) + 2];
                    if (pb >= 250 || pg >= 250 || pr >= 250 || pb + pg + pr < 60)
                    {
                        continue;
                    }

                    b += pb;
                    g += pg;
                    r += pr;
                    count++;
                }
            }
        }

        sums[0] += b;
        sums[1] += g;
        sums[2] += r;
        return count;
    }

    private static float Distance(Point3 a, Point3 b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
}
