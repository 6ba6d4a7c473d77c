using Mien.Models;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Faces.Mesh;

/// <summary>One face mesh: 468 points (478 with iris) in frame pixels, with the model's face-presence score.</summary>
/// <param name="Points">Mesh points; the last ten are the iris rings (468–472 right, 473–477 left) when iris refinement ran.</param>
/// <param name="Presence">The model's face flag in [0, 1]; low means the ROI has lost the face.</param>
/// <param name="Roi">The region the mesh was computed in.</param>
public sealed record FaceMesh(Point3[] Points, float Presence, FaceRoi Roi);

/// <summary>Options of <see cref="FaceMeshEstimator"/>.</summary>
public sealed record FaceMeshOptions
{
    /// <summary>Below this face-presence score the mesh is rejected (default 0.5).</summary>
    public float MinPresence { get; init; } = 0.5f;

    /// <summary>Also run the iris model on both eyes and append the ten iris points (default true).</summary>
    public bool Iris { get; init; } = true;
}

/// <summary>
/// MediaPipe's face mesh (facemesh, 192×192) on a rotation-aligned crop, plus the iris model on both eyes:
/// 478 points in frame pixels. Buffers are reused between calls; not thread-safe.
/// </summary>
public sealed class FaceMeshEstimator : IDisposable
{
    /// <summary>Model ids this estimator needs.</summary>
    public const string MeshModelId = "facemesh";

    /// <summary>The iris model id.</summary>
    public const string IrisModelId = "iris";

    private const int MeshSize = 192;
    private const int IrisSize = 64;

    /// <summary>Eye crop side as a multiple of the corner-to-corner eye width (Human/MediaPipe use 2.3).</summary>
    private const float EyeCropScale = 2.3f;

    /// <summary>Per eye: outer and inner corner, whether the crop is mirrored (the model expects a right eye), first iris index.</summary>
    private static readonly (int Outer, int Inner, bool Flip, int Target)[] Eyes = [(33, 133, false, 468), (263, 362, true, 473)];

    /// <summary>Mesh indices of each eye's lower lid (outer to inner corner) then upper lid, in the iris model's contour order.</summary>
    private static readonly int[][] EyeLids =
    [
        [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173],
        [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398],
    ];

    private readonly ModelRunner _mesh;
    private readonly ModelRunner? _iris;
    private readonly FaceMeshOptions _options;
    private readonly Mat _crop = new();
    private readonly Mat _eye = new();
    private readonly Mat _rgb = new();
    private readonly Mat _scaled = new();
    private readonly float[] _affine = new float[6];

    /// <summary>Creates the estimator over loaded facemesh and (optionally) iris models.</summary>
    public FaceMeshEstimator(OnnxModel mesh, OnnxModel? iris, FaceMeshOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        _options = options ?? new FaceMeshOptions();
        _mesh = mesh.CreateRunner(1);
        if (_options.Iris)
        {
            _iris = (iris ?? throw new ArgumentNullException(nameof(iris), "iris refinement is on but no iris model was given")).CreateRunner(2);
        }
    }

    /// <summary>Runs the mesh in <paramref name="roi"/> of a BGR frame; null when the face is not there (presence too low).</summary>
    public FaceMesh? Estimate(Mat bgr, FaceRoi roi)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        WarpToInput(bgr, roi, MeshSize, _crop, flip: false);
        WriteRgb01(_crop, _mesh.Input, MeshSize);
        _mesh.Run();
        var presence = _mesh.Output("output_faceflag")[0];
        if (presence < _options.MinPresence)
        {
            return null;
        }

        var raw = _mesh.Output("output_mesh");
        var points = new Point3[_iris is null ? 468 : 478];
        var m = roi.CropToFrame(MeshSize);
        var zScale = roi.Size / MeshSize;
        for (var i = 0; i < 468; i++)
        {
            var (u, v, z) = (raw[3 * i], raw[(3 * i) + 1], raw[(3 * i) + 2]);
            points[i] = new Point3((m[0] * u) + (m[1] * v) + m[2], (m[3] * u) + (m[4] * v) + m[5], z * zScale);
        }

