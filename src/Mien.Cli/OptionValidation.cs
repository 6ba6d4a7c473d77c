using System.Text.RegularExpressions;

namespace Mien.Cli;

/// <summary>
/// Runs an options record's <c>Validate()</c> on values the user gave and turns its <see cref="ArgumentException"/>
/// into an <see cref="InvalidOptionException"/> (a usage error) that names the command-line option rather than the
/// .NET property: "MinScore = 2: must be within [0, 1]" becomes "--min-score = 2: must be within [0, 1]". An
/// ArgumentException anywhere else stays what it is, a bug.
/// </summary>
internal static class OptionValidation
{
    /// <summary>Runs <paramref name="validate"/>; <paramref name="names"/> maps property names (as the messages spell them) to option names.</summary>
    /// <exception cref="InvalidOptionException">The validation rejected a value.</exception>
    public static void Run(Action validate, params ReadOnlySpan<(string Property, string Option)> names)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidOptionException(Translate(e, names), e);
        }
    }

    /// <summary>The message of <paramref name="e"/> without the ".NET parameter" trailer, with option names for property names.</summary>
    internal static string Translate(ArgumentException e, ReadOnlySpan<(string Property, string Option)> names)
    {
        var text = e.Message;
        var trailer = text.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (trailer >= 0)
        {
            text = text[..trailer];
        }

        text = text.Trim();
        if (e is ArgumentOutOfRangeException { ActualValue: { } value, ParamName: { } param } && !text.StartsWith(param, StringComparison.Ordinal))
        {
            text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{param} = {value}: {text}");
        }

        foreach (var (property, option) in names)
        {
            text = Regex.Replace(text, $@"(?<![\w.]){Regex.Escape(property)}\b", option, RegexOptions.CultureInvariant);
        }

        return text;
    }
}
