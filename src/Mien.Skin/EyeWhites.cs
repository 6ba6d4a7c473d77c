using OpenCvSharp;

namespace Mien.Skin;

/// <summary>The lit sclera of one eye: trimmed mean linear sRGB of its brighter pixels.</summary>
/// <param name="R">Linear red.</param>
/// <param name="G">Linear green.</param>
/// <param name="B">Linear blue.</param>
/// <param name="Pixels">Eye-opening pixels outside the iris that were looked at.</param>
/// <param name="ClippedShare">Share of those pixels with a channel at 250 or more.</param>
internal readonly record struct EyeWhite(float R, float G, float B, int Pixels, float ClippedShare)
{
    /// <summary>Linear luminance (sRGB/Rec. 709 weights).</summary>
    public float Y => (0.2126729f * R) + (0.7151522f * G) + (0.0721750f * B);

    /// <summary>ln(R/G): the red–green chromaticity, unchanged by exposure.</summary>
    public float LogRg => MathF.Log(R / G);

    /// <summary>ln(B/G).</summary>
    public float LogBg => MathF.Log(B / G);

    /// <summary>True when the eye gave a value at all.</summary>
    public bool Found => Pixels > 0 && R > 0 && G > 0 && B > 0;
}

/// <summary>
/// Finds the whites of the eyes. They belong to the face, are lit by the light that lights the face, and are
/// near-neutral, so they can fix exposure and the light's colour without looking at the backdrop. Each eye is warped
/// to its own crop at <see cref="Scale"/>× the canonical scale (the sclera is small: the canonical crop alone would
/// leave a few dozen pixels of it). The eye opening (mesh lid contour, lid margin and lashes removed) minus the iris
/// disc (refined mesh points 468–477) leaves sclera, the lid shadow and the pink inner corner; the pixels between the
/// 50th and 90th percentile of luminance are taken as the lit sclera (the top tenth holds catch-lights).
/// </summary>
internal sealed class EyeWhites : IDisposable
{
    /// <summary>Eye crop pixels per canonical pixel.</summary>
    public const int Scale = 4;

    private const int MaxWidth = 48 * Scale;
    private const int MaxHeight = 28 * Scale;

    private readonly Mat _crop = new(MaxHeight, MaxWidth, MatType.CV_8UC3);
    private readonly Mat _mask = new(MaxHeight, MaxWidth, MatType.CV_8UC1);
    private readonly Point[] _polygon = new Point[16];
    private readonly double[] _transform = new double[6];
    private readonly float[] _y = new float[MaxWidth * MaxHeight];
    private readonly float[] _sorted = new float[MaxWidth * MaxHeight];
    private readonly int[] _index = new int[MaxWidth * MaxHeight];

