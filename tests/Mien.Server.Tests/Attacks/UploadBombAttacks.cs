using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mien.Corpus;
using OpenCvSharp;

namespace Mien.Server.Tests.Attacks;

/// <summary>
/// Pixel bombs, decompression bombs, videos that lie about their size and length, archives posing as video: refused
/// from headers, never decoded or unpacked. Every upload names a subject with analysis and measurements consent, so it
/// passes the consent gate and reaches the media checks (without one it would be refused before its body is read).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class UploadBombAttacks(ServerFixture server, LimitedServerFixture limited)
{
    [Fact]
    public async Task Pixel_bombs_are_refused_from_their_headers_before_any_decoding()
    {
        var before = Uploads(server.DataDirectory);
        using var client = server.Client(server.AdminKey);
        var bombs = new (string Name, byte[] Bytes)[]
        {
            ("png-100000.png", HostileCorpus.PngBomb(100_000, 100_000)),
            ("png-wide.png", HostileCorpus.PngBomb(1_000_000, 1)),
            ("jpeg-65000.jpg", JpegDeclaring(server.Jpegs[0], 65_000, 65_000)),
            // Under the decoder's own 120-megapixel cap, over the service's 3840 a side: decoding it would allocate 300 MB for nothing.
            ("png-10000.png", HostileCorpus.PngBomb(10_000, 10_000)),
            ("jpeg-10000.jpg", JpegDeclaring(server.Jpegs[0], 10_000, 10_000)),
        };
        foreach (var (name, bytes) in bombs)
        {
            var detail = await Wire.ProblemAsync(await client.PostAsync(server.UploadPath("name=" + name), new ByteArrayContent(bytes)), HttpStatusCode.UnprocessableEntity);
            Assert.Contains("before decoding", detail, StringComparison.Ordinal);
        }

        AssertNoUploadsLeft(server.DataDirectory, before);
    }

    [Fact]
    public async Task A_tiny_video_of_huge_frames_is_refused_before_its_frames_are_decoded()
    {
        // 4000x4000 black frames: a few kilobytes on disk, 48 MB per decoded frame.
        var before = Uploads(server.DataDirectory);
        var path = Path.Combine(Path.GetTempPath(), "mien-huge-" + Guid.NewGuid().ToString("N") + ".mp4");
        WriteVideo(path, 4000, 4000, frames: 3, fps: 25);
        try
        {
            using var client = server.Client(server.AdminKey);
            var detail = await Wire.ProblemAsync(await client.PostAsync(server.UploadPath("name=huge.mp4"), new ByteArrayContent(await File.ReadAllBytesAsync(path))), HttpStatusCode.UnprocessableEntity);
            Assert.Contains("MaxVideoSide", detail, StringComparison.Ordinal);
            AssertNoUploadsLeft(server.DataDirectory, before);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_video_that_claims_huge_dimensions_or_duration_is_refused_or_analysed_for_what_it_is()
    {
        var path = Path.Combine(Path.GetTempPath(), "mien-liar-" + Guid.NewGuid().ToString("N") + ".mp4");
        WriteVideo(path, 160, 120, frames: 20, fps: 25);
        var honest = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        var liars = new (string Name, byte[] Bytes)[]
        {
            ("claims-60000.mp4", ClaimSize(honest, 60_000, 60_000)),
            ("claims-forever.mp4", ClaimDuration(honest)),
        };
        using var client = server.Client(server.AdminKey);
        foreach (var (name, bytes) in liars)
        {
            var response = await client.PostAsync(server.UploadPath("name=" + name), new ByteArrayContent(bytes));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.UnprocessableEntity)
            {
                Assert.Matches("MaxVideoSide|MaxDuration|cannot be opened|decoded", body);
                continue;
            }

            // Accepted: then it is analysed at its true size and length (20 small frames) and ends, bounded.
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{name}: {response.StatusCode} {body}");
            var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
            var ended = await server.WaitAsync(client, id, TimeSpan.FromMinutes(2));
            Assert.NotEqual("running", ended.GetProperty("status").GetString());
            Assert.True(!ended.TryGetProperty("frames", out var frames) || frames.ValueKind == JsonValueKind.Null || frames.GetInt64() <= 20, $"{name}: {ended}");

            // Whether it was analysed or failed, the upload is not kept (the project keeps no media).
            Assert.False(File.Exists(ended.GetProperty("mediaPath").GetString()), $"{name} ended {ended.GetProperty("status").GetString()} and its upload is still on disk");
        }
    }

    [Fact]
    public async Task Archives_and_compressed_bodies_posing_as_video_are_refused_by_content_and_never_unpacked()
    {
        var before = Uploads(server.DataDirectory);
        using var client = server.Client(server.AdminKey);
        var clip = await File.ReadAllBytesAsync(server.Clip);

        // A zip holding a real video, named like a video.
        var zip = Zip(("clip.mp4", clip));
        await Wire.ProblemAsync(await client.PostAsync(server.UploadPath("name=clip.mp4"), new ByteArrayContent(zip)), HttpStatusCode.UnsupportedMediaType);

        // A zip bomb: 256 MB of zeros in a quarter of a megabyte.
        var bomb = Zip(("video.mp4", new byte[256 * 1024 * 1024]));
        Assert.True(bomb.Length < 2 * 1024 * 1024);
        await Wire.ProblemAsync(await client.PostAsync(server.UploadPath("name=video.mp4"), new ByteArrayContent(bomb)), HttpStatusCode.UnsupportedMediaType);

        // A gzip body declared as Content-Encoding: the server does not inflate request bodies, so it stays gzip.
        using var gzipped = new MemoryStream();
        using (var gz = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(new byte[256 * 1024 * 1024]);
        }

        var content = new ByteArrayContent(gzipped.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        await Wire.ProblemAsync(await client.PostAsync(server.UploadPath("name=bomb.mp4"), content), HttpStatusCode.UnsupportedMediaType);
        AssertNoUploadsLeft(server.DataDirectory, before);
    }

    [Fact]
    public async Task A_real_video_longer_than_the_limit_is_refused()
    {
        await limited.StartAsync();
        using var client = limited.Client(limited.AdminKey);
        var detail = await Wire.ProblemAsync(await client.PostAsync(limited.UploadPath("name=long.mp4"), new ByteArrayContent(await File.ReadAllBytesAsync(server.Clip))), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("MaxDuration", detail, StringComparison.Ordinal);
    }

    /// <summary>The files in the uploads folder (accepted uploads of other tests wait there until their job ends).</summary>
    private static HashSet<string> Uploads(string data)
    {
        var uploads = Path.Combine(data, "uploads");
        return Directory.Exists(uploads) ? [.. Directory.GetFiles(uploads)] : [];
    }

    private static void AssertNoUploadsLeft(string data, HashSet<string> before)
    {
        var left = Uploads(data).Except(before).ToList();
        Assert.True(left.Count == 0, "a refused upload left a file: " + string.Join(", ", left));
    }

    private static byte[] JpegDeclaring(byte[] jpeg, ushort width, ushort height)
    {
        var bytes = (byte[])jpeg.Clone();
        for (var i = 2; i < bytes.Length - 9; i++)
        {
            if (bytes[i] == 0xFF && bytes[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i + 5), height);
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i + 7), width);
                return bytes;
            }
        }

        throw new InvalidOperationException("no start-of-frame marker in the JPEG");
    }

    private static void WriteVideo(string path, int width, int height, int frames, double fps)
    {
        using var writer = new VideoWriter(path, FourCC.MP4V, fps, new Size(width, height));
        Assert.True(writer.IsOpened(), $"cannot write a {width}x{height} MP4 here");
        using var image = new Mat(height, width, MatType.CV_8UC3, Scalar.Black);
        for (var i = 0; i < frames; i++)
        {
            Cv2.Circle(image, new Point(20 + i, height / 2), 10, Scalar.White, -1);
            writer.Write(image);
        }
    }

    /// <summary>Rewrites the track header's and the sample entry's width and height (the container's claims; the codec's own header is left).</summary>
    private static byte[] ClaimSize(byte[] mp4, ushort width, ushort height)
    {
        var bytes = (byte[])mp4.Clone();
        var tkhd = Find(bytes, "tkhd"u8);
        var tkhdSize = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(tkhd - 4));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(tkhd - 4 + tkhdSize - 8), (uint)width << 16);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(tkhd - 4 + tkhdSize - 4), (uint)height << 16);
        var entry = Find(bytes, "mp4v"u8);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(entry + 28), width);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(entry + 30), height);
        return bytes;
    }

    /// <summary>Makes every sample last 2^31 ticks, and the movie and media durations the largest 32-bit values: a "video" of years.</summary>
    private static byte[] ClaimDuration(byte[] mp4)
    {
        var bytes = (byte[])mp4.Clone();
        var stts = Find(bytes, "stts"u8);
        var entries = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(stts + 8));
        for (var e = 0; e < entries; e++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(stts + 16 + (8 * e)), 0x7FFFFFFF);
        }

        foreach (var box in new[] { "mvhd"u8.ToArray(), "mdhd"u8.ToArray() })
        {
            var at = Find(bytes, box);
            if (bytes[at + 4] == 0)
            {
                // version 0: created(4) modified(4) timescale(4) duration(4)
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at + 4 + 4 + 12), 0xFFFFFFFE);
            }
        }

        return bytes;
    }

    /// <summary>The offset of a box's type code.</summary>
    private static int Find(byte[] bytes, ReadOnlySpan<byte> type)
    {
        var at = bytes.AsSpan().IndexOf(type);
        Assert.True(at >= 4, $"no {System.Text.Encoding.ASCII.GetString(type)} box");
        return at;
    }

    private static byte[] Zip(params (string Name, byte[] Bytes)[] entries)
    {
        using var ms = new MemoryStream();
        using (var archive = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var stream = archive.CreateEntry(name, CompressionLevel.Optimal).Open();
                stream.Write(bytes);
            }
        }

        return ms.ToArray();
    }
}
