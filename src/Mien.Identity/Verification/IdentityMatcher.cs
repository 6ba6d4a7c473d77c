using System.Numerics.Tensors;

namespace Mien.Identity.Verification;

/// <summary>An operating point: a false-match rate and the faceres similarity threshold calibrated for it.</summary>
/// <param name="Name">How the API names it ("1%", "0.1%").</param>
/// <param name="FalseMatchRate">The false-match rate per comparison of single faces it was calibrated at.</param>
/// <param name="Threshold">The cosine similarity at or above which two descriptors are called the same person.</param>
public sealed record OperatingPoint(string Name, double FalseMatchRate, float Threshold)
{
    /// <summary>FMR 1 %: threshold 0.606 on 134,516 single-face impostor pairs (docs/identity.md).</summary>
    public static OperatingPoint Fmr1Percent { get; } = new("1%", 0.01, 0.606f);

    /// <summary>FMR 0.1 %: threshold 0.673 on the same pairs; the default, and the in-session re-identification threshold (0.67).</summary>
    public static OperatingPoint Fmr01Percent { get; } = new("0.1%", 0.001, 0.673f);

    /// <summary>The calibrated points, strictest last.</summary>
    public static IReadOnlyList<OperatingPoint> All { get; } = [Fmr1Percent, Fmr01Percent];

    /// <summary>The point named <paramref name="name"/> ("1%" or "0.1%"; null = the default 0.1 %), or null when unknown.</summary>
    public static OperatingPoint? ByName(string? name)
    {
        if (name is null)
        {
            return Fmr01Percent;
        }

        foreach (var p in All)
        {
            if (string.Equals(p.Name, name.Trim(), StringComparison.Ordinal))
            {
                return p;
            }
        }

        return null;
    }
}

/// <summary>A candidate of a 1:N search.</summary>
/// <param name="Key">The gallery entry (a subject id).</param>
/// <param name="Similarity">Cosine similarity with the probe.</param>
/// <param name="Match">Whether it reaches the operating point's threshold.</param>
public sealed record Candidate<TKey>(TKey Key, float Similarity, bool Match);

/// <summary>1:1 verification and 1:N identification of unit descriptors at a calibrated operating point. Pure.</summary>
public static class IdentityMatcher
{
    /// <summary>Cosine similarity of two unit descriptors.</summary>
    public static float Similarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.Length == 0)
        {
            throw new ArgumentException($"descriptors of different models or empty: {a.Length} vs {b.Length} values");
        }

        return TensorPrimitives.Dot(a, b);
    }

    /// <summary>
    /// The gallery entries ranked by similarity with <paramref name="probe"/>, best first, at most
    /// <paramref name="top"/>. A match is claimed for the best only, and only when it reaches the threshold: with N
    /// enrolled subjects the chance that some stranger reaches it grows to about N × FMR, which callers must state.
    /// </summary>
    public static IReadOnlyList<Candidate<TKey>> Identify<TKey>(ReadOnlySpan<float> probe, IEnumerable<(TKey Key, float[] Descriptor)> gallery, OperatingPoint point, int top = 5)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        ArgumentNullException.ThrowIfNull(point);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var scored = new List<(TKey Key, float Similarity)>();
        foreach (var (key, descriptor) in gallery)
        {
            scored.Add((key, Similarity(probe, descriptor)));
        }

        scored.Sort((x, y) => y.Similarity.CompareTo(x.Similarity));
        var result = new List<Candidate<TKey>>(Math.Min(top, scored.Count));
        for (var i = 0; i < scored.Count && i < top; i++)
        {
            result.Add(new Candidate<TKey>(scored[i].Key, scored[i].Similarity, i == 0 && scored[i].Similarity >= point.Threshold));
        }

        return result;
    }
}
