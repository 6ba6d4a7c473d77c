using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Mien.Privacy.Encryption;

/// <summary>
/// The key that wraps every project's data keys: 32 random bytes kept in a key file or an environment variable and
/// never in the database. Only two things derived from it leave the process: <see cref="Id"/> (to say which key a
/// database expects) and <see cref="CheckValue"/> (to tell a wrong key from a right one before any data key is
/// unwrapped). Both are HMAC-SHA256 outputs, which reveal nothing about the key.
/// </summary>
/// <remarks>
/// The bytes live in a pinned array (the GC never leaves copies behind when it compacts) and are zeroed on
/// <see cref="Dispose"/>. Data keys are wrapped with AES-256-GCM, a fresh 96-bit nonce each, and the project id
/// and version as associated data, so a wrapped key copied to another project or version does not unwrap.
/// </remarks>
public sealed class MasterKey : IDisposable
{
    /// <summary>Bytes in a master key.</summary>
    public const int Size = 32;

    private const byte WrapFormat = 1;
    private const int NonceSize = 12, TagSize = 16;

    /// <summary>Bytes of a wrapped data key: format, nonce, ciphertext, tag.</summary>
    public const int WrappedSize = 1 + NonceSize + DataKey.Size + TagSize;

    private readonly byte[] _key;
    private int _disposed;

