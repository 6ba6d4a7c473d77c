using Mien.Faces.Mesh;
using Mien.Models;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Identity.Liveness;

/// <summary>What the two presentation-attack models estimate for one face: both in [0, 1], higher = more like a live face.</summary>
/// <param name="Real">`antispoof` (activation_4, sigmoid): a real face rather than a photo or screen.</param>
/// <param name="Live">`liveness` (activation_6, softmax class 0): a live face.</param>
public readonly record struct LivenessScores(float Real, float Live);

/// <summary>Options of <see cref="PresentationAttackDetector"/>.</summary>
public sealed record PresentationAttackOptions
{
    /// <summary>Crop side relative to the mesh's extent (default 1.2: the crop Human hands these models, the same as faceres's).</summary>
    public float CropScale { get; init; } = 1.2f;

    /// <summary>Pixel range fed to both models (default [0, 1], as Human feeds them; the alternatives exist for the check in docs/identity.md).</summary>
    public PixelRange Range { get; init; } = PixelRange.ZeroToOne;

    /// <summary>
    /// Least <see cref="LivenessScores.Real"/> accepted as live (default 0.62: with <see cref="MinLive"/>, chosen on the
    /// franck and cap12 bursts of the attack set for BPCER ≤ 5 % with the fewest screen attacks accepted; docs/identity.md).
    /// </summary>
    public float MinReal { get; init; } = 0.62f;

    /// <summary>Least <see cref="LivenessScores.Live"/> accepted as live (default 0.70, chosen with <see cref="MinReal"/>).</summary>
    public float MinLive { get; init; } = 0.70f;

    /// <summary>Checks the values; the message names the option, its value and the limit.</summary>
    public void Validate()
    {
        if (float.IsNaN(CropScale) || CropScale is < 0.5f or > 3f)
        {
            throw new ArgumentException($"{nameof(CropScale)} = {CropScale}: must be within [0.5, 3].");
        }

        if (!Enum.IsDefined(Range))
        {
            throw new ArgumentException($"{nameof(Range)} = {Range}: must be one of {string.Join(", ", Enum.GetNames<PixelRange>())}.");
        }

        if (float.IsNaN(MinReal) || MinReal is < 0 or > 1)
        {
            throw new ArgumentException($"{nameof(MinReal)} = {MinReal}: must be within [0, 1].");
        }

        if (float.IsNaN(MinLive) || MinLive is < 0 or > 1)
        {
            throw new ArgumentException($"{nameof(MinLive)} = {MinLive}: must be within [0, 1].");
        }
    }
}

/// <summary>
/// Runs the `antispoof` (128×128) and `liveness` (32×32) models of @vladmandic/human on a face. As Human 3.3.6 feeds
/// them (src/face/antispoof.ts, liveness.ts): the face crop its mesh stage cuts, RGB in [0, 1], resized bilinearly to
/// the model's input, first output value taken as the score. Here the crop is the eye-level square around the mesh
/// (<see cref="PresentationAttackOptions.CropScale"/>). Buffers are reused; not thread-safe (one per request or stream).
/// </summary>
public sealed class PresentationAttackDetector : IDisposable
{
    /// <summary>Manifest id of the anti-spoofing model.</summary>
    public const string AntispoofModelId = "antispoof";

    /// <summary>Manifest id of the liveness model.</summary>
    public const string LivenessModelId = "liveness";

    private readonly ModelRunner _antispoof;
    private readonly ModelRunner _liveness;
    private readonly int _antispoofSize;
    private readonly int _livenessSize;
    private readonly Mat _warped = new();
    private readonly Mat _crop = new();
    private readonly float[] _affine = new float[6];

    /// <summary>Creates a detector over the loaded models.</summary>
    public PresentationAttackDetector(OnnxModel antispoof, OnnxModel liveness, PresentationAttackOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(antispoof);
        ArgumentNullException.ThrowIfNull(liveness);
        Options = options ?? new PresentationAttackOptions();
        Options.Validate();
        if (antispoof.Descriptor.Id != AntispoofModelId || liveness.Descriptor.Id != LivenessModelId)
        {
            throw new ArgumentException($"expected the models '{AntispoofModelId}' and '{LivenessModelId}'; got '{antispoof.Descriptor.Id}' and '{liveness.Descriptor.Id}'");
        }

        _antispoofSize = Side(antispoof);
        _livenessSize = Side(liveness);
        _antispoof = antispoof.CreateRunner(1);
        _liveness = liveness.CreateRunner(1);
    }

    /// <summary>The options in use.</summary>
    public PresentationAttackOptions Options { get; }

    /// <summary>Scores the face around <paramref name="mesh"/> (frame pixels) in the BGR <paramref name="bgr"/>.</summary>
    public LivenessScores Score(Mat bgr, ReadOnlySpan<Point3> mesh)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        if (mesh.Length < 468)
        {
            throw new ArgumentException($"a face mesh has at least 468 points; got {mesh.Length}", nameof(mesh));
        }

        var roi = FaceRoi.FromMesh(mesh, Options.CropScale);
        Cut(bgr, roi, _antispoofSize);
        FaceEmbedder.Fill(_crop, _antispoof.Input, Options.Range);
        _antispoof.Run();
        var real = _antispoof.Output(0)[0];
        Cut(bgr, roi, _livenessSize);
        FaceEmbedder.Fill(_crop, _liveness.Input, Options.Range);
        _liveness.Run();
        var live = _liveness.Output(0)[0];
        return new LivenessScores(real, live);
    }

    /// <summary>Whether <paramref name="scores"/> pass both thresholds.</summary>
    public bool IsLive(LivenessScores scores) => scores.Real >= Options.MinReal && scores.Live >= Options.MinLive;

    private static int Side(OnnxModel model)
    {
        var shape = model.Descriptor.Input.Shape;
        return shape.Count == 4 && shape[1] == shape[2] && shape[1] > 0 && shape[3] == 3
            ? shape[1]
            : throw new ArgumentException($"model '{model.Descriptor.Id}' has input shape [{string.Join(", ", shape)}]; expected N×S×S×3");
    }

    private void Cut(Mat bgr, FaceRoi roi, int size)
    {
        // Warp at up to 4× the input, then area-downsample: closer to TF's bilinear resize of a large crop than a
        // straight bilinear warp to 32 px, which would alias fine texture (moiré, print dots) the models look at.
        var side = Math.Clamp((int)MathF.Round(roi.Size), size, 4 * size);
        Array.Copy(roi.CropToFrame(side), _affine, 6);
        using (var matrix = Mat.FromPixelData(2, 3, MatType.CV_32FC1, _affine))
        {
            Cv2.WarpAffine(bgr, _warped, matrix, new Size(side, side), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Replicate);
        }

        if (side == size)
        {
            _warped.CopyTo(_crop);
        }
        else
        {
            Cv2.Resize(_warped, _crop, new Size(size, size), 0, 0, InterpolationFlags.Area);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _antispoof.Dispose();
        _liveness.Dispose();
        _warped.Dispose();
        _crop.Dispose();
    }
}
