using System.Diagnostics;
using System.Globalization;
using Mien.Media.Samples;
using Mien.Physiology.Asymmetry;
using Mien.Physiology.Driver;
using Mien.Physiology.GazeOnScreen;
using Mien.Physiology.Gestures;
using Mien.Physiology.Pulse;
using Mien.Pipeline;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Mien.Physiology.Tests;

/// <summary>
/// Benchmark-style measurement (not a timed assertion) of the physiology cost per face per frame on one thread, on real
/// frames and meshes of franck.mp4; writes <c>physiology-cost.txt</c> beside the test assembly and to the test output.
/// Run: <c>dotnet test tests/Mien.Physiology.Tests -c Release --filter "FullyQualifiedName~PhysiologyCostMeasurement"</c> with <c>MIEN_BENCH=1 --logger "console;verbosity=detailed"</c>.
/// </summary>
[Collection(RealModelsCollection.Name)]
public sealed class PhysiologyCostMeasurement(RealModels models, ITestOutputHelper output)
{
    [BenchmarkFact("physiology-cost.txt beside the test assembly")]
    public async Task Measures_the_cost_of_every_part_per_face_per_frame()
    {
        var franck = (await SampleMedia.FaceVideosAsync(models.Packages))[0];
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Identity = null, Expressions = false, Affect = null, KeepLandmarks = true, Physiology = null });
        var frames = new List<(Mat Image, TimeSpan Time, FaceObservation Face)>();
        var index = 0L;
        foreach (var (image, time) in PulseVideoRun.Video(franck, 30))
        {
            if (pipeline.Analyze(image, index++, time).Faces.FirstOrDefault() is { Landmarks: not null } face)
            {
                frames.Add((image.Clone(), time, face));
            }
        }

        try
        {
            const int Passes = 10;
            var parts = new Dictionary<string, Func<double>>
            {
                ["skin colour sampling"] = () => Time(frames, Passes, _ => { }, (f, _) => SkinColorSampler.Sample(View(f.Image), f.Face.Landmarks!)),
                ["pulse (sampling + windows)"] = () => { HeartRateEstimator? e = null; return Time(frames, Passes, _ => e = new HeartRateEstimator(), (f, t) => e!.Add(t, SkinColorSampler.Sample(View(f.Image), f.Face.Landmarks!), f.Face.Pose)); },
                ["head gestures"] = () => { HeadGestureDetector? d = null; return Time(frames, Passes, _ => d = new HeadGestureDetector(), (f, t) => d!.Update(t, f.Face.Pose!.Value)); },
                ["asymmetry"] = () => { AsymmetryTracker? a = null; var trends = new List<AsymmetryTrend>(); return Time(frames, Passes, _ => a = new AsymmetryTracker(), (f, t) => a!.Update(t, f.Face.Landmarks!, f.Face.Pose, trends, View(f.Image))); },
                ["driver profile"] = () => { DriverMonitor? d = null; return Time(frames, Passes, _ => d = new DriverMonitor(), (f, t) => d!.Update(t, f.Face.Eyes, f.Face.MouthOpening, f.Face.Pose, f.Face.Gaze)); },
                ["all together (PersonPhysiology, driver on)"] = () => { PersonPhysiology? p = null; return Time(frames, Passes, _ => p = new PersonPhysiology(new PhysiologyOptions { Driver = true }), (f, t) => p!.Update(t, View(f.Image), f.Face.Landmarks!, f.Face.Pose, f.Face.Gaze, f.Face.Eyes, f.Face.MouthOpening)); },
                ["gaze on screen (map; fixations, attention, heatmap amortised)"] = () => { var g = new GazeOnScreenRun(frames[^1].Time); return Time(frames, Passes, _ => g.Reset(), (f, t) => g.Step(f.Face, t)); },
                ["all five (PersonPhysiology, driver on, + gaze on screen)"] = () =>
                {
                    PersonPhysiology? p = null;
                    var g = new GazeOnScreenRun(frames[^1].Time);
                    return Time(frames, Passes, _ => (p, _) = (new PersonPhysiology(new PhysiologyOptions { Driver = true }), g.Reset()), (f, t) =>
                    {
                        p!.Update(t, View(f.Image), f.Face.Landmarks!, f.Face.Pose, f.Face.Gaze, f.Face.Eyes, f.Face.MouthOpening);
                        g.Step(f.Face, t);
                    });
                },
            };

            var lines = new List<string> { $"physiology cost per face per frame, 1 thread, {frames.Count} real frames of franck.mp4 (360×288) × {Passes} passes, {Environment.ProcessorCount} logical CPUs, {DateTime.UtcNow:yyyy-MM-dd}" };
            foreach (var (name, run) in parts)
            {
                run(); // warm-up pass set (JIT)
                var microseconds = run();
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name,-45} {microseconds,8:0.0} µs"));
            }

            File.WriteAllLines(Path.Combine(AppContext.BaseDirectory, "physiology-cost.txt"), lines);
            lines.ForEach(output.WriteLine);
            Assert.True(frames.Count > 600, $"{frames.Count} frames with a face");
        }
        finally
        {
            frames.ForEach(f => f.Image.Dispose());
        }
    }

    /// <summary>Mean microseconds per frame over <paramref name="passes"/> passes (each pass a fresh state over the whole clip, times shifted so they keep increasing).</summary>
    private static double Time(List<(Mat Image, TimeSpan Time, FaceObservation Face)> frames, int passes, Action<int> reset, Action<(Mat Image, TimeSpan Time, FaceObservation Face), TimeSpan> step)
    {
        var watch = new Stopwatch();
        for (var p = 0; p < passes; p++)
        {
            reset(p);
            watch.Start();
            foreach (var f in frames)
            {
                step(f, f.Time);
            }

            watch.Stop();
        }

        return watch.Elapsed.TotalMicroseconds / (passes * frames.Count);
    }

    /// <summary>
    /// Gaze on screen for one viewer: each frame mapped through a calibration (coefficients of a plausible fit: the cost
    /// does not depend on their values) and kept; at the clip's last frame, I-VT fixations (smoothed, as recommended for
    /// webcam gaze), attention share and a heatmap over the screen, so their cost is spread over the frames.
    /// </summary>
    private sealed class GazeOnScreenRun(TimeSpan last)
    {
        private static readonly ScreenGeometry Screen = new(1920, 1080, 531, 299, 600);
        private static readonly GazeCalibration Calibration = new()
        {
            Screen = Screen,
            CoefficientsX = [0, 0.35, 0, 0, 0, 0, 0.05, 0, 0.02, 0],
            CoefficientsY = [0, 0, -0.4, 0, 0, 0, 0, 0.05, 0, 0.02],
            Accuracy = new CalibrationAccuracy(0, 0, 0, 0, []),
            PointCount = 9,
        };

        private readonly List<GazeSample> _samples = new(1024);

        public int Reset()
        {
            _samples.Clear();
            return 0;
        }

        public void Step(FaceObservation face, TimeSpan t)
        {
            var features = GazeFeatures.From(face, 360, 288);
            _samples.Add(new GazeSample(t, features is { } ft ? Calibration.Map(ft) : null));
            if (t == last)
            {
                var fixations = FixationDetector.Detect(_samples, Screen, new FixationOptions { SmoothingSamples = 5, VelocityThreshold = 60 });
                _ = AttentionShare.Measure(_samples, Screen, 50);
                _ = GazeHeatmap.Build(fixations, new StimulusArea(0, 0, Screen.WidthPx, Screen.HeightPx), 40, 16);
            }
        }
    }

    internal static unsafe BgrImage View(Mat image)
    {
        var stride = (int)image.Step();
        return new BgrImage(new ReadOnlySpan<byte>((void*)image.Data, (stride * (image.Rows - 1)) + (image.Cols * 3)), image.Cols, image.Rows, stride);
    }
}
