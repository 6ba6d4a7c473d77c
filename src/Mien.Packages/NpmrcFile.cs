using System.Text;

namespace Mien.Packages;

/// <summary>
/// Reads the one setting Mien takes from an npm config file: the default <c>registry</c>.
/// </summary>
/// <remarks>
/// npmrc is ini-like: <c>key = value</c> lines, <c>;</c> or <c>#</c> comments, optional quotes, and
/// <c>${VAR}</c> references to environment variables. Scoped registries (<c>@scope:registry=</c>) and
/// auth settings are ignored: Mien only fetches public packages and checks every tarball's integrity.
/// </remarks>
internal static class NpmrcFile
{
    /// <summary>The value of the last <c>registry=</c> line in <paramref name="path"/>, or <see langword="null"/> when there is none or no file.</summary>
    public static string? ReadRegistry(string path, Func<string, string?> getEnvironmentVariable)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A missing or unreadable ~/.npmrc just means "no setting", as for npm itself.
            return null;
        }

        string? registry = null;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is ';' or '#')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !line.AsSpan(0, equals).Trim().Equals("registry", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = line[(equals + 1)..].Trim();
            if (value.Length >= 2 && value[0] is '"' or '\'' && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            // Last one wins, as in an ini file.
            registry = ExpandEnvironment(value, getEnvironmentVariable);
        }

        return string.IsNullOrWhiteSpace(registry) ? null : registry;
    }

    private static string ExpandEnvironment(string value, Func<string, string?> getEnvironmentVariable)
    {
        var builder = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            var start = value.IndexOf("${", i, StringComparison.Ordinal);
            var end = start < 0 ? -1 : value.IndexOf('}', start + 2);
            if (end < 0)
            {
                builder.Append(value, i, value.Length - i);
                break;
            }

            builder.Append(value, i, start - i);
            builder.Append(getEnvironmentVariable(value[(start + 2)..end]) ?? string.Empty);
            i = end + 1;
        }

        return builder.ToString();
    }
}
