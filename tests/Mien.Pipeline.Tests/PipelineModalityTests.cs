using Mien.Media;
using Mien.Media.Samples;
using Mien.Results;
using Mien.Testing;

namespace Mien.Pipeline.Tests;

/// <summary>The pipeline with action units, the temporal model, body and skin on, on a real talking-head video.</summary>
[Collection(RealModelsCollection.Name)]
public sealed class PipelineModalityTests(RealModels models)
{
    [Fact]
    public async Task Every_modality_reports_on_its_schedule_and_segments_and_skin_close_with_the_track()
    {
        var clip = (await SampleMedia.FaceVideosAsync(models.Packages))[2]; // cap13_edit2.mp4
        var options = new PipelineOptions { Body = true, Skin = true, KeepLandmarks = true };
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, options);
        await using var source = MediaSource.Open(clip);
        var faces = new List<(TimeSpan T, FaceObservation Face)>();
        var segments = new List<TrackSegment>();
        var last = TimeSpan.Zero;
        await foreach (var frame in source.ReadAsync())
        {
            using (frame)
            {
                foreach (var f in pipeline.Analyze(frame).Faces)
                {
                    faces.Add((frame.Timestamp, f));
                }

                segments.AddRange(pipeline.DrainSegments());
                last = frame.Timestamp;
            }
        }

        pipeline.Complete(last);
        segments.AddRange(pipeline.DrainSegments());

        Assert.True(faces.Count > 100, $"{faces.Count} faces");
        Assert.All(faces, f =>
        {
            Assert.NotNull(f.Face.Affect);
            Assert.NotNull(f.Face.Affect.Units);
            Assert.NotNull(f.Face.Affect.Expression);
            Assert.InRange(f.Face.Affect.Expression.Probabilities.Sum(), 0.99f, 1.01f);
        });

        // MoveNet every third frame (sooner on fast moves), not every frame and not never.
        var bodies = faces.Count(f => f.Face.BodyPose is not null);
        Assert.InRange(bodies, faces.Count / 4, faces.Count / 2);
        Assert.All(faces.Where(f => f.Face.BodyPose is not null), f => Assert.Equal(17, f.Face.BodyPose!.Keypoints.Count));

        // Skin about four times a second, with a usable measurement on this frontal, well-lit face.
        var skin = faces.Where(f => f.Face.Skin is not null).ToArray();
        var seconds = (faces[^1].T - faces[0].T).TotalSeconds;
        Assert.InRange(skin.Length, seconds * 2, (seconds * 4) + 2);
        var summary = Assert.Single(pipeline.SkinSummaries()).Value;
        Assert.True(summary.FramesUsed > skin.Length / 2, $"{summary.FramesUsed} of {skin.Length} skin frames usable");

        // Segments: ordered inside the track's time, for the reported person, and the last one closed by Complete.
        Assert.NotEmpty(segments);
        Assert.All(segments, s =>
        {
            Assert.Equal(1, s.TrackId);
            Assert.True(s.Segment.Onset <= s.Segment.Apex && s.Segment.Apex <= s.Segment.Offset, $"{s.Segment}");
            Assert.InRange(s.Segment.Offset, faces[0].T, last);
        });
    }
}
