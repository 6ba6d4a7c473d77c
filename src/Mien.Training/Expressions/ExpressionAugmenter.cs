using OpenCvSharp;

namespace Mien.Training.Expressions;

/// <summary>How strongly training images are varied (each probability or range applies per image).</summary>
public sealed record AugmentationOptions
{
    /// <summary>Smallest fraction of the face side kept by the random crop (default 0.8; 1 = no crop).</summary>
    public double MinCropScale { get; init; } = 0.8;

    /// <summary>Largest rotation either way, degrees (default 12).</summary>
    public double MaxRotationDegrees { get; init; } = 12;

    /// <summary>Probability of a mirror image (default 0.5).</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Brightness shift range ± on the 0–1 scale (default 0.15).</summary>
    public double Brightness { get; init; } = 0.15;

    /// <summary>Contrast factor range 1 ± this (default 0.25).</summary>
    public double Contrast { get; init; } = 0.25;

    /// <summary>Gamma range: exp(± this) (default 0.3).</summary>
    public double Gamma { get; init; } = 0.3;

    /// <summary>Probability of a Gaussian blur (σ 0.3–1.2 px; default 0.2).</summary>
    public double BlurProbability { get; init; } = 0.2;

    /// <summary>Probability of a cut-out square (occlusion) of 1/8–3/8 of the side (default 0.4).</summary>
    public double CutoutProbability { get; init; } = 0.4;

    /// <summary>No augmentation (validation, evaluation, parity checks).</summary>
    public static AugmentationOptions None { get; } = new()
    {
        MinCropScale = 1, MaxRotationDegrees = 0, FlipProbability = 0, Brightness = 0, Contrast = 0, Gamma = 0, BlurProbability = 0, CutoutProbability = 0,
    };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option, value and limit.</summary>
    public void Validate()
    {
        Check(nameof(MinCropScale), MinCropScale, 0.3, 1);
        Check(nameof(MaxRotationDegrees), MaxRotationDegrees, 0, 45);
        Check(nameof(FlipProbability), FlipProbability, 0, 1);
        Check(nameof(Brightness), Brightness, 0, 0.5);
        Check(nameof(Contrast), Contrast, 0, 0.9);
        Check(nameof(Gamma), Gamma, 0, 1);
        Check(nameof(BlurProbability), BlurProbability, 0, 1);
        Check(nameof(CutoutProbability), CutoutProbability, 0, 1);
    }

    private static void Check(string name, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
        {
            throw new ArgumentOutOfRangeException(name, value, $"must be within [{min}, {max}]");
        }
    }
}

/// <summary>
/// Writes (augmented) model inputs: one affine warp for the random resized crop, rotation and mirror, then blur,
/// photometric changes (brightness, contrast, gamma) and cut-out, mapped to [-1, 1] as the emotion model expects.
/// Reuses its scratch images; not thread-safe.
/// </summary>
internal sealed class ExpressionAugmenter : IDisposable
{
    private readonly int _side;
    private readonly AugmentationOptions _options;
    private readonly Mat _source;
    private readonly Mat _warped = new();
    private readonly byte[] _pixels;
    private readonly float[] _affine = new float[6];

    public ExpressionAugmenter(int side, AugmentationOptions options)
    {
        options.Validate();
        _side = side;
        _options = options;
        _source = new Mat(side, side, MatType.CV_8UC1);
        _pixels = new byte[side * side];
    }

    /// <summary>Writes image <paramref name="grey"/> (side × side bytes) into <paramref name="destination"/> in [-1, 1].</summary>
    public void Write(byte[] grey, Span<float> destination, Random random)
    {
        var n = _side * _side;
        var o = _options;
        var identity = o.MinCropScale >= 1 && o.MaxRotationDegrees == 0 && o.FlipProbability == 0;
        ReadOnlySpan<byte> pixels = grey;
        if (!identity)
        {
            _source.SetArray(grey);
            var scale = o.MinCropScale + (random.NextDouble() * (1 - o.MinCropScale));
            var angle = ((random.NextDouble() * 2) - 1) * o.MaxRotationDegrees * Math.PI / 180;
            var flip = random.NextDouble() < o.FlipProbability;
            // The kept square (scale × side) may sit anywhere inside the image; its centre moves by up to the slack.
            var slack = (1 - scale) * _side / 2;
            var cx = (_side / 2.0) + (((random.NextDouble() * 2) - 1) * slack);
            var cy = (_side / 2.0) + (((random.NextDouble() * 2) - 1) * slack);
            // Inverse map: output pixel (u, v) → source (x, y) = centre + R·S·(u − c_out, v − c_out) (mirror flips u).
            var c = _side / 2.0;
            var cos = Math.Cos(angle) * scale;
            var sin = Math.Sin(angle) * scale;
            var fx = flip ? -1 : 1;
            _affine[0] = (float)(cos * fx);
            _affine[1] = (float)-sin;
            _affine[2] = (float)(cx - (cos * fx * c) + (sin * c));
            _affine[3] = (float)(sin * fx);
            _affine[4] = (float)cos;
            _affine[5] = (float)(cy - (sin * fx * c) - (cos * c));
            using (var matrix = Mat.FromPixelData(2, 3, MatType.CV_32FC1, _affine))
            {
                Cv2.WarpAffine(_source, _warped, matrix, new Size(_side, _side), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Replicate);
            }

            if (random.NextDouble() < o.BlurProbability)
            {
                var sigma = 0.3 + (random.NextDouble() * 0.9);
                Cv2.GaussianBlur(_warped, _warped, new Size(0, 0), sigma);
            }

            _warped.GetArray(out byte[] data);
            data.AsSpan(0, n).CopyTo(_pixels);
            pixels = _pixels;
        }
        else if (random.NextDouble() < o.BlurProbability)
        {
            _source.SetArray(grey);
            Cv2.GaussianBlur(_source, _warped, new Size(0, 0), 0.3 + (random.NextDouble() * 0.9));
            _warped.GetArray(out byte[] data);
            data.AsSpan(0, n).CopyTo(_pixels);
            pixels = _pixels;
        }

        var brightness = ((random.NextDouble() * 2) - 1) * o.Brightness;
        var contrast = 1 + (((random.NextDouble() * 2) - 1) * o.Contrast);
        var gamma = Math.Exp(((random.NextDouble() * 2) - 1) * o.Gamma);
        var photometric = brightness != 0 || contrast != 1 || gamma != 1;
        Span<float> lut = stackalloc float[256];
        for (var v = 0; v < 256; v++)
        {
            var x = v / 255.0;
            if (photometric)
            {
                x = (((Math.Pow(x, gamma) - 0.5) * contrast) + 0.5) + brightness;
                x = Math.Clamp(x, 0, 1);
            }

            // Inference maps v/127.5 − 1; the same here keeps an unaugmented image bit-identical to what ORT sees.
            lut[v] = photometric ? (float)((x * 2) - 1) : (v / 127.5f) - 1f;
        }

        for (var i = 0; i < n; i++)
        {
            destination[i] = lut[pixels[i]];
        }

        if (random.NextDouble() < o.CutoutProbability)
        {
            var size = (int)(_side * (0.125 + (random.NextDouble() * 0.25)));
            var x0 = random.Next(0, _side - size + 1);
            var y0 = random.Next(0, _side - size + 1);
            for (var y = y0; y < y0 + size; y++)
            {
                destination.Slice((y * _side) + x0, size).Clear();
            }
        }
    }

    public void Dispose()
    {
        _source.Dispose();
        _warped.Dispose();
    }
}
