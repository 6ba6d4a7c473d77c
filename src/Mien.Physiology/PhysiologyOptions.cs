using Mien.Physiology.Asymmetry;
using Mien.Physiology.Driver;
using Mien.Physiology.Gestures;
using Mien.Physiology.Pulse;

namespace Mien.Physiology;

/// <summary>Which physiological and behavioural measurements run per person, and their options (null turns a part off).</summary>
public sealed record PhysiologyOptions
{
    /// <summary>Pulse rate from skin colour (default on).</summary>
    public HeartRateOptions? HeartRate { get; init; } = new();

    /// <summary>Nod and shake detection from the head pose (default on).</summary>
    public HeadGestureOptions? Gestures { get; init; } = new();

    /// <summary>Facial asymmetry per frame, baseline and trends (default on).</summary>
    public AsymmetryOptions? Asymmetry { get; init; } = new();

    /// <summary>The driver / operator profile: PERCLOS, long eye closures, yawns, drowsy nods, gaze away, alert levels (default off).</summary>
    public bool Driver { get; init; }

    /// <summary>Thresholds of the driver profile (used when <see cref="Driver"/> is on).</summary>
    public DriverOptions DriverThresholds { get; init; } = new();

    /// <summary>Checks every part's options; the message names the option, its value and the constraint.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        HeartRate?.Validate();
        Gestures?.Validate();
        Asymmetry?.Validate();
        DriverThresholds.Validate();
    }
}
