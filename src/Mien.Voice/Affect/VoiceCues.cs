namespace Mien.Voice;

/// <summary>The prosodic cues behind the affect rule, their population priors and weights (all documented in docs/voice.md).</summary>
internal static class VoiceCues
{
    public const int F0Mean = 0, F0Range = 1, Loudness = 2, Rate = 3, Alpha = 4, Hnr = 5, Shimmer = 6;
    public const int Count = 7;

    /// <summary>
    /// Population priors (mean, within-speaker SD), fitted on the development speakers (RAVDESS odd actors 1–23 and
    /// EmoDB speaker 03; 13 speakers, 89 utterances of all emotions): per cue, the mean of each speaker's mean and the
    /// root-mean-square within-speaker SD (tests/Mien.Voice.Tests/SingleFileTests.cs, VoicePriorFit). For the
    /// speaker-relative cues (<see cref="SpeakerRelative"/>) only the SD is used; their fitted means (F0 27.5 st ≈
    /// 135 Hz: male speakers only; −45 dBFS: these recordings' gain) would say nothing about another recording.
    /// </summary>
    public static readonly (double Mean, double Sd)[] Priors =
    [
        (29.4, 4.26),   // F0 mean, st (mean unused: literature 150 Hz, between the usual male and female levels)
        (9.17, 2.63),   // F0 range, st
        (-26, 4.82),    // loudness, dBFS (mean unused)
        (4.05, 1.01),   // syllables / s
        (-14.52, 2.82), // alpha ratio, dB
        (8.88, 1.56),   // HNR, dB
        (13.71, 1.85),  // shimmer, %
    ];

    /// <summary>Cues judged only against the speaker's own segments (no population level): loudness and F0 level.</summary>
    public static bool SpeakerRelative(int cue) => cue is Loudness or F0Mean;

    public static void Extract(Prosody p, Span<float> cues)
    {
        cues[F0Mean] = p.F0MeanSemitones;
        cues[F0Range] = p.F0RangeSemitones;
        cues[Loudness] = p.LoudnessMeanDb;
        cues[Rate] = p.SpeakingRate;
        cues[Alpha] = p.AlphaRatioDb;
        cues[Hnr] = p.HnrDb;
        cues[Shimmer] = p.ShimmerPercent;
    }
}
