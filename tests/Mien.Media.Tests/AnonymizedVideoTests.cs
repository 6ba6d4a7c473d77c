using Mien.Media.Output;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Media.Tests;

/// <summary>The anonymised video hides faces that are not confirmed people yet, frame by frame (read back from the file).</summary>
public sealed class AnonymizedVideoTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-anon-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Unconfirmed_faces_are_blurred_in_every_frame_they_are_listed()
    {
        var path = Path.Combine(_dir, "anonymized.avi");
        var box = new FaceBox(60, 40, 80, 80);
        var texture = Texture(320, 240);
        using (var writer = new AnnotatedVideoWriter(path, 25, 320, 240, anonymize: true))
        {
            for (var i = 0; i < 6; i++)
            {
                using var frame = texture.Clone();
                // Frames 0–2: a face seen but not confirmed yet; frames 3–5: no face at all.
                var analysis = new FrameAnalysis(i, TimeSpan.FromMilliseconds(40 * i), []) { Unconfirmed = i < 3 ? [box] : [] };
                writer.Write(frame, analysis);
            }
        }

        using var capture = new VideoCapture(path);
        using var read = new Mat();
        var region = new Rect((int)box.X + 10, (int)box.Y + 10, (int)box.Width - 20, (int)box.Height - 20);
        var original = Detail(texture, region);
        for (var i = 0; i < 6; i++)
        {
            Assert.True(capture.Read(read), $"frame {i}");
            var detail = Detail(read, region);
            if (i < 3)
            {
                Assert.True(detail < original * 0.2, $"frame {i}: detail {detail:F0} of {original:F0} — the unconfirmed face is not hidden");
            }
            else
            {
                Assert.True(detail > original * 0.5, $"frame {i}: detail {detail:F0} of {original:F0} — nothing should be blurred");
            }
        }

        texture.Dispose();
    }

    /// <summary>A high-detail image (random checkerboard), so any blur shows as lost variance.</summary>
    private static Mat Texture(int width, int height)
    {
        var mat = new Mat(height, width, MatType.CV_8UC3);
        var random = new Random(3);
        for (var y = 0; y < height; y += 4)
        {
            for (var x = 0; x < width; x += 4)
            {
                var v = random.Next(2) * 255;
                Cv2.Rectangle(mat, new Rect(x, y, 4, 4), new Scalar(v, v, v), -1);
            }
        }

        return mat;
    }

    private static double Detail(Mat image, Rect region)
    {
        using var roi = new Mat(image, region);
        using var grey = new Mat();
        Cv2.CvtColor(roi, grey, ColorConversionCodes.BGR2GRAY);
        using var laplacian = new Mat();
        Cv2.Laplacian(grey, laplacian, MatType.CV_64F);
        Cv2.MeanStdDev(laplacian, out _, out var sd);
        return sd.Val0 * sd.Val0;
    }
}
