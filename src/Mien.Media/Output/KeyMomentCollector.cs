using System.Globalization;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Media.Output;

/// <summary>
/// Picks pictures for the report: each person's first clear sighting and the peak of each expression they
/// show (probability at least 0.5), as small JPEG face crops, anonymised when asked. JPEG encoding happens
/// only when a new peak beats the last by a margin, so the cost per frame is negligible.
/// </summary>
public sealed class KeyMomentCollector
{
    private const float MinProbability = 0.5f;
    private const float Improvement = 0.05f;
    private const int ThumbnailSide = 128;

    private readonly bool _anonymize;
    private readonly Dictionary<(int Track, string Label), KeyMoment> _moments = [];
    private readonly Dictionary<(int Track, string Label), float> _best = [];

    /// <summary>Creates a collector; with <paramref name="anonymize"/> every thumbnail is pixelated and blurred.</summary>
    public KeyMomentCollector(bool anonymize) => _anonymize = anonymize;

    /// <summary>The moments chosen so far, by track then time.</summary>
    public IReadOnlyList<KeyMoment> Moments => [.. _moments.Values.OrderBy(m => m.TrackId).ThenBy(m => m.Timestamp)];

    /// <summary>Considers the faces of one frame (before anything is drawn on it).</summary>
    public void Observe(Mat bgr, FrameAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(analysis);
        foreach (var face in analysis.Faces)
        {
            if (!_moments.ContainsKey((face.TrackId, "first seen")))
            {
                Capture(bgr, face, analysis, "first seen");
            }

            if (face.Expression is not { } e)
            {
                continue;
            }

            var p = e.Confidence;
            var key = (face.TrackId, e.Dominant);
            if (p >= MinProbability && p > _best.GetValueOrDefault(key) + Improvement)
            {
                _best[key] = p;
                Capture(bgr, face, analysis, string.Create(CultureInfo.InvariantCulture, $"{e.Dominant} peak {p:0.00}"), e.Dominant);
            }
        }
    }

    private void Capture(Mat bgr, FaceObservation face, FrameAnalysis analysis, string label, string? key = null)
    {
        var at = analysis.Timestamp;
        var box = face.Box.SquareScaled(1.3f);
        var rect = new Rect((int)box.X, (int)box.Y, (int)box.Width, (int)box.Height).Intersect(new Rect(0, 0, bgr.Width, bgr.Height));
        if (rect.Width < 8 || rect.Height < 8)
        {
            return;
        }

        using var crop = new Mat(bgr, rect).Clone();
        if (_anonymize)
        {
            // Every face that reaches into the crop, confirmed or not, not only the one the thumbnail is of.
            FaceAnonymizer.Apply(crop, analysis.Faces.Select(f => f.Box).Concat(analysis.Unconfirmed)
                .Select(b => new FaceBox(b.X - rect.X, b.Y - rect.Y, b.Width, b.Height)));
        }

        using var thumb = new Mat();
        Cv2.Resize(crop, thumb, new Size(ThumbnailSide, ThumbnailSide * rect.Height / rect.Width), 0, 0, InterpolationFlags.Area);
        Cv2.ImEncode(".jpg", thumb, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
        _moments[(face.TrackId, key ?? label)] = new KeyMoment(face.TrackId, at, label, jpeg);
    }
}
