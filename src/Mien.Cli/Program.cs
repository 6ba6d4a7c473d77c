using System.CommandLine;
using Mien.Cli;
using Mien.Cli.Commands;

var root = new RootCommand("Mien: facial expression estimates, face and skin measurements from video, on a plain CPU.");
root.Subcommands.Add(AnalyzeCommand.Create());
root.Subcommands.Add(ModelsCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
return await CommandRunner.InvokeAsync(root, args);
