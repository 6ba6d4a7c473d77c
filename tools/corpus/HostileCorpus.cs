using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using OpenCvSharp;

namespace Mien.Corpus;

/// <summary>Which of Mien's openers a corpus file is meant for.</summary>
internal enum CorpusOpener
{
    /// <summary><c>MediaSource.Open</c> and reading every frame (what <c>mien analyze</c> does first).</summary>
    Media,

    /// <summary><c>AudioClip.Load</c> (what <c>mien voice</c> does first).</summary>
    Audio,

    /// <summary><c>TfjsOnnxImporter.ImportFile</c> on a model.json with its shards.</summary>
    Model,
}

/// <summary>One crafted input.</summary>
/// <param name="Name">What it is, e.g. "png-bomb-32000".</param>
/// <param name="Path">The file or folder.</param>
/// <param name="Opener">Which opener it is for.</param>
/// <param name="Expect">"refused" (must get a clear error), a source kind such as "image" (must open as that), or "any" (either, but cleanly).</param>
internal sealed record CorpusCase(string Name, string Path, CorpusOpener Opener, string Expect = "any");

/// <summary>
/// Generates the hostile-input corpus of issue 14 (no media is kept in the repository; this code is the corpus):
/// truncated, spliced and random media, wrong extensions, stills in video clothing, pixel-bomb headers, broken WAV
/// headers and non-finite samples, damaged model.json and weight shards, and special files (links to /dev/zero,
/// FIFOs, broken and looping links, a folder named like an image). Deterministic: the same files every run.
/// </summary>
/// <remarks>
/// Run by <c>tests/Mien.Corpus.Tests</c> (every opener over every case, well under a minute) and by
/// <c>tools/corpus/generate.sh</c>, which keeps the files for running the CLI over them.
/// </remarks>
internal static partial class HostileCorpus
{
    /// <summary>Writes the corpus into <paramref name="folder"/> (created) and lists the cases.</summary>
    public static IReadOnlyList<CorpusCase> Generate(string folder, string? realModelJson = null)
    {
        Directory.CreateDirectory(folder);
        var cases = new List<CorpusCase>();
        var rng = new Random(14);
        string P(string name) => System.IO.Path.Combine(folder, name);
        void Add(string name, byte[] bytes, CorpusOpener opener, string expect = "any")
        {
            File.WriteAllBytes(P(name), bytes);
            cases.Add(new CorpusCase(name, P(name), opener, expect));
        }

        // ---- real-looking seeds ----
        var jpeg = Encode(".jpg", 320, 240);
        var png = Encode(".png", 320, 240);
        var video = Video(P("seed-video.mp4"), 30);
        var wav = Wav(Sine(16_000, 2), 16_000, isFloat: false);
        var floatWav = Wav(Sine(16_000, 2), 16_000, isFloat: true);

        // ---- images ----
        Add("ok.jpg", jpeg, CorpusOpener.Media, "image");
        Add("empty.jpg", [], CorpusOpener.Media, "refused");
        Add("one-byte.png", [0x89], CorpusOpener.Media, "refused");
        foreach (var cut in new[] { 0.1, 0.5, 0.9 })
        {
            Add($"truncated-{cut * 100:0}.jpg", jpeg[..(int)(jpeg.Length * cut)], CorpusOpener.Media);
            Add($"truncated-{cut * 100:0}.png", png[..(int)(png.Length * cut)], CorpusOpener.Media);
        }

        Add("spliced-jpeg-png.jpg", [.. jpeg[..(jpeg.Length / 2)], .. png[(png.Length / 2)..]], CorpusOpener.Media);
        Add("random.jpg", Random(rng, 50_000), CorpusOpener.Media, "refused");
        Add("random.png", Random(rng, 50_000), CorpusOpener.Media, "refused");
        Add("text.webp", Encoding.UTF8.GetBytes("this is not a picture"), CorpusOpener.Media, "refused");
        Add("png-named.jpg", png, CorpusOpener.Media, "image");
        Add("jpeg-named.mp4", jpeg, CorpusOpener.Media, "image");
        Add("0", jpeg, CorpusOpener.Media, "image");
        Add("jpeg-no-extension", jpeg, CorpusOpener.Media, "image");

        // ---- pixel bombs: headers declaring gigapixels ----
        Add("png-bomb-32000.png", PngBomb(32000, 32000), CorpusOpener.Media, "refused");
        Add("png-bomb-20000.png", PngBomb(20000, 20000), CorpusOpener.Media, "refused");
        Add("png-bomb-wide.png", PngBomb(1_000_000, 1), CorpusOpener.Media, "refused");
        Add("jpeg-bomb-60000.jpg", JpegWithSize(jpeg, 60000, 60000), CorpusOpener.Media, "refused");
        Add("bmp-bomb.bmp", BmpHeader(100_000, 100_000), CorpusOpener.Media, "refused");
        Add("pgm-bomb.pgm", Encoding.ASCII.GetBytes("P5\n99999 99999\n255\n").Concat(new byte[1024]).ToArray(), CorpusOpener.Media, "refused");
        Add("tiff-bomb.tif", TiffHeader(100_000, 100_000), CorpusOpener.Media, "refused");
        Add("webp-bomb.webp", WebPHeader(16_000, 16_000), CorpusOpener.Media, "refused");
        Add("png-bomb-named.mp4", PngBomb(32000, 32000), CorpusOpener.Media, "refused");

        // ---- video ----
        Add("ok.mp4", video, CorpusOpener.Media, "video");
        Add("empty.mp4", [], CorpusOpener.Media, "refused");
        Add("truncated-half.mp4", video[..(video.Length / 2)], CorpusOpener.Media);
        Add("truncated-head.mp4", video[..64], CorpusOpener.Media, "refused");
        var holed = (byte[])video.Clone();
        Array.Fill(holed, (byte)0xFF, holed.Length / 2, Math.Min(4096, holed.Length / 4));
        Add("hole-in-middle.mp4", holed, CorpusOpener.Media);
        Add("random.mp4", Random(rng, 100_000), CorpusOpener.Media, "refused");
        Add("text.mp4", Encoding.UTF8.GetBytes("this is not a video"), CorpusOpener.Media, "refused");
        Add("video-named.jpg", video, CorpusOpener.Media);
        Add("one-frame.mp4", Video(P("seed-one.mp4"), 1), CorpusOpener.Media, "image");
        for (var i = 0; i < 4; i++)
        {
            Add($"mutated-{i}.mp4", ByteMutator.Mutate(video, 1000 + i), CorpusOpener.Media);
            Add($"mutated-{i}.jpg", ByteMutator.Mutate(jpeg, 2000 + i), CorpusOpener.Media);
            Add($"mutated-{i}.png", ByteMutator.Mutate(png, 3000 + i), CorpusOpener.Media);
        }

        // ---- folders ----
        var mixed = P("folder-mixed");
        Directory.CreateDirectory(mixed);
        File.WriteAllBytes(System.IO.Path.Combine(mixed, "000-empty.jpg"), []);
        File.WriteAllBytes(System.IO.Path.Combine(mixed, "001.jpg"), jpeg);
        File.WriteAllBytes(System.IO.Path.Combine(mixed, "002-small.png"), Encode(".png", 64, 48));
        File.WriteAllBytes(System.IO.Path.Combine(mixed, "003-bomb.png"), PngBomb(32000, 32000));
        File.WriteAllBytes(System.IO.Path.Combine(mixed, "004-random.jpg"), Random(rng, 1000));
        cases.Add(new CorpusCase("folder-mixed", mixed, CorpusOpener.Media, "images"));
        var broken = P("folder-all-broken");
        Directory.CreateDirectory(broken);
        for (var i = 0; i < 200; i++)
        {
            File.WriteAllBytes(System.IO.Path.Combine(broken, $"{i:D3}.jpg"), i % 2 == 0 ? jpeg[..(jpeg.Length / 3)] : Random(rng, 300));
        }

        cases.Add(new CorpusCase("folder-all-broken", broken, CorpusOpener.Media, "refused"));
        var noImages = P("folder-no-images");
        Directory.CreateDirectory(noImages);
        File.WriteAllText(System.IO.Path.Combine(noImages, "notes.txt"), "no pictures here");
        cases.Add(new CorpusCase("folder-no-images", noImages, CorpusOpener.Media, "refused"));

        // ---- audio ----
        Add("ok.wav", wav, CorpusOpener.Audio);
        Add("empty.wav", [], CorpusOpener.Audio, "refused");
        Add("riff-only.wav", [.. "RIFF"u8, 4, 0, 0, 0, .. "WAVE"u8], CorpusOpener.Audio, "refused");
        Add("no-fmt.wav", WavWithoutFmt(), CorpusOpener.Audio, "refused");
        Add("fmt-size-0.wav", Patch(wav, 16, 0u), CorpusOpener.Audio, "refused");
        Add("channels-0.wav", Patch16(wav, 22, 0), CorpusOpener.Audio, "refused");
        Add("channels-65535.wav", Patch16(wav, 22, 65535), CorpusOpener.Audio, "refused");
        Add("rate-0.wav", Patch(wav, 24, 0u), CorpusOpener.Audio, "refused");
        Add("rate-huge.wav", Patch(wav, 24, 0xFFFFFFFFu), CorpusOpener.Audio, "refused");
        Add("block-align-wrong.wav", Patch16(wav, 32, 7), CorpusOpener.Audio, "refused");
        Add("bits-12.wav", Patch16(wav, 34, 12), CorpusOpener.Audio, "refused");
        Add("adpcm.wav", Patch16(wav, 20, 2), CorpusOpener.Audio, "refused");
        Add("data-size-2gb.wav", Patch(wav, 40, 0x7FFFFFFFu), CorpusOpener.Audio, "refused");
        Add("truncated.wav", wav[..(wav.Length / 2)], CorpusOpener.Audio);
        Add("header-only.wav", wav[..44], CorpusOpener.Audio, "refused");
        Add("random.wav", Random(rng, 20_000), CorpusOpener.Audio, "refused");
        Add("float-some-nan.wav", FloatWavWith(Sine(16_000, 2), every: 4000, float.NaN), CorpusOpener.Audio);
        Add("float-all-nan.wav", FloatWavWith(Sine(16_000, 2), every: 1, float.NaN), CorpusOpener.Audio, "refused");
        Add("float-infinities.wav", FloatWavWith(Sine(16_000, 2), every: 2, float.PositiveInfinity), CorpusOpener.Audio, "refused");
        Add("wav-header-video-body.wav", [.. wav[..44], .. video], CorpusOpener.Audio);
        Add("video-named.wav", video, CorpusOpener.Audio);
        for (var i = 0; i < 4; i++)
        {
            Add($"mutated-{i}.wav", ByteMutator.Mutate(wav, 4000 + i), CorpusOpener.Audio);
            Add($"mutated-float-{i}.wav", ByteMutator.Mutate(floatWav, 5000 + i), CorpusOpener.Audio);
        }

        // ---- models: model.json + weight shard ----
        foreach (var (name, json, shard) in ModelCases())
        {
            var dir = P($"model-{name}");
            Directory.CreateDirectory(dir);
            File.WriteAllText(System.IO.Path.Combine(dir, "model.json"), json);
            if (shard is not null)
            {
                File.WriteAllBytes(System.IO.Path.Combine(dir, "shard.bin"), shard);
            }

            cases.Add(new CorpusCase($"model-{name}", System.IO.Path.Combine(dir, "model.json"), CorpusOpener.Model, name == "ok" ? "any" : "refused"));
        }

        if (realModelJson is not null && File.Exists(realModelJson))
        {
            // The real emotion model with 4 KiB of its weights overwritten, and its model.json cut short.
            var dir = P("model-real-damaged");
            Directory.CreateDirectory(dir);
            var source = System.IO.Path.GetDirectoryName(realModelJson)!;
            var json = File.ReadAllText(realModelJson);
            File.WriteAllText(System.IO.Path.Combine(dir, "model.json"), json[..(json.Length * 2 / 3)]);
            foreach (var bin in Directory.GetFiles(source, System.IO.Path.GetFileNameWithoutExtension(realModelJson) + "*.bin"))
            {
                File.Copy(bin, System.IO.Path.Combine(dir, System.IO.Path.GetFileName(bin)));
            }

            cases.Add(new CorpusCase("model-real-truncated-json", System.IO.Path.Combine(dir, "model.json"), CorpusOpener.Model, "refused"));
        }

        // ---- special files ----
        foreach (var ext in new[] { ".jpg", ".mp4", ".wav" })
        {
            var link = P($"dev-zero{ext}");
            File.CreateSymbolicLink(link, "/dev/zero");
            cases.Add(new CorpusCase($"dev-zero{ext}", link, ext == ".wav" ? CorpusOpener.Audio : CorpusOpener.Media, "refused"));
            var fifo = P($"fifo{ext}");
            if (MakeFifo(fifo, 0x1A4) == 0)
            {
                cases.Add(new CorpusCase($"fifo{ext}", fifo, ext == ".wav" ? CorpusOpener.Audio : CorpusOpener.Media, "refused"));
            }
        }

        File.CreateSymbolicLink(P("broken-link.jpg"), P("nowhere.jpg"));
        cases.Add(new CorpusCase("broken-link.jpg", P("broken-link.jpg"), CorpusOpener.Media, "refused"));
        File.CreateSymbolicLink(P("loop-a.jpg"), P("loop-b.jpg"));
        File.CreateSymbolicLink(P("loop-b.jpg"), P("loop-a.jpg"));
        cases.Add(new CorpusCase("link-loop.jpg", P("loop-a.jpg"), CorpusOpener.Media, "refused"));
        File.CreateSymbolicLink(P("dev-null.jpg"), "/dev/null");
        cases.Add(new CorpusCase("dev-null.jpg", P("dev-null.jpg"), CorpusOpener.Media, "refused"));
        var zeroFolder = P("folder-with-devices");
        Directory.CreateDirectory(zeroFolder);
        File.CreateSymbolicLink(System.IO.Path.Combine(zeroFolder, "a.jpg"), "/dev/zero");
        _ = MakeFifo(System.IO.Path.Combine(zeroFolder, "b.png"), 0x1A4);
        File.WriteAllBytes(System.IO.Path.Combine(zeroFolder, "c.jpg"), jpeg);
        cases.Add(new CorpusCase("folder-with-devices", zeroFolder, CorpusOpener.Media, "images"));
        Directory.CreateDirectory(P("folder-named.jpg"));
        File.WriteAllBytes(System.IO.Path.Combine(P("folder-named.jpg"), "x.jpg"), jpeg);
        cases.Add(new CorpusCase("folder-named.jpg", P("folder-named.jpg"), CorpusOpener.Media, "images"));
        cases.Add(new CorpusCase("missing.mp4", P("missing.mp4"), CorpusOpener.Media, "refused"));
        cases.Add(new CorpusCase("missing.wav", P("missing.wav"), CorpusOpener.Audio, "refused"));
        return cases;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);

