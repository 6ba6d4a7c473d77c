using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Mien.Privacy.Encryption;

/// <summary>
/// Where a sealed value lives: its table and row key. Bound into the ciphertext as associated data, so a value
/// copied into another row (another frame, another subject's skin session) no longer opens.
/// </summary>
/// <param name="Table">Table (or, for other stores, the kind of value), e.g. "frames", "identity_templates".</param>
/// <param name="Row">The row's key as text, e.g. "&lt;recording id&gt;/42"; include every column a swap could change.</param>
public readonly record struct RowBinding(string Table, string Row)
{
    internal byte[] AssociatedData()
    {
        ArgumentException.ThrowIfNullOrEmpty(Table);
        ArgumentNullException.ThrowIfNull(Row);
        // NUL separators: neither part can contain one from our callers, so "a|b" + "c" never equals "a" + "b|c".
        return Encoding.UTF8.GetBytes("mien/row/v1\0" + Table + "\0" + Row);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Table} row {Row}";
}

/// <summary>
/// Seals single values (a JSON payload, an identity template, any byte string) with a project's <see cref="DataKey"/>:
/// AES-256-GCM with a random 96-bit nonce, in a versioned envelope that names the data-key version.
/// </summary>
/// <remarks>
/// <para>Envelope: format byte (1) | data-key version (4, big-endian) | nonce (12) | ciphertext | tag (16): 33 bytes
/// more than the value. Random nonces are safe for about 2^32 values per data key (NIST SP 800-38D); rotation makes
/// a new key long before that.</para>
/// <para>For a future biometric identity template: <c>var sealed = FieldCipher.Seal(key, template, new RowBinding("identity_templates", subjectId.ToString()))</c>,
/// stored as a BLOB/bytea; read back with <c>FieldCipher.Open(keys(FieldCipher.KeyVersion(sealed)), sealed, sameBinding)</c>.</para>
/// </remarks>
public static class FieldCipher
{
    /// <summary>Envelope format written now.</summary>
    public const byte Format = 1;

    private const int HeaderSize = 1 + 4, NonceSize = 12;

    /// <summary>Bytes an envelope adds to the value.</summary>
    public const int Overhead = HeaderSize + NonceSize + DataKey.TagSize;

    /// <summary>Seals <paramref name="plaintext"/> for the row <paramref name="binding"/>.</summary>
    public static byte[] Seal(DataKey key, ReadOnlySpan<byte> plaintext, RowBinding binding)
    {
        ArgumentNullException.ThrowIfNull(key);
        var envelope = new byte[Overhead + plaintext.Length];
        envelope[0] = Format;
        BinaryPrimitives.WriteInt32BigEndian(envelope.AsSpan(1, 4), key.Version);
        var nonce = envelope.AsSpan(HeaderSize, NonceSize);
        NonceSource.Fill(nonce);
        var aes = key.Rent();
        try
        {
            aes.Encrypt(nonce, plaintext, envelope.AsSpan(HeaderSize + NonceSize, plaintext.Length), envelope.AsSpan(HeaderSize + NonceSize + plaintext.Length), Context(envelope, binding));
        }
        finally
        {
            key.Return(aes);
        }

        return envelope;
    }

    /// <summary>The data-key version that sealed <paramref name="envelope"/>.</summary>
    /// <exception cref="EncryptionException">Not an envelope of a known format.</exception>
    public static int KeyVersion(ReadOnlySpan<byte> envelope)
    {
        if (envelope.Length < Overhead || envelope[0] != Format)
        {
            throw new EncryptionException($"a sealed value is malformed ({envelope.Length} bytes, format {(envelope.Length > 0 ? envelope[0] : -1)}; expected at least {Overhead} bytes, format {Format})");
        }

        return BinaryPrimitives.ReadInt32BigEndian(envelope.Slice(1, 4));
    }

    /// <summary>Opens an envelope sealed for <paramref name="binding"/>.</summary>
    /// <exception cref="EncryptionException">Wrong key version, altered bytes, or sealed for another row.</exception>
    public static byte[] Open(DataKey key, ReadOnlySpan<byte> envelope, RowBinding binding)
    {
        ArgumentNullException.ThrowIfNull(key);
        var version = KeyVersion(envelope);
        if (version != key.Version)
        {
            throw new EncryptionException($"{binding} was sealed with data key {version} of project {key.ProjectId}, not {key.Version}");
        }

        var length = envelope.Length - Overhead;
        var plain = new byte[length];
        var aes = key.Rent();
        try
        {
            aes.Decrypt(envelope.Slice(HeaderSize, NonceSize), envelope.Slice(HeaderSize + NonceSize, length), envelope[^DataKey.TagSize..], plain, Context(envelope, binding));
            return plain;
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new EncryptionException($"{binding} does not decrypt with data key {version} of project {key.ProjectId}: the stored bytes were altered or belong to another row", e);
        }
        finally
        {
            key.Return(aes);
        }
    }

