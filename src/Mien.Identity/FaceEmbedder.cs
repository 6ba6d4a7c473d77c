using System.Numerics.Tensors;
using Mien.Faces.Mesh;
using Mien.Models;
using OpenCvSharp;

namespace Mien.Identity;

/// <summary>Options of <see cref="FaceEmbedder"/>; null values take the model's measured defaults.</summary>
public sealed record FaceEmbedderOptions
{
    /// <summary>Pixel range (default: the model's, see <see cref="EmbeddingModel.Range"/>).</summary>
    public PixelRange? Range { get; init; }

    /// <summary>Crop side relative to the mesh's extent in the eye-aligned frame (default: the model's).</summary>
    public float? CropScale { get; init; }

    /// <summary>Checks the values; the message names the option, its value and the limit.</summary>
    public void Validate()
    {
        if (CropScale is { } s && (float.IsNaN(s) || s is < 0.5f or > 3f))
        {
            throw new ArgumentException($"{nameof(CropScale)} = {s}: must be within [0.5, 3].");
        }
    }
}

/// <summary>
/// Turns a face into an L2-normalised identity descriptor: an eye-level square around the face mesh (the same
/// rotation alignment the mesh uses), warped straight to the model's input, mapped to its pixel range, run, and
/// normalised so that the dot product of two descriptors is their cosine similarity. Buffers are reused; not
/// thread-safe (one per stream).
/// </summary>
public sealed class FaceEmbedder : IDisposable
{
    private readonly ModelRunner _runner;
    private readonly Mat _warped = new();
    private readonly Mat _crop = new();
    private readonly Mat _grey = new();
    private readonly Mat _laplacian = new();
    private readonly float[] _affine = new float[6];
    private readonly int _outputIndex;
    private bool _prepared;

    /// <summary>Creates an embedder over the loaded model <paramref name="model"/> of kind <paramref name="spec"/>.</summary>
    public FaceEmbedder(OnnxModel model, EmbeddingModel spec, FaceEmbedderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        options ??= new FaceEmbedderOptions();
        options.Validate();
        if (!string.Equals(model.Descriptor.Id, spec.ModelId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"model '{model.Descriptor.Id}' is not the embedding model '{spec.ModelId}'", nameof(model));
        }

        Spec = spec;
        Range = options.Range ?? spec.Range;
        CropScale = options.CropScale ?? spec.CropScale;
        _runner = model.CreateRunner(1);
        _outputIndex = -1;
        for (var i = 0; i < model.Descriptor.Outputs.Count; i++)
        {
            if (model.Descriptor.Outputs[i].Name == spec.OutputName)
            {
                _outputIndex = i;
            }
        }

        if (_outputIndex < 0)
        {
            _runner.Dispose();
            throw new ArgumentException($"model '{spec.ModelId}' has no output '{spec.OutputName}'", nameof(spec));
        }
    }

    /// <summary>The model.</summary>
    public EmbeddingModel Spec { get; }

    /// <summary>The pixel range in use.</summary>
    public PixelRange Range { get; }

    /// <summary>The crop scale in use.</summary>
    public float CropScale { get; }

    /// <summary>Descriptor length.</summary>
    public int Dimensions => Spec.Dimensions;

    /// <summary>
    /// Cuts the face around <paramref name="mesh"/> (frame pixels) out of the BGR <paramref name="bgr"/> into the
    /// model-sized crop and returns its sharpness (variance of the Laplacian of the grey crop at the model's size, so
    /// comparable across face sizes). <see cref="Embed"/> then embeds that crop.
    /// </summary>
    public float Prepare(Mat bgr, ReadOnlySpan<Mien.Results.Point3> mesh)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        if (mesh.Length < 468)
        {
            throw new ArgumentException($"a face mesh has at least 468 points; got {mesh.Length}", nameof(mesh));
        }

        var roi = FaceRoi.FromMesh(mesh, CropScale);
        var size = Spec.InputSize;

