using Mien.Media;
using Mien.Server.Jobs;

namespace Mien.Server.Tests;

/// <summary>A failed job's reason is read by the uploader: it says what went wrong without the server's own paths.</summary>
public sealed class JobFailureTextTests
{
    [Theory]
    [InlineData(28, "no space left on device")]
    [InlineData(122, "disk quota exceeded")]
    [InlineData(30, "read-only file system")]
    [InlineData(9999, "an I/O error")]
    public void File_system_failures_are_told_by_kind_without_the_path(int errno, string words)
    {
        var e = new IOException("No space left on device : '/srv/mien/data/results/4f1c/frames.jsonl'", errno);

        var text = JobRunner.Describe(e);

        Assert.Contains(words, text, StringComparison.Ordinal);
        Assert.DoesNotContain("/srv/mien", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Unexpected_failures_point_to_the_log_instead_of_quoting_the_runtime()
    {
        var text = JobRunner.Describe(new InvalidOperationException("cannot open /var/lib/mien/models/emotion.onnx"));

        Assert.StartsWith("internal error", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/var/lib", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Media_failures_keep_their_problem_but_not_the_uploads_server_path()
    {
        var text = JobRunner.Describe(new MediaException("/srv/mien/uploads/ab12.mp4", "the file is truncated (no moov atom)"));

        Assert.Contains("truncated", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/srv/mien", text, StringComparison.Ordinal);
    }
}
