using OpenCvSharp;

using Mien.Results;

namespace Mien.Body;

/// <summary>Draws a body pose on a BGR frame for the annotated video: skeleton lines and keypoint dots.</summary>
public static class BodyOverlay
{
    /// <summary>Keypoints below this score are not drawn (default 0.3, the cue analyser's visibility threshold).</summary>
    public const float MinScore = 0.3f;

    /// <summary>
    /// Draws <paramref name="pose"/> in place: the person's left side orange, right side blue, midline white,
    /// line width scaled from the shoulder width (or the face box). A few line/circle calls, no allocation of
    /// image-sized buffers.
    /// </summary>
    public static void Draw(Mat bgr, BodyPose pose, float minScore = MinScore)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(pose);
        var k = pose.Keypoints;
        var thickness = Math.Clamp((int)MathF.Round(Math.Max(pose.Face.Height, 1) / 40), 1, 6);
        foreach (var (from, to) in BodyParts.Edges)
        {
            if (k[from].Score < minScore || k[to].Score < minScore)
            {
                continue;
            }

            Cv2.Line(bgr, ToPoint(k[from]), ToPoint(k[to]), ColourOf(from, to), thickness, LineTypes.AntiAlias);
        }

        for (var i = 0; i < k.Count; i++)
        {
            if (k[i].Score >= minScore)
            {
                Cv2.Circle(bgr, ToPoint(k[i]), thickness + 2, ColourOf(i, i), -1, LineTypes.AntiAlias);
            }
        }
    }

    private static Point ToPoint(Keypoint p) => new((int)MathF.Round(p.X), (int)MathF.Round(p.Y));

    // Odd COCO indices (after the nose) are the person's left side, even ones the right.
    private static Scalar ColourOf(int from, int to)
    {
        static int Side(int i) => i == 0 ? 0 : (i % 2 == 1 ? 1 : 2);
        var (a, b) = (Side(from), Side(to));
        return a == b && a == 1 ? new Scalar(0, 165, 255) : a == b && a == 2 ? new Scalar(255, 144, 30) : new Scalar(240, 240, 240);
    }
}
