namespace Mien.Results;

/// <summary>One body keypoint in frame pixels with the model's confidence in [0, 1].</summary>
/// <param name="Name">COCO name, e.g. "left_shoulder" (the person's left, usually on the image's right).</param>
/// <param name="X">Horizontal position in frame pixels.</param>
/// <param name="Y">Vertical position in frame pixels (down).</param>
/// <param name="Score">MoveNet's keypoint score in [0, 1].</param>
public readonly record struct Keypoint(string Name, float X, float Y, float Score);

/// <summary>
/// One person's body pose in one frame, estimated in a crop placed from their face box, with how sure it is
/// that the body belongs to that face.
/// </summary>
/// <param name="Keypoints">The 17 keypoints in COCO order (Mien.Body.BodyParts), in frame pixels.</param>
/// <param name="Face">The face box the crop was placed from.</param>
/// <param name="TrackId">The face track the pose was estimated for, when the caller gave one.</param>
/// <param name="AssociationConfidence">
/// In [0, 1]: how well MoveNet's head keypoints (nose, eyes, ears) land on <paramref name="Face"/>, weighted by
/// their scores. Low means the model followed another person in the crop, or saw no head at all.
/// </param>
/// <param name="Crop">The square region of the frame (pixels, may extend past the borders) the model saw.</param>
public sealed record BodyPose(IReadOnlyList<Keypoint> Keypoints, FaceBox Face, int? TrackId, float AssociationConfidence, FaceBox Crop)
{
    /// <summary>The keypoint at <paramref name="index"/> (a Mien.Body.BodyParts constant).</summary>
    public Keypoint this[int index] => Keypoints[index];
}
