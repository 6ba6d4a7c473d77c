using System.Buffers;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Mien.Packages;

/// <summary>Size limits that keep a hostile archive from filling the disk or running forever.</summary>
/// <param name="MaxEntryBytes">Largest single file extracted.</param>
/// <param name="MaxArchiveBytes">Most uncompressed bytes read from one tarball while looking for the requested files.</param>
internal readonly record struct ExtractionLimits(long MaxEntryBytes, long MaxArchiveBytes)
{
    /// <summary>512 MiB per file, 4 GiB per archive: far above any model file, far below a gzip bomb.</summary>
    public static ExtractionLimits Default { get; } = new(512L << 20, 4L << 30);
}

/// <summary>
/// Extracts the requested files of an npm tarball (gzip'd tar, every entry under one top folder, normally
/// <c>package/</c>). Only regular files whose normalised path equals a requested path are written, so
/// '..' entries, absolute names and links can never place anything outside the target directory.
/// </summary>
internal static class TarballExtractor
{
    /// <summary>
    /// Writes each of <paramref name="files"/> from the tarball in <paramref name="tarball"/> to the same relative path
    /// under <paramref name="targetDirectory"/> and returns their sizes and hashes. Throws <see cref="PackageStoreException"/>
    /// listing every requested file that the package lacks, or when the archive is corrupt or too large.
    /// </summary>
    public static async Task<Dictionary<string, RecordedFile>> ExtractAsync(
        Stream tarball,
        string tarballPath,
        NpmPackageSpec spec,
        IReadOnlyCollection<string> files,
        string targetDirectory,
        ExtractionLimits limits,
        CancellationToken cancellationToken)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(targetDirectory)) + Path.DirectorySeparatorChar;
        var wanted = new HashSet<string>(files, StringComparer.Ordinal);
        var extracted = new Dictionary<string, RecordedFile>(StringComparer.Ordinal);
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);

        try
        {
            var gzip = new GZipStream(tarball, CompressionMode.Decompress, leaveOpen: true);
            await using (gzip.ConfigureAwait(false))
            {
                var limited = new ReadLimitStream(gzip, limits.MaxArchiveBytes);
                var reader = new TarReader(limited, leaveOpen: true);
                await using (reader.ConfigureAwait(false))
                {
                    // Stop as soon as everything is found: model tarballs are large and the wanted files are few.
                    while (extracted.Count < wanted.Count
                        && await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                    {
                        var path = PackagePath.FromEntryName(entry.Name);
                        if (path is null || !wanted.Contains(path) || extracted.ContainsKey(path))
                        {
                            continue;
                        }

                        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
                        {
                            skipped[path] = entry.EntryType switch
                            {
                                TarEntryType.SymbolicLink => $"is a symbolic link to '{entry.LinkName}'; links are not extracted",
                                TarEntryType.HardLink => $"is a hard link to '{entry.LinkName}'; links are not extracted",
                                _ => $"is a {entry.EntryType} entry, not a regular file",
                            };
                            continue;
                        }

                        if (entry.Length > limits.MaxEntryBytes)
                        {
                            throw new PackageStoreException(
                                $"Entry '{entry.Name}' of {spec} in {tarballPath} declares {entry.Length} bytes, more than the {limits.MaxEntryBytes >> 20} MiB "
                                + "Mien extracts for one file. The archive is hostile or not the package Mien expects; nothing was extracted. "
                                + $"Delete {tarballPath} and check the pinned integrity with 'npm view {spec} dist.integrity'.");
                        }

                        var destination = Path.GetFullPath(Path.Combine(root, path));
                        if (!destination.StartsWith(root, StringComparison.Ordinal))
                        {
                            // Unreachable after PackagePath's checks; kept because this is the line that guards the file system.
                            skipped[path] = "resolves outside the package directory";
                            continue;
                        }

                        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                        extracted[path] = await WriteEntryAsync(entry, destination, spec, tarballPath, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        // System.Formats.Tar also throws OverflowException, ArgumentOutOfRangeException (hostile numeric fields: sizes,
        // PAX timestamps) and InvalidOperationException (a PAX header larger than allowed) — found by fuzzing; they
        // mean the same: not a readable archive. Nothing else in this block throws those types.
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or OverflowException or ArgumentOutOfRangeException or InvalidOperationException)
        {
            throw new PackageStoreException(
                $"The tarball of {spec} at {tarballPath} is not a readable gzip'd tar archive ({ex.Message}), although it matches the pinned integrity. "
                + $"Nothing was extracted. Delete {tarballPath} and check the pin with 'npm view {spec} dist.integrity'.",
                ex);
        }
        catch (ArchiveTooLargeException ex)
        {
            throw new PackageStoreException(
                $"The tarball of {spec} at {tarballPath} expands to more than {limits.MaxArchiveBytes >> 20} MiB before all requested files were found; "
                + $"it is hostile (a decompression bomb) or not the package Mien expects. Nothing was extracted. Delete {tarballPath} and check the pinned integrity.",
                ex);
        }

        if (extracted.Count < wanted.Count)
        {
            var missing = wanted
                .Where(file => !extracted.ContainsKey(file))
                .Order(StringComparer.Ordinal)
                .Select(file => skipped.TryGetValue(file, out var why) ? $"'{file}' ({why})" : $"'{file}' (not in the package)");
            throw new PackageStoreException(
                $"{spec} lacks requested file(s): {string.Join(", ", missing)}. Nothing was extracted. Paths are relative to the package root, "
                + $"without the tarball's 'package/' folder; list what the package holds with 'tar tzf {tarballPath}' and fix the requested paths or the pinned version.");
        }

        return extracted;
    }

    private static async Task<RecordedFile> WriteEntryAsync(TarEntry entry, string destination, NpmPackageSpec spec, string tarballPath, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long written = 0;
        var file = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            if (entry.DataStream is { } data)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
                try
                {
                    int read;
                    while ((read = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        written += read;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            file.Flush(flushToDisk: true);
        }

        if (written != entry.Length)
        {
            throw new PackageStoreException(
                $"Entry '{entry.Name}' of {spec} in {tarballPath} ends after {written} of its {entry.Length} bytes; the archive is truncated. "
                + $"Nothing was extracted. Delete {tarballPath} and try again.");
        }

        return new RecordedFile(written, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>Thrown by <see cref="ReadLimitStream"/>; a distinct type so it is not mistaken for a corrupt archive.</summary>
    private sealed class ArchiveTooLargeException : IOException
    {
        public ArchiveTooLargeException()
            : base("The archive expands beyond the extraction limit.")
        {
        }
    }

    /// <summary>A read-only pass-through that fails once more than a set number of bytes has been read.</summary>
    private sealed class ReadLimitStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _read += read;
            return _read > limit ? throw new ArchiveTooLargeException() : read;
        }
    }
}