        if (_iris is not null)
        {
            RefineIris(bgr, roi.Angle, points);
        }

        return new FaceMesh(points, presence, roi);
    }

    /// <summary>Runs the iris model on both eyes as a batch of two (the left eye mirrored, as the model expects a right eye).</summary>
    private void RefineIris(Mat bgr, float angle, Point3[] points)
    {
        var eyes = Eyes;
        var rois = new FaceRoi[2];
        for (var e = 0; e < 2; e++)
        {
            var (outer, inner) = (points[eyes[e].Outer], points[eyes[e].Inner]);
            var width = MathF.Sqrt(((outer.X - inner.X) * (outer.X - inner.X)) + ((outer.Y - inner.Y) * (outer.Y - inner.Y)));
            rois[e] = new FaceRoi((outer.X + inner.X) / 2, (outer.Y + inner.Y) / 2, Math.Max(width * EyeCropScale, 4), angle);
            WarpToInput(bgr, rois[e], IrisSize, _eye, eyes[e].Flip);
            WriteRgb01(_eye, _iris!.Input.Slice(e * IrisSize * IrisSize * 3, IrisSize * IrisSize * 3), IrisSize);
        }

        _iris!.Run();
        var output = _iris.Output(0);
        const int PointsPerEye = 76;
        for (var e = 0; e < 2; e++)
        {
            var m = rois[e].CropToFrame(IrisSize);
            var zScale = rois[e].Size / IrisSize;
            var baseIndex = e * PointsPerEye * 3;
            // The iris model also refines the eyelids (its points 0–8 are the lower lid from outer to inner
            // corner, 9–15 the upper lid): the face mesh alone never quite closes the eyes, which hides blinks.
            var lids = EyeLids[e];
            for (var k = 0; k < lids.Length; k++)
            {
                var p = baseIndex + (k * 3);
                var u = eyes[e].Flip ? IrisSize - 1 - output[p] : output[p];
                var v = output[p + 1];
                points[lids[k]] = points[lids[k]] with { X = (m[0] * u) + (m[1] * v) + m[2], Y = (m[3] * u) + (m[4] * v) + m[5] };
            }

            for (var k = 0; k < 5; k++)
            {
                // Points 71–75 of the iris model are the iris centre and four ring points.
                var p = baseIndex + ((71 + k) * 3);
                var u = eyes[e].Flip ? IrisSize - 1 - output[p] : output[p];
                var v = output[p + 1];
                points[eyes[e].Target + k] = new Point3((m[0] * u) + (m[1] * v) + m[2], (m[3] * u) + (m[4] * v) + m[5], output[p + 2] * zScale);
            }
        }
    }

    private void WarpToInput(Mat bgr, FaceRoi roi, int size, Mat dst, bool flip)
    {
        var m = roi.CropToFrame(size);
        if (flip)
        {
            // Mirror the crop: u' = size-1-u.
            m = [-m[0], m[1], m[2] + (m[0] * (size - 1)), -m[3], m[4], m[5] + (m[3] * (size - 1))];
        }

        Array.Copy(m, _affine, 6);
        using var matrix = Mat.FromPixelData(2, 3, MatType.CV_32FC1, _affine);
        Cv2.WarpAffine(bgr, dst, matrix, new Size(size, size), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Replicate);
    }

    private void WriteRgb01(Mat bgr, Span<float> input, int size)
    {
        // Vectorised in OpenCV: BGR→RGB, then bytes → [0, 1] floats, then one copy into the input tensor.
        Cv2.CvtColor(bgr, _rgb, ColorConversionCodes.BGR2RGB);
        _rgb.ConvertTo(_scaled, MatType.CV_32FC3, 1 / 255.0);
        Detection.BlazeFaceDetector.CopyTo(_scaled, input[..(size * size * 3)]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _mesh.Dispose();
        _iris?.Dispose();
        _crop.Dispose();
        _eye.Dispose();
        _rgb.Dispose();
        _scaled.Dispose();
    }
}
