using Mien.Results;

namespace Mien.Faces.Geometry;

/// <summary>
/// Eye aspect ratio (EAR, Soukupová and Čech 2016) on the face mesh: the mean of two lid distances over the
/// corner-to-corner distance, all in 3D (z is in the same scale as x and y), so turning the head does not
/// shorten the eye width the way it does in the image. About 0.25–0.35 for open eyes, below 0.1 closed.
/// </summary>
public static class EyeMetrics
{
    /// <summary>EAR of the subject's right eye: (|160−144| + |158−153|) / (2·|33−133|).</summary>
    public static float RightAspectRatio(ReadOnlySpan<Point3> mesh) => AspectRatio(
        mesh,
        MeshIndices.RightEyeOuter,
        MeshIndices.RightEyeInner,
        MeshIndices.RightUpperLidOuter,
        MeshIndices.RightLowerLidOuter,
        MeshIndices.RightUpperLidInner,
        MeshIndices.RightLowerLidInner);

    /// <summary>EAR of the subject's left eye: (|385−380| + |387−373|) / (2·|263−362|).</summary>
    public static float LeftAspectRatio(ReadOnlySpan<Point3> mesh) => AspectRatio(
        mesh,
        MeshIndices.LeftEyeOuter,
        MeshIndices.LeftEyeInner,
        MeshIndices.LeftUpperLidInner,
        MeshIndices.LeftLowerLidInner,
        MeshIndices.LeftUpperLidOuter,
        MeshIndices.LeftLowerLidOuter);

    private static float AspectRatio(ReadOnlySpan<Point3> mesh, int corner1, int corner2, int upper1, int lower1, int upper2, int lower2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mesh.Length, MeshIndices.FaceCount, nameof(mesh) + ".Length");
        var width = MeshDistance.Between(mesh[corner1], mesh[corner2]);
        var lids = MeshDistance.Between(mesh[upper1], mesh[lower1]) + MeshDistance.Between(mesh[upper2], mesh[lower2]);
        return width > 0 ? lids / (2 * width) : 0;
    }
}
