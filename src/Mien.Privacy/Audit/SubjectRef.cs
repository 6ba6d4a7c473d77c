using System.Security.Cryptography;

namespace Mien.Privacy.Audit;

/// <summary>
/// How the audit log names a subject: HMAC-SHA256 keyed with a random salt kept only on the subject's row, over the
/// subject id, truncated to 128 bits. While the subject exists its entries can be found (the server recomputes the
/// reference); once the subject is erased the salt is gone with the row, and nothing left — in the log or anywhere
/// else — links the reference back to the id or the pseudonym, while the chain's hashes stay valid.
/// </summary>
public static class SubjectRef
{
    /// <summary>Bytes of a subject's salt.</summary>
    public const int SaltBytes = 32;

    /// <summary>Characters of a reference (32 hex digits = 128 bits: no collision among any realistic number of subjects).</summary>
    public const int Length = 32;

    /// <summary>A fresh random salt for a subject.</summary>
    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(SaltBytes);

    /// <summary>The subject's reference under its salt.</summary>
    /// <exception cref="ArgumentException">The salt is not <see cref="SaltBytes"/> bytes.</exception>
    public static string Compute(ReadOnlySpan<byte> salt, Guid subjectId)
    {
        if (salt.Length != SaltBytes)
        {
            throw new ArgumentException($"a subject's audit salt must be {SaltBytes} bytes; got {salt.Length}.", nameof(salt));
        }

        Span<byte> id = stackalloc byte[16];
        subjectId.TryWriteBytes(id, bigEndian: true, out _);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(salt, id, mac);
        return Convert.ToHexStringLower(mac[..(Length / 2)]);
    }

    /// <summary>Whether <paramref name="value"/> has the shape of a reference (so ids or pseudonyms cannot pass as one).</summary>
    public static bool IsWellFormed(string? value)
    {
        if (value is null || value.Length != Length)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
