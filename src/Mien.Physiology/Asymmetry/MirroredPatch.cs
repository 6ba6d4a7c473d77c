using System.Numerics;
using Mien.Physiology.Pulse;

namespace Mien.Physiology.Asymmetry;

/// <summary>
/// The face's own axes on the image: unit 3-D vectors across (from the right to the left eye) and down, and the face
/// height in pixels. A patch laid out along them around a mesh point (in 3-D, so the point's depth keeps it on its
/// own image position) samples a pose-normalised crop without building it: roll undone, yaw and pitch foreshortening
/// undone for the face plane.
/// </summary>
internal readonly record struct FaceAxes(Vector3 Across, Vector3 Down, float Height)
{
    /// <summary>Image position (pixels) of the point <paramref name="u"/> across and <paramref name="v"/> down (face heights) from <paramref name="centre"/>.</summary>
    public Vector2 Image(Vector3 centre, float u, float v)
    {
        var p = centre + (Height * ((u * Across) + (v * Down)));
        return new Vector2(p.X, p.Y);
    }
}

/// <summary>
/// Image evidence for a vertical left/right difference: how far the image around a left landmark is shifted down
/// against the mirror image of the region around its right partner. The face mesh regresses one-sided displacements
/// toward a symmetric shape (it moves a warped mouth corner by about half the warp and drags the other corner a
/// quarter of the way with it), so the mesh's own left/right difference reads about a fifth of a real droop; the
/// pixels around the two corners do not share that prior. Comparing each side with the other side's mirror image needs
/// no template of the person: a symmetric face matches at zero shift; lighting differences between the sides are
/// absorbed by normalised cross-correlation (gain and offset per patch).
/// </summary>
internal static class MirroredPatch
{
    /// <summary>Sample spacing in face heights (0.5–1.5 px on 100–300 px faces).</summary>
    public const float Step = 0.005f;

    /// <summary>Least peak correlation to trust a shift: below it the two sides do not look alike (occlusion, a hand, glare).</summary>
    private const float MinCorrelation = 0.6f;

    /// <summary>Patch and search sizes in samples.</summary>
    private const int MaxHalfWidth = 16, MaxHalfHeight = 16, MaxSearch = 16;

    /// <summary>
    /// Vertical shift (face heights; positive = the left side's image lies lower) that best aligns the patch around
    /// <paramref name="left"/> with the mirrored patch around <paramref name="right"/>, to a fraction of a sample; null
    /// when the patches leave the image, the region is flat, or the best match is weak or at the edge of the search.
    /// </summary>
    /// <param name="image">The frame.</param>
    /// <param name="axes">The face frame on the image.</param>
    /// <param name="right">Centre of the right patch: a mesh point (pixels, with its depth).</param>
    /// <param name="left">Centre of the left patch.</param>
    /// <param name="halfWidth">Half patch width in samples (across the face, mirrored).</param>
    /// <param name="halfHeight">Half patch height in samples.</param>
    /// <param name="search">Largest shift tried, samples each way.</param>
    public static float? VerticalShift(BgrImage image, in FaceAxes axes, Vector3 right, Vector3 left, int halfWidth, int halfHeight, int search)
    {
        if (halfWidth is < 1 or > MaxHalfWidth || halfHeight is < 1 or > MaxHalfHeight || search is < 1 or > MaxSearch)
        {
            throw new ArgumentOutOfRangeException(nameof(search), $"patch {halfWidth}×{halfHeight}, search {search}: each must be 1–16 samples");
        }

        var cols = (2 * halfWidth) + 1;
        var rows = (2 * halfHeight) + 1;
        var stripRows = rows + (2 * search);
        Span<float> reference = stackalloc float[cols * rows];
        Span<float> strip = stackalloc float[cols * stripRows];

        // Right side mirrored: outward from the right landmark is −across, from the left one +across.
        if (!Sample(image, axes, right, -1, halfWidth, halfHeight, cols, rows, reference)
            || !Sample(image, axes, left, 1, halfWidth, halfHeight + search, cols, stripRows, strip))
        {
            return null;
        }

        // Zero-mean, unit-norm reference; then the correlation at each shift with the strip window's own mean and norm.
        var n = reference.Length;
        var mean = Sum(reference) / n;
        float norm = 0;
        for (var k = 0; k < n; k++)
        {
            reference[k] -= mean;
            norm += reference[k] * reference[k];
        }

        if (!(norm > n * 4f))
        {
            return null; // flat: under 2 grey levels of contrast
        }

        norm = MathF.Sqrt(norm);
        Span<float> score = stackalloc float[(2 * search) + 1];
        var best = -1;
        for (var s = 0; s < score.Length; s++)
        {
            var window = strip.Slice(s * cols, n);
            var wMean = Sum(window) / n;
            float dot = 0, wNorm = 0;
            for (var k = 0; k < n; k++)
            {
                var w = window[k] - wMean;
                dot += reference[k] * w;
                wNorm += w * w;
            }

            score[s] = wNorm > 0 ? dot / (norm * MathF.Sqrt(wNorm)) : 0;
            if (best < 0 || score[s] > score[best])
            {
                best = s;
            }
        }

        if (best == 0 || best == score.Length - 1 || score[best] < MinCorrelation)
        {
            return null;
        }

        // Parabola through the peak and its neighbours: sub-sample shift.
        var (a, b, c) = (score[best - 1], score[best], score[best + 1]);
        var denominator = a - (2 * b) + c;
        var fraction = denominator < 0 ? Math.Clamp(0.5f * (a - c) / denominator, -0.5f, 0.5f) : 0;
        return (best - search + fraction) * Step;
    }

