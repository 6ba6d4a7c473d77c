using OpenCvSharp;

namespace Mien.Media;

/// <summary>Decodes still images (JPEG, PNG, BMP, WebP, TIFF, PNM) into 8-bit BGR frames.</summary>
/// <remarks>
/// Every path is checked before it is opened (a regular file, not a device or FIFO behind a symbolic link), read
/// with a size cap, and its header is parsed by <see cref="ImageHeader"/> before any pixel is decoded, so a
/// decompression bomb is refused at the cost of reading a few bytes rather than after gigabytes were allocated.
/// </remarks>
public static class StillImage
{
    /// <summary>Largest accepted file (bytes): bigger files are refused before decoding.</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>Largest accepted side (pixels) of a decoded image.</summary>
    public const int MaxSide = 16384;

    /// <summary>
    /// Largest accepted image area (pixels), about 360 MB once decoded to BGR: room for 108-megapixel phone photos,
    /// not for the 1-gigapixel images a few kilobytes of PNG or JPEG can declare.
    /// </summary>
    public const long MaxPixels = 120_000_000;

    /// <summary>File extensions treated as still images.</summary>
    public static IReadOnlySet<string> Extensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm", ".pbm", ".pnm",
    };

    /// <summary>Reads <paramref name="path"/> as a BGR image. The caller owns (disposes) the returned Mat.</summary>
    /// <exception cref="MediaException">The file is missing, not a regular file, empty, too large, not an image, or of absurd size.</exception>
    public static Mat Load(string path) => Decode(ReadFile(path), path);

    /// <summary>
    /// Reads the bytes of an image file after checking that it is a regular file of a sane size; the read stops at
    /// <see cref="MaxFileBytes"/> even if the file grows meanwhile.
    /// </summary>
    /// <exception cref="MediaException">The file is missing, not a regular file, empty, too large or unreadable.</exception>
    public static byte[] ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        NativeLogging.EnsureConfigured();
        if (InputFile.Problem(path) is { } problem)
        {
            throw new MediaException(path, problem);
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var length = stream.Length;
            if (length == 0)
            {
                throw new MediaException(path, "file is empty (0 bytes)");
            }

            if (length > MaxFileBytes)
            {
                throw new MediaException(path, $"file is {length / (1024 * 1024)} MiB; images over {MaxFileBytes / (1024 * 1024)} MiB are refused");
            }

            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (EndOfStreamException e)
        {
            throw new MediaException(path, "file shrank while it was read (being written by another program?)", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException(path, $"cannot be read ({e.Message})", e);
        }
    }

    /// <summary>
    /// Reads the header of encoded image bytes and refuses absurd sizes, without decoding pixels.
    /// </summary>
    /// <exception cref="MediaException">The bytes are no image Mien reads, the header is damaged, or the image is too large.</exception>
    public static ImageHeader CheckHeader(ReadOnlySpan<byte> bytes, string source)
    {
        if (!ImageHeader.TryRead(bytes, out var header, out var problem))
        {
            throw new MediaException(source, problem);
        }

        if (header.Width > MaxSide || header.Height > MaxSide || header.Pixels > MaxPixels)
        {
            throw new MediaException(source, $"is {header.Width}x{header.Height} pixels ({header.Format.ToUpperInvariant()} header); sides over {MaxSide} and images over {MaxPixels / 1_000_000} megapixels are refused before decoding");
        }

        return header;
    }

    /// <summary>Decodes encoded image bytes; <paramref name="source"/> names them in errors.</summary>
    /// <exception cref="MediaException">The bytes are no decodable image, or of absurd size.</exception>
    public static Mat Decode(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        NativeLogging.EnsureConfigured();
        var header = CheckHeader(bytes, source);
        Mat image;
        try
        {
            image = Cv2.ImDecode(bytes, ImreadModes.Color);
        }
        catch (OpenCVException e)
        {
            throw new MediaException(source, $"is not a decodable image ({e.Message})", e);
        }

        if (image.Empty())
        {
            image.Dispose();
            throw new MediaException(source, $"is not a decodable image (its {header.Format.ToUpperInvariant()} data is truncated or corrupt)");
        }

        if (image.Width > MaxSide || image.Height > MaxSide)
        {
            // The header said otherwise (e.g. a JPEG whose later frame header differs): still refuse.
            var size = $"{image.Width}x{image.Height}";
            image.Dispose();
            throw new MediaException(source, $"is {size} pixels; sides over {MaxSide} are refused");
        }

        return image;
    }
}
