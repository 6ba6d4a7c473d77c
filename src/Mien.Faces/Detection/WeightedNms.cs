using Mien.Results;
namespace Mien.Faces.Detection;

/// <summary>A raw detection before suppression, in model-input pixels.</summary>
internal readonly record struct Candidate(FaceBox Box, float Score, FacePoint[] Keypoints);

/// <summary>
/// MediaPipe's weighted non-maximum suppression: the best-scoring candidate absorbs every remaining
/// candidate that overlaps it by more than the IoU threshold, and the merged box and keypoints are the
/// score-weighted mean of the group. It is steadier frame to frame than hard NMS on BlazeFace's
/// dense, overlapping anchors.
/// </summary>
internal static class WeightedNms
{
    public static List<Candidate> Apply(List<Candidate> candidates, float iouThreshold, int maxResults)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxResults);
        var remaining = candidates.OrderByDescending(c => c.Score).ToList();
        var result = new List<Candidate>();
        while (remaining.Count > 0 && result.Count < maxResults)
        {
            var top = remaining[0];
            var group = new List<Candidate>();
            var rest = new List<Candidate>();
            foreach (var c in remaining)
            {
                (c.Box.IoU(top.Box) > iouThreshold || ReferenceEquals(c.Keypoints, top.Keypoints) ? group : rest).Add(c);
            }

            float total = 0, x = 0, y = 0, w = 0, h = 0;
            var points = new float[top.Keypoints.Length * 2];
            foreach (var c in group)
            {
                total += c.Score;
                x += c.Box.X * c.Score;
                y += c.Box.Y * c.Score;
                w += c.Box.Width * c.Score;
                h += c.Box.Height * c.Score;
                for (var k = 0; k < c.Keypoints.Length; k++)
                {
                    points[2 * k] += c.Keypoints[k].X * c.Score;
                    points[(2 * k) + 1] += c.Keypoints[k].Y * c.Score;
                }
            }

            var keypoints = new FacePoint[top.Keypoints.Length];
            for (var k = 0; k < keypoints.Length; k++)
            {
                keypoints[k] = new FacePoint(points[2 * k] / total, points[(2 * k) + 1] / total);
            }

            result.Add(new Candidate(new FaceBox(x / total, y / total, w / total, h / total), top.Score, keypoints));
            remaining = rest;
        }

        return result;
    }
}
