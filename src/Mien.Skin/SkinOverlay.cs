using System.Globalization;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Skin;

/// <summary>
/// Draws what <see cref="SkinAnalyzer"/> measured so a person can check it: each region's usable skin tinted in
/// its own colour, pixels the skin-colour model removed (hair, nostrils, shadows) in grey, highlights in cyan,
/// region outlines, and the ITA°/Monk tone or the reason a region or face was not measured.
/// </summary>
public static class SkinOverlay
{
    private static readonly Scalar[] Colours =
    [
        new(255, 160, 0),    // forehead: blue
        new(0, 200, 0),      // right cheek: green
        new(0, 220, 220),    // left cheek: yellow
        new(200, 0, 200),    // nose: magenta
        new(0, 128, 255),    // chin: orange
        new(255, 255, 0),    // right under-eye: cyan-ish
        new(128, 0, 255),    // left under-eye: pink
    ];

    /// <summary>
    /// Draws onto <paramref name="bgr"/> (in place) the regions of the face <paramref name="landmarks"/> as measured in
    /// <paramref name="frame"/>. The masks are recomputed from the pixels before drawing, with <paramref name="options"/>
    /// (use the analyser's options so they match).
    /// </summary>
    public static void Draw(Mat bgr, IReadOnlyList<Point3> landmarks, SkinFrame frame, SkinAnalyzerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(landmarks);
        ArgumentNullException.ThrowIfNull(frame);
        using var analyzer = new SkinAnalyzer(options);
        var again = analyzer.Analyze(bgr, landmarks, null);
        var width = bgr.Width;
        var height = bgr.Height;
        if (again.Regions.Count > 0)
        {
            Tint(bgr, analyzer, width, height);
        }

        var scale = Math.Max(0.4, width / 1600.0);
        foreach (var region in SkinRegions.All)
        {
            var ring = SkinRegions.Ring(region);
            var points = new Point[ring.Length];
            for (var i = 0; i < ring.Length; i++)
            {
                points[i] = new Point((int)Math.Round(landmarks[ring[i]].X), (int)Math.Round(landmarks[ring[i]].Y));
            }

            var colour = Colours[(int)region];
            Cv2.Polylines(bgr, [points], isClosed: true, colour, 1, LineTypes.AntiAlias);
            var m = frame.Regions.FirstOrDefault(r => r.Region == region);
            if (m is null)
            {
                continue;
            }

            var label = m.Tone is { } tone
                ? string.Create(CultureInfo.InvariantCulture, $"{tone.Ita:F0}d M{tone.Monk}")
                : "x " + m.Issue?.Code;
            var centre = new Point((int)points.Average(p => p.X) - 12, (int)points.Average(p => p.Y));
            Cv2.PutText(bgr, label, centre, HersheyFonts.HersheySimplex, 0.35 * scale, Scalar.Black, 2, LineTypes.AntiAlias);
            Cv2.PutText(bgr, label, centre, HersheyFonts.HersheySimplex, 0.35 * scale, Scalar.White, 1, LineTypes.AntiAlias);
        }

        var top = new Point((int)landmarks.Min(p => p.X), (int)Math.Max(12, landmarks.Min(p => p.Y) - 6));
        var headline = frame.Quality.IsUsable && frame.Face is { } face
            ? string.Create(CultureInfo.InvariantCulture, $"ITA {face.Tone.Ita:F0} deg {face.Tone.Category} MST {face.Tone.Monk} ({face.Tone.MonkConfidence:P0})")
            : "insufficient quality: " + string.Join("; ", frame.Quality.Reasons.Select(r => r.Code));
        Cv2.PutText(bgr, headline, top, HersheyFonts.HersheySimplex, 0.45 * scale, Scalar.Black, 3, LineTypes.AntiAlias);
        Cv2.PutText(bgr, headline, top, HersheyFonts.HersheySimplex, 0.45 * scale, Scalar.White, 1, LineTypes.AntiAlias);
    }

    /// <summary>Blends the canonical-crop masks back into the frame through the inverse similarity transform.</summary>
    private static unsafe void Tint(Mat bgr, SkinAnalyzer analyzer, int width, int height)
    {
        using var colour = new Mat(SkinAnalyzer.Height, SkinAnalyzer.Width, MatType.CV_8UC3, Scalar.All(0));
        using var alpha = new Mat(SkinAnalyzer.Height, SkinAnalyzer.Width, MatType.CV_8UC1, Scalar.All(0));
        var labels = new ReadOnlySpan<byte>((void*)analyzer.LastLabels.DataPointer, SkinAnalyzer.Width * SkinAnalyzer.Height);
        var flags = analyzer.LastFlags;
        var c = new Span<byte>((void*)colour.DataPointer, SkinAnalyzer.Width * SkinAnalyzer.Height * 3);
        var al = new Span<byte>((void*)alpha.DataPointer, SkinAnalyzer.Width * SkinAnalyzer.Height);
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] == 0)
            {
                continue;
            }

            Scalar s;
            if ((flags[i] & 8) != 0)
            {
                s = Colours[labels[i] - 1];
                al[i] = 110;
            }
            else if ((flags[i] & 2) != 0)
            {
                s = new Scalar(255, 255, 0);
                al[i] = 200;
            }
            else
            {
                s = new Scalar(60, 60, 60);
                al[i] = 200;
            }

            c[3 * i] = (byte)s.Val0;
            c[(3 * i) + 1] = (byte)s.Val1;
            c[(3 * i) + 2] = (byte)s.Val2;
        }

        using var m = Mat.FromPixelData(2, 3, MatType.CV_64FC1, analyzer.LastTransform);
        using var colourFrame = new Mat();
        using var alphaFrame = new Mat();
        Cv2.WarpAffine(colour, colourFrame, m, new Size(width, height), InterpolationFlags.Nearest | InterpolationFlags.WarpInverseMap, BorderTypes.Constant, Scalar.All(0));
        Cv2.WarpAffine(alpha, alphaFrame, m, new Size(width, height), InterpolationFlags.Nearest | InterpolationFlags.WarpInverseMap, BorderTypes.Constant, Scalar.All(0));
        var stride = (int)bgr.Step();
        var dst = (byte*)bgr.DataPointer;
        var src = (byte*)colourFrame.DataPointer;
        var srcStride = (int)colourFrame.Step();
        var aStride = (int)alphaFrame.Step();
        var ap = (byte*)alphaFrame.DataPointer;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var w = ap[(y * aStride) + x];
                if (w == 0)
                {
                    continue;
                }

                for (var k = 0; k < 3; k++)
                {
                    var d = dst + (y * stride) + (3 * x) + k;
                    *d = (byte)(((*d * (255 - w)) + (src[(y * srcStride) + (3 * x) + k] * w)) / 255);
                }
            }
        }
    }
}
