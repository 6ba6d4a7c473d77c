namespace Mien.Studies;

/// <summary>What a study averages per stimulus second: seven expression probabilities, valence, arousal and attention.</summary>
public enum StudyMetric
{
    /// <summary>Probability of an angry-looking expression (estimate).</summary>
    Anger,

    /// <summary>Probability of a disgusted-looking expression (estimate).</summary>
    Disgust,

    /// <summary>Probability of a fearful-looking expression (estimate).</summary>
    Fear,

    /// <summary>Probability of a happy-looking expression (estimate).</summary>
    Happiness,

    /// <summary>Probability of a sad-looking expression (estimate).</summary>
    Sadness,

    /// <summary>Probability of a surprised-looking expression (estimate).</summary>
    Surprise,

    /// <summary>Probability of a neutral expression (estimate).</summary>
    Neutral,

    /// <summary>Valence of the smoothed expression, −1…1 (estimate).</summary>
    Valence,

    /// <summary>Arousal of the smoothed expression, −1…1 (estimate).</summary>
    Arousal,

    /// <summary>Share of the second's frames with a face looking towards the screen, 0…1.</summary>
    Attention,
}

/// <summary>Names of the metrics as the API, the CSV and the pages write them.</summary>
public static class StudyMetrics
{
    /// <summary>How many metrics there are.</summary>
    public const int Count = 10;

    /// <summary>The seven expression labels in the order of the results schema.</summary>
    public static readonly IReadOnlyList<string> ExpressionLabels = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"];

    /// <summary>Every metric, in enum order.</summary>
    public static readonly IReadOnlyList<StudyMetric> All = Enum.GetValues<StudyMetric>();

    /// <summary>The metric's lower-case name ("happiness", "valence", "attention").</summary>
    public static string Name(StudyMetric metric) => metric.ToString().ToLowerInvariant();

    /// <summary>Parses a metric name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Not a metric; the message lists them.</exception>
    public static StudyMetric Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var m in All)
        {
            if (string.Equals(Name(m), name, StringComparison.OrdinalIgnoreCase))
            {
                return m;
            }
        }

        throw new ArgumentException($"metric '{(name.Length > 40 ? name[..40] : name)}' is unknown; use one of {string.Join(", ", All.Select(Name))}", nameof(name));
    }
}
