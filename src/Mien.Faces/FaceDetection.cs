using Mien.Results;

namespace Mien.Faces;

/// <summary>
/// One detected face: its box, the detector's confidence and BlazeFace's six keypoints (in order: right
/// eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion, as seen from the subject).
/// </summary>
public sealed record FaceDetection(FaceBox Box, float Score, IReadOnlyList<FacePoint> Keypoints);
