using Mien.Results;
using Mien.Skin;
using OpenCvSharp;

namespace Mien.Sessions;

/// <summary>
/// Keeps, per person, a JPEG of the face with the measured skin regions drawn, from the frame whose skin
/// measurement had the highest quality weight (or, when none was usable, the first measured frame), so the report
/// shows what was measured. Nothing is kept when the
/// analysis is anonymised (the overlay shows the face).
/// </summary>
internal sealed class SkinOverlays(bool anonymize)
{
    private readonly Dictionary<int, (float Weight, byte[] Jpeg)> _best = [];

    public void Observe(Mat frame, FrameAnalysis analysis)
    {
        if (anonymize)
        {
            return;
        }

        foreach (var face in analysis.Faces)
        {
            if (face.Skin is not { } skin || face.Landmarks is not { } landmarks)
            {
                continue;
            }

            // A face whose skin was never usable still gets one overlay (weight 0), so its reasons can be seen on it.
            var weight = skin.Quality.IsUsable ? skin.Quality.Weight : 0f;
            var known = _best.TryGetValue(face.TrackId, out var best);
            // Encode only on a clear improvement: a steady face would otherwise re-encode on every measurement.
            if (known && weight <= best.Weight + 0.05f)
            {
                continue;
            }

            var box = face.Box;
            var side = Math.Max(box.Width, box.Height) * 1.5f;
            var rect = new Rect((int)(box.CenterX - (side / 2)), (int)(box.CenterY - (side / 2)), (int)side, (int)side)
                .Intersect(new Rect(0, 0, frame.Width, frame.Height));
            if (rect.Width < 8 || rect.Height < 8)
            {
                continue;
            }

            using var copy = frame.Clone();
            SkinOverlay.Draw(copy, landmarks, skin);
            using var crop = new Mat(copy, rect);
            _best[face.TrackId] = (weight, crop.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 85)));
        }
    }

    public byte[]? Jpeg(int trackId) => _best.TryGetValue(trackId, out var best) ? best.Jpeg : null;
}
