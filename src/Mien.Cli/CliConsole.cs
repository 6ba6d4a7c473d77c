using Spectre.Console;

namespace Mien.Cli;

/// <summary>Spectre consoles for tables and progress, configured for where the text goes.</summary>
internal static class CliConsole
{
    /// <summary>Width used when the output is piped or redirected: wide enough that tables never wrap a cell mid-word.</summary>
    public const int PipedWidth = 4096;

    /// <summary>
    /// A console writing to <paramref name="writer"/>. On a terminal it follows the terminal; piped or redirected, it
    /// writes plain text (no colours or cursor codes) at <see cref="PipedWidth"/> columns, because Spectre's guess of 80
    /// columns wraps table cells mid-word and a file has no width anyway.
    /// </summary>
    public static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        if (!redirected)
        {
            return AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = PipedWidth;
        return console;
    }

    /// <summary>The console for standard output (tables).</summary>
    public static IAnsiConsole Out() => Create(Console.Out, Console.IsOutputRedirected);
}
