using Mien.Models;
using OpenCvSharp;

namespace Mien.Expressions;

/// <summary>
/// Writes a face crop into an expression model's input as its declaration says (side, grey or colour, channel order,
/// value range, NHWC or NCHW). One place for it, so the classifier and int8 calibration feed a model identically.
/// Not thread-safe (it owns scratch images).
/// </summary>
internal sealed class ExpressionInputEncoder : IDisposable
{
    private readonly bool _rgb;
    private readonly bool _nchw;
    private readonly float _scale;
    private readonly float _offset;
    private readonly bool _unitRange;
    private readonly Mat _converted = new();
    private readonly Mat _small = new();

    public ExpressionInputEncoder(ModelInputSpec input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _nchw = string.Equals(input.Layout, "NCHW", StringComparison.OrdinalIgnoreCase);
        Side = _nchw ? input.Shape[2] : input.Shape[1];
        Grey = !string.Equals(input.Colour, "rgb", StringComparison.OrdinalIgnoreCase) && !string.Equals(input.Colour, "bgr", StringComparison.OrdinalIgnoreCase);
        _rgb = string.Equals(input.Colour, "rgb", StringComparison.OrdinalIgnoreCase);
        _scale = (input.Range[1] - input.Range[0]) / 255f;
        _offset = input.Range[0];
        _unitRange = input.Range[0] == -1f && input.Range[1] == 1f;
    }

    /// <summary>Input side in pixels.</summary>
    public int Side { get; }

    /// <summary>Whether the model reads one grey channel.</summary>
    public bool Grey { get; }

    /// <summary>Floats per image.</summary>
    public int Length => Side * Side * (Grey ? 1 : 3);

    /// <summary>Writes any 8-bit grey or BGR crop (converted to the model's channels first) into <paramref name="item"/>.</summary>
    public void EncodeAny(Mat face, Span<float> item)
    {
        ArgumentNullException.ThrowIfNull(face);
        var source = face;
        if (Grey && face.Channels() == 3)
        {
            Cv2.CvtColor(face, _converted, ColorConversionCodes.BGR2GRAY);
            source = _converted;
        }
        else if (!Grey && face.Channels() == 1)
        {
            Cv2.CvtColor(face, _converted, ColorConversionCodes.GRAY2BGR);
            source = _converted;
        }

        Encode(source, item, []);
    }

    /// <summary>
    /// Resizes an 8-bit image that already has the model's channel count (grey, or BGR) and writes it into
    /// <paramref name="item"/>, and its mirror image into <paramref name="mirrored"/> unless that is empty.
    /// </summary>
    public void Encode(Mat image, Span<float> item, Span<float> mirrored)
    {
        var interpolation = image.Width > Side ? InterpolationFlags.Area : InterpolationFlags.Linear;
        Cv2.Resize(image, _small, new Size(Side, Side), 0, 0, interpolation);
        var channels = Grey ? 1 : 3;
        var plane = Side * Side;
        var mirror = !mirrored.IsEmpty;
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                for (var c = 0; c < channels; c++)
                {
                    // OpenCV stores BGR; an rgb model reads channel 2 first.
                    var source = Grey ? _small.At<byte>(y, x) : _small.At<Vec3b>(y, x)[_rgb ? 2 - c : c];
                    // Human's [-1, 1] mapping is kept exactly as before (v/127.5 − 1) so its results do not move by a rounding.
                    var v = _unitRange ? (source / 127.5f) - 1f : (source * _scale) + _offset;
                    item[Index(y, x, c, channels, plane)] = v;
                    if (mirror)
                    {
                        mirrored[Index(y, Side - 1 - x, c, channels, plane)] = v;
                    }
                }
            }
        }
    }

    private int Index(int y, int x, int c, int channels, int plane) => _nchw ? (c * plane) + (y * Side) + x : (((y * Side) + x) * channels) + c;

    public void Dispose()
    {
        _converted.Dispose();
        _small.Dispose();
    }
}
