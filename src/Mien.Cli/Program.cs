using System.CommandLine;
using Mien.Cli.Commands;

namespace Mien.Cli;

/// <summary>Entry point of `mien`.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => CommandRunner.InvokeAsync(CreateRoot(), args);

    /// <summary>The command tree (also used by tests, which run commands in-process).</summary>
    internal static RootCommand CreateRoot()
    {
        var root = new RootCommand("Mien: facial expression estimates, face and skin measurements from video, on a plain CPU.");
        root.Subcommands.Add(AnalyzeCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(SkinCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(VoiceCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        return root;
    }
}
