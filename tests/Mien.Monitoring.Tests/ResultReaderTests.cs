namespace Mien.Monitoring.Tests;

public sealed class ResultReaderTests
{
    // A real faces.jsonl line of `mien analyze --sample` (franck.mp4, frame 2), body and skin blocks left out.
    private const string FranckLine = """{"type":"face","source":"franck.mp4","frame":2,"time":0.083,"track":1,"box":{"x":134.2,"y":72.5,"w":129.6,"h":164.8},"detectionScore":1,"meshConfidence":1,"pose":{"yaw":-0.82,"pitch":0.89,"roll":-8.74},"gaze":{"yaw":-1.03,"pitch":14.93},"eyes":{"leftAspectRatio":0.3202,"rightAspectRatio":0.2955,"openness":1,"inBlink":false},"mouthOpening":0.0238,"expression":{"anger":0.0696,"disgust":0.0021,"fear":0.2112,"happiness":0.0019,"sadness":0.2046,"surprise":0.0001,"neutral":0.5105},"affect":{"reliability":1,"dominant":"neutral","smoothed":{"anger":0.1523,"disgust":0.1298,"fear":0.1638,"happiness":0.1173,"sadness":0.1626,"surprise":0.1015,"neutral":0.1727},"valence":-0.3253,"arousal":0.5598,"confidence":0.504,"actionUnits":{"AU01":0,"AU02":0,"AU04":1.6588,"AU05":0,"AU06":0,"AU07":0,"AU09":0,"AU10":0,"AU12":0,"AU15":0,"AU17":0,"AU20":1.9484,"AU23":0,"AU25":0,"AU26":2.9449,"AU45":0,"baselineReady":false,"baseline":"provisional"}},"physiology":{"asymmetry":{"mouthCorner":0.31,"eyeAperture":5.68,"brow":-0.07,"nasolabial":-0.3,"smileExcursion":null,"reliable":true}}}""";

    [Fact]
    public void A_faces_jsonl_line_gives_the_monitored_measurements()
    {
        var samples = new List<MonitorSample>();
        ResultReader.ReadFrame(FranckLine, samples);
        var s = Assert.Single(samples);
        Assert.Equal(new MonitorSample(0.083, 1, -0.3253, 0.5598, 0.504, (1.6588 + 1.9484 + 2.9449) / 15, -1.03, 14.93, false), s with { Expressivity = s.Expressivity });
        Assert.Equal((1.6588 + 1.9484 + 2.9449) / 15, s.Expressivity!.Value, 12);
    }

    [Fact]
    public void A_stored_frame_message_gives_one_sample_per_face_and_a_faceless_frame_none()
    {
        var samples = new List<MonitorSample>();
        ResultReader.ReadFrame("""{"type":"frame","schema":"mien-results/1","frame":7,"time":1.5,"faces":[{"track":2,"eyes":{"inBlink":true}},{"track":4,"gaze":{"yaw":30,"pitch":-2}}]}""", samples);
        ResultReader.ReadFrame("""{"type":"frame","schema":"mien-results/1","frame":8,"time":1.54,"faces":[]}""", samples);
        ResultReader.ReadFrame("""{"type":"frame","source":"x.mp4","frame":9,"time":1.58,"faces":0}""", samples);
        Assert.Equal(2, samples.Count);
        Assert.Equal(new MonitorSample(1.5, 2, null, null, null, null, null, null, true), samples[0]);
        Assert.Equal(30, samples[1].GazeYaw);
    }

    [Fact]
    public void Speech_events_are_read_and_other_events_ignored()
    {
        Assert.Equal(new SpeechSample(2, 3.5, 1, 0.4, 0.7), ResultReader.ReadSpeech("""{"type":"event","event":"speech","start":2,"end":3.5,"track":1,"arousal":0.4,"valence":0,"confidence":0.7}"""));
        Assert.Null(ResultReader.ReadSpeech("""{"type":"event","event":"track-started","track":1,"time":0}"""));
        Assert.Null(ResultReader.ReadSpeech("""{"type":"event","event":"speech","start":2,"end":3.5,"track":null,"arousal":0.4,"confidence":0.7}""")!.Value.Track);
    }

    [Fact]
    public void Malformed_records_are_refused_with_the_problem_named()
    {
        var samples = new List<MonitorSample>();
        Assert.Contains("not valid JSON", Assert.Throws<FormatException>(() => ResultReader.ReadFrame("{", samples)).Message, StringComparison.Ordinal);
        Assert.Contains("\"track\"", Assert.Throws<FormatException>(() => ResultReader.ReadFrame("""{"type":"face","time":1}""", samples)).Message, StringComparison.Ordinal);
        Assert.Contains("\"time\"", Assert.Throws<FormatException>(() => ResultReader.ReadFrame("""{"type":"frame","faces":[]}""", samples)).Message, StringComparison.Ordinal);
        Assert.Contains("\"end\"", Assert.Throws<FormatException>(() => ResultReader.ReadSpeech("""{"event":"speech","start":1}""")).Message, StringComparison.Ordinal);
    }
}
