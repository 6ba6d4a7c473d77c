namespace Mien.Accuracy.CkPlus;

/// <summary>
/// Subject-wise k-fold assignment: every subject goes to exactly one fold, so no person is ever in both the training
/// and the test part of a split (frames of one person would otherwise let a classifier recognise the person instead
/// of the expression). Deterministic for a seed.
/// </summary>
public static class SubjectFolds
{
    /// <summary>Fold (0 … k−1) of each distinct subject: subjects shuffled by <paramref name="seed"/>, then dealt round-robin.</summary>
    /// <exception cref="ArgumentException">Fewer distinct subjects than folds, or k &lt; 2.</exception>
    public static IReadOnlyDictionary<string, int> Assign(IEnumerable<string> subjects, int k, int seed = 13)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 2);
        var distinct = subjects.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (distinct.Length < k)
        {
            throw new ArgumentException($"{distinct.Length} subject(s) cannot fill {k} folds", nameof(subjects));
        }

        new Random(seed).Shuffle(distinct);
        var folds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < distinct.Length; i++)
        {
            folds[distinct[i]] = i % k;
        }

        return folds;
    }
}
