using System.CommandLine;
using Mien.Models;
using Mien.Voice;
using Spectre.Console;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien models list | fetch | verify | path`: the imported TF.js models of the manifest and the Silero VAD
/// (<see cref="SileroVadModel.Id"/>, an ONNX file used as it is, pinned in <see cref="SileroVadModel"/>).
/// </summary>
internal static class ModelsCommand
{
    private static readonly Option<bool> Offline = new("--offline") { Description = "Use cached files only; never touch the network." };

    public static Command Create()
    {
        var command = new Command("models", "List, download and import, verify, or locate the models Mien runs.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Fetch());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(PathCommand());
        return command;
    }

    private static Argument<string[]> Ids() => new("ids")
    {
        Description = "Model ids (default: all models in the manifest).",
        Arity = ArgumentArity.ZeroOrMore,
    };

    internal static IReadOnlyList<string> Resolve(ModelManifest manifest, string[]? ids)
    {
        if (ids is null || ids.Length == 0)
        {
            return [.. manifest.Models.Select(m => m.Id), SileroVadModel.Id];
        }

        foreach (var id in ids)
        {
            if (!manifest.Contains(id) && id != SileroVadModel.Id)
            {
                throw new ArgumentException($"Unknown model '{id}'. Known models: {string.Join(", ", manifest.Models.Select(m => m.Id).Append(SileroVadModel.Id))}.");
            }
        }

        return ids;
    }

    private static Command List()
    {
        var command = new Command("list", "List the models with their source, purpose and cache state.");
        command.SetAction(_ =>
        {
            using var store = CliStore.Open(offline: true);
            var table = new Table().AddColumns("id", "input", "weights", "source", "cached", "purpose");
            foreach (var m in store.Models.Manifest.Models)
            {
                var p = store.Models.Manifest.Packages[m.Package];
                table.AddRow(
                    Markup.Escape(m.Id),
                    Markup.Escape($"{m.Input.Name} [{string.Join('x', m.Input.Shape)}] {m.Input.Type} {m.Input.Colour}"),
                    m.Weights,
                    Markup.Escape($"{p.Name}@{p.Version} ({p.License})"),
                    store.Models.IsReady(m.Id) ? "[green]yes[/]" : "no",
                    Markup.Escape(m.Purpose));
            }

            var vad = SileroVadModel.Package;
            table.AddRow(
                SileroVadModel.Id,
                Markup.Escape(SileroVadModel.InputDescription),
                "float32",
                Markup.Escape($"{vad.Name}@{vad.Version} ({SileroVadModel.License})"),
                SileroVadModel.IsCached(store.Packages) ? "[green]yes[/]" : "no",
                Markup.Escape(SileroVadModel.Purpose));

            // A console per call: the process console may be redirected between calls (tests, pipes).
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
            console.Profile.Width = Math.Max(console.Profile.Width, 160);
            console.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Fetch()
    {
        var ids = Ids();
        var command = new Command("fetch", "Download (verified by the registry's integrity) and import models to ONNX; cached for offline use.") { ids, Offline };
        command.SetAction(async (parse, ct) =>
        {
            using var store = CliStore.Open(parse.GetValue(Offline));
            var wanted = Resolve(store.Models.Manifest, parse.GetValue(ids));
            var artifacts = await store.EnsureModelsAsync([.. wanted.Where(id => id != SileroVadModel.Id)], ct);
            foreach (var a in artifacts)
            {
                Console.WriteLine($"{a.Model.Id,-18} {a.OnnxPath}");
            }

            if (wanted.Contains(SileroVadModel.Id))
            {
                Console.WriteLine($"{SileroVadModel.Id,-18} {await SileroVadModel.EnsureAsync(store.Packages, cancellationToken: ct)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Verify()
    {
        var ids = Ids();
        var command = new Command("verify", "Re-hash cached package files and ONNX models; exit code 1 if anything is missing or corrupt.") { ids };
        command.SetAction(parse =>
        {
            using var store = CliStore.Open(offline: true);
            var problems = 0;
            foreach (var id in Resolve(store.Models.Manifest, parse.GetValue(ids)))
            {
                var found = id == SileroVadModel.Id ? SileroVadModel.Verify(store.Packages) : store.Models.Verify(id);
                problems += found.Count;
                Console.WriteLine(found.Count == 0 ? $"{id,-18} ok" : $"{id,-18} {string.Join("; ", found)}");
            }

            if (problems > 0)
            {
                Console.WriteLine("Run `mien models fetch` (online) to fetch what is missing or damaged.");
            }

            return problems == 0 ? ExitCodes.Ok : ExitCodes.ProblemsFound;
        });
        return command;
    }

    private static Command PathCommand()
    {
        var id = new Argument<string?>("id") { Description = "A model id; without it, the cache directory.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("path", "Print the cache directory, or the cached ONNX file of one model.") { id };
        command.SetAction(parse =>
        {
            using var store = CliStore.Open(offline: true);
            var value = parse.GetValue(id);
            Console.WriteLine(
                value is null ? store.Options.CacheDirectory
                : value == SileroVadModel.Id ? Path.Combine(store.Packages.PackageDirectory(SileroVadModel.Package), SileroVadModel.File)
                : store.Models.OnnxPath(Resolve(store.Models.Manifest, [value])[0]));
            return ExitCodes.Ok;
        });
        return command;
    }
}
