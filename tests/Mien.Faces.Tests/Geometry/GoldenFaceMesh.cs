using Mien.Faces.Mesh;
using Mien.Models;
using Mien.Results;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Faces.Tests.Geometry;

/// <summary>
/// The real face mesh of the golden 192×192 face crop (tests/golden/inputs/face-192x192x3.u8, a frontal smiling
/// woman) and of transformed copies of it, from the real facemesh model run directly on the crop.
/// </summary>
internal sealed class GoldenFaceMesh : IDisposable
{
    public const int Size = 192;

    private readonly OnnxModel _model;
    private readonly ModelRunner _runner;
    private readonly FaceMeshEstimator _aligned;

    public GoldenFaceMesh(RealModels models)
    {
        _model = models.Load("facemesh");
        _runner = _model.CreateRunner(1);
        _aligned = new FaceMeshEstimator(_model, null, new FaceMeshOptions { Iris = false });
    }

    /// <summary>The golden crop as an 8-bit BGR image (the file holds RGB bytes).</summary>
    public static Mat LoadCrop()
    {
        var rgb = File.ReadAllBytes(Repository.Golden("inputs", "face-192x192x3.u8"));
        Assert.Equal(Size * Size * 3, rgb.Length);
        using var rgbMat = Mat.FromPixelData(Size, Size, MatType.CV_8UC3, rgb);
        var bgr = new Mat();
        Cv2.CvtColor(rgbMat, bgr, ColorConversionCodes.RGB2BGR);
        return bgr;
    }

    /// <summary>Runs facemesh on a 192×192 BGR crop: 468 points in the crop's pixels, and the face flag.</summary>
    public (Point3[] Mesh, float FaceFlag) Run(Mat bgr)
    {
        Assert.Equal(new Size(Size, Size), bgr.Size());
        var input = _runner.Input;
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var p = bgr.At<Vec3b>(y, x);
                var o = ((y * Size) + x) * 3;
                (input[o], input[o + 1], input[o + 2]) = (p.Item2 / 255f, p.Item1 / 255f, p.Item0 / 255f);
            }
        }

        _runner.Run();
        var raw = _runner.Output("output_mesh");
        var mesh = new Point3[468];
        for (var i = 0; i < mesh.Length; i++)
        {
            mesh[i] = new Point3(raw[3 * i], raw[(3 * i) + 1], raw[(3 * i) + 2]);
        }

        return (mesh, _runner.Output("output_faceflag")[0]);
    }

    /// <summary>
    /// Runs facemesh the way the product tracks a face: on a crop rotated so the eyes are level (MediaPipe's
    /// training condition), with the region taken from the previous mesh; two passes from the raw mesh.
    /// </summary>
    public Point3[] RunAligned(Mat bgr)
    {
        var mesh = Run(bgr).Mesh;
        for (var pass = 0; pass < 2; pass++)
        {
            var found = _aligned.Estimate(bgr, FaceRoi.FromMesh(mesh));
            Assert.NotNull(found);
            Assert.True(found.Presence > 0.9f, $"face flag {found.Presence}");
            mesh = found.Points;
        }

        return mesh;
    }

    /// <summary>The crop rotated about its centre by <paramref name="clockwiseDegrees"/> as seen on screen (y down).</summary>
    public static Mat Rotated(Mat bgr, double clockwiseDegrees)
    {
        // OpenCV's angle is counter-clockwise on screen.
        using var m = Cv2.GetRotationMatrix2D(new Point2f((Size - 1) / 2f, (Size - 1) / 2f), -clockwiseDegrees, 1);
        var rotated = new Mat();
        Cv2.WarpAffine(bgr, rotated, m, bgr.Size(), InterpolationFlags.Linear, BorderTypes.Replicate);
        return rotated;
    }

    /// <summary>The crop mirrored left to right.</summary>
    public static Mat Mirrored(Mat bgr)
    {
        var mirrored = new Mat();
        Cv2.Flip(bgr, mirrored, FlipMode.Y);
        return mirrored;
    }

    public void Dispose()
    {
        _aligned.Dispose();
        _runner.Dispose();
        _model.Dispose();
    }
}
