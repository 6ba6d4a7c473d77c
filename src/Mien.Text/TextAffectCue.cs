using Mien.Results;
using Mien.Text.Sentiment;

namespace Mien.Text;

/// <summary>Options of <see cref="TextAffectCue"/>.</summary>
public sealed record TextAffectOptions
{
    /// <summary>
    /// Confidence of the cue for an utterance whose words are all sentiment-bearing (default 0.4); it scales with
    /// 1 − VADER's neutral share, so an ordinary sentence (half neutral words) gives about 0.2. Below a clear face
    /// estimate (0.5–0.9): the words say what is said, which may be quoted, sarcastic or polite, not what the face shows.
    /// </summary>
    public float Weight { get; init; } = 0.4f;

    /// <summary>Checks the options; the message names the option, its value and the constraint.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (!(Weight is > 0 and <= 1))
        {
            throw new ArgumentException($"{nameof(Weight)} = {Weight}: must be within (0, 1].");
        }
    }
}

/// <summary>
/// Turns an utterance's VADER scores into a valence cue for fusion: valence = compound (−1..1), confidence =
/// <see cref="TextAffectOptions.Weight"/> × (1 − neutral share), arousal not given (NaN; VADER's intensity comes mostly
/// from punctuation and capitals, too weak a reading of arousal). Words without sentiment give no cue at all (a
/// neutral sentence is not evidence of a neutral face).
/// </summary>
public sealed class TextAffectCue
{
    /// <summary>Creates the cue.</summary>
    public TextAffectCue(TextAffectOptions? options = null)
    {
        Options = options ?? new TextAffectOptions();
        Options.Validate();
    }

    /// <summary>The options in use.</summary>
    public TextAffectOptions Options { get; }

    /// <summary>The confidence the cue would have for <paramref name="scores"/> (0..1).</summary>
    public float Confidence(SentimentScores scores) =>
        scores.Compound == 0 ? 0 : (float)Math.Clamp(Options.Weight * (1 - scores.Neutral), 0, 1);

    /// <summary>The cue for fusion, or null when the words carry no sentiment.</summary>
    public ModalityEstimate? Estimate(SentimentScores scores)
    {
        var confidence = Confidence(scores);
        return confidence > 0 ? new ModalityEstimate(AffectSource.Text, new ValenceArousal((float)scores.Compound, float.NaN, confidence), null) : null;
    }
}