    private static byte[] Encode(string ext, int width, int height)
    {
        using var image = new Mat(height, width, MatType.CV_8UC3);
        Cv2.Randu(image, Scalar.All(0), Scalar.All(255));
        Cv2.GaussianBlur(image, image, new Size(9, 9), 3); // photo-like, so the codecs compress it as they would a photo
        Cv2.ImEncode(ext, image, out var bytes);
        return bytes;
    }

    private static byte[] Video(string path, int frames)
    {
        using (var writer = new VideoWriter(path, FourCC.FromString("mp4v"), 25, new Size(160, 120)))
        {
            using var image = new Mat(120, 160, MatType.CV_8UC3);
            for (var i = 0; i < frames; i++)
            {
                image.SetTo(new Scalar(i * 8 % 255, 100, 200 - (i * 5 % 200)));
                Cv2.Circle(image, new Point(20 + (i * 4), 60), 15, Scalar.White, -1);
                writer.Write(image);
            }
        }

        var bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }

    private static byte[] Random(Random rng, int length)
    {
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }

    internal static byte[] PngBomb(uint width, uint height)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        Chunk(ms, "IHDR", ihdr);
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            // A few megabytes of zero rows: small on disk, gigabytes once decoded.
            var row = new byte[1 + (3 * Math.Min(width, 40_000u))];
            for (var i = 0; i < Math.Min(height, 64u); i++)
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
            var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
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

