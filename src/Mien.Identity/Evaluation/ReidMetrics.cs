namespace Mien.Identity.Evaluation;

/// <summary>One face in one frame: who it really is (hand label) and which person id the system gave it.</summary>
/// <param name="Frame">Frame index.</param>
/// <param name="Truth">Hand-labelled identity.</param>
/// <param name="Predicted">The system's person id.</param>
public readonly record struct ReidSample(long Frame, string Truth, int Predicted);

/// <summary>Re-identification figures over a labelled clip.</summary>
/// <param name="Samples">Labelled faces scored.</param>
/// <param name="Identities">Distinct true identities.</param>
/// <param name="PredictedIds">Distinct predicted person ids.</param>
/// <param name="IdSwitches">Times a true identity's predicted id differs from its previous one.</param>
/// <param name="Fragmentation">Predicted ids per true identity, minus one, summed (0 when every identity kept one id).</param>
/// <param name="Idf1">IDF1: 2·IDTP / (2·IDTP + IDFP + IDFN) under the best one-to-one identity↔id mapping.</param>
/// <param name="Merges">Predicted ids that cover more than one true identity (wrong merges).</param>
public sealed record ReidResult(int Samples, int Identities, int PredictedIds, int IdSwitches, int Fragmentation, double Idf1, int Merges);

/// <summary>ID switches, fragmentation and IDF1 (Ristani et al. 2016, on detections that all match a labelled face).</summary>
public static class ReidMetrics
{
    /// <summary>Scores <paramref name="samples"/> (any order; sorted by frame here).</summary>
    public static ReidResult Compute(IReadOnlyList<ReidSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var ordered = samples.OrderBy(s => s.Frame).ToArray();
        var truths = ordered.Select(s => s.Truth).Distinct(StringComparer.Ordinal).ToArray();
        var predicted = ordered.Select(s => s.Predicted).Distinct().ToArray();
        var switches = 0;
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in ordered)
        {
            if (last.TryGetValue(s.Truth, out var previous) && previous != s.Predicted)
            {
                switches++;
            }

            last[s.Truth] = s.Predicted;
        }

        var fragmentation = truths.Sum(t => ordered.Where(s => s.Truth == t).Select(s => s.Predicted).Distinct().Count() - 1);
        var merges = predicted.Count(p => ordered.Where(s => s.Predicted == p).Select(s => s.Truth).Distinct(StringComparer.Ordinal).Count() > 1);

        // Co-occurrence counts, then the best one-to-one mapping (exhaustive over the smaller side; clips have few people).
        var overlap = new int[truths.Length, predicted.Length];
        foreach (var s in ordered)
        {
            overlap[Array.IndexOf(truths, s.Truth), Array.IndexOf(predicted, s.Predicted)]++;
        }

        var idtp = BestAssignment(overlap, truths.Length, predicted.Length);
        // Every sample is one true detection and one predicted detection: IDFN = n − IDTP, IDFP = n − IDTP.
        var n = ordered.Length;
        var idf1 = n == 0 ? double.NaN : 2.0 * idtp / (2.0 * n);
        return new ReidResult(n, truths.Length, predicted.Length, switches, fragmentation, idf1, merges);
    }

    private static int BestAssignment(int[,] overlap, int rows, int cols)
    {
        if (rows > 9 && cols > 9)
        {
            throw new ArgumentException($"exhaustive assignment is for clips with few people; got {rows} identities and {cols} ids");
        }

        var best = 0;
        var used = new bool[cols];
        void Search(int row, int sum)
        {
            if (row == rows)
            {
                best = Math.Max(best, sum);
                return;
            }

            Search(row + 1, sum); // this identity unmatched
            for (var c = 0; c < cols; c++)
            {
                if (!used[c] && overlap[row, c] > 0)
                {
                    used[c] = true;
                    Search(row + 1, sum + overlap[row, c]);
                    used[c] = false;
                }
            }
        }

        Search(0, 0);
        return best;
    }
}
