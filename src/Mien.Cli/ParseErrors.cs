using System.Text.RegularExpressions;

namespace Mien.Cli;

/// <summary>
/// System.CommandLine's parse errors in the words of the command line: a value that does not convert is reported as
/// "Cannot parse argument 'abc' for option '--max-faces' as expected type 'System.Int32'", and a user should not need
/// to know what a System.Int32 is (issue 18: no .NET type names in messages).
/// </summary>
internal static partial class ParseErrors
{
    /// <summary><paramref name="message"/> with any .NET type named by what the value has to be.</summary>
    public static string InWords(string message)
    {
        var match = CannotParse().Match(message);
        if (match.Success)
        {
            var symbol = match.Groups["symbol"].Value;
            var value = match.Groups["value"].Value;
            return $"{symbol} '{value}': expected {Noun(match.Groups["type"].Value)}";
        }

        // Any other message naming a type: name what it stands for instead.
        return TypeName().Replace(message, m => Noun(m.Value));
    }

    /// <summary>What a value of a .NET type is, in words.</summary>
    private static string Noun(string type) => type.Replace("System.Nullable`1[", "", StringComparison.Ordinal).TrimEnd(']') switch
    {
        "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt32" or "System.UInt64" => "a whole number",
        "System.Single" or "System.Double" or "System.Decimal" => "a number (e.g. 0.5)",
        "System.Boolean" => "true or false",
        "System.TimeSpan" => "a duration (e.g. 00:01:30)",
        "System.DateTime" or "System.DateTimeOffset" => "a date and time (e.g. 2026-12-06T16:00:00Z)",
        "System.Uri" => "an address (e.g. http://127.0.0.1:5080)",
        _ => "a value of another kind (see --help)",
    };

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|argument|command) '(?<symbol>[^']*)' as expected type '(?<type>[^']*)'\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"System\.[A-Za-z0-9_.`\[\]]+", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();
}
