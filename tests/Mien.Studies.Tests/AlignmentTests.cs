namespace Mien.Studies.Tests;

/// <summary>Playback logs and offsets map viewer frames to stimulus seconds; hand-made logs with pauses, seeks and buffering.</summary>
public sealed class AlignmentTests
{
    // The log of one viewing of a 6 s stimulus (client seconds → stimulus seconds):
    //   10.0 → 0.0 playing | 12.0 → 2.0 paused | 15.0 → 2.0 playing | 16.5 → 3.5 seeking | 16.8 → 5.0 playing
    //   17.0 → 5.2 buffering | 17.6 → 5.2 playing | 18.4 → 6.0 ended
    private static readonly PlaybackSample[] Log =
    [
        new(10.0, 0.0, PlaybackState.Playing), new(12.0, 2.0, PlaybackState.Paused), new(15.0, 2.0, PlaybackState.Playing),
        new(16.5, 3.5, PlaybackState.Seeking), new(16.8, 5.0, PlaybackState.Playing), new(17.0, 5.2, PlaybackState.Buffering),
        new(17.6, 5.2, PlaybackState.Playing), new(18.4, 6.0, PlaybackState.Ended),
    ];

    [Theory]
    [InlineData(9.5, null)]   // before the first report
    [InlineData(10.2, 0.2)]   // 0.0 + 0.2
    [InlineData(11.6, 1.6)]
    [InlineData(12.5, null)]  // paused
    [InlineData(15.4, 2.4)]   // resumed at 2.0, 0.4 s later
    [InlineData(16.0, 3.0)]
    [InlineData(16.6, null)]  // seeking
    [InlineData(16.9, 5.1)]   // seeked to 5.0, 0.1 s later
    [InlineData(17.3, null)]  // buffering
    [InlineData(17.9, 5.5)]   // 5.2 + 0.3
    [InlineData(18.5, null)]  // ended
    public void Frames_map_only_while_the_stimulus_plays(double client, double? expected)
    {
        var timeline = new PlaybackTimeline(Log, maxHoldS: 3);
        var mapped = timeline.TryMap(client, out var stimulus);
        Assert.Equal(expected is not null, mapped);
        if (expected is { } e)
        {
            Assert.Equal(e, stimulus, 9);
        }
    }

    [Fact]
    public void A_report_vouches_only_for_the_hold_after_it()
    {
        // With the default 1 s hold, 11.6 s is 1.6 s after the last report: the state is not known, the frame drops.
        var timeline = new PlaybackTimeline(Log);
        Assert.True(timeline.TryMap(10.9, out _));
        Assert.False(timeline.TryMap(11.6, out _));
    }

    [Fact]
    public void Reports_out_of_order_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new PlaybackTimeline([new(5, 0, PlaybackState.Playing), new(4, 1, PlaybackState.Playing)]));
        Assert.Contains("client-time order", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Viewer_seconds_average_the_frames_shown_in_each_second()
    {
        // Frames of the log above (hold 3 s), stimulus of 6 s:
        //   10.2 → s0: head only, yaw 10 pitch 5 → looking (head cone 30/25); valence 0.1
        //   11.6 → s1: neither gaze nor head → attention unknown (left out); happiness 0.8
        //   12.5 → paused: ignored (its valence −1 must not count)
        //   16.0 → s3: no face → attention 0, no valence
        //   16.9 → s5: gaze yaw 10 → looking; valence 0.2
        //   17.9 → s5: gaze yaw 40 → away; valence 0.6
        // Second 2 has no frame and second 4 was skipped by the seek.
        // Expected: attention s0 = 1, s1 = NaN, s3 = 0, s5 = (1 + 0)/2 = 0.5; valence s0 = 0.1, s5 = (0.2 + 0.6)/2 = 0.4.
        ViewerFrame[] frames =
        [
            new(10.2, new FaceReading(null, 0.1, null, null, null, 10, 5)),
            new(11.6, new FaceReading([0.05, 0, 0, 0.8, 0.05, 0.05, 0.05], null, null, null, null, null, null)),
            new(12.5, new FaceReading(null, -1, null, 0, 0, 0, 0)),
            new(16.0, null),
            new(16.9, new FaceReading(null, 0.2, null, 10, 0, 0, 0)),
            new(17.9, new FaceReading(null, 0.6, null, 40, 0, 0, 0)),
        ];
        var seconds = ViewerAligner.Align(frames, new PlaybackTimeline(Log, maxHoldS: 3), 6.0);
        Assert.Equal(6, seconds.Seconds);
        Assert.Equal(1, seconds[StudyMetric.Attention, 0]);
        Assert.True(double.IsNaN(seconds[StudyMetric.Attention, 1]));
        Assert.Equal(0, seconds[StudyMetric.Attention, 3]);
        Assert.Equal(0.5, seconds[StudyMetric.Attention, 5], 12);
        Assert.Equal(0.1, seconds[StudyMetric.Valence, 0], 12);
        Assert.Equal(0.4, seconds[StudyMetric.Valence, 5], 12);
        Assert.Equal(0.8, seconds[StudyMetric.Happiness, 1], 12);
        Assert.True(double.IsNaN(seconds[StudyMetric.Valence, 2]));
        Assert.True(double.IsNaN(seconds[StudyMetric.Valence, 4]));
        Assert.Equal([1, 1, 0, 1, 0, 2], Enumerable.Range(0, 6).Select(seconds.Frames));
        // The viewer's stimulus mean weighs seconds equally: valence (0.1 + 0.4)/2 = 0.25.
        Assert.Equal(0.25, seconds.Mean(StudyMetric.Valence), 12);
    }

    [Fact]
    public void A_recording_aligned_by_an_offset_counts_from_the_offset_on()
    {
        // The stimulus started 2.5 s into the recording: frames at 2.0 (before) and 6.0 (stimulus 3.5, past the 3 s end) drop.
        ViewerFrame[] frames = [new(2.0, null), new(2.6, null), new(4.4, null), new(5.4, null), new(6.0, null)];
        var seconds = ViewerAligner.Align(frames, new OffsetClock(2.5), 3.0);
        Assert.Equal([1, 1, 1], Enumerable.Range(0, 3).Select(seconds.Frames));
    }

    [Fact]
    public void The_viewer_is_the_largest_face_of_a_stored_frame()
    {
        const string Json = """
            {"type":"frame","frame":3,"time":1.5,"faces":[
              {"type":"face","track":1,"box":{"x":0,"y":0,"w":20,"h":20},"gaze":{"yaw":50,"pitch":0},"affect":{"valence":-0.5,"arousal":0.1}},
              {"type":"face","track":2,"box":{"x":50,"y":50,"w":100,"h":120},"gaze":{"yaw":3,"pitch":-4},"pose":{"yaw":1,"pitch":2,"roll":0},
               "expression":{"anger":0.1,"disgust":0,"fear":0,"happiness":0.7,"sadness":0,"surprise":0.1,"neutral":0.1},"affect":{"valence":0.4,"arousal":0.2}}]}
            """;
        var frame = FramePayload.Parse(1.5, Json);
        Assert.Equal(0.4, frame.Face!.Valence);
        Assert.Equal(0.7, frame.Face.Expression![3]);
        Assert.True(ViewerAligner.Looking(frame.Face, new StudyOptions()));
        Assert.Null(FramePayload.Parse(2, """{"type":"frame","faces":[]}""").Face);
        Assert.Throws<ArgumentException>(() => FramePayload.Parse(2, "not json"));
    }
}
