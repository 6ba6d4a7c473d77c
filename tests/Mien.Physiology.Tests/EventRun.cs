using Mien.Physiology.Driver;
using Mien.Pipeline;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Physiology.Tests;

/// <summary>
/// Runs the real pipeline over frames and turns what Mien's detectors report into events with start and end:
/// blinks (the pipeline's <see cref="EyeState.InBlink"/> runs that reopen within the blink detector's 0.7 s),
/// long eye closures and yawns (a <see cref="DriverMonitor"/> fed each frame with exactly what the pipeline's driver
/// profile gets: eye state, mouth opening, pose, gaze), drowsy head drops ("drop") and head gestures (the pipeline's
/// <see cref="HeadGesture"/>s).
/// </summary>
internal static class EventRun
{
    /// <summary>Longest InBlink run that is a blink (the blink detector's default MaxBlinkDuration: longer runs turn into "eyes closed").</summary>
    private const double MaxBlinkSeconds = 0.7;

    public static async Task<List<DetectedEvent>> RunAsync(Mien.Models.ModelStore store, IEnumerable<(Mat Image, TimeSpan Time)> frames, Action<FrameAnalysis>? observe = null)
    {
        // Only what the events need: mesh, iris, eyes, pose, gestures (pulse and asymmetry off, no expressions, identity, affect).
        var options = new PipelineOptions
        {
            Identity = null,
            Expressions = false,
            Affect = null,
            Physiology = new PhysiologyOptions { HeartRate = null, Asymmetry = null },
        };
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(store, options);
        var collector = new EventCollector();
        var index = 0L;
        foreach (var (image, time) in frames)
        {
            var analysis = pipeline.Analyze(image, index++, time);
            collector.Add(analysis);
            observe?.Invoke(analysis);
        }

        return collector.Events;
    }

    /// <summary>Collects events frame by frame (first face of each frame: the labelled clips show one person).</summary>
    private sealed class EventCollector
    {
        private readonly DriverMonitor _driver = new();
        private double? _blinkStart;

        public List<DetectedEvent> Events { get; } = [];

        public void Add(FrameAnalysis frame)
        {
            var t = frame.Timestamp.TotalSeconds;
            var face = frame.Faces.Count > 0 ? frame.Faces[0] : null;
            var inBlink = face?.Eyes is { InBlink: true };
            if (inBlink)
            {
                _blinkStart ??= t;
            }
            else if (_blinkStart is { } s)
            {
                if (t - s <= MaxBlinkSeconds)
                {
                    Events.Add(new DetectedEvent("blink", s, t));
                }

                _blinkStart = null;
            }

            if (face is null)
            {
                return;
            }

            foreach (var g in face.Physiology?.Gestures ?? [])
            {
                Events.Add(new DetectedEvent(g.Kind == HeadGestureKind.Nod ? "nod" : "shake", g.Start.TotalSeconds, g.End.TotalSeconds));
            }

            _driver.Update(frame.Timestamp, face.Eyes, face.MouthOpening, face.Pose, face.Gaze);
            foreach (var e in _driver.Events)
            {
                if (e.End == frame.Timestamp)
                {
                    var kind = e.Kind switch { "long-closure" => "closure", "yawn" => "yawn", _ => "drop" };
                    Events.Add(new DetectedEvent(kind, e.Start.TotalSeconds, e.End.TotalSeconds));
                }
            }
        }
    }
}
