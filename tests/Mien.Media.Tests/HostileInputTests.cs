using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using Mien.Media.Output;
using OpenCvSharp;

namespace Mien.Media.Tests;

/// <summary>
/// Inputs a hostile but fair user hands Mien (issue 14): special files behind image names, pixel bombs, photo
/// folders with broken or odd members, stills in video clothing. Each gets a clear <see cref="MediaException"/>
/// or is skipped and reported; none is decoded into gigabytes, blocks, or becomes a one-frame video.
/// </summary>
public sealed partial class HostileInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => System.IO.Path.Combine(_dir, name);

    private static byte[] Photo(string ext, int width = 64, int height = 48)
    {
        using var image = new Mat(height, width, MatType.CV_8UC3);
        Cv2.Randu(image, Scalar.All(0), Scalar.All(255));
        Cv2.ImEncode(ext, image, out var bytes);
        return bytes;
    }

    private static async Task<List<Frame>> ReadAll(MediaSource source)
    {
        var frames = new List<Frame>();
        await foreach (var frame in source.ReadAsync())
        {
            frames.Add(frame);
        }

        return frames;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);

    // ---- special files (issue 14, case 7) ----

    [Fact]
    public void Image_named_symlink_to_dev_zero_is_refused_as_a_device_without_reading_it()
    {
        var link = PathOf("zero.jpg");
        File.CreateSymbolicLink(link, "/dev/zero");

        var still = Assert.Throws<MediaException>(() => StillImage.Load(link));
        var source = Assert.Throws<MediaException>(() => MediaSource.Open(link));

        foreach (var e in new[] { still, source })
        {
            Assert.Contains("/dev/zero", e.Message, StringComparison.Ordinal);
            Assert.Contains("character device", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Fifo_is_refused_without_opening_it()
    {
        var fifo = PathOf("pipe.mp4");
        Assert.Equal(0, MakeFifo(fifo, Convert.ToUInt32("644", 8)));

        // Opening a FIFO for reading blocks until a writer appears: refusing must not open it.
        var e = await Task.Run(() => Assert.Throws<MediaException>(() => MediaSource.Open(fifo))).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("named pipe", e.Message, StringComparison.Ordinal);
        Assert.Equal(InputFileKind.Fifo, InputFile.KindOf(fifo));
    }

    [Fact]
    public async Task Special_files_in_a_photo_folder_are_skipped_and_reported()
    {
        File.CreateSymbolicLink(PathOf("a-zero.jpg"), "/dev/zero");
        Assert.Equal(0, MakeFifo(PathOf("b-pipe.png"), Convert.ToUInt32("644", 8)));
        File.WriteAllBytes(PathOf("c-real.png"), Photo(".png"));

        await using var source = await Task.Run(() => MediaSource.Open(_dir)).WaitAsync(TimeSpan.FromSeconds(10));
        var frames = await ReadAll(source);

        Assert.Single(frames);
        Assert.EndsWith("c-real.png", frames[0].Name, StringComparison.Ordinal);
        frames.ForEach(f => f.Dispose());
        Assert.Equal(2, source.SkippedCount);
        Assert.Contains(source.Skips, s => s.Path.EndsWith("a-zero.jpg", StringComparison.Ordinal) && s.Reason.Contains("character device", StringComparison.Ordinal));
        Assert.Contains(source.Skips, s => s.Path.EndsWith("b-pipe.png", StringComparison.Ordinal) && s.Reason.Contains("named pipe", StringComparison.Ordinal));
    }

    [Fact]
    public void Broken_symlink_is_named_as_such()
    {
        var link = PathOf("gone.png");
        File.CreateSymbolicLink(link, PathOf("nowhere.png"));
        var e = Assert.Throws<MediaException>(() => MediaSource.Open(link));
        Assert.Contains("broken link", e.Message, StringComparison.Ordinal);
    }

    // ---- pixel bombs (case 8) ----

    /// <summary>A PNG whose header declares <paramref name="width"/>×<paramref name="height"/> with a few rows of real zlib data.</summary>
    internal static byte[] PngBomb(uint width, uint height)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        Chunk(ms, "IHDR", ihdr);
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[1 + (3 * (long)width)];
            for (var i = 0; i < 4; i++)
            {
                z.Write(row);
            }
        }

        Chunk(ms, "IDAT", compressed.ToArray());
        Chunk(ms, "IEND", []);
        return ms.ToArray();

        static void Chunk(Stream s, string type, byte[] data)
        {
            Span<byte> u32 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(u32, (uint)data.Length);
            s.Write(u32);
            var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            s.Write(typed);
            BinaryPrimitives.WriteUInt32BigEndian(u32, Crc32(typed));
            s.Write(u32);
        }
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    [Theory]
    [InlineData(32000u, 32000u)]
    [InlineData(20000u, 20000u)]
    [InlineData(16000u, 16000u)] // sides under the limit, 256 megapixels over it
    public void Png_bomb_is_refused_from_its_header(uint width, uint height)
    {
        var path = PathOf("bomb.png");
        File.WriteAllBytes(path, PngBomb(width, height));
        var e = Assert.Throws<MediaException>(() => StillImage.Load(path));
        Assert.Contains($"{width}x{height}", e.Message, StringComparison.Ordinal);
        Assert.Contains("refused before decoding", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jpeg_declaring_a_huge_frame_is_refused_from_its_header()
    {
        var bytes = Photo(".jpg");
        var sof = IndexOfSof(bytes);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 5), 60000); // height
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 7), 60000); // width
        var path = PathOf("huge.jpg");
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<MediaException>(() => MediaSource.Open(path));
        Assert.Contains("60000x60000", e.Message, StringComparison.Ordinal);
    }

    private static int IndexOfSof(byte[] jpeg)
    {
        for (var i = 2; i < jpeg.Length - 1; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no SOF marker");
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".jpg")]
    [InlineData(".bmp")]
    [InlineData(".webp")]
    [InlineData(".tiff")]
    [InlineData(".ppm")]
    public void Header_sizes_match_what_opencv_decodes(string ext)
    {
        var bytes = Photo(ext, 123, 45);
        using (var decoded = Cv2.ImDecode(bytes, ImreadModes.Unchanged))
        {
            Assert.Equal((123, 45), (decoded.Width, decoded.Height));
        }

        Assert.True(ImageHeader.TryRead(bytes, out var header, out var problem), problem);
        Assert.Equal((123L, 45L), (header.Width, header.Height));
    }

    // ---- photo folders (case 9) ----

    [Fact]
    public async Task Photo_folder_is_independent_stills_of_any_size_by_default()
    {
        File.WriteAllBytes(PathOf("1.jpg"), Photo(".jpg", 64, 48));
        File.WriteAllBytes(PathOf("2.png"), Photo(".png", 100, 200));
        File.WriteAllBytes(PathOf("3.jpg"), Photo(".jpg", 30, 30));

        await using var source = MediaSource.Open(_dir);
        var frames = await ReadAll(source);

        Assert.Equal("images", source.Info.Kind);
        Assert.True(source.IndependentFrames);
        Assert.Equal(3, frames.Count);
        Assert.All(frames, f => Assert.True(f.Independent));
        Assert.Equal([64, 100, 30], frames.Select(f => f.Image.Width));
        Assert.Equal(["1.jpg", "2.png", "3.jpg"], frames.Select(f => System.IO.Path.GetFileName(f.Name)));
        Assert.Equal(0, source.SkippedCount);
        frames.ForEach(f => f.Dispose());
    }

    [Fact]
    public async Task Image_sequence_skips_and_reports_frames_of_another_size()
    {
        File.WriteAllBytes(PathOf("1.png"), Photo(".png", 64, 48));
        File.WriteAllBytes(PathOf("2.png"), Photo(".png", 80, 48));
        File.WriteAllBytes(PathOf("3.png"), Photo(".png", 64, 48));
        var reported = new List<SkippedInput>();

        await using var source = MediaSource.Open(_dir, new MediaSourceOptions { ImageSequence = true });
        source.Skipped += (_, s) => reported.Add(s);
        var frames = await ReadAll(source);

        Assert.Equal("sequence", source.Info.Kind);
        Assert.False(source.IndependentFrames);
        Assert.Equal(2, frames.Count);
        Assert.All(frames, f => Assert.False(f.Independent));
        var skip = Assert.Single(reported);
        Assert.EndsWith("2.png", skip.Path, StringComparison.Ordinal);
        Assert.Contains("80x48", skip.Reason, StringComparison.Ordinal);
        Assert.Contains("2.png", source.StopReason, StringComparison.Ordinal);
        frames.ForEach(f => f.Dispose());
    }

    [Fact]
    public async Task Empty_first_image_is_skipped_not_fatal()
    {
        File.WriteAllBytes(PathOf("000.jpg"), []);
        File.WriteAllBytes(PathOf("001.jpg"), Photo(".jpg"));

        await using var source = MediaSource.Open(_dir);
        var frames = await ReadAll(source);

        Assert.Single(frames);
        Assert.EndsWith("001.jpg", frames[0].Name, StringComparison.Ordinal);
        var skip = Assert.Single(source.Skips);
        Assert.Contains("empty", skip.Reason, StringComparison.Ordinal);
        frames.ForEach(f => f.Dispose());
    }

    [Fact]
    public void Folder_of_only_broken_images_names_the_count_and_first_problems()
    {
        File.WriteAllBytes(PathOf("a.jpg"), []);
        File.WriteAllText(PathOf("b.png"), "not a png");
        var e = Assert.Throws<MediaException>(() => MediaSource.Open(_dir));
        Assert.Contains("none of the 2 image(s)", e.Message, StringComparison.Ordinal);
        Assert.Contains("a.jpg", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Thousands_of_corrupt_images_give_a_bounded_summary_and_a_capped_list()
    {
        File.WriteAllBytes(PathOf("0000.jpg"), Photo(".jpg"));
        var good = Photo(".jpg");
        var truncated = good[..(good.Length / 2)];
        const int Corrupt = 3000;
        for (var i = 1; i <= Corrupt; i++)
        {
            File.WriteAllBytes(PathOf($"{i:D4}.jpg"), i % 2 == 0 ? truncated : "garbage bytes"u8.ToArray());
        }

        await using var source = MediaSource.Open(_dir);
        var frames = await ReadAll(source);
        frames.ForEach(f => f.Dispose());

        Assert.True(frames.Count >= 1);
        Assert.True(source.SkippedCount >= Corrupt / 2, $"{source.SkippedCount} skipped");
        Assert.Equal(MediaSource.MaxListedSkips, source.Skips.Count);
        Assert.True(source.StopReason!.Length < 1000, $"summary of {source.StopReason.Length} chars");
        Assert.Contains($"{source.SkippedCount} of {Corrupt + 1}", source.StopReason, StringComparison.Ordinal);
    }

    // ---- stills in video clothing (case 10) ----

    [Theory]
    [InlineData("photo.mp4")]
    [InlineData("0")]
    [InlineData("noextension")]
    public async Task Jpeg_under_a_video_or_camera_name_is_a_still(string name)
    {
        var path = PathOf(name);
        File.WriteAllBytes(path, Photo(".jpg", 96, 64));

        await using var source = MediaSource.Open(path);
        var frames = await ReadAll(source);

        Assert.Equal("image", source.Info.Kind);
        var frame = Assert.Single(frames);
        Assert.True(frame.Independent);
        Assert.Equal((96, 64), (frame.Image.Width, frame.Image.Height));
        frame.Dispose();
    }

    [Fact]
    public async Task One_frame_video_is_a_still()
    {
        var path = PathOf("single.mp4");
        using (var writer = new VideoWriter(path, FourCC.FromString("mp4v"), 25, new Size(96, 64)))
        {
            using var image = new Mat(64, 96, MatType.CV_8UC3, Scalar.All(120));
            writer.Write(image);
        }

        await using var source = MediaSource.Open(path);
        var frames = await ReadAll(source);

        Assert.Equal("image", source.Info.Kind);
        Assert.Single(frames);
        Assert.True(frames[0].Independent);
        frames.ForEach(f => f.Dispose());
    }

    [Fact]
    public async Task Two_frame_video_stays_a_video()
    {
        var path = PathOf("two.mp4");
        using (var writer = new VideoWriter(path, FourCC.FromString("mp4v"), 25, new Size(96, 64)))
        {
            using var image = new Mat(64, 96, MatType.CV_8UC3, Scalar.All(120));
            writer.Write(image);
            writer.Write(image);
        }

        await using var source = MediaSource.Open(path);
        var frames = await ReadAll(source);

        Assert.Equal("video", source.Info.Kind);
        Assert.Equal(2, frames.Count);
        Assert.All(frames, f => Assert.False(f.Independent));
        frames.ForEach(f => f.Dispose());
    }

    // ---- lesser (case 13) ----

    [Fact]
    public void Annotated_video_without_any_frame_leaves_no_file()
    {
        var path = PathOf("annotated.mp4");
        new AnnotatedVideoWriter(path, 25, 64, 48, anonymize: false).Dispose();
        Assert.False(File.Exists(path), "an unplayable stub was left behind");
    }

    [Fact]
    public void Options_out_of_range_name_option_value_and_limit()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MediaSource.Open(_dir, new MediaSourceOptions { Capacity = 0 }));
        Assert.Contains("Capacity = 0", e.Message, StringComparison.Ordinal);
        Assert.Contains(">= 1", e.Message, StringComparison.Ordinal);
    }
}
