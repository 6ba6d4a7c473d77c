using Mien.Results;

namespace Mien.Media;

/// <summary>
/// Where a session's frames come from: a file, folder, camera or stream (<see cref="MediaSource"/>), or frames a
/// client pushes (<see cref="PushFrameSource"/>). Frames arrive in timestamp order; each must be disposed after use.
/// </summary>
public interface IFrameSource : IAsyncDisposable
{
    /// <summary>What is being read.</summary>
    SourceInfo Info { get; }

    /// <summary>True for cameras, streams and pushed frames: frames are dropped under load rather than queued.</summary>
    bool IsLive { get; }

    /// <summary>Frames dropped because the consumer was behind.</summary>
    long Dropped { get; }

    /// <summary>Why reading stopped early (e.g. truncated file, stream gone), or null after a normal end.</summary>
    string? StopReason { get; }

    /// <summary>The frames, in order.</summary>
    IAsyncEnumerable<Frame> ReadAsync(CancellationToken cancellationToken = default);
}
