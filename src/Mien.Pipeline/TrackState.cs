using Mien.Faces.Geometry;
using Mien.Faces.Mesh;
using Mien.Results;

namespace Mien.Pipeline;

/// <summary>What the pipeline remembers about one tracked face between frames; dropped when the track ends.</summary>
internal sealed class TrackState
{
    private readonly BlinkDetector _blinks = new();
    private LandmarkSmoother? _smoother;
    private Point3[] _smoothed = [];

    /// <summary>Consecutive confident sightings while the track is not yet confirmed.</summary>
    public int Confirmations { get; set; }

    /// <summary>Whether the track has been confirmed as a person (reported in results and events).</summary>
    public bool Confirmed { get; set; }

    /// <summary>The start event, held back until the track is confirmed.</summary>
    public TrackEvent? PendingStart { get; set; }

    /// <summary>The latest raw mesh (its region seeds the next frame).</summary>
    public FaceMesh? Mesh { get; private set; }

    /// <summary>Where to look for the face in the next frame.</summary>
    public FaceRoi NextRoi { get; private set; }

    public void Accept(FaceMesh mesh, TimeSpan now)
    {
        Mesh = mesh;
        NextRoi = FaceRoi.FromMesh(mesh.Points);
        if (_smoother is null || _smoothed.Length != mesh.Points.Length)
        {
            _smoother = new LandmarkSmoother(mesh.Points.Length);
            _smoothed = new Point3[mesh.Points.Length];
        }

        // Measurements use One-Euro-smoothed landmarks (still faces do not jitter, fast turns do not lag);
        // tracking uses the raw mesh so the region follows motion without delay.
        _smoother.Smooth(now, mesh.Points, _smoothed);
    }

    public Point3[] SmoothedPoints() => (Point3[])_smoothed.Clone();

    /// <summary>The current smoothed landmarks, without a copy (valid until the next <see cref="Accept"/>).</summary>
    public IReadOnlyList<Point3> Smoothed => _smoothed;

    public (HeadPose? Pose, Gaze? Gaze, EyeState? Eyes, float? Mouth) Measure(TimeSpan now)
    {
        var points = _smoothed;
        var pose = HeadPoseEstimator.Estimate(points);
        var gaze = GazeEstimator.Estimate(points);
        // Blinks last 100–300 ms: measure them on the raw mesh, which the smoother would flatten.
        var eyes = _blinks.Update(now, Mesh!.Points);
        return (pose, gaze, eyes, MouthMetrics.Opening(points));
    }
}
