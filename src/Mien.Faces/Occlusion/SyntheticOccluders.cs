using Mien.Results;
using OpenCvSharp;

namespace Mien.Faces.Occlusion;

/// <summary>The covers <see cref="SyntheticOccluders"/> draws.</summary>
public enum SyntheticOccluder
{
    /// <summary>A light-blue surgical mask from the nose bridge over both cheeks down round the jaw.</summary>
    Mask,

    /// <summary>A white mask of the same shape.</summary>
    WhiteMask,

    /// <summary>Dark sunglasses: an ellipse over each eye and a bridge.</summary>
    Sunglasses,

    /// <summary>A skin-coloured blob (the face's own forehead colour, shaded) over mouth and nose, like a hand.</summary>
    Hand,
}

/// <summary>
/// Draws covers on a real face, following its mesh, to measure what occlusion does to detection, mesh, expression and
/// identity, and how well <see cref="OcclusionEstimator"/> notices (evaluation and tests, not analysis).
/// </summary>
public static class SyntheticOccluders
{
    // Mask outline: the oval from the right side below the ear round the chin to the left side, up over the cheek
    // row under the eyes (117/118 and their mirrors 346/347) and across the nose bridge (197).
    private static readonly int[] MaskRing =
    [
        93, 116, 117, 118, 100, 197, 329, 347, 346, 345, 323,
        361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132,
    ];

    /// <summary>Draws <paramref name="occluder"/> on BGR <paramref name="image"/> in place over the face whose mesh (frame pixels) is <paramref name="mesh"/>.</summary>
    public static void Draw(Mat image, IReadOnlyList<Point3> mesh, SyntheticOccluder occluder)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentOutOfRangeException.ThrowIfLessThan(mesh.Count, 468, nameof(mesh) + ".Count");
        switch (occluder)
        {
            case SyntheticOccluder.Mask:
                DrawMask(image, mesh, new Scalar(222, 196, 150));
                break;
            case SyntheticOccluder.WhiteMask:
                DrawMask(image, mesh, new Scalar(235, 238, 240));
                break;
            case SyntheticOccluder.Sunglasses:
                DrawSunglasses(image, mesh);
                break;
            case SyntheticOccluder.Hand:
                DrawHand(image, mesh);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(occluder), occluder, "not a SyntheticOccluder");
        }
    }

    private static Point P(Point3 p) => new((int)MathF.Round(p.X), (int)MathF.Round(p.Y));

    private static float Distance(Point3 a, Point3 b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    private static void DrawMask(Mat image, IReadOnlyList<Point3> mesh, Scalar colour)
    {
        var polygon = new Point[MaskRing.Length];
        for (var i = 0; i < MaskRing.Length; i++)
        {
            polygon[i] = P(mesh[MaskRing[i]]);
        }

        Cv2.FillPoly(image, [polygon], colour, LineTypes.AntiAlias);

        // Three pleats, a little darker, across the mask between the cheeks.
        var width = Distance(mesh[234], mesh[454]);
        var thickness = Math.Max(1, (int)(width / 60));
        var pleat = new Scalar(colour.Val0 * 0.85, colour.Val1 * 0.85, colour.Val2 * 0.85);
        foreach (var (a, b) in new[] { (205, 425), (57, 287), (202, 422) })
        {
            Cv2.Line(image, P(mesh[a]), P(mesh[b]), pleat, thickness, LineTypes.AntiAlias);
        }
    }

    private static void DrawSunglasses(Mat image, IReadOnlyList<Point3> mesh)
    {
        var lens = new Scalar(28, 26, 24);
        foreach (var (outer, inner) in new[] { (33, 133), (263, 362) })
        {
            var a = mesh[outer];
            var b = mesh[inner];
            var eye = Distance(a, b);
            var centre = new Point2f((a.X + b.X) / 2, ((a.Y + b.Y) / 2) + (0.1f * eye));
            var angle = MathF.Atan2(b.Y - a.Y, b.X - a.X) * (180f / MathF.PI);
            var box = new RotatedRect(centre, new Size2f(eye * 1.6f, eye * 1.15f), angle);
            Cv2.Ellipse(image, box, lens, -1, LineTypes.AntiAlias);
        }

        var width = Distance(mesh[33], mesh[263]);
        Cv2.Line(image, P(mesh[133]), P(mesh[362]), lens, Math.Max(1, (int)(width / 25)), LineTypes.AntiAlias);
    }

    private static void DrawHand(Mat image, IReadOnlyList<Point3> mesh)
    {
        // The face's own skin colour: the median BGR of the forehead (between the brows and the hairline).
        var forehead = FaceRegionsPolygon(mesh, Geometry.FaceRegion.Forehead);
        using var mask = new Mat(image.Size(), MatType.CV_8UC1, Scalar.All(0));
        Cv2.FillPoly(mask, [forehead], Scalar.All(255));
        var skin = Cv2.Mean(image, mask);

        // An ellipse from the nose's root to the chin, cheek to cheek; shaded darker towards its lower edge like a
        // hand's palm, so it is not a flat patch.
        var top = mesh[6];
        var bottom = mesh[152];
        var centre = new Point2f((top.X + bottom.X) / 2, (top.Y + bottom.Y) / 2);
        var height = Distance(top, bottom);
        var width = Distance(mesh[234], mesh[454]);
        var angle = (MathF.Atan2(bottom.Y - top.Y, bottom.X - top.X) * (180f / MathF.PI)) - 90f;
        using var blob = new Mat(image.Size(), MatType.CV_8UC1, Scalar.All(0));
        Cv2.Ellipse(blob, new RotatedRect(centre, new Size2f(width * 0.8f, height * 1.0f), angle), Scalar.All(255), -1, LineTypes.AntiAlias);
        var rect = Cv2.BoundingRect(blob);
        for (var y = rect.Top; y < rect.Bottom; y++)
        {
            var shade = 1.05 - (0.2 * (y - rect.Top) / Math.Max(1, rect.Height));
            for (var x = rect.Left; x < rect.Right; x++)
            {
                var alpha = blob.At<byte>(y, x) / 255.0;
                if (alpha <= 0)
                {
                    continue;
                }

                var px = image.At<Vec3b>(y, x);
                image.Set(y, x, new Vec3b(
                    Blend(px.Item0, skin.Val0 * shade, alpha),
                    Blend(px.Item1, skin.Val1 * shade, alpha),
                    Blend(px.Item2, skin.Val2 * shade, alpha)));
            }
        }
    }

    private static byte Blend(byte under, double over, double alpha) => (byte)Math.Clamp(Math.Round((under * (1 - alpha)) + (over * alpha)), 0, 255);

    private static Point[] FaceRegionsPolygon(IReadOnlyList<Point3> mesh, Geometry.FaceRegion region)
    {
        var ring = Geometry.FaceRegions.Indices(region);
        var polygon = new Point[ring.Length];
        for (var i = 0; i < ring.Length; i++)
        {
            polygon[i] = P(mesh[ring[i]]);
        }

        return polygon;
    }
}
