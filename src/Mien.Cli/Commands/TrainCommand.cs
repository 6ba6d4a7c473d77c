using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mien.Expressions;
using Mien.Models;
using Mien.Training;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien train temporal &lt;input&gt; -o weights.gru`: trains the recurrent expression model (docs/temporal-gru.md) on
/// labelled clips, evaluates it against the raw per-frame estimates and the HMM filter with a K-fold split by subject,
/// then trains the final model on every subject and writes its weights (plus a JSON report beside them).
/// </summary>
internal static class TrainCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static Command Create()
    {
        var train = new Command("train", "Train Mien's trainable parts on your own labelled data.");
        train.Subcommands.Add(CreateTemporal());
        train.Subcommands.Add(TrainExpressionCommand.Create());
        return train;
    }

    private static Command CreateTemporal()
    {
        var input = new Argument<string>("input")
        {
            Description = "A labelled-clip CSV (subject,clip,time_s,label + the seven probabilities; optional reliability, yaw/pitch/roll, eye_openness, mouth_opening, AU01..AU45), or with --ckplus a CK+48 folder (labels.csv + <label>/*.png).",
        };
        var output = CliOptions.Output("Weights file to write (.gru); a JSON report is written beside it.");
        output.Required = true;
        var json = CliOptions.Json("the training report (the same document as the .json file)");
        var ckplus = new Option<bool>("--ckplus") { Description = "The input is a CK+48 folder: assemble labelled pseudo-clips from it with the real emotion CNN." };
        var neutral = new Option<string?>("--neutral") { Description = "With --ckplus: a folder of neutral face crops (e.g. FER2013 train/neutral) for neutral segments." };
        var clipsPerSubject = new Option<int>("--clips-per-subject") { Description = "With --ckplus: pseudo-clips per subject.", DefaultValueFactory = _ => new CkPlusClipOptions().ClipsPerSubject };
        var saveClips = new Option<string?>("--save-clips") { Description = "Also write the clips used as a labelled-clip CSV (to inspect them or train again without rebuilding)." };
        var epochs = new Option<int>("--epochs") { Description = "Most epochs per training (early stopping on validation subjects may stop sooner).", DefaultValueFactory = _ => new GruTrainingOptions().Epochs };
        var hidden = new Option<int>("--hidden") { Description = "GRU hidden units.", DefaultValueFactory = _ => new GruTrainingOptions().Hidden };
        var layers = new Option<int>("--layers") { Description = "GRU layers.", DefaultValueFactory = _ => new GruTrainingOptions().Layers };
        var seed = new Option<int>("--seed") { Description = "Seed of clip assembly, splits, initialisation and batch order (same seed, same result on one machine).", DefaultValueFactory = _ => 1 };
        var folds = new Option<int>("--folds") { Description = "Folds of the evaluation by subject (0 = skip the evaluation, train only).", DefaultValueFactory = _ => new TemporalExperimentOptions().Folds };
        var offline = new Option<bool>("--offline") { Description = "Use cached models only (--ckplus needs the emotion model)." };
        var command = new Command("temporal", "Train the recurrent (GRU) temporal expression model on labelled clips; evaluate it by subject against raw and HMM; write weights for analyze.")
        {
            input, output, ckplus, neutral, clipsPerSubject, saveClips, epochs, hidden, layers, seed, folds, offline, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var training = new GruTrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                Hidden = parse.GetValue(hidden),
                Layers = parse.GetValue(layers),
                Seed = parse.GetValue(seed),
            };
            var foldCount = parse.GetValue(folds);
            if (foldCount is 1 or < 0)
            {
                throw new InvalidOptionException($"--folds {foldCount}: must be 0 (no evaluation) or at least 2");
            }

            OptionValidation.Run(training.Validate, ("Hidden", "--hidden"), ("Layers", "--layers"), ("Epochs", "--epochs"), ("Seed", "--seed"));

            // Checked before hours of training: the weights, the report beside them and the saved clips must be writable.
            var weightsFile = OutputFile.Prepare(parse.GetValue(output)!, "temporal.gru");
            var outPath = weightsFile.Path;
            var reportFile = OutputFile.Prepare(Path.ChangeExtension(outPath, ".json"), "temporal.json");
            var clipsFile = parse.GetValue(saveClips) is { } clipsPath ? OutputFile.Prepare(clipsPath, "clips.csv") : null;
            var machine = parse.GetValue(json);
            var human = machine ? Console.Error : Console.Out;
            var source = parse.GetValue(input)!;
            var started = DateTime.UtcNow;
            IReadOnlyList<LabelledClip> clips;
            string dataDescription;
            try
            {
                if (parse.GetValue(ckplus))
                {
                    var clipOptions = new CkPlusClipOptions { ClipsPerSubject = parse.GetValue(clipsPerSubject), Seed = training.Seed };
                    OptionValidation.Run(clipOptions.Validate, ("ClipsPerSubject", "--clips-per-subject"));
                    using var store = CliStore.Open(parse.GetValue(offline));
                    var artifacts = await store.EnsureModelsAsync([EmotionClassifier.ModelId], ct);
                    using var model = OnnxModel.Load(artifacts[0]);
                    using var classifier = new EmotionClassifier(model);
                    var neutralDirectory = parse.GetValue(neutral);
                    clips = new CkPlusClipBuilder(classifier, clipOptions).Build(source, neutralDirectory,
                        new SubjectProgress());
                    Console.Error.WriteLine();
                    dataDescription = $"CK+48 pseudo-clips from {source}{(neutralDirectory is null ? "" : $" + neutral crops from {neutralDirectory}")}";
                }
                else
                {
                    if (parse.GetResult(neutral) is not null)
                    {
                        throw new InvalidOptionException("--neutral only applies with --ckplus");
                    }

                    clips = ClipCsv.Read(source);
                    dataDescription = $"labelled clips from {source}";
                }
            }
            catch (Exception e) when (FileProblems.IsFileSystem(e))
            {
                throw new InputException($"{source}: {FileProblems.Describe(source, e)}", e);
            }

            clipsFile?.Write(path => ClipCsv.Write(path, clips));

            var c = CultureInfo.InvariantCulture;
            var subjects = clips.Select(x => x.Subject).Distinct(StringComparer.Ordinal).Count();
            var frames = clips.Sum(x => x.Frames.Count);
            var minutes = clips.Sum(x => x.Duration.TotalMinutes);
            human.WriteLine(string.Create(c, $"{dataDescription}: {clips.Count} clip(s), {subjects} subject(s), {frames} frames, {minutes:F1} min"));
            if (subjects < Math.Max(2, foldCount))
            {
                throw new InputException($"{subjects} subject(s): training needs at least 2 (and at least as many as --folds {foldCount}) to split by subject");
            }

            // TrainingDataException (bad input) and TrainingEnvironmentException (LibTorch unusable: a model failure) reach the runner.
            var result = TemporalExperiment.Run(clips, new TemporalExperimentOptions { Folds = foldCount, Training = training }, line => human.WriteLine(line), ct);

            if (result.Pooled.Count > 0)
            {
                human.WriteLine();
                human.WriteLine(string.Create(c, $"held-out subjects, {foldCount}-fold by subject, pooled over {result.Pooled[0].Frames} frames:"));
                human.WriteLine("  model    accuracy  macro-F1  switches/min");
                foreach (var s in result.Pooled)
                {
                    human.WriteLine(string.Create(c, $"  {s.Model,-7}  {s.Accuracy,8:P1}  {s.MacroF1,8:F3}  {s.SwitchesPerMinute,12:F1}"));
                }
            }

            var curve = result.Final.Curve;
            human.WriteLine();
            human.WriteLine("final model, validation subjects (epoch: train loss / validation loss / validation accuracy):");
            foreach (var e in curve.Where((_, i) => i == 0 || i == curve.Count - 1 || (i + 1) % 10 == 0 || i + 1 == result.Final.BestEpoch))
            {
                human.WriteLine(string.Create(c, $"  {e.Epoch,3}: {e.TrainLoss:F3} / {e.ValidationLoss:F3} / {e.ValidationAccuracy:P1}{(e.Epoch == result.Final.BestEpoch ? "  <- kept" : "")}"));
            }

            weightsFile.Write(result.Final.Weights.Save);
            var reportPath = reportFile.Path;
            var report = JsonSerializer.Serialize(new
            {
                data = dataDescription,
                clips = clips.Count,
                subjects,
                frames,
                minutes,
                training,
                folds = result.Folds.Select(f => new { f.Fold, f.TestSubjects, keptEpoch = f.Training.BestEpoch, epochs = f.Training.Curve.Count, f.Scores }),
                pooled = result.Pooled,
                final = new { keptEpoch = result.Final.BestEpoch, curve },
                weights = result.Final.Weights.Description,
                seconds = (DateTime.UtcNow - started).TotalSeconds,
            }, Json);
            reportFile.Write(report);
            if (machine)
            {
                Console.Out.WriteLine(report);
            }

            human.WriteLine();
            human.WriteLine(string.Create(c, $"weights: {outPath} (hidden {training.Hidden}, layers {training.Layers}); report: {reportPath}; {(DateTime.UtcNow - started).TotalSeconds:F0} s"));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Synchronous progress line on stderr (Progress&lt;T&gt; would post to the thread pool and interleave).</summary>
    private sealed class SubjectProgress : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => Console.Error.Write($"\rbuilding clips: subject {value.Done}/{value.Total}");
    }
}
