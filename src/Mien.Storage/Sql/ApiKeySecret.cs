using System.Security.Cryptography;
using System.Text;

namespace Mien.Storage.Sql;

/// <summary>
/// The key format <c>mien_&lt;16 hex&gt;_&lt;43 base64url&gt;</c>: a public prefix (looked up by index) and 256 random
/// bits. Only SHA-256 of the whole secret is stored: with 256 bits of entropy a fast hash cannot be brute-forced, and
/// it keeps authentication to one indexed lookup and one constant-time compare (no per-request key stretching).
/// </summary>
internal static class ApiKeySecret
{
    public const string Scheme = "mien_";
    private const int PrefixBytes = 8, SecretBytes = 32;
    private static readonly int Length = Scheme.Length + (PrefixBytes * 2) + 1 + 43;

    public static (string Prefix, string Secret, byte[] Hash) Create()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(PrefixBytes));
        Span<byte> random = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(random);
        var secret = $"{Scheme}{prefix}_{System.Buffers.Text.Base64Url.EncodeToString(random)}";
        CryptographicOperations.ZeroMemory(random);
        return (prefix, secret, Hash(secret));
    }

    /// <summary>The prefix of a well-formed secret, or null (so garbage never reaches the database).</summary>
    public static string? PrefixOf(string secret)
    {
        if (secret.Length != Length || !secret.StartsWith(Scheme, StringComparison.Ordinal) || secret[Scheme.Length + (PrefixBytes * 2)] != '_')
        {
            return null;
        }

        var prefix = secret.AsSpan(Scheme.Length, PrefixBytes * 2);
        foreach (var c in prefix)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return null;
            }
        }

        foreach (var c in secret.AsSpan(Scheme.Length + (PrefixBytes * 2) + 1))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return null;
            }
        }

        return prefix.ToString();
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