    private MasterKey(ReadOnlySpan<byte> key, string source)
    {
        _key = GC.AllocateArray<byte>(Size, pinned: true);
        key.CopyTo(_key);
        Source = source;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, "mien/master-key-id/v1"u8, mac);
        Id = "mk-" + Convert.ToHexStringLower(mac[..8]);
        CheckValue = HMACSHA256.HashData(_key, "mien/master-key-check/v1"u8);
    }

    /// <summary>Public identifier of the key ("mk-" and 16 hex digits), safe to log and to store.</summary>
    public string Id { get; }

    /// <summary>Where the key came from (e.g. "--master-key-file /etc/mien/master.key", "MIEN_MASTER_KEY"), for messages.</summary>
    public string Source { get; }

    /// <summary>32 bytes the database keeps to recognise this key (an HMAC of a constant under the key).</summary>
    public byte[] CheckValue { get; }

    /// <summary>A new random key.</summary>
    public static MasterKey Generate(string source)
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        try
        {
            return new MasterKey(bytes, source);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>A key from exactly 32 bytes.</summary>
    /// <exception cref="MasterKeyException">Not 32 bytes.</exception>
    public static MasterKey FromBytes(ReadOnlySpan<byte> bytes, string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        return bytes.Length != Size
            ? throw new MasterKeyException($"the master key from {source} holds {bytes.Length} bytes; a master key is exactly {Size} random bytes (44 base64 characters, e.g. from 'head -c 32 /dev/urandom | base64')")
            : new MasterKey(bytes, source);
    }

    /// <summary>A key from its base64 text (surrounding white space ignored).</summary>
    /// <exception cref="MasterKeyException">Empty, not base64, or not 32 bytes; the message names <paramref name="source"/>, never the text.</exception>
    public static MasterKey FromBase64(string? text, string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        var trimmed = (text ?? string.Empty).Trim();
        if (trimmed.Length == 0)
        {
            throw new MasterKeyException($"the master key from {source} is empty; it must be {Size} random bytes in base64 (44 characters, e.g. from 'head -c 32 /dev/urandom | base64')");
        }

        var buffer = new byte[(trimmed.Length * 3 / 4) + 3];
        try
        {
            if (!Convert.TryFromBase64String(trimmed, buffer, out var written))
            {
                throw new MasterKeyException($"the master key from {source} is not valid base64 ({trimmed.Length} characters); it must be {Size} random bytes in base64 (44 characters, e.g. from 'head -c 32 /dev/urandom | base64')");
            }

            return FromBytes(buffer.AsSpan(0, written), source);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>
    /// Reads a key file (base64 text). Refuses a file that its group or other users may read or write, as ssh does
    /// with private keys: such a key is as good as published on a shared host.
    /// </summary>
    /// <exception cref="MasterKeyException">The file is missing, unreadable, too widely readable or malformed.</exception>
    public static MasterKey ReadFile(string path, string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new MasterKeyException($"the master key file {full} ({source}) does not exist; point {source} at the key the data was encrypted with");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(full);
            const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & Others) != 0)
            {
                throw new MasterKeyException($"the master key file {full} ({source}) may be read by other users (mode {Octal(mode)}); restrict it to its owner with: chmod 600 {full}");
            }
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MasterKeyException($"the master key file {full} ({source}) cannot be read: {e.Message}", e);
        }

        try
        {
            if (content.Length > 1024)
            {
                throw new MasterKeyException($"the master key file {full} ({source}) is {content.Length} bytes; it must hold only the key: {Size} random bytes in base64 (44 characters)");
            }

            return FromBase64(Encoding.ASCII.GetString(content), $"the file {full} ({source})");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }

    /// <summary>
    /// Creates a new random key in a new file readable only by its owner (0600, in a folder created 0700); refuses
    /// to overwrite an existing file.
    /// </summary>
    /// <exception cref="IOException">The file exists or cannot be written.</exception>
    public static MasterKey CreateFile(string path, string source)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var key = Generate(source);
        var text = Encoding.ASCII.GetBytes(Convert.ToBase64String(key._key) + "\n");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(full, options))
            {
                file.Write(text);
                file.Flush(flushToDisk: true);
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(text);
        }
    }

    /// <summary>Whether <paramref name="checkValue"/> (from a database) was made by this key (constant time).</summary>
    public bool Matches(ReadOnlySpan<byte> checkValue) => CryptographicOperations.FixedTimeEquals(CheckValue, checkValue);

    /// <summary>Wraps a data key for storage (AES-256-GCM; the project and version are bound as associated data).</summary>
    public byte[] Wrap(DataKey dataKey)
    {
        ArgumentNullException.ThrowIfNull(dataKey);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var wrapped = new byte[WrappedSize];
        wrapped[0] = WrapFormat;
        var nonce = wrapped.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, dataKey.Material, wrapped.AsSpan(1 + NonceSize, DataKey.Size), wrapped.AsSpan(1 + NonceSize + DataKey.Size, TagSize), WrapContext(dataKey.ProjectId, dataKey.Version));
        return wrapped;
    }

    /// <summary>Unwraps a stored data key of <paramref name="projectId"/>, version <paramref name="version"/>.</summary>
    /// <exception cref="EncryptionException">The bytes were not wrapped by this key for this project and version, or were altered.</exception>
    public DataKey Unwrap(Guid projectId, int version, ReadOnlySpan<byte> wrapped)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (wrapped.Length != WrappedSize || wrapped[0] != WrapFormat)
        {
            throw new EncryptionException($"the stored data key {version} of project {projectId} is malformed ({wrapped.Length} bytes, format {(wrapped.Length > 0 ? wrapped[0] : -1)}; expected {WrappedSize} bytes, format {WrapFormat})");
        }

        Span<byte> plain = stackalloc byte[DataKey.Size];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(wrapped.Slice(1, NonceSize), wrapped.Slice(1 + NonceSize, DataKey.Size), wrapped.Slice(1 + NonceSize + DataKey.Size, TagSize), plain, WrapContext(projectId, version));
            return new DataKey(projectId, version, plain);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new EncryptionException($"the stored data key {version} of project {projectId} does not unwrap under master key {Id} ({Source}): it was wrapped by another master key or altered", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Zeroes the key.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            CryptographicOperations.ZeroMemory(_key);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"master key {Id} ({Source})"; // never the bytes

    private static byte[] WrapContext(Guid projectId, int version)
    {
        // "mien/dek/v1" | project (16 bytes) | version (4 bytes, big-endian): fixed layout, no ambiguity.
        var prefix = "mien/dek/v1"u8;
        var context = new byte[prefix.Length + 16 + 4];
        prefix.CopyTo(context);
        projectId.TryWriteBytes(context.AsSpan(prefix.Length, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt32BigEndian(context.AsSpan(prefix.Length + 16), version);
        return context;
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);
}
