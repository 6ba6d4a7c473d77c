namespace Mien.Voice;

/// <summary>
/// Arousal and valence heard in one speech segment, on the same scale as <c>Mien.Affect.ValenceArousal</c>.
/// </summary>
/// <param name="Arousal">Activation in [−1, 1]: 0 is this speaker's usual level, positive is more activated.</param>
/// <param name="Valence">Pleasantness in [−1, 1]; a weak cue from voice (see <see cref="ValenceConfidence"/>).</param>
/// <param name="Confidence">Confidence of <paramref name="Arousal"/> in [0, 1]: grows with voiced speech in the segment and with the speaker baseline collected so far.</param>
public sealed record VoiceAffect(float Arousal, float Valence, float Confidence)
{
    /// <summary>
    /// Share of <see cref="Confidence"/> that applies to <see cref="Valence"/>: voice carries valence far less
    /// reliably than arousal (Juslin &amp; Laukka 2003; Schuller et al. 2009).
    /// </summary>
    public const float ValenceReliability = 0.3f;

    /// <summary>Confidence of <see cref="Valence"/>: <see cref="Confidence"/> × <see cref="ValenceReliability"/>.</summary>
    public float ValenceConfidence => Confidence * ValenceReliability;
}
