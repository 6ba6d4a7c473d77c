using Mien.Physiology.Pulse;

namespace Mien.Physiology.Asymmetry;

/// <summary>Options of <see cref="AsymmetryTracker"/>.</summary>
public sealed record AsymmetryOptions
{
    /// <summary>Largest |yaw| at which a frame counts, degrees (default 20: the range the false asymmetry was measured over).</summary>
    public float MaxYaw { get; init; } = 20;

    /// <summary>Largest |pitch| at which a frame counts, degrees (default 20).</summary>
    public float MaxPitch { get; init; } = 20;

    /// <summary>Time of usable frames that makes the person's baseline (default 20 s).</summary>
    public TimeSpan Baseline { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Length of each trend stretch after the baseline (default 30 s).</summary>
    public TimeSpan TrendWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Block length for the confidence intervals: frames within a block are averaged first, so their correlation does not narrow the interval (default 1 s).</summary>
    public TimeSpan Block { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Least change of a geometric index (mouth corner, brow, nasolabial, smile excursion) from baseline to flag, % of face height (default 1.5: above the mesh's frame-to-frame noise and the false asymmetry of a ±20° turn; docs/physiology.md).</summary>
    public float MinChange { get; init; } = 1.5f;

    /// <summary>Least change of the eye-aperture index to flag, % (default 15).</summary>
    public float MinApertureChange { get; init; } = 15;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        HeartRateOptions.Require(MaxYaw is > 0 and <= 90 && MaxPitch is > 0 and <= 90, nameof(MaxYaw) + "/" + nameof(MaxPitch), $"{MaxYaw}/{MaxPitch}", "within (0, 90]");
        HeartRateOptions.Require(Block > TimeSpan.Zero && Baseline >= 3 * Block && TrendWindow >= 3 * Block, nameof(Block), Block, $"positive and at most a third of {nameof(Baseline)} and {nameof(TrendWindow)}");
        HeartRateOptions.Require(MinChange > 0 && MinApertureChange > 0, nameof(MinChange) + "/" + nameof(MinApertureChange), $"{MinChange}/{MinApertureChange}", "positive");
    }
}
