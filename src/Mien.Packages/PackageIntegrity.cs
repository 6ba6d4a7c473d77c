using System.Security.Cryptography;

namespace Mien.Packages;

/// <summary>
/// A parsed Subresource-Integrity string as npm writes it in <c>dist.integrity</c> (<c>sha512-&lt;base64&gt;</c>).
/// </summary>
internal sealed class PackageIntegrity
{
    // Strongest first: when an SRI string lists several hashes, the strongest one we support is checked.
    private static readonly (string Prefix, HashAlgorithmName Algorithm, int Length)[] Supported =
    [
        ("sha512", HashAlgorithmName.SHA512, 64),
        ("sha384", HashAlgorithmName.SHA384, 48),
        ("sha256", HashAlgorithmName.SHA256, 32),
        ("sha1", HashAlgorithmName.SHA1, 20),
    ];

    private readonly byte[] _expected;

    private PackageIntegrity(string prefix, HashAlgorithmName algorithm, byte[] expected)
    {
        Prefix = prefix;
        Algorithm = algorithm;
        _expected = expected;
    }

    /// <summary>The SRI algorithm prefix that is checked, e.g. <c>sha512</c>.</summary>
    public string Prefix { get; }

    /// <summary>The hash algorithm that is checked.</summary>
    public HashAlgorithmName Algorithm { get; }

    /// <summary>The expected digest in SRI form.</summary>
    public string ExpectedText => Format(_expected);

    /// <summary>Parses <paramref name="integrity"/>; throws <see cref="ArgumentException"/> naming the package when it is unusable.</summary>
    public static PackageIntegrity Parse(string? integrity, NpmPackageSpec spec, string paramName)
    {
        if (string.IsNullOrWhiteSpace(integrity))
        {
            throw new ArgumentException(
                $"Integrity of {spec} is empty; pass the registry's dist.integrity (run 'npm view {spec} dist.integrity').",
                paramName);
        }

        foreach (var (prefix, algorithm, length) in Supported)
        {
            foreach (var token in integrity.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var dash = token.IndexOf('-', StringComparison.Ordinal);
                if (dash <= 0)
                {
                    continue;
                }

                if (!token.AsSpan(0, dash).Equals(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                // SRI allows "?options" after the digest; they carry nothing we use.
                var digestText = token[(dash + 1)..];
                var question = digestText.IndexOf('?', StringComparison.Ordinal);
                if (question >= 0)
                {
                    digestText = digestText[..question];
                }

                var digest = new byte[length];
                if (!Convert.TryFromBase64String(digestText, digest, out var written) || written != length)
                {
                    throw new ArgumentException(
                        $"Integrity '{integrity}' of {spec} has a {prefix} digest that is not {length} bytes of base64; copy it again from 'npm view {spec} dist.integrity'.",
                        paramName);
                }

                return new PackageIntegrity(prefix, algorithm, digest);
            }
        }

        var unknown = new List<string>();
        foreach (var token in integrity.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = token.IndexOf('-', StringComparison.Ordinal);
            unknown.Add(dash > 0 ? token[..dash] : token);
        }

        throw new ArgumentException(
            $"Integrity '{integrity}' of {spec} uses an unsupported hash algorithm ({string.Join(", ", unknown)}); "
            + "supported are sha512, sha384, sha256 and sha1, written as '<algorithm>-<base64 digest>'.",
            paramName);
    }

    /// <summary>Creates an incremental hash of this integrity's algorithm.</summary>
    public IncrementalHash CreateHash() => IncrementalHash.CreateHash(Algorithm);

    /// <summary>Whether <paramref name="actual"/> is the expected digest.</summary>
    public bool Matches(ReadOnlySpan<byte> actual) => CryptographicOperations.FixedTimeEquals(actual, _expected);

    /// <summary>Formats a digest of this algorithm in SRI form.</summary>
    public string Format(ReadOnlySpan<byte> digest) => $"{Prefix}-{Convert.ToBase64String(digest)}";

    /// <summary>Hashes <paramref name="stream"/> from its current position to its end.</summary>
    public ValueTask<byte[]> ComputeAsync(Stream stream, CancellationToken cancellationToken) =>
        CryptographicOperations.HashDataAsync(Algorithm, stream, cancellationToken);
}
