using Mien.Models;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Body;

/// <summary>Where <see cref="MoveNetPoseEstimator"/> places its crop relative to a face box.</summary>
public sealed record MoveNetOptions
{
    /// <summary>
    /// Crop side in face heights (default 6): about shoulder-to-hip for a seated or standing adult, with room
    /// for elbows held out. Larger catches raised hands and hips of far people but makes the body smaller.
    /// </summary>
    public float CropFaceHeights { get; init; } = 6f;

    /// <summary>Space kept above the top of the face box, in face heights (default 0.75): hands on the head stay in view.</summary>
    public float MarginAboveFace { get; init; } = 0.75f;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, value and constraint.</summary>
    public void Validate()
    {
        if (!(CropFaceHeights is >= 2 and <= 20))
        {
            throw new ArgumentException($"{nameof(CropFaceHeights)} = {CropFaceHeights}: must be between 2 and 20 face heights.");
        }

        if (!(MarginAboveFace >= 0 && MarginAboveFace < CropFaceHeights - 1))
        {
            throw new ArgumentException($"{nameof(MarginAboveFace)} = {MarginAboveFace}: must be at least 0 and leave the face inside the crop (< {nameof(CropFaceHeights)} − 1).");
        }
    }
}

/// <summary>
/// MoveNet Lightning (17 COCO keypoints, single person) run once per tracked face, on a square crop hanging
/// below that face, so each person in a group gets their own body. Keypoints come back in frame pixels with
/// an association confidence to the face. Buffers are allocated once; not thread-safe (one per stage).
/// </summary>
/// <remarks>
/// The crop follows the (already tracked and smoothed) face box; MoveNet's own keypoint-driven crop
/// refinement is not done, because re-centring on the previous keypoints can drift to a neighbour's body while
/// the face box cannot. Parts of the crop outside the frame are black, as in TF.js's crop-and-resize.
/// </remarks>
public sealed class MoveNetPoseEstimator : IDisposable
{
    /// <summary>The model id in the manifest.</summary>
    public const string ModelId = "movenet-lightning";

    /// <summary>MoveNet Lightning's input side.</summary>
    public const int InputSize = 192;

    private readonly ModelRunner _runner;
    private readonly MoveNetOptions _options;
    private readonly Mat _crop = new(InputSize, InputSize, MatType.CV_8UC3);
    private readonly Mat _matrix = new(2, 3, MatType.CV_64FC1);

    /// <summary>Creates the estimator over the loaded <c>movenet-lightning</c> model.</summary>
    public MoveNetPoseEstimator(OnnxModel model, MoveNetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Descriptor.Id != ModelId)
        {
            throw new ArgumentException($"expected the '{ModelId}' model, got '{model.Descriptor.Id}'", nameof(model));
        }

        _options = options ?? new MoveNetOptions();
        _options.Validate();
        _runner = model.CreateRunner(1);
    }

    /// <summary>The square frame region (pixels; may extend past the borders) the model sees for <paramref name="face"/>.</summary>
    public FaceBox CropFor(FaceBox face)
    {
        var h = Math.Max(face.Height, face.Width);
        var side = Math.Max(h * _options.CropFaceHeights, 8);
        return new FaceBox(face.CenterX - (side / 2), face.Y - (_options.MarginAboveFace * h), side, side);
    }

    /// <summary>
    /// Estimates the body belonging to <paramref name="face"/> in a BGR frame. Returns null only for an empty
    /// face box; a pose whose keypoints are not there comes back with low scores and association confidence.
    /// Keypoints placed well outside the frame (in the crop's padding) get score 0.
    /// </summary>
    public BodyPose? Estimate(Mat bgrFrame, FaceBox face, int? trackId = null)
    {
        ArgumentNullException.ThrowIfNull(bgrFrame);
        if (bgrFrame.Empty() || bgrFrame.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"expected a non-empty 8-bit BGR frame, got {bgrFrame.Width}×{bgrFrame.Height} {bgrFrame.Type()}", nameof(bgrFrame));
        }

        if (!(face.Width > 1 && face.Height > 1) || !float.IsFinite(face.X) || !float.IsFinite(face.Y))
        {
            return null;
        }

        var crop = CropFor(face);
        var scale = crop.Width / InputSize;

        // Inverse map (output pixel → frame pixel): x = crop.X + scale·(u + 0.5) − 0.5, pixel centres aligned.
        _matrix.Set(0, 0, (double)scale);
        _matrix.Set(0, 1, 0.0);
        _matrix.Set(0, 2, crop.X + (0.5 * scale) - 0.5);
        _matrix.Set(1, 0, 0.0);
        _matrix.Set(1, 1, (double)scale);
        _matrix.Set(1, 2, crop.Y + (0.5 * scale) - 0.5);
        Cv2.WarpAffine(bgrFrame, _crop, _matrix, new Size(InputSize, InputSize), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Constant, Scalar.Black);
        WriteRgbInt32(_crop, _runner.InputInt32);
        _runner.Run();
        var keypoints = Decode(_runner.Output(0), crop);
        DiscountOutsideFrame(keypoints, bgrFrame.Width, bgrFrame.Height, OutsideMargin * crop.Width);
        return new BodyPose(keypoints, face, trackId, BodyParts.Associate(keypoints, face), crop);
    }

    /// <summary>Copies a 192×192 BGR crop into the int32 RGB NHWC input (0–255), swapping channels.</summary>
    internal static void WriteRgbInt32(Mat bgr, Span<int> input)
    {
        var row = InputSize * 3;
        for (var y = 0; y < InputSize; y++)
        {
            ReadOnlySpan<byte> src;
            unsafe
            {
                src = new ReadOnlySpan<byte>((byte*)bgr.Ptr(y), row);
            }

            var dst = input.Slice(y * row, row);
            for (var i = 0; i < row; i += 3)
            {
                dst[i] = src[i + 2];
                dst[i + 1] = src[i + 1];
                dst[i + 2] = src[i];
            }
        }
    }

    /// <summary>
    /// How far (fraction of the crop side, 0.05 ≈ 0.3 face heights) a keypoint may lie beyond the frame border
    /// and keep its score: further out it sits in the black padding, where MoveNet guesses limbs it cannot see.
    /// </summary>
    internal const float OutsideMargin = 0.05f;

    /// <summary>Sets the score of keypoints more than <paramref name="margin"/> pixels outside the frame to 0.</summary>
    internal static void DiscountOutsideFrame(Keypoint[] keypoints, int width, int height, float margin)
    {
        for (var k = 0; k < keypoints.Length; k++)
        {
            var p = keypoints[k];
            if (p.X < -margin || p.Y < -margin || p.X > width + margin || p.Y > height + margin)
            {
                keypoints[k] = p with { Score = 0 };
            }
        }
    }

    /// <summary>Maps MoveNet's (y, x, score) triplets, normalised to the crop, to frame pixels.</summary>
    internal static Keypoint[] Decode(ReadOnlySpan<float> output, FaceBox crop)
    {
        var keypoints = new Keypoint[BodyParts.Count];
        for (var k = 0; k < BodyParts.Count; k++)
        {
            var (y, x, s) = (output[3 * k], output[(3 * k) + 1], output[(3 * k) + 2]);
            keypoints[k] = new Keypoint(BodyParts.Names[k], crop.X + (x * crop.Width), crop.Y + (y * crop.Height), Math.Clamp(s, 0, 1));
        }

        return keypoints;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _runner.Dispose();
        _crop.Dispose();
        _matrix.Dispose();
    }
}