    /// <summary>Associated data: the envelope header (so the version cannot be edited) and the row binding.</summary>
    private static byte[] Context(ReadOnlySpan<byte> envelope, RowBinding binding)
    {
        var row = binding.AssociatedData();
        var context = new byte[HeaderSize + row.Length];
        envelope[..HeaderSize].CopyTo(context);
        row.CopyTo(context.AsSpan(HeaderSize));
        return context;
    }
}

/// <summary>
/// Random nonces from the system CSPRNG, drawn 4 KiB at a time per thread: one getrandom call costs about as much
/// as sealing a 1 KB payload on a small VM, and fully random nonces (no counters) stay safe across processes and
/// restarts that share a data key. Each byte is handed out once.
/// </summary>
internal static class NonceSource
{
    private const int BufferSize = 4096;

    [ThreadStatic]
    private static byte[]? t_buffer;

    [ThreadStatic]
    private static int t_used;

    public static void Fill(Span<byte> nonce)
    {
        var buffer = t_buffer;
        if (buffer is null || t_used + nonce.Length > BufferSize)
        {
            buffer = t_buffer ??= new byte[BufferSize];
            RandomNumberGenerator.Fill(buffer);
            t_used = 0;
        }

        buffer.AsSpan(t_used, nonce.Length).CopyTo(nonce);
        CryptographicOperations.ZeroMemory(buffer.AsSpan(t_used, nonce.Length));
        t_used += nonce.Length;
    }
}

/// <summary>
/// A sealed value in a JSON column: <c>{"sealed":"&lt;base64 envelope&gt;"}</c>. The column stays valid JSON (SQLite's
/// json_valid check, PostgreSQL's jsonb) while holding nothing readable; PostgreSQL may re-space it on the way back,
/// which <see cref="TryUnwrap"/> accepts.
/// </summary>
public static class SealedJson
{
    private const string Prefix = "{\"sealed\":\"";

    /// <summary>Seals a JSON text (as UTF-8) for <paramref name="binding"/>.</summary>
    public static string Seal(DataKey key, string json, RowBinding binding)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Seal(key, Encoding.UTF8.GetBytes(json), binding);
    }

    /// <summary>Seals UTF-8 JSON for <paramref name="binding"/>.</summary>
    public static string Seal(DataKey key, ReadOnlySpan<byte> utf8Json, RowBinding binding)
        => string.Concat(Prefix, Convert.ToBase64String(FieldCipher.Seal(key, utf8Json, binding)), "\"}");

    /// <summary>The envelope in a column value, or false when the value is not a sealed-JSON object.</summary>
    public static bool TryUnwrap(string columnValue, out byte[] envelope)
    {
        envelope = [];
        ArgumentNullException.ThrowIfNull(columnValue);
        var text = columnValue.AsSpan().Trim();
        if (text.Length < 2 || text[0] != '{' || text[^1] != '}')
        {
            return false;
        }

        text = text[1..^1].Trim();
        if (!text.StartsWith("\"sealed\"", StringComparison.Ordinal))
        {
            return false;
        }

        text = text[8..].TrimStart();
        if (text.Length == 0 || text[0] != ':')
        {
            return false;
        }

        text = text[1..].Trim();
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"' || text[1..^1].IndexOfAny('"', '\\') >= 0)
        {
            return false;
        }

        var base64 = text[1..^1];
        var buffer = new byte[base64.Length * 3 / 4];
        if (!Convert.TryFromBase64Chars(base64, buffer, out var written))
        {
            return false;
        }

        envelope = written == buffer.Length ? buffer : buffer[..written];
        return true;
    }

    /// <summary>Opens a column value sealed by <see cref="Seal(DataKey, string, RowBinding)"/>; <paramref name="keys"/> gives the data key of a version.</summary>
    /// <exception cref="EncryptionException">The value is not sealed, or does not open (altered, another row, key gone).</exception>
    public static string Open(string columnValue, Func<int, DataKey> keys, RowBinding binding)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!TryUnwrap(columnValue, out var envelope))
        {
            throw new EncryptionException($"{binding} is not sealed: every payload of this table must be encrypted at rest (was it written by a Mien without encryption, or edited in the database?)");
        }

        return Encoding.UTF8.GetString(FieldCipher.Open(keys(FieldCipher.KeyVersion(envelope)), envelope, binding));
    }
}
