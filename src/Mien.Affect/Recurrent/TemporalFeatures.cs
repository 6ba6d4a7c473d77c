using Mien.Results;

namespace Mien.Affect.Recurrent;

/// <summary>
/// The per-frame feature vector of the recurrent expression model: a fixed-length, documented encoding of a
/// <see cref="TemporalInput"/> plus the time since the previous frame, identical in training (Mien.Training) and
/// inference (<see cref="GruExpressionModel"/>).
/// </summary>
/// <remarks>
/// Order (<see cref="Length"/> = 34): 0–6 log-probabilities ln(max(p, 1e-4)) in <see cref="ExpressionEstimate.Labels"/>
/// order; 7–22 action-unit intensities / 5 in <see cref="ActionUnits.Codes"/> order (0 when absent); 23 AU mask
/// (1 = measured); 24–26 yaw, pitch, roll / 45° (clamped to ±2); 27 pose mask; 28 eye openness; 29 its mask;
/// 30 mouth opening; 31 its mask; 32 reliability in [0, 1]; 33 Δt = seconds since the previous frame the model
/// used, clipped to [0, <see cref="MaxDeltaSeconds"/>] (0 on the first frame), so dropped frames and variable frame
/// rates are visible to the model. Missing geometry is zero with its mask 0, never a made-up value.
/// </remarks>
public static class TemporalFeatures
{
    /// <summary>Number of features per frame.</summary>
    public const int Length = 34;

    /// <summary>Upper clip of the Δt feature in seconds (a longer gap looks like a 1-second gap).</summary>
    public const float MaxDeltaSeconds = 1f;

    /// <summary>Index of the first action-unit feature.</summary>
    public const int UnitsOffset = 7;

    /// <summary>Index of the Δt feature.</summary>
    public const int DeltaIndex = 33;

    /// <summary>Index of the reliability feature.</summary>
    public const int ReliabilityIndex = 32;

    private const float ProbabilityFloor = 1e-4f;

    /// <summary>Feature names in order (also hashed into <see cref="LayoutHash"/>).</summary>
    public static IReadOnlyList<string> Names { get; } = BuildNames();

    /// <summary>
    /// FNV-1a hash of <see cref="Names"/>: stored in weights files so that a model trained on another layout is
    /// rejected instead of silently reading the wrong features.
    /// </summary>
    public static ulong LayoutHash { get; } = Hash(Names);

    /// <summary>Writes the features of <paramref name="input"/> with <paramref name="deltaSeconds"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than <see cref="Length"/> or the input does not hold seven probabilities.</exception>
    public static void Write(TemporalInput input, double deltaSeconds, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (destination.Length < Length)
        {
            throw new ArgumentException($"destination holds {destination.Length} values, {Length} needed", nameof(destination));
        }

        var k = ExpressionEstimate.Labels.Count;
        if (input.Probabilities.Count != k)
        {
            throw new ArgumentException($"expected {k} probabilities, got {input.Probabilities.Count}", nameof(input));
        }

        destination[..Length].Clear();
        for (var c = 0; c < k; c++)
        {
            var p = input.Probabilities[c];
            destination[c] = MathF.Log(float.IsFinite(p) ? MathF.Max(p, ProbabilityFloor) : ProbabilityFloor);
        }

        if (input.Units is { } units)
        {
            for (var i = 0; i < ActionUnits.Codes.Count; i++)
            {
                destination[UnitsOffset + i] = Finite(units.Intensities[i]) / 5f;
            }

            destination[23] = 1;
        }

        if (input.Pose is { } pose)
        {
            destination[24] = Math.Clamp(Finite(pose.Yaw) / 45f, -2f, 2f);
            destination[25] = Math.Clamp(Finite(pose.Pitch) / 45f, -2f, 2f);
            destination[26] = Math.Clamp(Finite(pose.Roll) / 45f, -2f, 2f);
            destination[27] = 1;
        }

        if (input.EyeOpenness is { } eye && float.IsFinite(eye))
        {
            destination[28] = Math.Clamp(eye, 0f, 2f);
            destination[29] = 1;
        }

        if (input.MouthOpening is { } mouth && float.IsFinite(mouth))
        {
            destination[30] = Math.Clamp(mouth, 0f, 2f);
            destination[31] = 1;
        }

        destination[ReliabilityIndex] = float.IsFinite(input.Reliability) ? Math.Clamp(input.Reliability, 0f, 1f) : 0f;
        destination[DeltaIndex] = (float)Math.Clamp(double.IsFinite(deltaSeconds) ? deltaSeconds : 0, 0, MaxDeltaSeconds);
    }

    private static float Finite(float v) => float.IsFinite(v) ? v : 0f;

    private static string[] BuildNames()
    {
        var names = new List<string>(Length);
        foreach (var label in ExpressionEstimate.Labels)
        {
            names.Add($"logp_{label}");
        }

        foreach (var code in ActionUnits.Codes)
        {
            names.Add($"{code}/5");
        }

        names.AddRange(["au_mask", "yaw/45", "pitch/45", "roll/45", "pose_mask", "eye_openness", "eye_mask", "mouth_opening", "mouth_mask", "reliability", "dt_s"]);
        return [.. names];
    }

    private static ulong Hash(IReadOnlyList<string> names)
    {
        var h = 14695981039346656037UL;
        foreach (var name in names)
        {
            foreach (var ch in name + "\n")
            {
                h ^= ch;
                h *= 1099511628211UL;
            }
        }

        return h;
    }
}
