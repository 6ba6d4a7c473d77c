using Mien.Physiology.Asymmetry;
using Mien.Physiology.Driver;
using Mien.Physiology.Gestures;
using Mien.Physiology.Pulse;
using Mien.Results;

namespace Mien.Physiology;

/// <summary>
/// Everything this project follows about one person over a stream: pulse, gestures, asymmetry and, with the driver
/// profile, drowsiness indicators. Fed once per frame in which the person's face was measured, driven by timestamps;
/// pure arithmetic on the mesh and on a borrowed view of the frame's pixels.
/// </summary>
public sealed class PersonPhysiology
{
    private readonly HeartRateEstimator? _heartRate;
    private readonly HeadGestureDetector? _gestures;
    private readonly AsymmetryTracker? _asymmetry;
    private readonly DriverMonitor? _driver;
    private readonly List<AsymmetryTrend> _trends = [];

    /// <summary>Creates the state for one person.</summary>
    public PersonPhysiology(PhysiologyOptions? options = null)
    {
        options ??= new PhysiologyOptions();
        options.Validate();
        _heartRate = options.HeartRate is { } hr ? new HeartRateEstimator(hr) : null;
        _gestures = options.Gestures is { } g ? new HeadGestureDetector(g) : null;
        _asymmetry = options.Asymmetry is { } a ? new AsymmetryTracker(a) : null;
        _driver = options.Driver ? new DriverMonitor(options.DriverThresholds) : null;
    }

    /// <summary>Updates with one frame's measurements and returns what this frame adds.</summary>
    /// <param name="now">Frame time (increasing).</param>
    /// <param name="image">The frame's pixels (BGR), read only during this call.</param>
    /// <param name="mesh">The face mesh (468 or 478 points, frame pixels), smoothed as the reported landmarks are.</param>
    /// <param name="pose">Head pose.</param>
    /// <param name="gaze">Gaze direction (null without iris).</param>
    /// <param name="eyes">Eye state.</param>
    /// <param name="mouthOpening">Mouth opening.</param>
    public PhysiologyFrame Update(TimeSpan now, BgrImage image, IReadOnlyList<Point3> mesh, HeadPose? pose, Gaze? gaze, EyeState? eyes, float? mouthOpening)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        HeartRateEstimate? heartRate = null;
        if (_heartRate is not null)
        {
            var sample = SkinColorSampler.Sample(image, mesh, _heartRate.Options.MaxPixelsPerRegion);
            heartRate = _heartRate.Add(now, sample, pose);
        }

        var gestures = _gestures is not null && pose is { } p ? _gestures.Update(now, p) : [];
        AsymmetryFrame? asymmetry = null;
        IReadOnlyList<AsymmetryTrend> trends = [];
        if (_asymmetry is not null)
        {
            asymmetry = _asymmetry.Update(now, mesh, pose, _trends, image);
            if (_trends.Count > 0)
            {
                trends = [.. _trends];
                _trends.Clear();
            }
        }

        var driver = _driver?.Update(now, eyes, mouthOpening, pose, gaze);
        return new PhysiologyFrame { HeartRate = heartRate, Gestures = gestures, Asymmetry = asymmetry, AsymmetryTrends = trends, Driver = driver };
    }
}
