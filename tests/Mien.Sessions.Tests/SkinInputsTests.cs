using System.Buffers.Binary;
using System.Text;
using OpenCvSharp;

namespace Mien.Sessions.Tests;

/// <summary>`mien skin`'s inputs: files and folders expanded to one input per photo or video, in capture order, with reasons for what is left out.</summary>
public sealed class SkinInputsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-skin-inputs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A real JPEG (OpenCV-encoded) with an EXIF APP1 block carrying DateTimeOriginal, in either byte order.</summary>
    private static byte[] JpegWithExif(string? dateTimeOriginal, bool littleEndian = true, string? offset = null)
    {
        using var image = new Mat(32, 48, MatType.CV_8UC3, new Scalar(90, 120, 160));
        var jpeg = image.ImEncode(".jpg");
        if (dateTimeOriginal is null)
        {
            return jpeg;
        }

        // TIFF: header, IFD0 with one entry (ExifIFD pointer), Exif IFD with DateTimeOriginal (and OffsetTimeOriginal), then the strings.
        var tiff = new byte[200];
        void U16(int at, int v)
        {
            if (littleEndian)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), (ushort)v);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at), (ushort)v);
            }
        }

        void U32(int at, int v)
        {
            if (littleEndian)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at), (uint)v);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(at), (uint)v);
            }
        }

        Encoding.ASCII.GetBytes(littleEndian ? "II" : "MM").CopyTo(tiff, 0);
        U16(2, 42);
        U32(4, 8);
        U16(8, 1);                                       // IFD0: one entry
        U16(10, 0x8769); U16(12, 4); U32(14, 1); U32(18, 26); // Exif IFD at 26
        U32(22, 0);
        var entries = offset is null ? 1 : 2;
        U16(26, entries);
        var strings = 26 + 2 + (12 * entries) + 4;
        U16(28, 0x9003); U16(30, 2); U32(32, 20); U32(36, strings);
        Encoding.ASCII.GetBytes(dateTimeOriginal + "\0").CopyTo(tiff, strings);
        if (offset is not null)
        {
            U16(40, 0x9011); U16(42, 2); U32(44, 7); U32(48, strings + 20);
            Encoding.ASCII.GetBytes(offset + "\0").CopyTo(tiff, strings + 20);
        }

        var app1 = new List<byte> { 0xFF, 0xE1 };
        var payload = Encoding.ASCII.GetBytes("Exif\0\0").Concat(tiff).ToArray();
        app1.Add((byte)((payload.Length + 2) >> 8));
        app1.Add((byte)((payload.Length + 2) & 0xFF));
        app1.AddRange(payload);
        return [.. jpeg.Take(2), .. app1, .. jpeg.Skip(2)];
    }

    private string Write(string name, byte[] bytes, DateTime? modified = null)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, modified ?? new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc));
        return path;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Exif_capture_time_is_read_in_either_byte_order_with_its_offset(bool littleEndian)
    {
        Assert.Equal(new DateTimeOffset(2023, 5, 17, 9, 30, 5, TimeSpan.Zero), ExifCaptureTime.Parse(JpegWithExif("2023:05:17 09:30:05", littleEndian)));
        Assert.Equal(new DateTimeOffset(2023, 5, 17, 9, 30, 5, TimeSpan.FromHours(-4)), ExifCaptureTime.Parse(JpegWithExif("2023:05:17 09:30:05", littleEndian, "-04:00")));
        Assert.Null(ExifCaptureTime.Parse(JpegWithExif(null)));
        Assert.Null(ExifCaptureTime.Parse("not a jpeg at all"u8));
        Assert.Null(ExifCaptureTime.Parse(JpegWithExif("garbage-date-here!!", littleEndian)));
    }

    [Fact]
    public void A_folder_yields_its_photos_in_capture_order_and_names_what_it_skips()
    {
        // Names sort a, b, c, d; capture order is c (EXIF 2021), a (EXIF 2022), then by file time d (2023-03) and b (2023-06).
        Write("photos/a.jpg", JpegWithExif("2022:01:01 10:00:00"), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Write("photos/b.png", JpegWithExif(null), new DateTime(2023, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        Write("photos/c.jpeg", JpegWithExif("2021:07:04 08:00:00"), new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Write("photos/d.JPG", JpegWithExif(null), new DateTime(2023, 3, 1, 0, 0, 0, DateTimeKind.Utc));
        Write("photos/notes.txt", "hello"u8.ToArray());
        Write("photos/.hidden.jpg", JpegWithExif(null));
        Directory.CreateDirectory(Path.Combine(_dir, "photos", "sub"));

        var list = SkinInputs.Expand([Path.Combine(_dir, "photos"), Path.Combine(_dir, "photos", "a.jpg"), Path.Combine(_dir, "missing.jpg")]);

        Assert.Equal(["c.jpeg", "a.jpg", "d.JPG", "b.png"], list.Inputs.Select(i => i.Name));
        Assert.Equal([true, true, false, false], list.Inputs.Select(i => i.FromExif));
        Assert.Equal(2, list.Skipped.Count);
        Assert.Contains(list.Skipped, p => p.Spec.EndsWith("notes.txt", StringComparison.Ordinal) && p.Reason.Contains("not an image or video", StringComparison.Ordinal) && !p.Named);
        Assert.Contains(list.Skipped, p => p.Spec.EndsWith("missing.jpg", StringComparison.Ordinal) && p.Reason == "no such file or folder" && p.Named);
    }

    [Fact]
    public void An_empty_folder_is_named_as_having_nothing_to_measure()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "empty"));
        var list = SkinInputs.Expand([Path.Combine(_dir, "empty")]);
        Assert.Empty(list.Inputs);
        Assert.Equal("folder has no image or video files", Assert.Single(list.Skipped).Reason);
    }
}
