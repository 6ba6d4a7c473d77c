using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Mien.Privacy.Encryption;

/// <summary>
/// Files encrypted at rest (uploads, result files): a 64-byte header, then the content in 64 KiB chunks, each sealed
/// with AES-256-GCM under a key derived for this one file, so any chunk can be read on its own (HTTP Range) and
/// nothing can be altered, dropped, reordered or cut off unnoticed.
/// </summary>
/// <remarks>
/// <para>Header: magic "MIENSEAL" (8) | format 1 (1) | 0 (3) | data-key version (4, big-endian) | chunk size (4) |
/// salt (32) | nonce prefix (7) | 0 (5). The file key is HKDF-SHA256(data key, salt, "mien/file/v1" + context):
/// fresh per file, so nonces never repeat across files, and bound to the file's context (e.g. "recording/&lt;id&gt;/faces.csv")
/// so a file moved to another recording or name does not open.</para>
/// <para>Chunk i: nonce = prefix | i (4, big-endian) | 1 if it is the last chunk else 0; associated data = the header.
/// Every chunk but the last is full; an empty file is one empty last chunk. Cutting the file at a chunk boundary
/// leaves a last chunk not sealed as last (detected); swapping chunks changes their nonces (detected).</para>
/// </remarks>
public static class SealedFile
{
    /// <summary>Plaintext bytes per chunk.</summary>
    public const int ChunkSize = 64 * 1024;

    internal const int HeaderSize = 64, TagSize = 16, SaltSize = 32, PrefixSize = 7;
    private const byte Format = 1;
    private static readonly byte[] Magic = "MIENSEAL"u8.ToArray();

    /// <summary>Whether the file starts like a sealed file (no authentication: use <see cref="OpenRead"/> for that).</summary>
    public static bool IsSealed(string path)
    {
        Span<byte> head = stackalloc byte[8];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual(Magic);
    }

    /// <summary>The data-key version a sealed file names in its header.</summary>
    /// <exception cref="EncryptionException">Not a sealed file.</exception>
    public static int KeyVersion(string path)
    {
        var header = new byte[HeaderSize];
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            if (file.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize)
            {
                throw new EncryptionException($"{path} is not a sealed file: shorter than its {HeaderSize}-byte header");
            }
        }

