using Mien.Failures;

namespace Mien.Privacy.Encryption;

/// <summary>
/// The master key is missing, unreadable, malformed, too widely readable, or not the one the data was encrypted
/// with. The message names where the key came from (option, environment variable or file) and what to do; it never
/// contains key material.
/// </summary>
public sealed class MasterKeyException : InvalidOptionException
{
    /// <summary>Creates the exception; <paramref name="message"/> names the key's source and the problem.</summary>
    public MasterKeyException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Sealed data could not be opened: its authentication tag did not verify (the bytes were altered, truncated,
/// reordered or moved to another row or file), its format is unknown, or its data key is gone. Never returned as
/// garbage: decryption either yields exactly what was sealed or throws this.
/// </summary>
public sealed class EncryptionException : InputException
{
    /// <summary>Creates the exception; <paramref name="message"/> names what could not be opened and why.</summary>
    public EncryptionException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
