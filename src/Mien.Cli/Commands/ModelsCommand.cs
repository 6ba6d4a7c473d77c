using System.CommandLine;
using System.Globalization;
using Mien.Expressions;
using Mien.ModelImport.Onnx;
using Mien.Models;
using Mien.Results;
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
        command.Subcommands.Add(Quantize());
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

    private static Command Quantize()
    {
        var model = new Argument<string>("model") { Description = $"The float expression model: a declaration JSON (model.json from `mien train expression`, or your own) or the manifest's {EmotionClassifier.ModelId}." };
        var calibration = new Option<string>("--calibration") { Description = "Face crops to measure activation ranges on, e.g. the training folder (<label>/<image>); a seeded sample is read.", Required = true };
        var images = new Option<int>("--images") { Description = "Calibration images sampled from the folder.", DefaultValueFactory = _ => 500 };
        var seed = new Option<int>("--seed") { Description = "Seed of the sample.", DefaultValueFactory = _ => 1 };
        var reduceRange = new Option<bool>("--reduce-range") { Description = "7-bit weights: for CPUs without VNNI, where full-range int8 products can saturate." };
        var output = new Option<string>("--output", "-o") { Description = "The int8 declaration to write (the .onnx goes beside it), e.g. runs/resnet18-3/model.int8.json.", Required = true };
        var offline = new Option<bool>("--offline") { Description = "Use cached models only." };
        var command = new Command("quantize", "Int8 post-training quantisation of an expression CNN (uint8 activations from calibration crops, int8 weights per channel, batch norms folded); writes an ONNX file and its declaration for --expression-model.")
        {
            model, calibration, images, seed, reduceRange, output, offline,
        };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(images);
            if (n is < 1 or > ExpressionModelQuantizer.MaxCalibrationImages)
            {
                throw new InvalidOptionException($"--images = {n}: must be within [1, {ExpressionModelQuantizer.MaxCalibrationImages}].");
            }

            var (sample, available) = ExpressionModelQuantizer.SampleImages(parse.GetValue(calibration)!, n, parse.GetValue(seed));
            var value = parse.GetValue(model)!;
            ExpressionModelSpec spec;
            if (value == EmotionClassifier.ModelId)
            {
                using var store = CliStore.Open(parse.GetValue(offline));
                var artifact = (await store.EnsureModelsAsync([EmotionClassifier.ModelId], ct))[0];
                spec = new ExpressionModelSpec(artifact.Model.Id, artifact.OnnxPath, artifact.OnnxSha256, artifact.Model.Input, artifact.Model.Outputs[0].Name, OutputIsLogits: false, ExpressionEstimate.Labels);
            }
            else
            {
                spec = ExpressionModelSpec.Load(value);
            }

            Console.Error.WriteLine($"quantize: {spec.Id}, calibrating on {sample.Count} of {available} image(s)");
            var result = ExpressionModelQuantizer.Quantize(spec, sample, parse.GetValue(output)!, new Int8QuantizationOptions { ReduceRange = parse.GetValue(reduceRange) }, new AuditCommand.LineProgress("calibration", sample.Count), ct);
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(c, $"wrote {result.OnnxPath} ({result.Int8Bytes / 1e6:F1} MB; float {result.FloatBytes / 1e6:F1} MB) and {result.SpecPath}"));
            Console.WriteLine($"int8: {string.Join(", ", result.QuantizedNodes.Select(p => $"{p.Key} ×{p.Value}"))}");
            Console.WriteLine($"float: {string.Join(", ", result.FloatNodes.Select(p => $"{p.Key} ×{p.Value}"))}");
            Console.WriteLine($"use it with --expression-model {result.SpecPath}; check its accuracy with `mien eval` against the float model before relying on it");
            return ExitCodes.Ok;
        });
        return command;
    }
}
