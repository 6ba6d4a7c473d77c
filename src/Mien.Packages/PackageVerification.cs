namespace Mien.Packages;

/// <summary>
/// Result of <see cref="NpmPackageStore.Verify"/>: whether the cached files still match the hashes recorded when they were extracted.
/// </summary>
/// <param name="Ok"><see langword="true"/> when every checked file is present and intact.</param>
/// <param name="Problems">One sentence per missing, changed or unrecorded file; empty when <paramref name="Ok"/>.</param>
public sealed record PackageVerification(bool Ok, IReadOnlyList<string> Problems);
