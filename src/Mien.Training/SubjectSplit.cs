namespace Mien.Training;

/// <summary>One fold of a split by subject: no subject has clips on both sides.</summary>
/// <param name="Index">Fold number from 0.</param>
/// <param name="Train">Clips of the training subjects.</param>
/// <param name="Test">Clips of the held-out subjects.</param>
public sealed record SubjectFold(int Index, IReadOnlyList<LabelledClip> Train, IReadOnlyList<LabelledClip> Test);

/// <summary>Splits clips by subject (the person), never by clip or frame, so a test person is never seen in training.</summary>
public static class SubjectSplit
{
    /// <summary>K folds: the subjects (sorted, then shuffled with <paramref name="seed"/>) are dealt round-robin to folds.</summary>
    /// <exception cref="ArgumentException">There are fewer subjects than folds, or fewer than two folds.</exception>
    public static IReadOnlyList<SubjectFold> KFold(IReadOnlyList<LabelledClip> clips, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var subjects = Shuffled(clips, seed);
        if (subjects.Length < folds)
        {
            throw new ArgumentException($"{subjects.Length} subject(s) cannot make {folds} folds by subject", nameof(folds));
        }

        var foldOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < subjects.Length; i++)
        {
            foldOf[subjects[i]] = i % folds;
        }

        var result = new SubjectFold[folds];
        for (var f = 0; f < folds; f++)
        {
            var fold = f;
            result[f] = new SubjectFold(f, [.. clips.Where(c => foldOf[c.Subject] != fold)], [.. clips.Where(c => foldOf[c.Subject] == fold)]);
        }

        return result;
    }

    /// <summary>Holds out about <paramref name="fraction"/> of the subjects (at least one, at most all but one) for validation.</summary>
    /// <exception cref="ArgumentException">There are fewer than two subjects.</exception>
    public static (IReadOnlyList<LabelledClip> Train, IReadOnlyList<LabelledClip> Validation) Holdout(IReadOnlyList<LabelledClip> clips, double fraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (!(fraction is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "validation fraction must be within (0, 1)");
        }

        var subjects = Shuffled(clips, seed);
        if (subjects.Length < 2)
        {
            throw new ArgumentException($"{subjects.Length} subject(s): a validation split by subject needs at least two", nameof(clips));
        }

        var count = Math.Clamp((int)Math.Round(subjects.Length * fraction), 1, subjects.Length - 1);
        var held = new HashSet<string>(subjects.Take(count), StringComparer.Ordinal);
        return ([.. clips.Where(c => !held.Contains(c.Subject))], [.. clips.Where(c => held.Contains(c.Subject))]);
    }

    private static string[] Shuffled(IReadOnlyList<LabelledClip> clips, int seed)
    {
        var subjects = clips.Select(c => c.Subject).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        new Random(seed).Shuffle(subjects);
        return subjects;
    }
}
