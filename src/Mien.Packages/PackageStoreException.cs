namespace Mien.Packages;

/// <summary>
/// A package could not be fetched, verified or extracted. The message names the package, version, file or address,
/// what went wrong and what to do about it.
/// </summary>
public sealed class PackageStoreException : Mien.Failures.StoreException
{
    /// <summary>Creates an exception with a generic message.</summary>
    public PackageStoreException()
        : base("An npm package could not be fetched, verified or extracted.")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    public PackageStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public PackageStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
