using Mien.Pipeline;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Physiology.Tests;

/// <summary>A synthetic pulse put into a real video's face before analysis.</summary>
/// <param name="Bpm">Rate of the pulse.</param>
/// <param name="Amplitude">Relative intensity change of green at the peak (0.003 = 0.3 %), the other channels by the blood-volume-pulse signature.</param>
internal sealed record Injection(double Bpm, double Amplitude);

/// <summary>
/// Runs the real pipeline (real models) over a real video, optionally moving the whole frame (synthetic head motion) and
/// injecting a pulse into the face, and collects the heart-rate windows the pipeline reports.
/// </summary>
/// <remarks>
/// The pulse goes into the face-oval polygon of the previous frame's mesh, grown by 10 % about its centre (the face moves
/// at most a pixel or two between frames), as a per-channel gain computed in floating point with fresh uniform dither per
/// pixel before rounding back to 8 bits: a 0.2 % gain on an integer level would otherwise round away.
/// </remarks>
internal static class PulseVideoRun
{
    public static async Task<List<HeartRateEstimate>> RunAsync(
        Mien.Models.ModelStore store,
        IEnumerable<(Mat Image, TimeSpan Time)> frames,
        Injection? injection,
        bool motion,
        Action<FrameAnalysis>? onFrame = null)
    {
        var options = new PipelineOptions { Identity = null, Expressions = false, Affect = null, KeepLandmarks = true };

        using var pipeline = await FaceAnalysisPipeline.CreateAsync(store, options);
        Cv2.SetTheRNG(20261206); // thread-local: after the await, on the thread that runs the loop; same dither and noise every run
        var estimates = new List<HeartRateEstimate>();
        IReadOnlyList<Point3>? previous = null;
        using var moved = new Mat();
        using var dither = new Mat();
        using var floats = new Mat();
        var index = 0L;
        foreach (var (image, time) in frames)
        {
            var t = time.TotalSeconds;
            var frame = image;
            if (motion)
            {
                // Sway (0.25 Hz, ±12 px), a tremor-like in-band shake (0.9 Hz, ±3 px) and a slow roll (0.15 Hz, ±4°).
                var dx = (12 * Math.Sin(2 * Math.PI * 0.25 * t)) + (3 * Math.Sin(2 * Math.PI * 0.9 * t));
                var dy = (6 * Math.Sin(2 * Math.PI * 0.2 * t)) + (2 * Math.Cos(2 * Math.PI * 0.9 * t));
                using var rotation = Cv2.GetRotationMatrix2D(new Point2f(image.Width / 2f, image.Height / 2f), 4 * Math.Sin(2 * Math.PI * 0.15 * t), 1);
                rotation.Set(0, 2, rotation.At<double>(0, 2) + dx);
                rotation.Set(1, 2, rotation.At<double>(1, 2) + dy);
                Cv2.WarpAffine(image, moved, rotation, image.Size(), InterpolationFlags.Linear, BorderTypes.Replicate);
                frame = moved;
            }

            if (injection is not null && previous is not null)
            {
                Inject(frame, previous, SyntheticPulse.Gain(t, injection.Bpm / 60, injection.Amplitude), floats, dither);
            }

            var analysis = pipeline.Analyze(frame, index++, time);
            onFrame?.Invoke(analysis);
            var face = analysis.Faces.Count > 0 ? analysis.Faces[0] : null;
            previous = face?.Landmarks;
            if (face?.Physiology?.HeartRate is { } hr)
            {
                estimates.Add(hr);
            }
        }

        return estimates;
    }

    /// <summary>Frames of a video file with their container timestamps (each Mat owned by the caller's loop: disposed after the next).</summary>
    public static IEnumerable<(Mat Image, TimeSpan Time)> Video(string path, double maxSeconds = double.PositiveInfinity)
    {
        using var capture = new VideoCapture(path);
        if (!capture.IsOpened())
        {
            throw new InvalidOperationException("cannot open " + path);
        }

        using var mat = new Mat();
        while (capture.Read(mat) && !mat.Empty())
        {
            var time = TimeSpan.FromMilliseconds(capture.Get(VideoCaptureProperties.PosMsec));
            if (time.TotalSeconds > maxSeconds)
            {
                yield break;
            }

            yield return (mat, time);
        }
    }

