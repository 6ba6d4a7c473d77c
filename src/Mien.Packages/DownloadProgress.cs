namespace Mien.Packages;

/// <summary>
/// Progress of one tarball download, reported about every 1% (or every MiB when the size is unknown).
/// </summary>
/// <param name="Package">The package being downloaded, as <c>name@version</c>.</param>
/// <param name="BytesReceived">Bytes received so far.</param>
/// <param name="TotalBytes">The size the registry announced, or <see langword="null"/> when it sent none.</param>
public readonly record struct DownloadProgress(string Package, long BytesReceived, long? TotalBytes);
