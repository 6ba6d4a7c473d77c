using Mien.Results;

namespace Mien.Body;

/// <summary>
/// Decides per track whether MoveNet runs on this frame or the last pose is held, so body analysis costs a
/// fraction of a model run per frame. MoveNet Lightning costs about 10 ms per person here (see docs/body.md),
/// more than the whole face pipeline per frame, so the default runs it on every third frame. Between runs the
/// last pose is held and shifted with the face box (a person who moves the head moves the body with it). Pure;
/// one instance per track; not thread-safe.
/// </summary>
public sealed class BodyPoseSchedule
{
    private readonly int _every;
    private readonly float _maxFaceShift;
    private BodyPose? _last;
    private int _sinceRun;

    /// <summary>Creates a schedule.</summary>
    /// <param name="everyNthFrame">Run MoveNet on one frame in this many (1 = every frame; default 3).</param>
    /// <param name="maxFaceShift">Also run as soon as the face box has moved more than this many face heights since the last run (default 0.25), so fast movement is not held.</param>
    public BodyPoseSchedule(int everyNthFrame = 3, float maxFaceShift = 0.25f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(everyNthFrame, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxFaceShift);
        _every = everyNthFrame;
        _maxFaceShift = maxFaceShift;
    }

    /// <summary>True when MoveNet should run for this frame's <paramref name="face"/>.</summary>
    public bool ShouldEstimate(FaceBox face)
    {
        if (_last is null || _sinceRun + 1 >= _every)
        {
            return true;
        }

        var h = Math.Max(_last.Face.Height, 1e-3f);
        var shift = MathF.Sqrt(((face.CenterX - _last.Face.CenterX) * (face.CenterX - _last.Face.CenterX)) + ((face.CenterY - _last.Face.CenterY) * (face.CenterY - _last.Face.CenterY))) / h;
        return shift > _maxFaceShift || MathF.Abs((face.Height / h) - 1) > _maxFaceShift;
    }

    /// <summary>Records a fresh pose (after <see cref="ShouldEstimate"/> said yes and MoveNet ran).</summary>
    public void Record(BodyPose pose)
    {
        ArgumentNullException.ThrowIfNull(pose);
        _last = pose;
        _sinceRun = 0;
    }

    /// <summary>
    /// The held pose for a frame where MoveNet did not run: the last fresh pose translated by the face box's
    /// movement since then (keypoint scores unchanged), or null before the first run. Feed held poses to
    /// <see cref="BodyLanguageAnalyzer"/> only if you accept that movement energy then sees the head's motion
    /// alone; the simplest correct use is to update the analyser with fresh poses only (it is timestamp-driven).
    /// </summary>
    public BodyPose? Hold(FaceBox face)
    {
        if (_last is null)
        {
            return null;
        }

        _sinceRun++;
        var (dx, dy) = (face.CenterX - _last.Face.CenterX, face.CenterY - _last.Face.CenterY);
        var k = new Keypoint[_last.Keypoints.Count];
        for (var i = 0; i < k.Length; i++)
        {
            var p = _last.Keypoints[i];
            k[i] = p with { X = p.X + dx, Y = p.Y + dy };
        }

        return _last with { Keypoints = k, Face = face, Crop = _last.Crop with { X = _last.Crop.X + dx, Y = _last.Crop.Y + dy } };
    }
}
