namespace Mien.Results;

/// <summary>
/// Probabilities over seven facial-expression classes for one face in one frame. These are estimates of
/// what the face shows, produced by a classifier trained on posed and in-the-wild photos (FER2013); they
/// are not measurements of what the person feels.
/// </summary>
public sealed record ExpressionEstimate
{
    /// <summary>Class labels in output order (lowercase English, as in Mien's datasets and reports).</summary>
    public static IReadOnlyList<string> Labels { get; } = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"];

    /// <summary>Creates an estimate from seven probabilities in <see cref="Labels"/> order.</summary>
    public ExpressionEstimate(IReadOnlyList<float> probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (probabilities.Count != Labels.Count)
        {
            throw new ArgumentException($"expected {Labels.Count} probabilities, got {probabilities.Count}", nameof(probabilities));
        }

        Probabilities = probabilities;
        var best = 0;
        for (var i = 1; i < probabilities.Count; i++)
        {
            if (probabilities[i] > probabilities[best])
            {
                best = i;
            }
        }

        Dominant = Labels[best];
        Confidence = probabilities[best];
    }

    /// <summary>Probabilities in <see cref="Labels"/> order; they sum to 1.</summary>
    public IReadOnlyList<float> Probabilities { get; }

    /// <summary>The most probable class.</summary>
    public string Dominant { get; }

    /// <summary>Probability of <see cref="Dominant"/>.</summary>
    public float Confidence { get; }

    /// <summary>Probability of <paramref name="label"/>.</summary>
    public float this[string label]
    {
        get
        {
            for (var i = 0; i < Labels.Count; i++)
            {
                if (Labels[i] == label)
                {
                    return Probabilities[i];
                }
            }

            throw new KeyNotFoundException($"unknown expression '{label}' (labels: {string.Join(", ", Labels)})");
        }
    }
}
