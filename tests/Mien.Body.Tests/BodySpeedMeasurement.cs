using System.Diagnostics;
using Mien.Media;
using Mien.Testing;
using Xunit.Abstractions;

using Mien.Results;

namespace Mien.Body.Tests;

/// <summary>
/// Not a timed test: prints MoveNet's cost per person per frame at 640×360 when <c>MIEN_BODY_BENCH=1</c>
/// (figures go to docs/body.md); otherwise returns at once.
/// </summary>
[Collection(RealBodiesCollection.Name)]
public sealed class BodySpeedMeasurement(RealBodies bodies, ITestOutputHelper output)
{
    [SharedDataFact("videos/single_face.mp4")]
    public async Task Measure_ms_per_person_per_frame()
    {
        var path = SharedData.Require("videos/single_face.mp4");
        if (Environment.GetEnvironmentVariable("MIEN_BODY_BENCH") != "1")
        {
            return;
        }

        await using var source = MediaSource.Open(path);
        await foreach (var frame in source.ReadAsync())
        {
            using (frame)
            {
                var face = bodies.Video[0].Face;
                for (var i = 0; i < 20; i++)
                {
                    bodies.Estimator.Estimate(frame.Image, face);
                }

                const int Runs = 300;
                var analyzer = new BodyLanguageAnalyzer();
                var estimate = Stopwatch.StartNew();
                BodyPose? pose = null;
                for (var i = 0; i < Runs; i++)
                {
                    pose = bodies.Estimator.Estimate(frame.Image, face);
                }

                estimate.Stop();
                var cues = Stopwatch.StartNew();
                for (var i = 0; i < Runs; i++)
                {
                    analyzer.Update(TimeSpan.FromMilliseconds(40 * i), pose!, face);
                }

                cues.Stop();
                output.WriteLine($"{frame.Image.Width}×{frame.Image.Height}: estimate {estimate.Elapsed.TotalMilliseconds / Runs:0.00} ms, cues {cues.Elapsed.TotalMilliseconds * 1000 / Runs:0.0} µs per person per frame");
                break;
            }
        }
    }
}
