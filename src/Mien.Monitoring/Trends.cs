namespace Mien.Monitoring;

/// <summary>One session's value of a metric.</summary>
/// <param name="Session">The session (recording id or skin-session id).</param>
/// <param name="At">When it was recorded.</param>
/// <param name="Estimate">Its mean and standard error.</param>
public sealed record SessionValue(string Session, DateTimeOffset At, Estimate Estimate);

/// <summary>The change of a metric from one session to the next.</summary>
/// <param name="FromSession">The earlier session.</param>
/// <param name="ToSession">The later session.</param>
/// <param name="Delta">Later minus earlier mean.</param>
/// <param name="StandardError">Standard error of the change: √(se₁² + se₂² + 2τ²).</param>
/// <param name="Tau">Between-session standard deviation used (τ; 0 when too few other sessions to estimate it).</param>
/// <param name="ReliableChangeIndex">Delta ÷ standard error.</param>
/// <param name="IntervalsOverlap">Whether the two sessions' 95 % intervals overlap.</param>
/// <param name="Flagged">Whether the change is beyond noise (|index| ≥ the option's z and |delta| ≥ its minimum).</param>
public sealed record TrendChange(string FromSession, string ToSession, double Delta, double StandardError, double Tau, double ReliableChangeIndex, bool IntervalsOverlap, bool Flagged);

/// <summary>When a change between sessions counts as beyond noise.</summary>
public sealed record TrendOptions
{
    /// <summary>|reliable change index| at least this (default 1.96: two-sided 5 %).</summary>
    public double MinZ { get; init; } = Estimate.Z95;

    /// <summary>And |delta| at least this, in the metric's unit (default 0: any size that is beyond noise).</summary>
    public double MinDelta { get; init; }

    /// <summary>Other successive differences needed to estimate the between-session variability τ (default 2; below that τ = 0).</summary>
    public int MinOtherChanges { get; init; } = 2;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        Require.Within(MinZ, 0, 10, nameof(MinZ));
        Require.Within(MinDelta, 0, 1e9, nameof(MinDelta));
        Require.Within(MinOtherChanges, 1, 1000, nameof(MinOtherChanges));
    }
}

/// <summary>
/// Trends across a person's sessions: each session's mean has a within-session standard error, and sessions also vary
/// among themselves for reasons that are not change (time of day, light, topic). A change between consecutive
/// sessions is flagged only when it is large against both: the reliable change index
/// RCI = Δ ÷ √(se₁² + se₂² + 2τ²), where the between-session variance τ² is estimated from the person's other
/// successive differences, τ² = max(0, Σ (d_j² − se_{j−1}² − se_j²) ÷ 2m), leaving out the change being judged (so a
/// real change does not hide itself by inflating the noise). With fewer than
/// <see cref="TrendOptions.MinOtherChanges"/> other differences τ = 0 and the index reduces to the two intervals' test.
/// </summary>
public static class TrendAnalyzer
{
    /// <summary>The change between each pair of consecutive sessions (in the given order).</summary>
    /// <exception cref="ArgumentException">An option is out of range, or an estimate is not finite.</exception>
    public static IReadOnlyList<TrendChange> Changes(IReadOnlyList<SessionValue> sessions, TrendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        var o = options ?? new TrendOptions();
        o.Validate();
        foreach (var s in sessions)
        {
            if (!double.IsFinite(s.Estimate.Mean) || !double.IsFinite(s.Estimate.StandardError) || s.Estimate.StandardError < 0)
            {
                throw new ArgumentException($"session {s.Session}: mean {s.Estimate.Mean} and standard error {s.Estimate.StandardError} must be finite (and the error ≥ 0)", nameof(sessions));
            }
        }

        var k = sessions.Count;
        var excess = new double[Math.Max(k - 1, 0)];
        for (var j = 1; j < k; j++)
        {
            var d = sessions[j].Estimate.Mean - sessions[j - 1].Estimate.Mean;
            excess[j - 1] = (d * d) - Square(sessions[j].Estimate.StandardError) - Square(sessions[j - 1].Estimate.StandardError);
        }

        var total = excess.Sum();
        var changes = new TrendChange[excess.Length];
        for (var j = 1; j < k; j++)
        {
            var a = sessions[j - 1].Estimate;
            var b = sessions[j].Estimate;
            var others = excess.Length - 1;
            var tau2 = others >= o.MinOtherChanges ? Math.Max(0, (total - excess[j - 1]) / (2.0 * others)) : 0;
            var delta = b.Mean - a.Mean;
            var se = Math.Sqrt(Square(a.StandardError) + Square(b.StandardError) + (2 * tau2));
            var index = se > 0 ? delta / se : delta == 0 ? 0 : Math.CopySign(double.PositiveInfinity, delta);
            var overlap = a.Low <= b.High && b.Low <= a.High;
            changes[j - 1] = new TrendChange(sessions[j - 1].Session, sessions[j].Session, delta, se, Math.Sqrt(tau2), index, overlap,
                Math.Abs(index) >= o.MinZ && Math.Abs(delta) >= o.MinDelta && delta != 0);
        }

        return changes;
    }

    private static double Square(double x) => x * x;
}
