using Mien.Results;

namespace Mien.Body;

/// <summary>The 17 COCO keypoints in MoveNet's output order. "Left" and "right" are the person's own sides.</summary>
public static class BodyParts
{
    /// <summary>Nose.</summary>
    public const int Nose = 0;

    /// <summary>Left eye.</summary>
    public const int LeftEye = 1;

    /// <summary>Right eye.</summary>
    public const int RightEye = 2;

    /// <summary>Left ear.</summary>
    public const int LeftEar = 3;

    /// <summary>Right ear.</summary>
    public const int RightEar = 4;

    /// <summary>Left shoulder.</summary>
    public const int LeftShoulder = 5;

    /// <summary>Right shoulder.</summary>
    public const int RightShoulder = 6;

    /// <summary>Left elbow.</summary>
    public const int LeftElbow = 7;

    /// <summary>Right elbow.</summary>
    public const int RightElbow = 8;

    /// <summary>Left wrist.</summary>
    public const int LeftWrist = 9;

    /// <summary>Right wrist.</summary>
    public const int RightWrist = 10;

    /// <summary>Left hip.</summary>
    public const int LeftHip = 11;

    /// <summary>Right hip.</summary>
    public const int RightHip = 12;

    /// <summary>Left knee.</summary>
    public const int LeftKnee = 13;

    /// <summary>Right knee.</summary>
    public const int RightKnee = 14;

    /// <summary>Left ankle.</summary>
    public const int LeftAnkle = 15;

    /// <summary>Right ankle.</summary>
    public const int RightAnkle = 16;

    /// <summary>Number of keypoints.</summary>
    public const int Count = 17;

    /// <summary>Keypoint names by index (COCO spelling, as MoveNet and TF.js use).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
        "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ];

    /// <summary>Skeleton edges (pairs of keypoint indices) for drawing.</summary>
    public static IReadOnlyList<(int From, int To)> Edges { get; } =
    [
        (Nose, LeftEye), (Nose, RightEye), (LeftEye, LeftEar), (RightEye, RightEar),
        (LeftShoulder, RightShoulder), (LeftShoulder, LeftElbow), (LeftElbow, LeftWrist), (RightShoulder, RightElbow), (RightElbow, RightWrist),
        (LeftShoulder, LeftHip), (RightShoulder, RightHip), (LeftHip, RightHip),
        (LeftHip, LeftKnee), (LeftKnee, LeftAnkle), (RightHip, RightKnee), (RightKnee, RightAnkle),
    ];

    /// <summary>
    /// Association confidence of head keypoints with a face box: for each of nose, eyes and ears, its score times
    /// its proximity (1 inside the box grown to 1.3× — ears sit at the box edge, so 1.8× for them — falling
    /// linearly to 0 one face size outside), summed and divided by the summed scores; then multiplied by the
    /// evidence, the mean head-keypoint score saturating at 0.5.
    /// </summary>
    public static float Associate(IReadOnlyList<Keypoint> keypoints, FaceBox face)
    {
        ArgumentNullException.ThrowIfNull(keypoints);
        var size = Math.Max(Math.Max(face.Width, face.Height), 1e-3f);
        float weighted = 0, total = 0;
        for (var k = BodyParts.Nose; k <= BodyParts.RightEar; k++)
        {
            var p = keypoints[k];
            var grow = k >= BodyParts.LeftEar ? 1.8f : 1.3f;
            var halfW = face.Width * grow / 2;
            var halfH = face.Height * grow / 2;
            var dx = Math.Max(Math.Abs(p.X - face.CenterX) - halfW, 0);
            var dy = Math.Max(Math.Abs(p.Y - face.CenterY) - halfH, 0);
            var outside = MathF.Sqrt((dx * dx) + (dy * dy)) / size;
            var proximity = Math.Clamp(1 - outside, 0, 1);
            weighted += p.Score * proximity;
            total += p.Score;
        }

        if (!(total > 0))
        {
            return 0;
        }

        var evidence = Math.Min(total / 5 / 0.5f, 1);
        return Math.Clamp(weighted / total * evidence, 0, 1);
    }
}
