namespace Mien.Voice;

/// <summary>One speech segment with its prosody and the affect heard in it.</summary>
/// <param name="Segment">When, on the container clock.</param>
/// <param name="Prosody">Measurements.</param>
/// <param name="Affect">Arousal/valence relative to the recording's own speaker baseline up to this segment.</param>
public sealed record VoiceSegment(SpeechSegment Segment, Prosody Prosody, VoiceAffect Affect);

/// <summary>RMS amplitude of the audio every 10 ms (linear full-scale units), for aligning speech with mouth movement.</summary>
/// <param name="Start">Time of the first value's block start, on the container clock.</param>
/// <param name="Rms">One value per 10 ms.</param>
public sealed record AudioEnvelope(TimeSpan Start, IReadOnlyList<float> Rms)
{
    /// <summary>Values per second.</summary>
    public const double Rate = 100;

    /// <summary>Mean RMS over [from, to) (0 outside the audio).</summary>
    public float Mean(TimeSpan from, TimeSpan to)
    {
        var a = Math.Max(0, (int)Math.Floor((from - Start).TotalSeconds * Rate));
        var b = Math.Min(Rms.Count, (int)Math.Ceiling((to - Start).TotalSeconds * Rate));
        if (b <= a)
        {
            return 0;
        }

        var sum = 0f;
        for (var i = a; i < b; i++)
        {
            sum += Rms[i];
        }

        return sum / (b - a);
    }
}

/// <summary>Everything Mien.Voice measured on one recording.</summary>
/// <param name="Source">The file.</param>
/// <param name="HasAudio">False when the file has no audio track (then everything else is empty).</param>
/// <param name="Duration">Length of the decoded audio.</param>
/// <param name="OriginalSampleRate">The file's sample rate, Hz (0 without audio).</param>
/// <param name="OriginalChannels">The file's channel count (0 without audio).</param>
/// <param name="Segments">Speech segments in time order.</param>
/// <param name="Envelope">The 100 Hz energy envelope (null without audio).</param>
public sealed record VoiceAnalysis(
    string Source,
    bool HasAudio,
    TimeSpan Duration,
    int OriginalSampleRate,
    int OriginalChannels,
    IReadOnlyList<VoiceSegment> Segments,
    AudioEnvelope? Envelope)
{
    /// <summary>The result for a file without an audio track.</summary>
    public static VoiceAnalysis NoAudio(string source) => new(source, false, TimeSpan.Zero, 0, 0, [], null);

    /// <summary>Total speech time.</summary>
    public TimeSpan SpeechTime => Segments.Aggregate(TimeSpan.Zero, (t, s) => t + s.Segment.Duration);
}
