namespace Mien.Evaluation;

/// <summary>One sample's prediction, tagged with the group it belongs to (e.g. a CK+ sequence).</summary>
/// <param name="Group">Group key (samples of one group are near-duplicates and are scored once).</param>
/// <param name="Actual">True class.</param>
/// <param name="Predicted">Predicted class; null = no prediction (abstains from the vote).</param>
/// <param name="Confidence">Probability of the predicted class (breaks ties).</param>
public readonly record struct GroupedPrediction(string Group, int Actual, int? Predicted, float Confidence);

/// <summary>The vote of one group.</summary>
/// <param name="Group">Group key.</param>
/// <param name="Actual">True class shared by the group's samples.</param>
/// <param name="Predicted">The winning class; null when no sample had a prediction.</param>
/// <param name="Samples">Samples in the group.</param>
/// <param name="Votes">Votes for the winner.</param>
public readonly record struct GroupVerdict(string Group, int Actual, int? Predicted, int Samples, int Votes);

/// <summary>
/// Scores groups of near-duplicate samples once each: the group's prediction is the class most of its samples
/// were predicted as. Ties go to the class with the larger summed confidence, then to the lower class index,
/// so the verdict does not depend on sample order. Samples without a prediction do not vote; a group where
/// none has one gets no prediction (wrong, like a sample without a face).
/// </summary>
public static class MajorityVote
{
    /// <summary>The verdict of every group, ordered by group key (ordinal).</summary>
    /// <exception cref="ArgumentException">A group mixes true classes, or a class index is outside [0, <paramref name="classCount"/>).</exception>
    public static IReadOnlyList<GroupVerdict> ByGroup(IEnumerable<GroupedPrediction> predictions, int classCount)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        var groups = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        foreach (var p in predictions)
        {
            ArgumentNullException.ThrowIfNull(p.Group, nameof(predictions));
            if ((uint)p.Actual >= (uint)classCount || p.Predicted is { } q && (uint)q >= (uint)classCount)
            {
                throw new ArgumentException($"group '{p.Group}': class index outside [0, {classCount - 1}]", nameof(predictions));
            }

            if (!groups.TryGetValue(p.Group, out var tally))
            {
                tally = new Tally(p.Actual, classCount);
                groups.Add(p.Group, tally);
            }
            else if (tally.Actual != p.Actual)
            {
                throw new ArgumentException($"group '{p.Group}' mixes true classes {tally.Actual} and {p.Actual}; a group must share one label", nameof(predictions));
            }

            tally.Samples++;
            if (p.Predicted is { } c)
            {
                tally.Votes[c]++;
                tally.Confidence[c] += p.Confidence;
            }
        }

        var verdicts = new List<GroupVerdict>(groups.Count);
        foreach (var (group, tally) in groups)
        {
            int? best = null;
            for (var c = 0; c < classCount; c++)
            {
                if (tally.Votes[c] == 0)
                {
                    continue;
                }

                if (best is not { } b || tally.Votes[c] > tally.Votes[b] || (tally.Votes[c] == tally.Votes[b] && tally.Confidence[c] > tally.Confidence[b]))
                {
                    best = c;
                }
            }

            verdicts.Add(new GroupVerdict(group, tally.Actual, best, tally.Samples, best is { } w ? tally.Votes[w] : 0));
        }

        return verdicts;
    }

    private sealed class Tally(int actual, int classCount)
    {
        public int Actual { get; } = actual;

        public int Samples { get; set; }

        public int[] Votes { get; } = new int[classCount];

        // Double, so that summation order changes the sum by far less than any meaningful confidence gap.
        public double[] Confidence { get; } = new double[classCount];
    }
}
