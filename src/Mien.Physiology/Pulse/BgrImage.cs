namespace Mien.Physiology.Pulse;

/// <summary>
/// A read-only view of an 8-bit BGR image in borrowed memory (e.g. an OpenCV <c>Mat</c>'s buffer): rows of
/// <see cref="Width"/> × 3 bytes, <see cref="Stride"/> bytes apart. Nothing is copied; the view must not outlive the buffer.
/// </summary>
public readonly ref struct BgrImage
{
    /// <summary>Wraps <paramref name="pixels"/>.</summary>
    /// <exception cref="ArgumentException">The sizes do not fit the buffer.</exception>
    public BgrImage(ReadOnlySpan<byte> pixels, int width, int height, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width * 3);
        if ((long)stride * (height - 1) + (width * 3L) > pixels.Length)
        {
            throw new ArgumentException($"a {width}×{height} BGR image with stride {stride} needs {(long)stride * (height - 1) + (width * 3L)} bytes; the buffer has {pixels.Length}", nameof(pixels));
        }

        Pixels = pixels;
        Width = width;
        Height = height;
        Stride = stride;
    }

    /// <summary>The bytes, row after row (B, G, R per pixel).</summary>
    public ReadOnlySpan<byte> Pixels { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Bytes from one row to the next.</summary>
    public int Stride { get; }
}
