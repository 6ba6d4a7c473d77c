using Mien.Results;

namespace Mien.Faces.Mesh;

/// <summary>
/// A rotated square region of a frame (pixels): where the face mesh model looks. Rotating the crop so the
/// eyes are level is how MediaPipe trained the model; it keeps the mesh accurate on tilted heads.
/// </summary>
/// <param name="CenterX">Centre, frame pixels.</param>
/// <param name="CenterY">Centre, frame pixels.</param>
/// <param name="Size">Side length, frame pixels.</param>
/// <param name="Angle">Rotation in radians (positive = clockwise in the image, i.e. the eye line slopes down to the right).</param>
public readonly record struct FaceRoi(float CenterX, float CenterY, float Size, float Angle)
{
    /// <summary>MediaPipe's ROI scale around a detection box and around the previous frame's landmarks.</summary>
    public const float DefaultScale = 1.5f;

    /// <summary>The ROI for a fresh detection: its box, enlarged, rotated by the eye line of its keypoints.</summary>
    public static FaceRoi FromDetection(FaceDetection detection, float scale = DefaultScale)
    {
        ArgumentNullException.ThrowIfNull(detection);
        var box = detection.Box;
        var right = detection.Keypoints[0];
        var left = detection.Keypoints[1];
        var angle = MathF.Atan2(left.Y - right.Y, left.X - right.X);
        return new FaceRoi(box.CenterX, box.CenterY, Math.Max(box.Width, box.Height) * scale, angle);
    }

    /// <summary>The ROI that tracks a face from its previous mesh: the mesh's extent in the eye-aligned frame, enlarged.</summary>
    public static FaceRoi FromMesh(ReadOnlySpan<Point3> mesh, float scale = DefaultScale)
    {
        // Subject's right eye outer corner (33) to left eye outer corner (263).
        var r = mesh[33];
        var l = mesh[263];
        var angle = MathF.Atan2(l.Y - r.Y, l.X - r.X);
        var (cos, sin) = (MathF.Cos(-angle), MathF.Sin(-angle));
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        for (var i = 0; i < Math.Min(mesh.Length, 468); i++)
        {
            var x = (mesh[i].X * cos) - (mesh[i].Y * sin);
            var y = (mesh[i].X * sin) + (mesh[i].Y * cos);
            minX = Math.Min(minX, x);
            maxX = Math.Max(maxX, x);
            minY = Math.Min(minY, y);
            maxY = Math.Max(maxY, y);
        }

        var (cx, cy) = ((minX + maxX) / 2, (minY + maxY) / 2);
        var (back, backSin) = (MathF.Cos(angle), MathF.Sin(angle));
        return new FaceRoi((cx * back) - (cy * backSin), (cx * backSin) + (cy * back), Math.Max(maxX - minX, maxY - minY) * scale, angle);
    }

    /// <summary>Axis-aligned bounds of the rotated square.</summary>
    public FaceBox Bounds
    {
        get
        {
            var half = Size / 2 * (MathF.Abs(MathF.Cos(Angle)) + MathF.Abs(MathF.Sin(Angle)));
            return new FaceBox(CenterX - half, CenterY - half, 2 * half, 2 * half);
        }
    }

    /// <summary>
    /// The 2×3 affine map from pixel (u, v) of a <paramref name="cropSize"/>² crop to frame pixels, as
    /// [a, b, c, d, e, f] with x = a·u + b·v + c and y = d·u + e·v + f (pixel centres at integers).
    /// </summary>
    public float[] CropToFrame(int cropSize)
    {
        var s = Size / cropSize;
        var (cos, sin) = (MathF.Cos(Angle) * s, MathF.Sin(Angle) * s);
        var h = (cropSize - 1) / 2f;
        return [cos, -sin, CenterX - (cos * h) + (sin * h), sin, cos, CenterY - (sin * h) - (cos * h)];
    }
}