    /// <summary>A copy of the first frame at or after <paramref name="seconds"/>.</summary>
    public static Mat FrameAt(string path, double seconds)
    {
        foreach (var (image, time) in Video(path))
        {
            if (time.TotalSeconds >= seconds)
            {
                return image.Clone();
            }
        }

        throw new InvalidOperationException($"{path} is shorter than {seconds} s");
    }

    /// <summary>A short clip played forwards and backwards until <paramref name="seconds"/> (the face moves continuously, no jump at the loop).</summary>
    public static IEnumerable<(Mat Image, TimeSpan Time)> PingPong(string path, double seconds)
    {
        var clip = new List<Mat>();
        double fps;
        using (var capture = new VideoCapture(path))
        {
            fps = capture.Fps > 0 ? capture.Fps : 30;
            using var mat = new Mat();
            while (capture.Read(mat) && !mat.Empty())
            {
                clip.Add(mat.Clone());
            }
        }

        try
        {
            var n = (int)(seconds * fps);
            for (var i = 0; i < n; i++)
            {
                var period = (2 * clip.Count) - 2;
                var k = i % period;
                yield return (clip[k < clip.Count ? k : period - k], TimeSpan.FromSeconds(i / fps));
            }
        }
        finally
        {
            clip.ForEach(m => m.Dispose());
        }
    }

    /// <summary>One still image for <paramref name="seconds"/> at 25 fps, with fresh Gaussian sensor noise (σ = 2 levels) each frame, as a photo held to a camera gives.</summary>
    public static IEnumerable<(Mat Image, TimeSpan Time)> NoisyStill(Mat still, double seconds)
    {
        using var noisy = new Mat();
        using var noise = new Mat(still.Size(), MatType.CV_16SC3);
        using var wide = new Mat();
        for (var i = 0; i < seconds * 25; i++)
        {
            Cv2.Randn(noise, Scalar.All(0), Scalar.All(2));
            still.ConvertTo(wide, MatType.CV_16SC3);
            Cv2.Add(wide, noise, wide);
            wide.ConvertTo(noisy, MatType.CV_8UC3);
            yield return (noisy, TimeSpan.FromSeconds(i / 25.0));
        }
    }

    private static void Inject(Mat frame, IReadOnlyList<Point3> mesh, (double R, double G, double B) gain, Mat floats, Mat dither)
    {
        var oval = Mien.Faces.Geometry.FaceRegions.Polygon(mesh, Mien.Faces.Geometry.FaceRegion.FaceOval);
        var cx = oval.Average(p => p.X);
        var cy = oval.Average(p => p.Y);
        var polygon = oval.Select(p => new Point((int)Math.Round(cx + (1.1 * (p.X - cx))), (int)Math.Round(cy + (1.1 * (p.Y - cy))))).ToArray();
        var box = Cv2.BoundingRect(polygon) & new Rect(0, 0, frame.Width, frame.Height);
        if (box.Width <= 0 || box.Height <= 0)
        {
            return;
        }

        using var roi = new Mat(frame, box);
        using var mask = new Mat(box.Size, MatType.CV_8UC1, Scalar.All(0));
        Cv2.FillPoly(mask, [polygon.Select(p => new Point(p.X - box.X, p.Y - box.Y))], Scalar.All(255));
        roi.ConvertTo(floats, MatType.CV_32FC3);
        Cv2.Multiply(floats, new Scalar(gain.B, gain.G, gain.R), floats);
        dither.Create(box.Size, MatType.CV_32FC3);
        Cv2.Randu(dither, Scalar.All(-0.5), Scalar.All(0.5));
        Cv2.Add(floats, dither, floats);
        using var back = new Mat();
        floats.ConvertTo(back, MatType.CV_8UC3);
        back.CopyTo(roi, mask);
    }
}