    private static float Sum(ReadOnlySpan<float> values)
    {
        float sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum;
    }

    /// <summary>
    /// Samples a grid of luma values along the face axes around <paramref name="centre"/> (column i at
    /// (i − <paramref name="halfWidth"/>) · step across × <paramref name="mirror"/>, row j at (j − <paramref name="halfHeight"/>) · step down);
    /// false when any corner of the grid leaves the image (the grid is an affine image of a rectangle, so its corners bound it).
    /// </summary>
    private static bool Sample(BgrImage image, in FaceAxes axes, Vector3 centre, int mirror, int halfWidth, int halfHeight, int cols, int rows, Span<float> values)
    {
        var origin = axes.Image(centre, -mirror * halfWidth * Step, -halfHeight * Step);
        var across = axes.Image(centre, mirror * Step, 0) - axes.Image(centre, 0, 0);
        var down = axes.Image(centre, 0, Step) - axes.Image(centre, 0, 0);
        var far = origin + ((cols - 1) * across) + ((rows - 1) * down);
        foreach (var corner in (ReadOnlySpan<Vector2>)[origin, far, origin + ((cols - 1) * across), origin + ((rows - 1) * down)])
        {
            if (!(corner.X >= 0 && corner.Y >= 0 && corner.X < image.Width - 1 && corner.Y < image.Height - 1))
            {
                return false;
            }
        }

        var pixels = image.Pixels;
        for (var j = 0; j < rows; j++)
        {
            var at = origin + (j * down);
            for (var i = 0; i < cols; i++, at += across)
            {
                var x0 = (int)at.X;
                var y0 = (int)at.Y;
                var fx = at.X - x0;
                var fy = at.Y - y0;
                var top = (y0 * image.Stride) + (x0 * 3);
                var bottom = top + image.Stride;
                var upper = L(pixels, top) + (fx * (L(pixels, top + 3) - L(pixels, top)));
                var lower = L(pixels, bottom) + (fx * (L(pixels, bottom + 3) - L(pixels, bottom)));
                values[(j * cols) + i] = upper + (fy * (lower - upper));
            }
        }

        return true;
    }

    private static float L(ReadOnlySpan<byte> pixels, int o) => (0.114f * pixels[o]) + (0.587f * pixels[o + 1]) + (0.299f * pixels[o + 2]);
}
