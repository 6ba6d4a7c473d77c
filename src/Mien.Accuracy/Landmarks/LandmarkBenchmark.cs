using Mien.Failures;
using Mien.Media;
using Mien.Results;

namespace Mien.Accuracy.Landmarks;

/// <summary>One annotated image of a landmark set.</summary>
/// <param name="Image">Image file.</param>
/// <param name="Annotation">Its 68 annotated points.</param>
public sealed record AnnotatedImage(string Image, IReadOnlyList<Point2> Annotation)
{
    /// <summary>Bounding box of the annotated points.</summary>
    public FaceBox Box
    {
        get
        {
            double x0 = double.MaxValue, y0 = double.MaxValue, x1 = double.MinValue, y1 = double.MinValue;
            foreach (var p in Annotation)
            {
                (x0, y0, x1, y1) = (Math.Min(x0, p.X), Math.Min(y0, p.Y), Math.Max(x1, p.X), Math.Max(y1, p.Y));
            }

            return new FaceBox((float)x0, (float)y0, (float)(x1 - x0), (float)(y1 - y0));
        }
    }

    /// <summary>
    /// The image/annotation pairs of a folder: every <c>name.pts</c> with an image of the same name beside it, sorted by
    /// name (so subsets are reproducible). <paramref name="limit"/> keeps the first N.
    /// </summary>
    /// <exception cref="InputException">The folder is missing, or holds no annotated image.</exception>
    public static IReadOnlyList<AnnotatedImage> Scan(string folder, int? limit = null)
    {
        if (!Directory.Exists(folder))
        {
            throw new InputException($"{folder}: no such folder (expected images with 68-point .pts files beside them).");
        }

        var list = new List<AnnotatedImage>();
        foreach (var pts in Directory.GetFiles(folder, "*.pts").Order(StringComparer.Ordinal))
        {
            var stem = Path.ChangeExtension(pts, null);
            var image = StillImage.Extensions.Select(e => stem + e).FirstOrDefault(File.Exists);
            if (image is null)
            {
                continue;
            }

            list.Add(new AnnotatedImage(image, Pts68.Read(pts)));
            if (list.Count == limit)
            {
                break;
            }
        }

        return list.Count == 0 ? throw new InputException($"{folder}: no image with a .pts annotation beside it.") : list;
    }
}

/// <summary>What the mesh reached on one annotated image.</summary>
/// <param name="Image">Image file.</param>
/// <param name="Detected">A detection overlapped the annotated face (IoU ≥ <see cref="LandmarkBenchmark.MinIou"/>) and the mesh found it.</param>
/// <param name="Iou">IoU of the matched detection with the annotated points' box (0 when none).</param>
/// <param name="Error">The landmark error (null when not detected).</param>
/// <param name="Mesh">The mesh of the annotated face (null when not detected), for callers that measure more (skin).</param>
public sealed record LandmarkImageResult(string Image, bool Detected, double Iou, LandmarkError? Error, IReadOnlyList<Point3>? Mesh);

/// <summary>Landmark accuracy of the face mesh on a 68-point annotated set (HELEN test, 300-W convention).</summary>
public static class LandmarkBenchmark
{
    /// <summary>
    /// A detection counts as the annotated face when its box overlaps the annotated points' box by this IoU. BlazeFace's
    /// box runs brow to chin like the points' box, so true matches sit around 0.5–0.8; another face in the picture near 0.
    /// </summary>
    public const double MinIou = 0.3;

    /// <summary>Runs detection and mesh on one annotated image.</summary>
    /// <exception cref="InputException">The image cannot be read.</exception>
    public static LandmarkImageResult Run(StillFaces faces, AnnotatedImage image, Action<OpenCvSharp.Mat, IReadOnlyList<Point3>>? alsoWithMesh = null)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(image);
        using var bgr = StillImage.Load(image.Image);
        var truth = image.Box;
        StillFace? best = null;
        var bestIou = 0.0;
        foreach (var f in faces.Analyze(bgr))
        {
            var iou = StillFaces.Iou(f.Detection.Box, truth);
            if (iou > bestIou)
            {
                (best, bestIou) = (f, iou);
            }
        }

        if (best?.Mesh is not { } mesh || bestIou < MinIou)
        {
            return new LandmarkImageResult(image.Image, false, bestIou, null, null);
        }

        alsoWithMesh?.Invoke(bgr, mesh.Points);
        var error = LandmarkError.Measure(MeshTo68.Map(mesh.Points), image.Annotation);
        return new LandmarkImageResult(image.Image, true, bestIou, error, mesh.Points);
    }
}
