using Mien.Physiology.Pulse;

namespace Mien.Physiology.Gestures;

/// <summary>Options of <see cref="HeadGestureDetector"/>.</summary>
public sealed record HeadGestureOptions
{
    /// <summary>Least swing of pitch that counts towards a nod, degrees (default 4; the smoothed pose jitters by well under 1°).</summary>
    public float MinNodSwing { get; init; } = 4;

    /// <summary>Least swing of yaw that counts towards a shake, degrees (default 5).</summary>
    public float MinShakeSwing { get; init; } = 5;

    /// <summary>Longest single swing, extremum to extremum (default 0.8 s: slower is turning or looking, not gesturing).</summary>
    public TimeSpan MaxSwing { get; init; } = TimeSpan.FromSeconds(0.8);

    /// <summary>Shortest single swing (default 0.08 s: faster is mesh jitter).</summary>
    public TimeSpan MinSwing { get; init; } = TimeSpan.FromSeconds(0.08);

    /// <summary>Swings a nod needs (default 2: down and back up).</summary>
    public int NodSwings { get; init; } = 2;

    /// <summary>Swings a shake needs (default 3: centre–side–other side–centre has 3; a glance and back has 2).</summary>
    public int ShakeSwings { get; init; } = 3;

    /// <summary>The other axis may move at most this share of the gesture's own median swing (default 0.6: otherwise a diagonal or circular movement).</summary>
    public float Dominance { get; init; } = 0.6f;

    /// <summary>An extremum with no further movement for this long ends the swing chain (default 0.25 s).</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(0.25);

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        HeartRateOptions.Require(MinNodSwing > 0 && MinShakeSwing > 0, nameof(MinNodSwing) + "/" + nameof(MinShakeSwing), $"{MinNodSwing}/{MinShakeSwing}", "positive");
        HeartRateOptions.Require(MinSwing > TimeSpan.Zero && MaxSwing > MinSwing, nameof(MaxSwing), MaxSwing, $"longer than {nameof(MinSwing)} = {MinSwing} > 0");
        HeartRateOptions.Require(NodSwings >= 2 && ShakeSwings >= 2, nameof(NodSwings) + "/" + nameof(ShakeSwings), $"{NodSwings}/{ShakeSwings}", "at least 2");
        HeartRateOptions.Require(Dominance > 0, nameof(Dominance), Dominance, "positive");
        HeartRateOptions.Require(Settle > TimeSpan.Zero, nameof(Settle), Settle, "positive");
    }
}
