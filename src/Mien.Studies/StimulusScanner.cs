using OpenCvSharp;

namespace Mien.Studies;

/// <summary>What a scan of a stimulus video found.</summary>
/// <param name="DurationS">Duration, seconds (from the frames read).</param>
/// <param name="Fps">Frame rate the container declares.</param>
/// <param name="Width">Frame width.</param>
/// <param name="Height">Frame height.</param>
/// <param name="Cuts">Detected scene cuts, seconds.</param>
/// <param name="Thumbnails">A small JPEG of the frame at the middle of each whole second (index = second).</param>
public sealed record StimulusScan(double DurationS, double Fps, int Width, int Height, IReadOnlyList<double> Cuts, IReadOnlyList<byte[]> Thumbnails);

/// <summary>
/// Reads a stimulus video once: its duration, scene cuts (hue/saturation/value histograms of a 64-pixel-wide copy of
/// each frame, see <see cref="SceneCuts"/>) and one thumbnail per second for the results page.
/// </summary>
public static class StimulusScanner
{
    private const int HistogramWidth = 64;

    /// <summary>Scans the video at <paramref name="path"/>.</summary>
    /// <param name="path">A video file.</param>
    /// <param name="thumbnailWidth">Thumbnail width in pixels (default 160).</param>
    /// <param name="options">Scene cut options.</param>
    /// <exception cref="InvalidDataException">The file cannot be read as a video or has no frames.</exception>
    public static StimulusScan Scan(string path, int thumbnailWidth = 160, SceneCutOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        StudyOptions.Require(thumbnailWidth is >= 16 and <= 640, nameof(thumbnailWidth), thumbnailWidth, "between 16 and 640 pixels");
        using var capture = new VideoCapture(path);
        if (!capture.IsOpened())
        {
            throw new InvalidDataException($"the stimulus '{Path.GetFileName(path)}' cannot be opened as a video");
        }

        var fps = capture.Fps is > 0 and < 1000 ? capture.Fps : 25;
        var frames = new List<(double, float[])>();
        var thumbnails = new List<byte[]>();
        using var frame = new Mat();
        using var small = new Mat();
        using var hsv = new Mat();
        using var hist = new Mat();
        int width = 0, height = 0;
        var index = 0;
        var last = 0.0;
        while (capture.Read(frame) && !frame.Empty())
        {
            var msec = capture.PosMsec;
            // Some containers report no position: fall back to the frame count at the declared rate.
            var t = msec > 0 || index == 0 ? msec / 1000.0 : index / fps;
            if (index > 0 && t <= last)
            {
                t = last + (1 / fps);
            }

            width = frame.Width;
            height = frame.Height;
            Cv2.Resize(frame, small, new Size(HistogramWidth, Math.Max(1, HistogramWidth * frame.Height / frame.Width)), 0, 0, InterpolationFlags.Area);
            Cv2.CvtColor(small, hsv, ColorConversionCodes.BGR2HSV);
            Cv2.CalcHist([hsv], [0, 1, 2], null, hist, 3, [8, 4, 4], [new Rangef(0, 180), new Rangef(0, 256), new Rangef(0, 256)]);
            var bins = new float[8 * 4 * 4];
            var total = 0f;
            var k = 0;
            for (var h = 0; h < 8; h++)
            {
                for (var s = 0; s < 4; s++)
                {
                    for (var v = 0; v < 4; v++)
                    {
                        bins[k] = hist.At<float>(h, s, v);
                        total += bins[k++];
                    }
                }
            }

            for (var i = 0; i < bins.Length; i++)
            {
                bins[i] /= Math.Max(1, total);
            }

            frames.Add((t, bins));
            // The frame nearest the middle of each whole second becomes its thumbnail.
            var second = (int)Math.Floor(t);
            while (thumbnails.Count < second)
            {
                // A second whose middle no frame reached (very low frame rates) takes the next frame.
                thumbnails.Add(Thumbnail(frame, thumbnailWidth));
            }

            if (thumbnails.Count == second && t >= second + 0.5 - (0.5 / fps))
            {
                thumbnails.Add(Thumbnail(frame, thumbnailWidth));
            }

            last = t;
            index++;
        }

        if (index == 0)
        {
            throw new InvalidDataException($"the stimulus '{Path.GetFileName(path)}' has no readable frames");
        }

        var duration = last + (1 / fps);
        var seconds = (int)Math.Ceiling(duration - 1e-6);
        while (thumbnails.Count < seconds)
        {
            thumbnails.Add(thumbnails.Count > 0 ? thumbnails[^1] : []);
        }

        var cuts = SceneCuts.Detect(frames, options).Where(c => c > 0 && c < duration).ToArray();
        return new StimulusScan(duration, fps, width, height, cuts, thumbnails);
    }

    private static byte[] Thumbnail(Mat frame, int width)
    {
        using var thumb = new Mat();
        Cv2.Resize(frame, thumb, new Size(width, Math.Max(1, width * frame.Height / frame.Width)), 0, 0, InterpolationFlags.Area);
        return thumb.ImEncode(".jpg", [(int)ImwriteFlags.JpegQuality, 80]);
    }
}
