using OpenCvSharp;

namespace Mien.Media;

/// <summary>Decodes still images (JPEG, PNG, BMP, WebP, TIFF…) into 8-bit BGR frames.</summary>
public static class StillImage
{
    /// <summary>Largest accepted file (bytes): bigger files are refused before decoding.</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>Largest accepted side (pixels) of a decoded image.</summary>
    public const int MaxSide = 16384;

    /// <summary>File extensions treated as still images.</summary>
    public static IReadOnlySet<string> Extensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm",
    };

    /// <summary>Reads <paramref name="path"/> as a BGR image. The caller owns (disposes) the returned Mat.</summary>
    /// <exception cref="MediaException">The file is missing, empty, too large, not an image, or of absurd size.</exception>
    public static Mat Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (Directory.Exists(path))
        {
            throw new MediaException(path, "is a folder, not an image file");
        }

        if (!info.Exists)
        {
            throw new MediaException(path, "file not found");
        }

        if (info.Length == 0)
        {
            throw new MediaException(path, "file is empty (0 bytes)");
        }

        if (info.Length > MaxFileBytes)
        {
            throw new MediaException(path, $"file is {info.Length / (1024 * 1024)} MiB; images over {MaxFileBytes / (1024 * 1024)} MiB are refused");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException(path, $"cannot be read ({e.Message})", e);
        }

        return Decode(bytes, path);
    }

    /// <summary>Decodes encoded image bytes; <paramref name="source"/> names them in errors.</summary>
    public static Mat Decode(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
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
            throw new MediaException(source, "is not a decodable image (unknown format, or truncated/corrupt data)");
        }

        if (image.Width > MaxSide || image.Height > MaxSide)
        {
            var size = $"{image.Width}x{image.Height}";
            image.Dispose();
            throw new MediaException(source, $"is {size} pixels; sides over {MaxSide} are refused");
        }

        return image;
    }
}
