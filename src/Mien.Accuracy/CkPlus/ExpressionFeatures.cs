using Mien.Accuracy.Landmarks;
using Mien.Affect;
using Mien.Faces.Mesh;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Accuracy.CkPlus;

/// <summary>Which parts of a face's features a classifier uses.</summary>
public enum FeatureSet
{
    /// <summary>The emotion CNN's logits and pooled last-block features.</summary>
    Cnn,

    /// <summary>Mesh shape (68 points, eye-aligned and scaled by the inter-ocular distance) and the 16 geometric action units.</summary>
    Geometry,

    /// <summary>Both.</summary>
    CnnGeometry,

    /// <summary>The 512 ImageNet ResNet-18 features (<see cref="ImageNetEmbedder"/>).</summary>
    ImageNet,

    /// <summary>Emotion CNN, geometry and ImageNet features.</summary>
    CnnGeometryImageNet,

    /// <summary>The 1024 pooled features of the DenseNet-121 teacher (<see cref="TeacherEmbedder"/>).</summary>
    Teacher,

    /// <summary>Emotion CNN, geometry and the teacher's features.</summary>
    CnnGeometryTeacher,
}

/// <summary>The features of one face: CNN part, geometry part (NaN when the mesh did not find the face).</summary>
/// <param name="Cnn">Emotion CNN embedding (<see cref="EmotionEmbedder.Embed"/>).</param>
/// <param name="Geometry">136 normalised shape coordinates then 16 action-unit intensities; NaN when no mesh.</param>
/// <param name="MeshFound">Whether the mesh found the face.</param>
/// <param name="ImageNet">ImageNet features (<see cref="ImageNetEmbedder.Embed"/>), or null when not computed.</param>
/// <param name="Teacher">The teacher's pooled features (<see cref="TeacherEmbedder.Embed"/>), or null when not computed.</param>
public sealed record FaceFeatures(float[] Cnn, float[] Geometry, bool MeshFound, float[]? ImageNet = null, float[]? Teacher = null)
{
    /// <summary>The vector for <paramref name="set"/>.</summary>
    /// <exception cref="InvalidOperationException">An ImageNet or teacher set is asked of features computed without them.</exception>
    public float[] For(FeatureSet set) => set switch
    {
        FeatureSet.Cnn => Cnn,
        FeatureSet.Geometry => Geometry,
        FeatureSet.CnnGeometry => [.. Cnn, .. Geometry],
        FeatureSet.ImageNet => ImageNetOrThrow(),
        FeatureSet.CnnGeometryImageNet => [.. Cnn, .. Geometry, .. ImageNetOrThrow()],
        FeatureSet.Teacher => TeacherOrThrow(),
        FeatureSet.CnnGeometryTeacher => [.. Cnn, .. Geometry, .. TeacherOrThrow()],
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "unknown feature set"),
    };

    private float[] ImageNetOrThrow() =>
        ImageNet ?? throw new InvalidOperationException("these features were computed without the ImageNet embedder");

    private float[] TeacherOrThrow() =>
        Teacher ?? throw new InvalidOperationException("these features were computed without the teacher embedder");
}

/// <summary>
/// Computes <see cref="FaceFeatures"/> for a tight face crop (CK+48, FER2013-style) or for a face in a frame with its
/// mesh. Crops are upscaled to the mesh model's 192 px before the mesh runs in a centred ROI, then once in its own ROI.
/// Not thread-safe.
/// </summary>
public sealed class ExpressionFeatureExtractor : IDisposable
{
    /// <summary>Geometry length: 68 × (x, y) + 16 action units.</summary>
    public const int GeometryLength = (2 * Pts68.Count) + 16;

    private const int MeshSide = 192;

    /// <summary>
    /// ROI side as a multiple of the crop side: tight 48×48 crops run brow to chin, and the mesh model expects the face
    /// to fill about two thirds of its input, as MediaPipe's 1.5× box scale gives; 1.5 here.
    /// </summary>
    private const float CropRoiScale = 1.5f;

    private readonly EmotionEmbedder _embedder;
    private readonly StillFaces _faces;
    private readonly ImageNetEmbedder? _imageNet;
    private readonly TeacherEmbedder? _teacher;
    private readonly Mat _big = new();
    private readonly Mat _bgr = new();

