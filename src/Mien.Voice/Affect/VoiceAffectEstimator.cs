namespace Mien.Voice;

/// <summary>
/// Knowledge-based arousal and valence from prosody, relative to the speaker's own baseline. No coefficient is
/// fitted to data: the weights restate the direction and rough strength of the acoustic correlates of vocal
/// emotion reported across studies (Scherer 1986, 2003; Banse &amp; Scherer 1996; Juslin &amp; Laukka 2003;
/// Eyben et al. 2016, eGeMAPS). See docs/voice.md for the table and the evaluation.
/// </summary>
/// <remarks>
/// Arousal = tanh(0.6 · Σ wᵢ zᵢ) with z-scores against <see cref="SpeakerBaseline"/> and weights: loudness 0.30,
/// F0 level 0.25, alpha ratio (flatter spectrum) 0.20, speaking rate 0.15, F0 range 0.10. Valence = tanh(0.6 · Σ)
/// with F0 range +0.35, HNR +0.25 (less rough), alpha ratio −0.25 (tense/harsh), shimmer −0.15 — the weak and partly
/// inconsistent cues the literature reports for valence; it separates anger from happiness little better than
/// chance and is reported with <see cref="VoiceAffect.ValenceReliability"/> of the confidence.
/// </remarks>
public static class VoiceAffectEstimator
{
    private static readonly (int Cue, float Weight)[] ArousalWeights =
    [
        (VoiceCues.Loudness, 0.30f), (VoiceCues.F0Mean, 0.25f), (VoiceCues.Alpha, 0.20f), (VoiceCues.Rate, 0.15f), (VoiceCues.F0Range, 0.10f),
    ];

    private static readonly (int Cue, float Weight)[] ValenceWeights =
    [
        (VoiceCues.F0Range, 0.35f), (VoiceCues.Hnr, 0.25f), (VoiceCues.Alpha, -0.25f), (VoiceCues.Shimmer, -0.15f),
    ];

    private const float Gain = 0.6f;

    /// <summary>
    /// Estimates affect for <paramref name="prosody"/> against <paramref name="baseline"/> (which the caller updates,
    /// usually by <see cref="SpeakerBaseline.Observe"/> of the same segment first).
    /// </summary>
    public static VoiceAffect Estimate(Prosody prosody, SpeakerBaseline baseline)
    {
        ArgumentNullException.ThrowIfNull(prosody);
        ArgumentNullException.ThrowIfNull(baseline);
        Span<float> cues = stackalloc float[VoiceCues.Count];
        VoiceCues.Extract(prosody, cues);
        var (arousal, arousalCover) = Combine(cues, baseline, ArousalWeights);
        var (valence, _) = Combine(cues, baseline, ValenceWeights);

        // Confidence: cue coverage × voiced speech (saturating at 1.5 s) × baseline maturity (prior-only ≈ 0.4).
        var voiced = (float)Math.Clamp(prosody.VoicedSeconds / 1.5, 0, 1);
        var maturity = 0.4f + (0.6f * baseline.Segments / (baseline.Segments + 5f));
        return new VoiceAffect(arousal, valence, arousalCover * voiced * maturity) { Baseline = baseline.Kind };
    }

    private static (float Value, float Coverage) Combine(ReadOnlySpan<float> cues, SpeakerBaseline baseline, (int Cue, float Weight)[] weights)
    {
        float sum = 0, used = 0;
        foreach (var (cue, weight) in weights)
        {
            var z = baseline.Z(cue, cues[cue]);
            if (float.IsNaN(z))
            {
                continue;
            }

            sum += weight * Math.Clamp(z, -4, 4);
            used += MathF.Abs(weight);
        }

        // Missing cues are renormalised away, so a segment without pitch is judged on loudness and tilt alone.
        return used == 0 ? (0, 0) : (MathF.Tanh(Gain * sum / used), used);
    }
}
