namespace Mien.Text.Sentiment;

/// <summary>
/// VADER's scores of one piece of text, rounded as the reference rounds them (JavaScript <c>toFixed</c>: 3 decimals
/// for the proportions, 4 for the compound score).
/// </summary>
/// <param name="Negative">Share of the text's sentiment-weighted tokens that read negative, 0..1.</param>
/// <param name="Neutral">Share that read neutral, 0..1.</param>
/// <param name="Positive">Share that read positive, 0..1.</param>
/// <param name="Compound">Normalised sum of the rule-adjusted lexicon valences, −1 (most negative) … +1 (most positive).</param>
public readonly record struct SentimentScores(double Negative, double Neutral, double Positive, double Compound)
{
    /// <summary>The scores of text without any token (all zero, as the reference answers).</summary>
    public static SentimentScores Empty { get; } = new(0, 0, 0, 0);

    /// <summary>
    /// The usual three-way reading of <see cref="Compound"/> (Hutto &amp; Gilbert's thresholds: ≥ 0.05 positive,
    /// ≤ −0.05 negative, otherwise neutral).
    /// </summary>
    public string Polarity => Compound >= 0.05 ? "positive" : Compound <= -0.05 ? "negative" : "neutral";
}
