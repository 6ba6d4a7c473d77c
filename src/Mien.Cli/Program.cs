using System.CommandLine;
using System.CommandLine.Help;
using Mien.Cli.Commands;

namespace Mien.Cli;

/// <summary>Entry point of `mien`.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => CommandRunner.InvokeAsync(CreateRoot(), args);

    /// <summary>
    /// The command tree (also used by tests, which run commands in-process). The root is a plain command named `mien`
    /// rather than a RootCommand, whose name is the executable's file name (`Mien.Cli` under `dotnet Mien.Cli.dll`).
    /// </summary>
    internal static Command CreateRoot()
    {
        var root = new Command("mien", Description())
        {
            new HelpOption(),
            new VersionOption(),
            CliOptions.Verbose(),
        };
        root.Subcommands.Add(AnalyzeCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(SkinCommand.Create());
        root.Subcommands.Add(GazeCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(VoiceCommand.Create());
        root.Subcommands.Add(TextCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(PersonsCommand.Create());
        return root;
    }

    private static string Description() =>
        "Mien: facial expression estimates, face and skin measurements from video, on a plain CPU." + Environment.NewLine + Environment.NewLine +
        "Exit codes:" + Environment.NewLine +
        string.Join(Environment.NewLine, ExitCodes.Table.Select(row => $"  {row.Code,3}  {row.Meaning}"));
}
