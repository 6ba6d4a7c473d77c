using System.CommandLine;
using System.Text.Json;

namespace Mien.Cli;

/// <summary>The options every command spells the same way: -o/--output, --json, --verbose, and enum values in lower case.</summary>
internal static class CliOptions
{
    /// <summary>Name of the global flag that adds the full exception (stack trace) to a failure's line.</summary>
    public const string VerboseName = "--verbose";

    /// <summary>Name of the per-command flag for machine output.</summary>
    public const string JsonName = "--json";

    /// <summary>The root's --verbose, inherited by every subcommand.</summary>
    public static Option<bool> Verbose() => new(VerboseName)
    {
        Description = "On failure also print the full diagnostic (stack trace).",
        Recursive = true,
    };

    /// <summary>A command's --json: its result as one JSON document on stdout; on failure {"error": {exitCode, kind, message}}.</summary>
    public static Option<bool> Json(string what) => new(JsonName)
    {
        Description = $"Print {what} as one JSON document on standard output (people's lines go to standard error; a failure prints {{\"error\": {{\"exitCode\", \"kind\", \"message\"}}}}).",
    };

    /// <summary>The -o/--output option with the command's own description.</summary>
    public static Option<string?> Output(string description) => new("--output", "-o") { Description = description };

    /// <summary>Whether --verbose was given.</summary>
    public static bool VerboseRequested(ParseResult parse) => Flag(parse, VerboseName);

    /// <summary>Whether the command that ran has --json and it was given.</summary>
    public static bool JsonRequested(ParseResult parse) => Flag(parse, JsonName);

    /// <summary>
    /// The value of the flag <paramref name="name"/> on the command that ran or, for recursive ones, on its ancestors;
    /// false when neither has it. (ParseResult.GetResult(name) throws for an option absent from the parse.)
    /// </summary>
    private static bool Flag(ParseResult parse, string name)
    {
        for (Symbol? s = parse.CommandResult.Command; s is Command command; s = command.Parents.FirstOrDefault())
        {
            if (command.Options.FirstOrDefault(o => o.Name == name) is Option<bool> flag)
            {
                return parse.GetValue(flag);
            }
        }

        return false;
    }
}

/// <summary>
/// An option taking one member of <typeparamref name="T"/>, written, listed in help and defaulted in lower-case kebab
/// form (<c>--detector back|front</c>) as the README spells them; any letter case is accepted.
/// </summary>
internal sealed class EnumOption<T>
    where T : struct, Enum
{
    private readonly Dictionary<string, T> _byName = new(StringComparer.OrdinalIgnoreCase);

    public EnumOption(string name, string description, T defaultValue)
    {
        foreach (var value in Enum.GetValues<T>())
        {
            _byName[Spell(value)] = value;
        }

        var names = _byName.Keys.ToArray();
        Option = new Option<string>(name)
        {
            Description = description,
            HelpName = string.Join('|', names),
            DefaultValueFactory = _ => Spell(defaultValue),
        };
        Option.CompletionSources.Add(names);
        Option.Validators.Add(result =>
        {
            var given = result.GetValueOrDefault<string>();
            if (!_byName.ContainsKey(given))
            {
                result.AddError($"{name} '{given}': use {string.Join(" or ", names)}.");
            }
        });
    }

    /// <summary>The option to add to a command.</summary>
    public Option<string> Option { get; }

    /// <summary>How <paramref name="value"/> is written on the command line and in outputs.</summary>
    public static string Spell(T value) => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    /// <summary>The parsed value (validation has already rejected unknown names).</summary>
    public T Get(ParseResult parse) => _byName[parse.GetValue(Option)!];
}
