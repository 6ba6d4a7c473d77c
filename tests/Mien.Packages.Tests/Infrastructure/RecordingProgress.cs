using System.Collections.Concurrent;

namespace Mien.Packages.Tests.Infrastructure;

/// <summary>Collects progress reports synchronously (unlike <see cref="Progress{T}"/>, which posts them later).</summary>
internal sealed class RecordingProgress : IProgress<DownloadProgress>
{
    private readonly ConcurrentQueue<DownloadProgress> _reports = new();

    public IReadOnlyList<DownloadProgress> Reports => [.. _reports];

    public void Report(DownloadProgress value) => _reports.Enqueue(value);
}
