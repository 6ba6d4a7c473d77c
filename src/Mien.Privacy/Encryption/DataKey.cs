using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Mien.Privacy.Encryption;

/// <summary>
/// One version of a project's data key (DEK): 32 random bytes that encrypt the project's rows and files. Stored
/// only wrapped by the <see cref="MasterKey"/>; a rotation makes a new version for new writes while older versions
/// still open what they sealed until it has been re-encrypted.
/// </summary>
/// <remarks>
/// <see cref="AesGcm"/> instances are not thread-safe (OpenSSL keeps one cipher context per instance), and making
/// one per row costs a key schedule; a small pool gives each concurrent caller its own.
/// </remarks>
public sealed class DataKey : IDisposable
{
    /// <summary>Bytes in a data key.</summary>
    public const int Size = 32;

    internal const int TagSize = 16;
    private const int PoolLimit = 16;
    private readonly byte[] _key;
    private readonly ConcurrentBag<AesGcm> _pool = [];
    private int _pooled;
    private int _disposed;

    internal DataKey(Guid projectId, int version, ReadOnlySpan<byte> key)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        if (key.Length != Size)
        {
            throw new ArgumentException($"a data key is {Size} bytes; got {key.Length}", nameof(key));
        }

        _key = GC.AllocateArray<byte>(Size, pinned: true);
        key.CopyTo(_key);
        ProjectId = projectId;
        Version = version;
    }

    /// <summary>The project whose data the key protects.</summary>
    public Guid ProjectId { get; }

    /// <summary>Version (1, 2, …): each sealed value and file names the version that sealed it.</summary>
    public int Version { get; }

    internal ReadOnlySpan<byte> Material
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _key;
        }
    }

    /// <summary>A new random data key.</summary>
    public static DataKey Generate(Guid projectId, int version)
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        try
        {
            return new DataKey(projectId, version, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    internal AesGcm Rent()
    {
        if (_pool.TryTake(out var aes))
        {
            Interlocked.Decrement(ref _pooled);
            return aes;
        }

        return new AesGcm(Material, TagSize);
    }

    internal void Return(AesGcm aes)
    {
        // A counter, not ConcurrentBag.Count, which takes every lock of the bag.
        if (Volatile.Read(ref _disposed) == 0 && Interlocked.Increment(ref _pooled) <= PoolLimit)
        {
            _pool.Add(aes);
        }
        else
        {
            Interlocked.Decrement(ref _pooled);
            aes.Dispose();
        }
    }

    /// <summary>Zeroes the key and releases pooled cipher contexts.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        CryptographicOperations.ZeroMemory(_key);
        while (_pool.TryTake(out var aes))
        {
            aes.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"data key {Version} of project {ProjectId}"; // never the bytes
}
