using Mien.Results;

namespace Mien.Faces.Geometry;

/// <summary>
/// Mouth opening on the face mesh: the inner-lip gap over the mouth width, both in 3D. The gap is the mean of
/// three vertical inner-lip distances (82–87, 13–14, 312–317: right of centre, centre, left of centre), so a
/// lopsided opening still counts; the width is between the outer-contour corners (61–291), which move less
/// than the inner corners when the mouth opens. 0 when closed, about 0.5 wide open.
/// </summary>
public static class MouthMetrics
{
    /// <summary>Inner-lip gap over mouth width.</summary>
    public static float Opening(ReadOnlySpan<Point3> mesh)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mesh.Length, MeshIndices.FaceCount, nameof(mesh) + ".Length");
        var width = MeshDistance.Between(mesh[MeshIndices.MouthRight], mesh[MeshIndices.MouthLeft]);
        var gap = MeshDistance.Between(mesh[MeshIndices.UpperInnerLipRight], mesh[MeshIndices.LowerInnerLipRight])
            + MeshDistance.Between(mesh[MeshIndices.UpperInnerLip], mesh[MeshIndices.LowerInnerLip])
            + MeshDistance.Between(mesh[MeshIndices.UpperInnerLipLeft], mesh[MeshIndices.LowerInnerLipLeft]);
        return width > 0 ? gap / (3 * width) : 0;
    }
}
