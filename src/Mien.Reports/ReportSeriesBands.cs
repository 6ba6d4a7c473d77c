namespace Mien.Reports;

/// <summary>
/// When a yes/no body cue (hand at face, arms crossed) counts as an episode: the rules the report draws bands with,
/// public so that exports can state episodes by the same rules. Defaults: confidence ≥ 0.5, at least 0.5 s, and a
/// state is held across unmeasured frames for at most 0.5 s.
/// </summary>
public sealed record CueBandRules
{
    /// <summary>
    /// A "present" flag counts only with at least this confidence (default 0.5: the model's wrist score × the
    /// body's association with the face must make it more likely than not); weaker ones end an episode.
    /// </summary>
    public float MinConfidence { get; init; } = 0.5f;

    /// <summary>Shortest episode reported (default 0.5 s): a hand passing the face for one pose is not a gesture.</summary>
    public TimeSpan MinDuration { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>
    /// Longest stretch without a measurement across which a state is held (default 0.5 s; poses come every few
    /// frames). Beyond it an episode ends at its last positive measurement plus this gap, at most.
    /// </summary>
    public TimeSpan MaxGap { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option, value and constraint when a setting is invalid.</summary>
    public void Validate()
    {
        if (!(MinConfidence is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinConfidence), MinConfidence, $"{nameof(CueBandRules)}.{nameof(MinConfidence)} must be within [0, 1]");
        }

        if (MinDuration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MinDuration), MinDuration, $"{nameof(CueBandRules)}.{nameof(MinDuration)} must not be negative");
        }

        if (MaxGap <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxGap), MaxGap, $"{nameof(CueBandRules)}.{nameof(MaxGap)} must be positive");
        }
    }
}

/// <summary>One episode of a yes/no cue.</summary>
/// <param name="Start">Time of the first confident positive measurement, seconds.</param>
/// <param name="End">When the episode ended (the next measurement that was not a confident positive, or the hold limit), seconds.</param>
/// <param name="Measurements">Confident positive measurements in it.</param>
/// <param name="MeanConfidence">Their mean confidence.</param>
public readonly record struct CueBand(double Start, double End, int Measurements, float MeanConfidence);

/// <summary>Finds cue episodes in a flag series by <see cref="CueBandRules"/>.</summary>
public static class CueBands
{
    /// <summary>
    /// Episodes of a cue from per-sample flags (1 present, 0 absent, NaN not measured) and their confidences.
    /// </summary>
    /// <param name="times">Sample times in seconds, increasing.</param>
    /// <param name="flags">Per sample: 1 present, 0 absent, NaN not measured.</param>
    /// <param name="confidences">Per sample confidence of the flag (NaN where not measured).</param>
    /// <param name="rules">The rules, or null for the defaults.</param>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static IReadOnlyList<CueBand> Find(ReadOnlySpan<double> times, ReadOnlySpan<float> flags, ReadOnlySpan<float> confidences, CueBandRules? rules = null)
    {
        rules ??= new CueBandRules();
        rules.Validate();
        if (flags.Length != times.Length || confidences.Length != times.Length)
        {
            throw new ArgumentException($"times ({times.Length}), flags ({flags.Length}) and confidences ({confidences.Length}) must have the same length", nameof(flags));
        }

        var maxGap = rules.MaxGap.TotalSeconds;
        var minDuration = rules.MinDuration.TotalSeconds;
        var bands = new List<CueBand>();
        double start = double.NaN, lastPositive = double.NaN, confidenceSum = 0;
        var count = 0;

        void Close(double end)
        {
            if (count > 0 && end - start >= minDuration)
            {
                bands.Add(new CueBand(start, end, count, (float)(confidenceSum / count)));
            }

            start = double.NaN;
            count = 0;
            confidenceSum = 0;
        }

        for (var i = 0; i < times.Length; i++)
        {
            if (float.IsNaN(flags[i]))
            {
                continue;
            }

            var t = times[i];
            if (count > 0 && t - lastPositive > maxGap)
            {
                Close(lastPositive + maxGap);
            }

            var confident = flags[i] > 0.5f && confidences[i] >= rules.MinConfidence;
            if (confident)
            {
                if (count == 0)
                {
                    start = t;
                }

                count++;
                confidenceSum += confidences[i];
                lastPositive = t;
            }
            else if (count > 0)
            {
                Close(t);
            }
        }

        if (count > 0)
        {
            // The series ended during an episode: it lasted at least until the last positive, at most the hold limit.
            var end = times.Length > 0 ? Math.Min(times[^1], lastPositive + maxGap) : lastPositive;
            Close(Math.Max(end, lastPositive));
        }

        return bands;
    }
}
