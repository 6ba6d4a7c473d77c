using FsCheck;
using FsCheck.Fluent;
using Mien.Corpus;
using OpenCvSharp;

namespace Mien.Media.Tests;

/// <summary>
/// Byte-level fuzzing of the image header reader that guards OpenCV's decoders, and of the whole still-image path
/// (header check, then OpenCV). MIEN_FUZZ_ITERATIONS=100000 runs a long campaign.
/// </summary>
public sealed class ImageHeaderFuzzTests
{
    private static byte[] Seed(string ext)
    {
        using var image = new Mat(37, 53, MatType.CV_8UC3);
        Cv2.Randu(image, Scalar.All(0), Scalar.All(255));
        Cv2.ImEncode(ext, image, out var bytes);
        return bytes;
    }

    [Theory]
    [InlineData(".jpg")]
    [InlineData(".png")]
    [InlineData(".bmp")]
    [InlineData(".webp")]
    [InlineData(".tiff")]
    [InlineData(".ppm")]
    public void Mutated_headers_are_read_or_refused_never_thrown(string ext)
    {
        var seed = Seed(ext);
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), s =>
        {
            var bytes = ByteMutator.Mutate(seed, s);
            return ImageHeader.TryRead(bytes, out var header, out var problem)
                ? header.Width > 0 && header.Height > 0
                : problem.Length > 0;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(ByteMutator.Iterations(2000)));
    }

    [Theory]
    [InlineData(".jpg")]
    [InlineData(".png")]
    [InlineData(".webp")]
    [InlineData(".tiff")]
    public void Mutated_images_decode_within_limits_or_get_a_media_exception(string ext)
    {
        var seed = Seed(ext);
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), s =>
        {
            var bytes = ByteMutator.Mutate(seed, s);
            try
            {
                using var image = StillImage.Decode(bytes, $"seed {s}");
                return image.Type() == MatType.CV_8UC3 && (long)image.Width * image.Height <= StillImage.MaxPixels;
            }
            catch (MediaException e)
            {
                return e.Message.StartsWith($"seed {s}: ", StringComparison.Ordinal);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(ByteMutator.Iterations(100)));
    }
}