        // Warp at up to 2× the input, then area-downsample: a large face shrunk straight to the input with bilinear
        // sampling aliases (the networks were trained on smoothly resized crops).
        var side = Math.Clamp((int)MathF.Round(roi.Size), size, 2 * size);
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

        _prepared = true;
        return Sharpness();
    }

    /// <summary>Uses an already cropped face (8-bit BGR or grey, e.g. a tight 48×48 crop), resized to the input, as the crop; returns its sharpness.</summary>
    public float PrepareCrop(Mat face)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (face.Empty() || face.Depth() != MatType.CV_8U)
        {
            throw new ArgumentException($"a face crop must be a non-empty 8-bit image; got {face.Type()} {face.Width}×{face.Height}", nameof(face));
        }

        var size = Spec.InputSize;
        var interpolation = face.Width > size ? InterpolationFlags.Area : InterpolationFlags.Cubic;
        if (face.Channels() == 1)
        {
            Cv2.CvtColor(face, _warped, ColorConversionCodes.GRAY2BGR);
            Cv2.Resize(_warped, _crop, new Size(size, size), 0, 0, interpolation);
        }
        else
        {
            Cv2.Resize(face, _crop, new Size(size, size), 0, 0, interpolation);
        }

        _prepared = true;
        return Sharpness();
    }

    /// <summary>Embeds the prepared crop into <paramref name="destination"/> (length <see cref="Dimensions"/>), L2-normalised.</summary>
    /// <exception cref="InvalidOperationException">Nothing was prepared.</exception>
    public void Embed(Span<float> destination)
    {
        if (!_prepared)
        {
            throw new InvalidOperationException("call Prepare or PrepareCrop before Embed");
        }

        if (destination.Length != Dimensions)
        {
            throw new ArgumentException($"the destination holds {destination.Length} values; '{Spec.ModelId}' gives {Dimensions}", nameof(destination));
        }

        Fill(_crop, _runner.Input, Range);
        _runner.Run();
        var output = _runner.Output(_outputIndex);
        output[..Dimensions].CopyTo(destination);
        Normalise(destination);
    }

    /// <summary>Scales <paramref name="vector"/> to unit length (left as it is when it is all zeros).</summary>
    public static void Normalise(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm<float>(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    /// <summary>Writes the BGR crop as NHWC RGB in <paramref name="range"/> (shared with the liveness models).</summary>
    internal static unsafe void Fill(Mat crop, Span<float> input, PixelRange range)
    {
        var (scale, offset) = range switch
        {
            PixelRange.ZeroToOne => (1f / 255f, 0f),
            PixelRange.MinusOneToOne => (1f / 127.5f, -1f),
            PixelRange.ZeroTo255 => (1f, 0f),
            PixelRange.ArcFace => (1f / 128f, -127.5f / 128f),
            _ => throw new ArgumentOutOfRangeException(nameof(range), range, "unknown pixel range"),
        };
        var size = crop.Width;
        var step = (int)crop.Step();
        var data = (byte*)crop.Data;
        for (var y = 0; y < size; y++)
        {
            var row = new ReadOnlySpan<byte>(data + ((long)y * step), size * 3);
            var o = y * size * 3;
            for (var x = 0; x < size; x++)
            {
                input[o + (3 * x)] = (row[(3 * x) + 2] * scale) + offset;
                input[o + (3 * x) + 1] = (row[(3 * x) + 1] * scale) + offset;
                input[o + (3 * x) + 2] = (row[3 * x] * scale) + offset;
            }
        }
    }

    private float Sharpness()
    {
        Cv2.CvtColor(_crop, _grey, ColorConversionCodes.BGR2GRAY);
        Cv2.Laplacian(_grey, _laplacian, MatType.CV_32F);
        Cv2.MeanStdDev(_laplacian, out _, out var std);
        return (float)(std.Val0 * std.Val0);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _runner.Dispose();
        _warped.Dispose();
        _crop.Dispose();
        _grey.Dispose();
        _laplacian.Dispose();
    }
}
