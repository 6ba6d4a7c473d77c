using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mien.Faces.Tracking;
using Mien.Results;

namespace Mien.Faces.Tests.Tracking;

/// <summary>Track identity over time, driven by timestamps (pure logic, simulated frames).</summary>
public sealed class FaceTrackerTests
{
    private static TimeSpan Frame(int i, double fps = 30) => TimeSpan.FromSeconds(i / fps);

    /// <summary>One simulated frame: the pipeline's order of calls (mesh confirms tracks, detector seeds new ones).</summary>
    private static IReadOnlyList<TrackEvent> Step(FaceTracker tracker, long index, TimeSpan now, params FaceBox[] faces)
    {
        var remaining = faces.ToList();
        foreach (var track in tracker.Active.ToArray())
        {
            var seen = remaining.Where(f => f.IoU(FaceTracker.Predict(track, now)) > 0.3f).OrderByDescending(f => f.IoU(track.Box)).FirstOrDefault();
            if (seen != default)
            {
                tracker.Observe(track, seen, now);
                remaining.Remove(seen);
            }
            else
            {
                FaceTracker.Miss(track);
            }
        }

        if (tracker.ShouldDetect(index))
        {
            foreach (var (detection, track) in tracker.Assign(faces, now))
            {
                if (track is not null)
                {
                    tracker.Observe(track, detection, now);
                }
                else
                {
                    tracker.Start(detection, now);
                }
            }
        }

        return tracker.EndFrame(now);
    }

    [Fact]
    public void A_face_moving_across_the_frame_keeps_one_id()
    {
        var tracker = new FaceTracker();
        var events = new List<TrackEvent>();
        for (var i = 0; i < 300; i++)
        {
            events.AddRange(Step(tracker, i, Frame(i), new FaceBox(50 + (i * 3), 100 + (20 * MathF.Sin(i / 10f)), 120, 120)));
        }

        var started = Assert.Single(events);
        Assert.Equal(TrackEventKind.Started, started.Kind);
        Assert.Equal(1, Assert.Single(tracker.Active).Id);
    }

    [Fact]
    public void A_face_that_leaves_briefly_comes_back_with_its_id_and_after_long_with_a_new_one()
    {
        var tracker = new FaceTracker(new TrackerOptions { EndAfter = TimeSpan.FromSeconds(0.5), ReacquireWithin = TimeSpan.FromSeconds(2) });
        var face = new FaceBox(200, 150, 100, 100);
        var events = new List<TrackEvent>();
        var i = 0;
        for (; i < 60; i++)
        {
            events.AddRange(Step(tracker, i, Frame(i), face));
        }

        for (; i < 90; i++)
        {
            events.AddRange(Step(tracker, i, Frame(i))); // gone for 1 s: the track ends after 0.5 s
        }

        for (; i < 120; i++)
        {
            events.AddRange(Step(tracker, i, Frame(i), face with { X = 230 })); // back 1.5 s after ending: same person
        }

        for (; i < 240; i++)
        {
            events.AddRange(Step(tracker, i, Frame(i))); // gone 4 s: beyond ReacquireWithin
        }

        for (; i < 260; i++)
        {
            events.AddRange(Step(tracker, i, Frame(i), face));
        }

        Assert.Equal(
            ["Started 1", "Ended 1", "Started 1", "Ended 1", "Started 2"],
            events.Select(e => $"{e.Kind} {e.TrackId}"));
    }

    [Fact]
    public void Two_faces_get_two_ids_and_a_duplicate_box_on_one_face_is_not_a_new_person()
    {
        var tracker = new FaceTracker();
        var a = new FaceBox(50, 50, 100, 100);
        var b = new FaceBox(400, 60, 90, 90);
        for (var i = 0; i < 30; i++)
        {
            Step(tracker, i, Frame(i), a, b, a with { X = a.X + 8 });
        }

        Assert.Equal([1, 2], tracker.Active.Select(t => t.Id).Order());
    }

    [Fact]
    public void Variable_frame_rate_and_dropped_frames_do_not_break_a_track()
    {
        var tracker = new FaceTracker();
        var events = new List<TrackEvent>();
        var t = TimeSpan.Zero;
        var random = new Random(5);
        for (var i = 0; i < 200; i++)
        {
            t += TimeSpan.FromMilliseconds(random.Next(10, 120)); // 8–100 fps, with gaps
            events.AddRange(Step(tracker, i, t, new FaceBox(100 + (i * 2), 100, 110, 110)));
        }

        Assert.Single(events);
    }

    [Fact]
    public void End_of_stream_ends_every_track()
    {
        var tracker = new FaceTracker();
        Step(tracker, 0, TimeSpan.Zero, new FaceBox(0, 0, 50, 50), new FaceBox(200, 0, 50, 50));
        var events = tracker.EndAll(TimeSpan.FromSeconds(1));
        Assert.Equal(2, events.Count(e => e.Kind == TrackEventKind.Ended));
        Assert.Empty(tracker.Active);
    }

    [Property(MaxTest = 50)]
    public Property Active_ids_are_always_distinct() =>
        Prop.ForAll(Gen.ListOf(Gen.Choose(0, 3)).ToArbitrary(), counts =>
        {
            var tracker = new FaceTracker();
            var ok = true;
            for (var i = 0; i < counts.Count; i++)
            {
                var faces = Enumerable.Range(0, counts[i]).Select(k => new FaceBox(k * 150, 0, 100, 100)).ToArray();
                Step(tracker, i, Frame(i), faces);
                ok &= tracker.Active.Select(t => t.Id).Distinct().Count() == tracker.Active.Count;
            }

            return ok;
        });

    [Fact]
    public void Invalid_options_name_the_option() =>
        Assert.Contains("DetectEveryFrames", Assert.Throws<ArgumentException>(() => new FaceTracker(new TrackerOptions { DetectEveryFrames = 0 })).Message, StringComparison.Ordinal);
}