    private static byte[] JpegWithSize(byte[] jpeg, ushort width, ushort height)
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

        throw new InvalidOperationException("no SOF marker in the seed JPEG");
    }

    private static byte[] BmpHeader(int width, int height)
    {
        var bytes = new byte[54 + 4096];
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(2), (uint)bytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(28), 24);
        return bytes;
    }

    private static byte[] TiffHeader(uint width, uint height)
    {
        var bytes = new byte[8 + 2 + (12 * 2) + 4 + 1024];
        "II*\0"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 2);
        void Entry(int at, ushort tag, uint value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 2), 4); // LONG
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 4), 1);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 8), value);
        }

        Entry(10, 256, width);
        Entry(22, 257, height);
        return bytes;
    }

    private static byte[] WebPHeader(int width, int height)
    {
        var bytes = new byte[30 + 1024];
        "RIFF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        "WEBPVP8X"u8.CopyTo(bytes.AsSpan(8));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), 10);
        var w = width - 1;
        var h = height - 1;
        bytes[24] = (byte)w;
        bytes[25] = (byte)(w >> 8);
        bytes[26] = (byte)(w >> 16);
        bytes[27] = (byte)h;
        bytes[28] = (byte)(h >> 8);
        bytes[29] = (byte)(h >> 16);
        return bytes;
    }

    private static float[] Sine(int rate, double seconds)
    {
        var samples = new float[(int)(rate * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = 0.3f * MathF.Sin(2 * MathF.PI * 220 * i / rate);
        }

        return samples;
    }

    /// <summary>A canonical 44-byte-header WAV: fmt at 12 (size at 16, tag 20, channels 22, rate 24, align 32, bits 34), data size at 40.</summary>
    private static byte[] Wav(float[] mono, int rate, bool isFloat)
    {
        var bytesPer = isFloat ? 4 : 2;
        var data = new byte[mono.Length * bytesPer];
        for (var i = 0; i < mono.Length; i++)
        {
            if (isFloat)
            {
                BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), mono[i]);
            }
            else
            {
                BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(i * 2), (short)Math.Clamp(mono[i] * 32768, -32768, 32767));
            }
        }

        var header = new byte[44];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)(36 + data.Length));
        "WAVEfmt "u8.CopyTo(header.AsSpan(8));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(20), (ushort)(isFloat ? 3 : 1));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(22), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), (uint)(rate * bytesPer));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(32), (ushort)bytesPer);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(34), (ushort)(8 * bytesPer));
        "data"u8.CopyTo(header.AsSpan(36));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(40), (uint)data.Length);
        return [.. header, .. data];
    }

    private static byte[] FloatWavWith(float[] mono, int every, float value)
    {
        var copy = (float[])mono.Clone();
        for (var i = 0; i < copy.Length; i += every)
        {
            copy[i] = value;
        }

        return Wav(copy, 16_000, isFloat: true);
    }

    private static byte[] WavWithoutFmt() => [.. "RIFF"u8, 20, 0, 0, 0, .. "WAVE"u8, .. "data"u8, 8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];

    private static byte[] Patch(byte[] bytes, int at, uint value)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    private static byte[] Patch16(byte[] bytes, int at, ushort value)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    private static IEnumerable<(string Name, string Json, byte[]? Shard)> ModelCases()
    {
        // y = x + bias, a complete TF.js graph model with one float32 weight of 4 values.
        static string Model(string weightShape = "[4]", string dtype = "float32", string paths = "[\"shard.bin\"]", string format = "graph-model", string op = "AddV2") =>
            "{\"format\":\"" + format + "\",\"modelTopology\":{\"node\":[" +
            "{\"name\":\"x\",\"op\":\"Placeholder\",\"attr\":{\"dtype\":{\"type\":\"DT_FLOAT\"},\"shape\":{\"shape\":{\"dim\":[{\"size\":\"1\"},{\"size\":\"4\"}]}}}}," +
            "{\"name\":\"bias\",\"op\":\"Const\",\"attr\":{\"dtype\":{\"type\":\"DT_FLOAT\"},\"value\":{\"tensor\":{\"dtype\":\"DT_FLOAT\",\"tensorShape\":{\"dim\":[{\"size\":\"4\"}]}}}}}," +
            "{\"name\":\"y\",\"op\":\"" + op + "\",\"input\":[\"x\",\"bias\"],\"attr\":{\"T\":{\"type\":\"DT_FLOAT\"}}}]}," +
            "\"weightsManifest\":[{\"paths\":" + paths + ",\"weights\":[{\"name\":\"bias\",\"shape\":" + weightShape + ",\"dtype\":\"" + dtype + "\"}]}]}";
        var shard = new byte[16];
        yield return ("ok", Model(), shard);
        yield return ("truncated-json", Model()[..100], shard);
        yield return ("not-json", "this is not json", shard);
        yield return ("empty-json", "", shard);
        yield return ("json-array", "[1,2,3]", shard);
        yield return ("layers-model", Model(format: "layers-model"), shard);
        yield return ("missing-shard", Model(), null);
        yield return ("short-shard", Model(), new byte[7]);
        yield return ("path-traversal", Model(paths: "[\"../../../../../etc/passwd\"]"), shard);
        yield return ("absolute-path", Model(paths: "[\"/etc/passwd\"]"), shard);
        yield return ("unknown-dtype", Model(dtype: "complex128"), shard);
        yield return ("negative-shape", Model(weightShape: "[-4]"), shard);
        yield return ("huge-shape", Model(weightShape: "[100000,100000,100000]"), shard);
        yield return ("overflowing-shape", Model(weightShape: "[2147483647,2147483647,2147483647,2147483647]"), shard);
        yield return ("unsupported-op", Model(op: "Erfinv"), shard);
        yield return ("nodes-not-array", "{\"format\":\"graph-model\",\"modelTopology\":{\"node\":{}}}", shard);
        yield return ("paths-not-strings", Model(paths: "[1,{}]"), shard);
    }
}
