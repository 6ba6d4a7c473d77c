using System.Globalization;




namespace Mien.Skin;

/// <summary>A non-medical suggestion and the measurement that triggered it.</summary>
/// <param name="Text">The suggestion.</param>
/// <param name="Metric">The measurement behind it.</param>
/// <param name="Value">Its aggregated value.</param>
/// <param name="Threshold">The rule's threshold it crossed.</param>
/// <param name="Rule">The rule in words, e.g. "shine ≥ 3 %".</param>
public sealed record SkinSuggestion(string Text, SkinMetric Metric, float Value, float Threshold, string Rule);

/// <summary>
/// Transparent rule-based, non-medical suggestions from a <see cref="SkinSummary"/>. Each rule is a fixed threshold
/// on one aggregated measurement, chosen by hand from the development faces (not clinically validated); the
/// suggestion names the value that triggered it. Never a diagnosis.
/// </summary>
public static class SkinRecommendations
{
    /// <summary>Shown with every list of suggestions.</summary>
    public const string Disclaimer =
        "These are general, non-medical skin-care suggestions derived from camera measurements that depend on lighting, make-up and the camera. " +
        "They are not a diagnosis and not medical advice. For any concern about your skin, or a spot that changes in size, shape or colour, see a doctor or dermatologist.";

    private static readonly (SkinMetric Metric, float Threshold, string Text)[] Rules =
    [
        (SkinMetric.Shine, 3f, "Visible shine: blotting papers or a light, oil-free moisturiser may help, and re-check under softer light."),
        (SkinMetric.RelativeRedness, 8f, "Skin looks comparatively red: gentle, fragrance-free products and avoiding hot water may be more comfortable."),
        (SkinMetric.Roughness, 1.5f, "Texture looks uneven: regular moisturising and gentle cleansing may help smoothness."),
        (SkinMetric.ForeheadLines, 5f, "Forehead lines are visible: daily sunscreen and moisturiser are common ways to care for them."),
        (SkinMetric.UnderEyeLines, 10f, "Fine lines under the eyes are visible: an eye cream and daily sunscreen are common care steps."),
        (SkinMetric.UnderEyeDarkness, 8f, "The skin under the eyes is darker than the cheeks: rest, hydration or a concealer are common approaches."),
        (SkinMetric.Spots, 8f, "Several small dark or red spots were counted: daily sunscreen helps prevent new dark spots."),
    ];

    /// <summary>The suggestions whose rule the summary's face-level values meet (empty when none or no usable frames).</summary>
    public static IReadOnlyList<SkinSuggestion> For(SkinSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var list = new List<SkinSuggestion>();
        foreach (var (metric, threshold, text) in Rules)
        {
            if (summary.Get(metric) is { } m && m.Value >= threshold)
            {
                var rule = string.Create(CultureInfo.InvariantCulture, $"{SkinMetrics.Name(metric)} ≥ {threshold:0.#} {SkinMetrics.Unit(metric)}");
                list.Add(new SkinSuggestion(text, metric, m.Value, threshold, rule));
            }
        }

        return list;
    }
}
