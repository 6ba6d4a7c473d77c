using Mien.Faces.Geometry;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Skin.Tests;

/// <summary>The same real face put in front of other backdrops: every pixel of the face (its mesh oval, widened a little) is kept exactly, everything else is replaced.</summary>
internal static class Backdrops
{
    /// <summary>Backdrop names, in the order <see cref="Make"/> understands.</summary>
    public static IReadOnlyList<string> Names { get; } = ["white", "grey", "black", "busy"];

    /// <summary>A backdrop of <paramref name="size"/>: flat white, grey or black, or <paramref name="busy"/> (a real photo) resized.</summary>
    public static Mat Make(string name, Size size, Mat busy) => name switch
    {
        "white" => new Mat(size, MatType.CV_8UC3, Scalar.All(255)),
        "grey" => new Mat(size, MatType.CV_8UC3, Scalar.All(128)),
        "black" => new Mat(size, MatType.CV_8UC3, Scalar.All(0)),
        "busy" => busy.Resize(size, 0, 0, InterpolationFlags.Area),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a backdrop"),
    };

    /// <summary>
    /// <paramref name="image"/>'s face (the mesh's face oval grown by <paramref name="margin"/> of the face width, so
    /// the forehead and jaw edge stay) on <paramref name="backdrop"/> (same size).
    /// </summary>
    public static Mat Composite(Mat image, IReadOnlyList<Point3> mesh, Mat backdrop, float margin = 0.08f)
    {
        using var mask = new Mat(image.Size(), MatType.CV_8UC1, Scalar.All(0));
        var oval = FaceRegions.Polygon(mesh, FaceRegion.FaceOval).Select(p => new Point((int)Math.Round(p.X), (int)Math.Round(p.Y))).ToArray();
        Cv2.FillPoly(mask, [oval], Scalar.All(255));
        var width = Math.Abs(mesh[454].X - mesh[234].X);
        var grow = Math.Max(1, (int)Math.Round(margin * width));
        using var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size((2 * grow) + 1, (2 * grow) + 1));
        Cv2.Dilate(mask, mask, kernel);
        var result = backdrop.Clone();
        image.CopyTo(result, mask);
        return result;
    }

    /// <summary>The whole image centred on a backdrop <paramref name="scale"/> times its size (a wide border), with the mesh moved along.</summary>
    public static (Mat Image, Point3[] Mesh) Border(Mat image, IReadOnlyList<Point3> mesh, Mat backdrop, float scale = 2)
    {
        var size = new Size((int)(image.Width * scale), (int)(image.Height * scale));
        using var canvas = backdrop.Size() == size ? backdrop.Clone() : backdrop.Resize(size, 0, 0, InterpolationFlags.Area);
        int x0 = (size.Width - image.Width) / 2, y0 = (size.Height - image.Height) / 2;
        using (var roi = new Mat(canvas, new Rect(x0, y0, image.Width, image.Height)))
        {
            image.CopyTo(roi);
        }

        return (canvas.Clone(), [.. mesh.Select(p => new Point3(p.X + x0, p.Y + y0, p.Z))]);
    }
}
