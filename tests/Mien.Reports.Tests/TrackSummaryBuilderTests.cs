using Mien.Results;

namespace Mien.Reports.Tests;

public sealed class TrackSummaryBuilderTests
{
    private static TimeSpan At(int frame) => TimeSpan.FromTicks((long)Math.Round(frame * TimeSpan.TicksPerSecond / 30.0));

    internal static FaceObservation Face(
        int track = 1, EyeState? eyes = null, float[]? expression = null, HeadPose? pose = null, float? mouth = null) =>
        new(track, new FaceBox(10, 10, 100, 100), 0.9f, null, pose, null, eyes, mouth,
            expression is null ? null : new ExpressionEstimate(expression), null);

    private static EyeState Eyes(bool inBlink) => new(0.3f, 0.3f, inBlink ? 0.1f : 1f, inBlink);

    private static TrackSummary Single(IEnumerable<FaceObservation?> faces, TrackSummaryBuilder? builder = null)
    {
        builder ??= new TrackSummaryBuilder(TimeSpan.Zero);
        var i = 0;
        foreach (var face in faces)
        {
            builder.Add(new FrameAnalysis(i, At(i), face is null ? [] : [face]));
            i++;
        }

        return Assert.Single(builder.Build());
    }

    [Fact]
    public void Synthetic_session_counts_both_blinks_and_rates_them_over_the_time_the_eyes_were_seen()
    {
        var builder = new TrackSummaryBuilder();
        foreach (var frame in SyntheticSession.Create())
        {
            builder.Add(frame);
        }

        var track = Assert.Single(builder.Build());
        Assert.Equal(SyntheticSession.Blinks, track.Blinks);

        // 1800 frames, 40.0–42.0 s missing (frames 1200–1259): steps between seen frames are 1199 + 539.
        var eyeSeconds = (1199 + 539) / 30.0;
        Assert.Equal(2 * 60 / eyeSeconds, track.BlinksPerMinute!.Value, 3);
        Assert.Equal(1740, track.Frames);
        Assert.Equal(TimeSpan.Zero, track.FirstSeen);
        Assert.Equal(At(1799), track.LastSeen);
    }

    [Fact]
    public void Synthetic_session_is_mostly_neutral_with_happiness_during_the_smile()
    {
        var builder = new TrackSummaryBuilder();
        foreach (var frame in SyntheticSession.Create())
        {
            builder.Add(frame);
        }

        var track = Assert.Single(builder.Build());
        Assert.Equal("neutral", track.DominantExpression);
        Assert.InRange(track.DominantShare, 0.7f, 0.95f); // the smile's middle is top-labelled happiness
        Assert.True(track.MeanExpression["happiness"] > track.MeanExpression["anger"]);
        Assert.Equal(1f, track.MeanExpression.Values.Sum(), 3);
        Assert.NotNull(track.MeanPose);
        Assert.InRange(track.MeanPose!.Value.Pitch, -6f, -2f);
        Assert.InRange(track.MeanMouthOpening!.Value, 0.06f, 0.12f);
    }

    [Fact]
    public void A_blink_held_over_frames_counts_once_and_one_already_under_way_at_the_start_does_not_count()
    {
        bool[] states = [true, true, false, true, true, true, false, false, true];
        var track = Single(states.Select(b => Face(eyes: Eyes(b))));
        Assert.Equal(2, track.Blinks); // frames 3 and 8; frame 0 started before the track did
    }

    [Fact]
    public void Frames_without_eye_state_do_not_split_a_blink_in_two()
    {
        EyeState?[] states = [Eyes(false), Eyes(true), null, Eyes(true), Eyes(false), null, Eyes(false)];
        var track = Single(states.Select(e => Face(eyes: e)));
        Assert.Equal(1, track.Blinks);
    }

