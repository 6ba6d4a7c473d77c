using Mien.Results;

namespace Mien.Physiology.GazeOnScreen;

/// <summary>
/// What Mien measures of one face in one frame that bears on where it looks: gaze direction relative to the camera
/// (head plus eyes), head rotation and the head's position in the camera frame.
/// </summary>
/// <param name="GazeYaw">Gaze yaw in degrees (<see cref="Mien.Results.Gaze"/>: positive towards the image's right).</param>
/// <param name="GazePitch">Gaze pitch in degrees (positive upwards).</param>
/// <param name="HeadYaw">Head yaw in degrees (<see cref="HeadPose"/>).</param>
/// <param name="HeadPitch">Head pitch in degrees.</param>
/// <param name="HeadX">Face-box centre x as a fraction of the frame width (0 left, 1 right).</param>
/// <param name="HeadY">Face-box centre y as a fraction of the frame height (0 top, 1 bottom).</param>
public readonly record struct GazeFeatures(float GazeYaw, float GazePitch, float HeadYaw, float HeadPitch, float HeadX, float HeadY)
{
    /// <summary>The features of one observed face, or null when it has no gaze or no head pose (no mesh or no iris).</summary>
    /// <param name="face">The face.</param>
    /// <param name="frameWidth">Width of the analysed frame in pixels.</param>
    /// <param name="frameHeight">Height of the analysed frame in pixels.</param>
    public static GazeFeatures? From(FaceObservation face, int frameWidth, int frameHeight)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameHeight);
        if (face.Gaze is not { } gaze || face.Pose is not { } pose)
        {
            return null;
        }

        var box = face.Box;
        return new GazeFeatures(gaze.Yaw, gaze.Pitch, pose.Yaw, pose.Pitch, (box.X + (box.Width / 2)) / frameWidth, (box.Y + (box.Height / 2)) / frameHeight);
    }

    /// <summary>True when every feature is a finite number.</summary>
    public bool IsFinite => float.IsFinite(GazeYaw) && float.IsFinite(GazePitch) && float.IsFinite(HeadYaw) && float.IsFinite(HeadPitch) && float.IsFinite(HeadX) && float.IsFinite(HeadY);
}

/// <summary>A point on the screen in pixels (x right, y down from the top-left corner).</summary>
/// <param name="X">Horizontal position in pixels.</param>
/// <param name="Y">Vertical position in pixels.</param>
public readonly record struct ScreenPoint(double X, double Y);

/// <summary>One calibration target and the features measured while the person looked at it.</summary>
/// <param name="Target">Where the target was drawn, in screen pixels.</param>
/// <param name="Samples">Features of the frames recorded while it was shown (after the eyes settled on it; the median is used, so a few blink or saccade frames do no harm).</param>
public sealed record CalibrationPoint(ScreenPoint Target, IReadOnlyList<GazeFeatures> Samples);