        return ParseHeader(header, path).Version;
    }

    /// <summary>Creates <paramref name="path"/> (replacing it) and returns a write-only stream that seals what is written; dispose it to finish the file.</summary>
    public static Stream Create(string path, DataKey key, string context)
    {
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        try
        {
            return new SealingStream(file, key, context);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Opens a sealed file as a read-only, seekable stream of its plaintext.</summary>
    /// <exception cref="EncryptionException">Not a sealed file, sealed with another key version or context, or altered (also thrown by reads).</exception>
    public static Stream OpenRead(string path, DataKey key, string context)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1);
        try
        {
            return new OpeningStream(file, key, context, path);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Seals a plaintext file into <paramref name="target"/> (written to a temporary name, then renamed).</summary>
    public static void Seal(string source, string target, DataKey key, string context)
    {
        var temporary = target + ".sealing";
        try
        {
            using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            using (var output = Create(temporary, key, context))
            {
                input.CopyTo(output, ChunkSize);
            }

            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Decrypts a sealed file into a new plaintext file (replacing it).</summary>
    public static void Unseal(string source, string target, DataKey key, string context)
    {
        using var input = OpenRead(source, key, context);
        using var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        input.CopyTo(output, ChunkSize);
    }

    internal static (int Version, int ChunkSize, byte[] Salt, byte[] Prefix) ParseHeader(ReadOnlySpan<byte> header, string what)
    {
        if (!header[..8].SequenceEqual(Magic))
        {
            throw new EncryptionException($"{what} is not a sealed file (no MIENSEAL header): it was not written by Mien's encryption at rest, or was replaced");
        }

        if (header[8] != Format)
        {
            throw new EncryptionException($"{what} is sealed in format {header[8]}, which this Mien does not know (it knows {Format})");
        }

        var chunk = BinaryPrimitives.ReadInt32BigEndian(header.Slice(16, 4));
        if (chunk is < 1024 or > (16 << 20))
        {
            throw new EncryptionException($"{what}: its header says chunks of {chunk} bytes, outside 1 KiB–16 MiB: the header was altered");
        }

        return (BinaryPrimitives.ReadInt32BigEndian(header.Slice(12, 4)), chunk, header.Slice(20, SaltSize).ToArray(), header.Slice(20 + SaltSize, PrefixSize).ToArray());
    }

    internal static byte[] FileKey(DataKey key, byte[] salt, string context)
    {
        var info = Encoding.UTF8.GetBytes("mien/file/v1\0" + context);
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Material.ToArray(), 32, salt, info);
    }

    internal static void Nonce(Span<byte> nonce, ReadOnlySpan<byte> prefix, long chunk, bool last)
    {
        if (chunk > uint.MaxValue)
        {
            throw new EncryptionException($"a sealed file cannot have more than {uint.MaxValue} chunks");
        }

        prefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.Slice(PrefixSize, 4), (uint)chunk);
        nonce[11] = last ? (byte)1 : (byte)0;
    }

    /// <summary>Buffers one chunk; a full chunk is sealed only when more data follows, so the last chunk is always known.</summary>
    private sealed class SealingStream : Stream
    {
        private readonly FileStream _file;
        private readonly AesGcm _aes;
        private readonly byte[] _header = new byte[HeaderSize];
        private readonly byte[] _prefix;
        private readonly byte[] _plain = new byte[ChunkSize];
        private readonly byte[] _sealed = new byte[ChunkSize + TagSize];
        private int _filled;
        private long _chunk;
        private long _length;
        private bool _finished;

        public SealingStream(FileStream file, DataKey key, string context)
        {
            _file = file;
            Magic.CopyTo(_header, 0);
            _header[8] = Format;
            BinaryPrimitives.WriteInt32BigEndian(_header.AsSpan(12, 4), key.Version);
            BinaryPrimitives.WriteInt32BigEndian(_header.AsSpan(16, 4), ChunkSize);
            RandomNumberGenerator.Fill(_header.AsSpan(20, SaltSize + PrefixSize));
            _prefix = _header.AsSpan(20 + SaltSize, PrefixSize).ToArray();
            var fileKey = FileKey(key, _header.AsSpan(20, SaltSize).ToArray(), context);
            _aes = new AesGcm(fileKey, TagSize);
            CryptographicOperations.ZeroMemory(fileKey);
            _file.Write(_header);
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !_finished;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException("a sealing stream is written front to back");
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_finished, this);
            while (buffer.Length > 0)
            {
                if (_filled == ChunkSize)
                {
                    WriteChunk(last: false);
                }

                var take = Math.Min(buffer.Length, ChunkSize - _filled);
                buffer[..take].CopyTo(_plain.AsSpan(_filled));
                _filled += take;
                _length += take;
                buffer = buffer[take..];
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_finished)
            {
                try
                {
                    WriteChunk(last: true);
                    _file.Flush(flushToDisk: true);
                }
                finally
                {
                    _finished = true;
                    CryptographicOperations.ZeroMemory(_plain);
                    _aes.Dispose();
                    _file.Dispose();
                }
            }

            base.Dispose(disposing);
        }

        private void WriteChunk(bool last)
        {
            Span<byte> nonce = stackalloc byte[12];
            Nonce(nonce, _prefix, _chunk, last);
            _aes.Encrypt(nonce, _plain.AsSpan(0, _filled), _sealed.AsSpan(0, _filled), _sealed.AsSpan(_filled, TagSize), _header);
            _file.Write(_sealed, 0, _filled + TagSize);
            _chunk++;
            _filled = 0;
        }
    }

    /// <summary>Decrypts the chunk under the position on demand (one chunk cached), so seeks cost one chunk.</summary>
    private sealed class OpeningStream : Stream
    {
        private readonly FileStream _file;
        private readonly AesGcm _aes;
        private readonly byte[] _header = new byte[HeaderSize];
        private readonly byte[] _prefix;
        private readonly int _chunkSize;
        private readonly long _chunks;
        private readonly long _length;
        private readonly string _path;
        private readonly byte[] _sealed;
        private readonly byte[] _plain;
        private long _cached = -1;
        private int _cachedLength;
        private long _position;

        public OpeningStream(FileStream file, DataKey key, string context, string path)
        {
            _file = file;
            _path = path;
            if (file.ReadAtLeast(_header, HeaderSize, throwOnEndOfStream: false) < HeaderSize)
            {
                throw new EncryptionException($"{path} is not a sealed file: shorter than its {HeaderSize}-byte header");
            }

            var (version, chunkSize, salt, prefix) = ParseHeader(_header, path);
            if (version != key.Version)
            {
                throw new EncryptionException($"{path} was sealed with data key {version}, not {key.Version}");
            }

            _chunkSize = chunkSize;
            _prefix = prefix;
            var body = file.Length - HeaderSize;
            var record = (long)chunkSize + TagSize;
            _chunks = (body + record - 1) / record;
            var last = body - ((_chunks - 1) * record) - TagSize;
            if (_chunks == 0 || last < 0)
            {
                throw new EncryptionException($"{path} is truncated: {body} bytes after the header do not end with a complete chunk");
            }

            _length = ((_chunks - 1) * chunkSize) + last;
            var fileKey = FileKey(key, salt, context);
            _aes = new AesGcm(fileKey, TagSize);
            CryptographicOperations.ZeroMemory(fileKey);
            _sealed = new byte[record];
            _plain = new byte[chunkSize];

            // The last chunk proves the file is whole (and that key and context are right) before anything is served.
            Load(_chunks - 1);
        }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => _length;

        public override long Position
        {
            get => _position;
            set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "position must be 0 or more");
        }

        public override int Read(Span<byte> buffer)
        {
            var total = 0;
            while (buffer.Length > 0 && _position < _length)
            {
                var chunk = _position / _chunkSize;
                Load(chunk);
                var offset = (int)(_position - (chunk * _chunkSize));
                var take = Math.Min(buffer.Length, _cachedLength - offset);
                _plain.AsSpan(offset, take).CopyTo(buffer);
                buffer = buffer[take..];
                _position += take;
                total += take;
            }

            return total;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                SeekOrigin.End => _length + offset,
                _ => throw new ArgumentOutOfRangeException(nameof(origin)),
            };
            return _position;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                CryptographicOperations.ZeroMemory(_plain);
                _aes.Dispose();
                _file.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Load(long chunk)
        {
            if (chunk == _cached)
            {
                return;
            }

            var last = chunk == _chunks - 1;
            var record = (long)_chunkSize + TagSize;
            var size = (int)(last ? _file.Length - HeaderSize - (chunk * record) : record);
            _file.Position = HeaderSize + (chunk * record);
            _file.ReadExactly(_sealed, 0, size);
            Span<byte> nonce = stackalloc byte[12];
            Nonce(nonce, _prefix, chunk, last);
            try
            {
                _aes.Decrypt(nonce, _sealed.AsSpan(0, size - TagSize), _sealed.AsSpan(size - TagSize, TagSize), _plain.AsSpan(0, size - TagSize), _header);
            }
            catch (AuthenticationTagMismatchException e)
            {
                _cached = -1;
                throw new EncryptionException($"{_path}: chunk {chunk} of {_chunks} does not decrypt: the file was altered, truncated or reordered, or it belongs to another recording or key", e);
            }

            _cached = chunk;
            _cachedLength = size - TagSize;
        }
    }
}