    [Fact]
    public void Blink_rate_is_per_minute_of_eye_time_not_of_track_time()
    {
        // 20 s of eyes, then 40 s of the same face without eye state: 4 blinks → 12 per minute, not 4.
        var faces = new List<FaceObservation?>();
        for (var i = 0; i < 1800; i++)
        {
            faces.Add(i < 600 ? Face(eyes: Eyes(i % 150 is >= 100 and < 105)) : Face());
        }

        var track = Single(faces);
        Assert.Equal(4, track.Blinks);
        Assert.Equal(4 / (599 / 30.0 / 60), track.BlinksPerMinute!.Value, 3);
    }

    [Fact]
    public void Too_little_eye_time_gives_a_count_but_no_rate()
    {
        var faces = Enumerable.Range(0, 90).Select(i => Face(eyes: Eyes(i is 40 or 41)));
        var track = Single(faces, new TrackSummaryBuilder()); // 10 s minimum by default; 3 s seen
        Assert.Equal(1, track.Blinks);
        Assert.Null(track.BlinksPerMinute);
    }

    [Fact]
    public void Dominant_is_the_highest_mean_and_its_share_counts_frames_where_it_was_the_top_label()
    {
        float[] happy = [0, 0, 0, 0.7f, 0, 0, 0.3f];
        float[] neutral = [0, 0, 0, 0.2f, 0, 0, 0.8f];
        var track = Single([Face(expression: happy), Face(expression: happy), Face(expression: neutral), Face()]);

        Assert.Equal("happiness", track.DominantExpression); // mean 0.533 vs 0.467
        Assert.Equal(2f / 3, track.DominantShare, 5);        // the frame without an estimate is not counted
        Assert.Equal(1.6f / 3, track.MeanExpression["happiness"], 5);
        Assert.Equal(4, track.Frames);
    }

    [Fact]
    public void Mean_pose_is_circular_so_roll_near_180_degrees_does_not_average_to_zero()
    {
        var track = Single([Face(pose: new HeadPose(10, -5, 179)), Face(pose: new HeadPose(20, 5, -179))]);
        var pose = track.MeanPose!.Value;
        Assert.Equal(15, pose.Yaw, 3);
        Assert.Equal(0, pose.Pitch, 3);
        Assert.True(Math.Abs(pose.Roll) > 179.9, $"roll {pose.Roll}");
    }

    [Fact]
    public void A_track_without_measurements_has_no_means_and_no_dominant_expression()
    {
        var track = Single([Face(), null, Face()]);
        Assert.Empty(track.MeanExpression);
        Assert.Null(track.DominantExpression);
        Assert.Equal(0, track.DominantShare);
        Assert.Null(track.MeanPose);
        Assert.Null(track.MeanMouthOpening);
        Assert.Null(track.BlinksPerMinute);
        Assert.Equal(0, track.Blinks);
        Assert.Equal((2, TimeSpan.Zero, At(2)), (track.Frames, track.FirstSeen, track.LastSeen));
    }

    [Fact]
    public void Tracks_come_out_by_id_and_a_duplicate_in_one_frame_is_counted_once()
    {
        var builder = new TrackSummaryBuilder();
        builder.Add(new FrameAnalysis(0, TimeSpan.Zero, [Face(track: 3), Face(track: 1), Face(track: 3)]));
        builder.Add(new FrameAnalysis(1, At(1), [Face(track: 1)]));
        var tracks = builder.Build();
        Assert.Equal([1, 3], tracks.Select(t => t.TrackId));
        Assert.Equal([2, 1], tracks.Select(t => t.Frames));
    }

    [Fact]
    public void Frames_out_of_presentation_order_are_rejected()
    {
        var builder = new TrackSummaryBuilder();
        builder.Add(new FrameAnalysis(5, At(5), [Face()]));
        var error = Assert.Throws<ArgumentException>(() => builder.Add(new FrameAnalysis(4, At(4), [Face()])));
        Assert.Contains("presentation order", error.Message, StringComparison.Ordinal);
    }
}
