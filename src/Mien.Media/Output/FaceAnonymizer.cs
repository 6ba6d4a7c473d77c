using Mien.Results;
using OpenCvSharp;

namespace Mien.Media.Output;

/// <summary>Irreversibly hides faces in an image: pixelates, then blurs, a margin around each face box.</summary>
public static class FaceAnonymizer
{
    /// <summary>Margin around the box, as a fraction of its size (hair and ears identify people too).</summary>
    public const float Margin = 0.35f;

    /// <summary>Anonymises every box in <paramref name="bgr"/> in place.</summary>
    public static void Apply(Mat bgr, IEnumerable<FaceBox> boxes)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(boxes);
        foreach (var box in boxes)
        {
            var grow = Math.Max(box.Width, box.Height) * Margin;
            var rect = new Rect((int)(box.X - grow), (int)(box.Y - grow), (int)(box.Width + (2 * grow)), (int)(box.Height + (2 * grow)))
                .Intersect(new Rect(0, 0, bgr.Width, bgr.Height));
            if (rect.Width < 2 || rect.Height < 2)
            {
                continue;
            }

            using var roi = new Mat(bgr, rect);
            // Pixelating to ~8 blocks across destroys identity; the blur hides the block edges.
            var blocks = Math.Max(2, Math.Min(8, rect.Width / 4));
            using var small = new Mat();
            Cv2.Resize(roi, small, new Size(blocks, Math.Max(2, blocks * rect.Height / rect.Width)), 0, 0, InterpolationFlags.Area);
            Cv2.Resize(small, roi, rect.Size, 0, 0, InterpolationFlags.Nearest);
            var k = (Math.Max(3, rect.Width / 8) / 2 * 2) + 1;
            Cv2.GaussianBlur(roi, roi, new Size(k, k), 0);
        }
    }
}