    /// <summary>Creates the extractor (the caller keeps ownership of the parts).</summary>
    /// <param name="embedder">The emotion CNN's embedding.</param>
    /// <param name="faces">The face mesh for crops.</param>
    /// <param name="imageNet">ImageNet features too (about 25 ms more per face), or null.</param>
    /// <param name="teacher">The teacher's features too (about 32 ms more per face), or null.</param>
    public ExpressionFeatureExtractor(EmotionEmbedder embedder, StillFaces faces, ImageNetEmbedder? imageNet = null, TeacherEmbedder? teacher = null)
    {
        _embedder = embedder ?? throw new ArgumentNullException(nameof(embedder));
        _faces = faces ?? throw new ArgumentNullException(nameof(faces));
        _imageNet = imageNet;
        _teacher = teacher;
    }

    /// <summary>Features of a tight face crop (grey or BGR).</summary>
    public FaceFeatures FromCrop(Mat crop)
    {
        ArgumentNullException.ThrowIfNull(crop);
        var cnn = _embedder.Embed(crop);
        if (crop.Channels() == 1)
        {
            Cv2.CvtColor(crop, _bgr, ColorConversionCodes.GRAY2BGR);
        }
        else
        {
            crop.CopyTo(_bgr);
        }

        Cv2.Resize(_bgr, _big, new Size(MeshSide, MeshSide), 0, 0, InterpolationFlags.Cubic);
        var mesh = _faces.MeshOf(_big, new FaceRoi(MeshSide / 2f, MeshSide / 2f, MeshSide * CropRoiScale, 0));
        return new FaceFeatures(cnn, mesh is null ? Missing() : Geometry(mesh.Points), mesh is not null, _imageNet?.Embed(crop), _teacher?.Embed(crop));
    }

    /// <summary>Features of a face in a BGR frame whose mesh is known (the emotion crop is taken as the pipeline takes it).</summary>
    public FaceFeatures FromFrame(Mat bgr, IReadOnlyList<Point3> mesh, float expressionCropScale = 1.0f)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(mesh);
        var points = mesh as Point3[] ?? [.. mesh];
        return FromFrame(bgr, points, FaceRoi.FromMesh(points, expressionCropScale));
    }

    /// <summary>Features of a face in a BGR frame: the CNN part from the rotated square <paramref name="roi"/>, the geometry from <paramref name="mesh"/> (frame pixels).</summary>
    public FaceFeatures FromFrame(Mat bgr, IReadOnlyList<Point3> mesh, FaceRoi roi)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(mesh);
        var m = roi.CropToFrame(EmotionEmbedder.Size * 2);
        using (var matrix = Mat.FromPixelData(2, 3, MatType.CV_32FC1, m))
        {
            Cv2.WarpAffine(bgr, _big, matrix, new Size(EmotionEmbedder.Size * 2, EmotionEmbedder.Size * 2), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Replicate);
        }

        return new FaceFeatures(_embedder.Embed(_big), Geometry(mesh), true, _imageNet?.Embed(_big), _teacher?.Embed(_big));
    }

    /// <summary>
    /// Shape features of a mesh: the 68 scheme points with the origin between the outer eye corners, rotated so the
    /// eyes are level, divided by the inter-ocular distance (so position, roll and scale drop out), then the 16
    /// action units measured against the population neutral face.
    /// </summary>
    public static float[] Geometry(IReadOnlyList<Point3> mesh)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        var p = MeshTo68.Map(mesh);
        var r = p[MeshTo68.RightEyeOuter];
        var l = p[MeshTo68.LeftEyeOuter];
        var (ox, oy) = ((r.X + l.X) / 2, (r.Y + l.Y) / 2);
        var d = r.DistanceTo(l);
        var angle = Math.Atan2(l.Y - r.Y, l.X - r.X);
        var (cos, sin) = (Math.Cos(-angle) / d, Math.Sin(-angle) / d);
        var result = new float[GeometryLength];
        for (var i = 0; i < p.Length; i++)
        {
            var (x, y) = (p[i].X - ox, p[i].Y - oy);
            result[2 * i] = (float)((x * cos) - (y * sin));
            result[(2 * i) + 1] = (float)((x * sin) + (y * cos));
        }

        var units = ActionUnitEstimator.MeasureStill(mesh).Intensities;
        for (var i = 0; i < 16 && i < units.Count; i++)
        {
            result[(2 * Pts68.Count) + i] = units[i];
        }

        return result;
    }

    private static float[] Missing()
    {
        var g = new float[GeometryLength];
        Array.Fill(g, float.NaN);
        return g;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _big.Dispose();
        _bgr.Dispose();
    }
}
