using Mien.Media.Output;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Media.Tests;

public sealed class BackgroundVideoWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-video-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Every_frame_is_written_in_order_although_the_caller_reuses_its_buffer_at_once()
    {
        var path = Path.Combine(_dir, "out.avi");
        const int count = 40;
        using (var writer = new BackgroundVideoWriter(new AnnotatedVideoWriter(path, 25, 160, 120, anonymize: false)))
        using (var frame = new Mat(120, 160, MatType.CV_8UC3))
        {
            for (var i = 0; i < count; i++)
            {
                // One buffer for every frame, overwritten right after Write: the writer must have copied it.
                frame.SetTo(new Scalar(i * 6, i * 6, i * 6));
                writer.Write(frame, new FrameAnalysis(i, TimeSpan.FromSeconds(i / 25.0), []));
            }
        }

        using var capture = new VideoCapture(path);
        using var read = new Mat();
        var levels = new List<double>();
        while (capture.Read(read) && !read.Empty())
        {
            levels.Add(Cv2.Mean(read).Val0);
        }

        Assert.Equal(count, levels.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.InRange(levels[i], (i * 6) - 4, (i * 6) + 4); // MJPEG is lossy but keeps a flat grey level
        }
    }
}
