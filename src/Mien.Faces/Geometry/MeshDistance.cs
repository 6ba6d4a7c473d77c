using Mien.Results;

namespace Mien.Faces.Geometry;

/// <summary>Euclidean distance between mesh points.</summary>
internal static class MeshDistance
{
    public static float Between(Point3 a, Point3 b)
    {
        var (dx, dy, dz) = (a.X - b.X, a.Y - b.Y, a.Z - b.Z);
        return MathF.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
    }
}