    /// <summary>
    /// Measures one eye of <paramref name="frame"/> whose lid contour is the mesh ring <paramref name="ring"/>;
    /// <paramref name="canonical"/> is the frame → canonical transform; <paramref name="irisCentre"/> is the mesh
    /// index of the iris centre (its ring follows it), or −1 when the mesh has no iris points.
    /// </summary>
    public unsafe EyeWhite Measure(Mat frame, IReadOnlyList<Mien.Results.Point3> mesh, ReadOnlySpan<int> ring, int irisCentre, ReadOnlySpan<double> canonical)
    {
        // The eye's bounding box in canonical pixels, then a transform to a crop at Scale× of it.
        double x0 = double.MaxValue, y0 = double.MaxValue, x1 = double.MinValue, y1 = double.MinValue;
        foreach (var k in ring)
        {
            var (cx, cy) = Apply(canonical, mesh[k]);
            (x0, y0, x1, y1) = (Math.Min(x0, cx), Math.Min(y0, cy), Math.Max(x1, cx), Math.Max(y1, cy));
        }

        x0 -= 1;
        y0 -= 1;
        var width = Math.Min(MaxWidth, (int)Math.Ceiling((x1 - x0 + 1) * Scale));
        var height = Math.Min(MaxHeight, (int)Math.Ceiling((y1 - y0 + 1) * Scale));
        if (width < 3 * Scale || height < 2 * Scale)
        {
            return default;
        }

        for (var j = 0; j < 6; j++)
        {
            _transform[j] = Scale * canonical[j];
        }

        _transform[2] -= Scale * x0;
        _transform[5] -= Scale * y0;
        var size = new Size(width, height);
        using (var m = Mat.FromPixelData(2, 3, MatType.CV_64FC1, _transform))
        using (var crop = new Mat(_crop, new Rect(0, 0, width, height)))
        {
            Cv2.WarpAffine(frame, crop, m, size, InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        }

        using var mask = new Mat(_mask, new Rect(0, 0, width, height));
        mask.SetTo(Scalar.All(0));
        var polygon = ring.Length == _polygon.Length ? _polygon : new Point[ring.Length];
        for (var j = 0; j < ring.Length; j++)
        {
            var (px, py) = Apply(_transform, mesh[ring[j]]);
            polygon[j] = new Point((int)Math.Round(px), (int)Math.Round(py));
        }

        Cv2.FillPoly(mask, [polygon], Scalar.All(255), LineTypes.Link8);

        // Lashes and the lid margin's shadow reach just inside the contour.
        Cv2.Polylines(mask, [polygon], isClosed: true, Scalar.All(0), thickness: Scale + 1, LineTypes.Link8);
        if (irisCentre >= 0)
        {
            var (cx, cy) = Apply(_transform, mesh[irisCentre]);
            var radius = 0.0;
            for (var j = 1; j <= 4; j++)
            {
                var (rx, ry) = Apply(_transform, mesh[irisCentre + j]);
                radius += Math.Sqrt(((rx - cx) * (rx - cx)) + ((ry - cy) * (ry - cy))) / 4;
            }

            Cv2.Circle(mask, new Point((int)Math.Round(cx), (int)Math.Round(cy)), (int)Math.Ceiling(1.1 * radius), Scalar.All(0), -1, LineTypes.Link8);
        }

        var n = 0;
        var clipped = 0;
        var bgrStride = (int)_crop.Step();
        var maskStride = (int)_mask.Step();
        var bgr = (byte*)_crop.DataPointer;
        var mk = (byte*)_mask.DataPointer;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (mk[(y * maskStride) + x] == 0)
                {
                    continue;
                }

                var p = bgr + (y * bgrStride) + (3 * x);
                byte b = p[0], g = p[1], r = p[2];
                if (Math.Max(b, Math.Max(g, r)) >= 250)
                {
                    clipped++;
                }

                _y[n] = (0.2126729f * CieLab.Linear(r)) + (0.7151522f * CieLab.Linear(g)) + (0.0721750f * CieLab.Linear(b));
                _index[n] = (y * bgrStride) + (3 * x);
                n++;
            }
        }

        if (n == 0)
        {
            return default;
        }

        // Lit sclera: bright (50th–95th luminance percentile; the top holds catch-lights) and, of those, the less
        // warm half by ln(R/G) − ln(B/G) (lid skin, the pink inner corner and a brown iris edge are warmer). Both
        // rankings are unchanged by a gain, a tone curve or a colour cast, so the same pixels are chosen under any of
        // them and the estimate moves with the light exactly.
        var sorted = _sorted.AsSpan(0, n);
        _y.AsSpan(0, n).CopyTo(sorted);
        var low = RobustStats.Select(sorted, n / 2);
        var high = RobustStats.Select(sorted, Math.Min(n - 1, 19 * n / 20));
        var bright = 0;
        for (var k = 0; k < n; k++)
        {
            if (_y[k] < low || _y[k] > high)
            {
                continue;
            }

            var p = bgr + _index[k];
            _index[bright] = _index[k];
            _sorted[bright] = Warmth(p);
            bright++;
        }

        if (bright == 0)
        {
            return default;
        }

        _sorted.AsSpan(0, bright).CopyTo(_y);
        var warmest = RobustStats.Select(_y.AsSpan(0, bright), bright / 2);
        double sr = 0, sg = 0, sb = 0;
        var used = 0;
        for (var k = 0; k < bright; k++)
        {
            if (_sorted[k] > warmest)
            {
                continue;
            }

            var p = bgr + _index[k];
            sb += CieLab.Linear(p[0]);
            sg += CieLab.Linear(p[1]);
            sr += CieLab.Linear(p[2]);
            used++;
        }

        // Pixels are reported at the canonical scale (≈ mm²) so the limit does not depend on Scale.
        return used == 0 ? default : new EyeWhite((float)(sr / used), (float)(sg / used), (float)(sb / used), n / (Scale * Scale), clipped / (float)n);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _crop.Dispose();
        _mask.Dispose();
    }

    /// <summary>ln(R/G) − ln(B/G) = ln(R/B) of an 8-bit BGR pixel in linear light (code 0 counts as 1 to stay finite).</summary>
    private static unsafe float Warmth(byte* p) => MathF.Log(CieLab.Linear(Math.Max(p[2], (byte)1)) / CieLab.Linear(Math.Max(p[0], (byte)1)));

    private static (double X, double Y) Apply(ReadOnlySpan<double> t, Mien.Results.Point3 q) =>
        ((t[0] * q.X) + (t[1] * q.Y) + t[2], (t[3] * q.X) + (t[4] * q.Y) + t[5]);
}
