namespace Mien.Voice;

/// <summary>The prosodic cues behind the affect rule, their population priors and weights (all documented in docs/voice.md).</summary>
internal static class VoiceCues
{
    public const int F0Mean = 0, F0Range = 1, Loudness = 2, Rate = 3, Alpha = 4, Hnr = 5, Shimmer = 6;
    public const int Count = 7;

    /// <summary>
    /// Population priors (mean, within-speaker SD) used until the speaker's own baseline takes over. Typical adult
    /// values from the literature, not fitted to any data set: F0 ≈ 150 Hz (29.4 st re 27.5 Hz, between the usual
    /// male ~120 Hz and female ~210 Hz), F0 range ≈ 8 st, −26 dBFS speech level (EBU R128-like programme level),
    /// 4 syllables/s, alpha ratio −15 dB, HNR 12 dB, shimmer 8 %.
    /// </summary>
    public static readonly (double Mean, double Sd)[] Priors =
    [
        (29.4, 3.0), // F0 mean, st
        (8.0, 3.0),  // F0 range, st
        (-26, 5.0),  // loudness, dBFS
        (4.0, 1.0),  // syllables / s
        (-15, 4.0),  // alpha ratio, dB
        (12, 4.0),   // HNR, dB
        (8, 3.0),    // shimmer, %
    ];

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
