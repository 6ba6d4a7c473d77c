using System.CommandLine;
using System.Text.Json;

namespace Mien.Cli;

/// <summary>
/// Runs a command line: parse errors and rejected options are usage errors, each <see cref="MienException"/> kind has its
/// exit code and one `mien:` line, I/O failures nobody classified become output failures naming the path, and anything
/// else is an internal error (one line; the stack with --verbose). Owns the only SIGINT/SIGTERM handler
/// (<see cref="Interrupts"/>).
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> InvokeAsync(Command root, string[] args)
    {
        if (args.Length == 0)
        {
            // `mien` alone: what it can do, not an error.
            return await ShowHelpAsync(root, args, ExitCodes.Ok);
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            if (command.Subcommands.Count > 0 && command.Action is null && parse.UnmatchedTokens.Count == 0)
            {
                // `mien models`: a group without its subcommand; show the group's help rather than a bare error.
                Console.Error.WriteLine($"mien: `{Words(command)}` needs one of: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}");
                return await ShowHelpAsync(root, [.. parse.Tokens.Select(t => t.Value)], ExitCodes.Usage);
            }

            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"mien: {ParseErrors.InWords(error.Message)}");
            }

            Console.Error.WriteLine($"(see `{Words(command)} --help`)");
            return ExitCodes.Usage;
        }

        using var interrupts = new Interrupts(Console.Error);
        int code;
        try
        {
            code = await parse.InvokeAsync(Configuration(), interrupts.Token);
        }
        catch (Exception e) when (interrupts.ExitCode is not null && IsCancellation(e))
        {
            code = ExitCodes.Interrupted;   // replaced below by the signal's own code
        }
        catch (Exception e)
        {
            var failure = Failure.Of(e);
            Report(parse, failure, e);
            return interrupts.ExitCode ?? failure.Code;
        }

        // A signal wins over whatever the command returned: the run is incomplete even if it kept its outputs.
        return interrupts.ExitCode ?? code;
    }

    /// <summary>Writes the failure's line (and with --verbose the whole exception); with --json also a JSON error object on stdout.</summary>
    private static void Report(ParseResult parse, Failure failure, Exception e)
    {
        Console.Error.WriteLine($"mien: {failure.Message}");
        if (CliOptions.VerboseRequested(parse))
        {
            Console.Error.WriteLine(e.ToString());
        }
        else if (failure.Code == ExitCodes.Internal)
        {
            Console.Error.WriteLine("mien: this is a bug in Mien; rerun with --verbose for the stack trace and report it.");
        }

        if (CliOptions.JsonRequested(parse))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { error = new { exitCode = failure.Code, kind = failure.Kind, message = failure.Message } }));
        }
    }

    private static InvocationConfiguration Configuration() => new()
    {
        EnableDefaultExceptionHandler = false,

        // null turns System.CommandLine's own Ctrl+C/SIGTERM handling off: Interrupts is the only handler.
        ProcessTerminationTimeout = null,
    };

    private static async Task<int> ShowHelpAsync(Command root, string[] commandTokens, int code)
    {
        await root.Parse([.. commandTokens, "--help"]).InvokeAsync(Configuration());
        return code;
    }

    private static string Words(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is not null; s = s.Parents.FirstOrDefault())
        {
            names.Add(s.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    private static bool IsCancellation(Exception e) => e switch
    {
        OperationCanceledException => true,
        AggregateException a => a.InnerExceptions.All(IsCancellation),
        _ => false,
    };
}

/// <summary>What a failed run reports: exit code, a kind for machines, and one line for people.</summary>
internal sealed record Failure(int Code, string Kind, string Message)
{
    /// <summary>Classifies an exception that escaped a command.</summary>
    public static Failure Of(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Of(a.InnerExceptions[0]),
        InvalidOptionException => new(ExitCodes.Usage, "usage", e.Message),
        InputException => new(ExitCodes.BadInput, "input", e.Message),
        StoreException => new(ExitCodes.Store, "store", e.Message),
        ModelException => new(ExitCodes.Model, "model", e.Message),
        OutputException => new(ExitCodes.Output, "output", e.Message),
        ArgumentException a when IsRejectedOption(a) => new(ExitCodes.Usage, "usage", e.Message),
        IOException or UnauthorizedAccessException => FileSystem(e),
        _ => new(ExitCodes.Internal, "internal", $"internal error: {e.Message}"),
    };

    /// <summary>
    /// Transitional: an <see cref="ArgumentException"/> thrown by the CLI's own command code or by an options record's
    /// <c>Validate()</c> rejects a user's option (analyze, skin, voice and models still throw these); one thrown anywhere
    /// else is a bug. Remove once those commands throw <see cref="InvalidOptionException"/>.
    /// </summary>
    private static bool IsRejectedOption(ArgumentException e) =>
        e.TargetSite is { } site && (site.Module.Assembly == typeof(Failure).Assembly || site.Name == "Validate");

    /// <summary>An I/O or permission failure no command classified: an output failure naming the path when the message has one.</summary>
    private static Failure FileSystem(Exception e)
    {
        var path = FileProblems.PathIn(e.Message);
        return new(ExitCodes.Output, "output", path is null ? e.Message : $"{path}: {FileProblems.Describe(path, e)}");
    }
}
