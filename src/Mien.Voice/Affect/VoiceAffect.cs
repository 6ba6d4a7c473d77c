namespace Mien.Voice;

/// <summary>What a voice estimate is relative to.</summary>
public enum VoiceBaselineKind
{
    /// <summary>
    /// Mostly a population prior (typical values of the cues in acted development speech, docs/voice.md): too little
    /// speech of this speaker so far for their own baseline. Arousal then says how this speech compares with
    /// speakers in general, which is a weak guide to how activated this person is.
    /// </summary>
    PopulationPrior,

    /// <summary>This speaker's own baseline, from enough of their speech (0 = their usual level).</summary>
    Speaker,
}

/// <summary>
/// Arousal and valence heard in one speech segment, on the same scale as <c>Mien.Affect.ValenceArousal</c>.
/// </summary>
/// <param name="Arousal">Activation in [−1, 1]: 0 is the baseline's usual level (this speaker's once <see cref="Baseline"/> is <see cref="VoiceBaselineKind.Speaker"/>, else the population prior's), positive is more activated.</param>
/// <param name="Valence">Pleasantness in [−1, 1]; a weak cue from voice (see <see cref="ValenceConfidence"/>).</param>
/// <param name="Confidence">Confidence of <paramref name="Arousal"/> in [0, 1]: grows with voiced speech in the segment and with the speaker baseline collected so far.</param>
public sealed record VoiceAffect(float Arousal, float Valence, float Confidence)
{
    /// <summary>What the estimate is relative to (default <see cref="VoiceBaselineKind.PopulationPrior"/>).</summary>
    public VoiceBaselineKind Baseline { get; init; }

    /// <summary>
    /// Share of <see cref="Confidence"/> that applies to <see cref="Valence"/>: voice carries valence far less
    /// reliably than arousal (Juslin &amp; Laukka 2003; Schuller et al. 2009).
    /// </summary>
    public const float ValenceReliability = 0.3f;

    /// <summary>Confidence of <see cref="Valence"/>: <see cref="Confidence"/> × <see cref="ValenceReliability"/>.</summary>
    public float ValenceConfidence => Confidence * ValenceReliability;
}
