using Mien.Results;

namespace Mien.Evaluation;

/// <summary>
/// Maps dataset label folders onto a model's classes, explicitly: a folder name must equal a class name or a
/// listed alias (ordinal, after lower-casing); anything else is a label the model lacks and is skipped.
/// </summary>
public sealed class LabelMap
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly string[] _classes;

    /// <summary>Creates a map onto <paramref name="classes"/> (in model output order) with optional aliases (alias → class).</summary>
    public LabelMap(IReadOnlyList<string> classes, IReadOnlyDictionary<string, string>? aliases = null)
    {
        ArgumentNullException.ThrowIfNull(classes);
        _classes = [.. classes];
        for (var i = 0; i < _classes.Length; i++)
        {
            if (!_index.TryAdd(_classes[i].ToLowerInvariant(), i))
            {
                throw new ArgumentException($"duplicate class '{_classes[i]}'", nameof(classes));
            }
        }

        foreach (var (alias, target) in aliases ?? new Dictionary<string, string>())
        {
            var i = Array.IndexOf(_classes, target);
            if (i < 0)
            {
                throw new ArgumentException($"alias '{alias}' points at '{target}', which is not a class", nameof(aliases));
            }

            if (!_index.TryAdd(alias.ToLowerInvariant(), i))
            {
                throw new ArgumentException($"alias '{alias}' is already mapped", nameof(aliases));
            }
        }
    }

    /// <summary>
    /// Mien's expression classes (<see cref="ExpressionEstimate.Labels"/>: anger, disgust, fear, happiness,
    /// sadness, surprise, neutral), also accepting the adjective folder names common in FER2013 copies
    /// (angry, disgusted, fearful, happy, sad, surprised). Contempt, calm, boredom… have no class.
    /// </summary>
    public static LabelMap Expressions { get; } = new(ExpressionEstimate.Labels, new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["angry"] = "anger",
        ["disgusted"] = "disgust",
        ["fearful"] = "fear",
        ["happy"] = "happiness",
        ["sad"] = "sadness",
        ["surprised"] = "surprise",
    });

    /// <summary>Class names, in model output order.</summary>
    public IReadOnlyList<string> Classes => _classes;

    /// <summary>The class index of a label folder, or null if the model has no such class.</summary>
    public int? ClassOf(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return _index.TryGetValue(label.ToLowerInvariant(), out var i) ? i : null;
    }
}
