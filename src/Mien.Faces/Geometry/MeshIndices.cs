namespace Mien.Faces.Geometry;

/// <summary>
/// Named points of MediaPipe's face mesh (468 points, 478 with the iris refinement). "Right" and "left" are
/// always the <em>subject's</em> sides, as in MediaPipe's own connection sets (FACEMESH_RIGHT_EYE = 33…133):
/// in an unmirrored frame of a frontal face the subject's right eye appears on the image's left.
/// </summary>
/// <remarks>
/// The iris indices follow MediaPipe's refined mesh (<c>face_mesh_connections.py</c>, FACEMESH_RIGHT_IRIS =
/// 469–472 around centre 468, next to the right eye 33/133) and Mien's <c>FaceMeshEstimator</c>. TF.js's
/// face-landmarks-detection (and Human) append the irises the other way round (left first at 468); a mesh
/// from there must be reordered before it reaches Mien.
/// </remarks>
public static class MeshIndices
{
    /// <summary>Points of the face mesh without iris refinement.</summary>
    public const int FaceCount = 468;

    /// <summary>Points with the ten iris points (two centres and two rings of four) appended.</summary>
    public const int WithIrisCount = 478;

    /// <summary>Right eye, outer (lateral) corner.</summary>
    public const int RightEyeOuter = 33;

    /// <summary>Right eye, inner (medial) corner.</summary>
    public const int RightEyeInner = 133;

    /// <summary>Left eye, outer (lateral) corner.</summary>
    public const int LeftEyeOuter = 263;

    /// <summary>Left eye, inner (medial) corner.</summary>
    public const int LeftEyeInner = 362;

    /// <summary>Right upper lid, outer third (pairs with <see cref="RightLowerLidOuter"/>).</summary>
    public const int RightUpperLidOuter = 160;

    /// <summary>Right lower lid, outer third.</summary>
    public const int RightLowerLidOuter = 144;

    /// <summary>Right upper lid, inner third (pairs with <see cref="RightLowerLidInner"/>).</summary>
    public const int RightUpperLidInner = 158;

    /// <summary>Right lower lid, inner third.</summary>
    public const int RightLowerLidInner = 153;

    /// <summary>Left upper lid, inner third (pairs with <see cref="LeftLowerLidInner"/>).</summary>
    public const int LeftUpperLidInner = 385;

    /// <summary>Left lower lid, inner third.</summary>
    public const int LeftLowerLidInner = 380;

    /// <summary>Left upper lid, outer third (pairs with <see cref="LeftLowerLidOuter"/>).</summary>
    public const int LeftUpperLidOuter = 387;

    /// <summary>Left lower lid, outer third.</summary>
    public const int LeftLowerLidOuter = 373;

    /// <summary>Upper lip, inner edge, on the midline.</summary>
    public const int UpperInnerLip = 13;

    /// <summary>Lower lip, inner edge, on the midline.</summary>
    public const int LowerInnerLip = 14;

    /// <summary>Upper lip inner edge, right of the midline (pairs with <see cref="LowerInnerLipRight"/>).</summary>
    public const int UpperInnerLipRight = 82;

    /// <summary>Lower lip inner edge, right of the midline.</summary>
    public const int LowerInnerLipRight = 87;

    /// <summary>Upper lip inner edge, left of the midline (pairs with <see cref="LowerInnerLipLeft"/>).</summary>
    public const int UpperInnerLipLeft = 312;

    /// <summary>Lower lip inner edge, left of the midline.</summary>
    public const int LowerInnerLipLeft = 317;

    /// <summary>Right mouth corner on the outer lip contour.</summary>
    public const int MouthRight = 61;

    /// <summary>Left mouth corner on the outer lip contour.</summary>
    public const int MouthLeft = 291;

    /// <summary>Right mouth corner on the inner lip contour.</summary>
    public const int MouthInnerRight = 78;

    /// <summary>Left mouth corner on the inner lip contour.</summary>
    public const int MouthInnerLeft = 308;

    /// <summary>Top of the mesh on the midline (upper forehead).</summary>
    public const int ForeheadTop = 10;

    /// <summary>Bottom of the chin on the midline.</summary>
    public const int Chin = 152;

    /// <summary>Nose tip.</summary>
    public const int NoseTip = 1;

    /// <summary>Nose bridge between the eyes.</summary>
    public const int NoseBridge = 168;

    /// <summary>Right iris centre (478-point mesh only).</summary>
    public const int RightIrisCenter = 468;

    /// <summary>Left iris centre (478-point mesh only).</summary>
    public const int LeftIrisCenter = 473;
}
