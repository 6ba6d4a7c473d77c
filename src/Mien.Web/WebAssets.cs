using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Mien.Web;

/// <summary>
/// The files of <c>wwwroot</c>, read once from this assembly's embedded resources: their bytes, content type and a
/// strong ETag (a hash of the content), so a host serves them from memory and answers revalidations with 304.
/// </summary>
internal sealed class WebAssets
{
    private const string Prefix = "wwwroot/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".json"] = "application/json; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private WebAssets(FrozenDictionary<string, WebAsset> files) => Files = files;

    /// <summary>The files by their path under wwwroot (forward slashes, no leading slash).</summary>
    public FrozenDictionary<string, WebAsset> Files { get; }

    /// <summary>Reads every embedded file of <paramref name="assembly"/> under wwwroot.</summary>
    /// <exception cref="InvalidOperationException">A file has an extension no content type is known for.</exception>
    public static WebAssets Load(Assembly? assembly = null)
    {
        assembly ??= typeof(WebAssets).Assembly;
        var files = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var path = name[Prefix.Length..].Replace('\\', '/');
            if (!ContentTypes.TryGetValue(Path.GetExtension(path), out var type))
            {
                // A file nobody can serve correctly is a build mistake; say so at startup, not as a wrong MIME type later.
                throw new InvalidOperationException($"wwwroot/{path}: no content type is known for '{Path.GetExtension(path)}' (add it to WebAssets)");
            }

            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"embedded resource {name} cannot be read");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var etag = "\"" + Convert.ToBase64String(SHA256.HashData(bytes).AsSpan(0, 12)).Replace('+', '-').Replace('/', '_') + "\"";
            files[path] = new WebAsset(path, bytes, type, etag);
        }

        return new WebAssets(files.ToFrozenDictionary(StringComparer.Ordinal));
    }
}

/// <summary>One file of the web app.</summary>
/// <param name="Path">Its path under wwwroot (forward slashes).</param>
/// <param name="Content">Its bytes.</param>
/// <param name="ContentType">The Content-Type it is served with.</param>
/// <param name="ETag">A strong entity tag derived from the content.</param>
internal sealed record WebAsset(string Path, byte[] Content, string ContentType, string ETag)
{
    /// <summary>True for HTML pages (they get the page Content-Security-Policy).</summary>
    public bool IsPage => Path.EndsWith(".html", StringComparison.Ordinal);
}
