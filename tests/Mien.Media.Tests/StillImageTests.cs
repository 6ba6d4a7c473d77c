using OpenCvSharp;

namespace Mien.Media.Tests;

/// <summary>Bad image input gets a clear <see cref="MediaException"/> naming the file and the problem.</summary>
public sealed class StillImageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-media-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] EncodedGradient(string ext, int width = 64, int height = 48)
    {
        using var image = new Mat(height, width, MatType.CV_8UC3);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image.Set(y, x, new Vec3b((byte)(x * 4), (byte)(y * 5), 128));
            }
        }

        Cv2.ImEncode(ext, image, out var bytes);
        return bytes;
    }

    [Fact]
    public void Png_round_trips_exactly()
    {
        var path = Write("ok.png", EncodedGradient(".png"));
        using var image = StillImage.Load(path);
        Assert.Equal(64, image.Width);
        Assert.Equal(48, image.Height);
        Assert.Equal(new Vec3b(40, 15, 128), image.At<Vec3b>(3, 10));
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var path = Path.Combine(_dir, "nope.jpg");
        var e = Assert.Throws<MediaException>(() => StillImage.Load(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_byte_file_is_reported_as_empty()
    {
        var e = Assert.Throws<MediaException>(() => StillImage.Load(Write("empty.jpg", [])));
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_file_with_image_extension_is_not_decodable()
    {
        var e = Assert.Throws<MediaException>(() => StillImage.Load(Write("notes.jpg", "hello, not a picture"u8.ToArray())));
        Assert.Contains("not a decodable image", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_png_is_not_decodable()
    {
        var bytes = EncodedGradient(".png");
        var e = Assert.Throws<MediaException>(() => StillImage.Load(Write("cut.png", bytes[..(bytes.Length / 3)])));
        Assert.Contains("cut.png", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folder_is_not_an_image()
    {
        var e = Assert.Throws<MediaException>(() => StillImage.Load(_dir));
        Assert.Contains("folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absurd_dimensions_are_refused_before_use()
    {
        // A valid 1×20000 PNG: cheap to decode, but wider than any camera frame Mien accepts.
        using var wide = new Mat(1, StillImage.MaxSide + 1, MatType.CV_8UC3, Scalar.All(7));
        Cv2.ImEncode(".png", wide, out var bytes);
        var e = Assert.Throws<MediaException>(() => StillImage.Load(Write("wide.png", bytes)));
        Assert.Contains("refused", e.Message, StringComparison.Ordinal);
    }
}
