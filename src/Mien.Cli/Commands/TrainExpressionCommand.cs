using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mien.Expressions;
using Mien.Training.Expressions;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien train expression &lt;folder&gt; -o DIR`: trains or fine-tunes an expression CNN (logic in
/// <see cref="ExpressionTrainer"/>); the command only parses options, resolves the starting model and prints.
/// </summary>
internal static class TrainExpressionCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static Command Create()
    {
        var defaults = new ExpressionTrainingOptions();
        var folder = new Argument<string>("folder") { Description = "Labelled training images, <folder>/<label>/<image> (anger, disgust, fear, happiness, sadness, surprise, neutral); a validation split is carved from it by --seed." };
        var output = CliOptions.Output("Folder for checkpoints and the exported model (model.onnx + model.json).");
        output.Required = true;
        var from = new Option<string>("--from") { Description = "Starting point: human (fine-tune Human's imported emotion weights), compact (a new 32-64-128-256 VGG-style net), resnet18 (ImageNet ResNet-18 from NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18, grey input, new head; --size a multiple of 32), resnet18-3 (its first three stages only: under a fifth of the weights, about a third of the time per face), or an ONNX file.", DefaultValueFactory = _ => "human" };
        var teacher = new Option<string?>("--teacher") { Description = "Distillation teacher ONNX (e.g. fr_expression.onnx of npm faceplugin-face-recognition-js 0.0.1); its logits are computed once and cached in the output folder." };
        var epochs = new Option<int>("--epochs") { Description = "Most epochs (early stopping may end sooner).", DefaultValueFactory = _ => defaults.Epochs };
        var batch = new Option<int>("--batch") { Description = "Images per step.", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate of the one-cycle schedule.", DefaultValueFactory = _ => defaults.LearningRate };
        var size = new Option<int>("--size") { Description = "Input side in pixels (must match the starting model; 64 for human).", DefaultValueFactory = _ => defaults.Side };
        var smoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing ε.", DefaultValueFactory = _ => defaults.LabelSmoothing };
        var balance = new EnumOption<ClassBalance>("--balance", "Class balance: loss = square-root inverse-frequency class weights; none.", defaults.Balance);
        var patience = new Option<int>("--patience") { Description = "Epochs without a better validation accuracy before stopping.", DefaultValueFactory = _ => defaults.Patience };
        var validation = new Option<double>("--validation") { Description = "Share of each class held back for validation.", DefaultValueFactory = _ => defaults.ValidationFraction };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Write a resumable checkpoint every N steps (and after every epoch).", DefaultValueFactory = _ => defaults.CheckpointEvery };
        var seed = new Option<int>("--seed") { Description = "Seed of the split, order, augmentation and new weights.", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int>("--threads") { Description = "Torch threads (training shares the machine: default 1).", DefaultValueFactory = _ => defaults.Threads };
        var limit = new Option<int?>("--limit") { Description = "At most N images per class, for quick runs." };
        var steps = new Option<int?>("--steps-per-epoch") { Description = "Stop each epoch after N steps, for quick runs." };
        var noAugment = new Option<bool>("--no-augment") { Description = "Train on the images as they are." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in the output folder (its settings are used)." };
        var offline = new Option<bool>("--offline") { Description = "Use cached models only (--from human needs the emotion model)." };
        var json = CliOptions.Json("the result (model paths, curve, calibration)");
        var command = new Command("expression", "Train or fine-tune an expression CNN on labelled face crops (augmentation, class balance, label smoothing, one-cycle schedule, early stopping, checkpoints, distillation); export ONNX with temperature scaling for --expression-model.")
        {
            folder, output, from, teacher, epochs, batch, lr, size, smoothing, balance.Option, patience, validation, checkpointEvery, seed, threads, limit, steps, noAugment, resume, offline, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new ExpressionTrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                Side = parse.GetValue(size),
                LabelSmoothing = parse.GetValue(smoothing),
                Balance = balance.Get(parse),
                Patience = parse.GetValue(patience),
                ValidationFraction = parse.GetValue(validation),
                CheckpointEvery = parse.GetValue(checkpointEvery),
                Seed = parse.GetValue(seed),
                Threads = parse.GetValue(threads),
                LimitPerClass = parse.GetValue(limit),
                MaxStepsPerEpoch = parse.GetValue(steps),
                Augmentation = parse.GetValue(noAugment) ? AugmentationOptions.None : new AugmentationOptions(),
            };
            OptionValidation.Run(options.Validate,
                ("Epochs", "--epochs"), ("BatchSize", "--batch"), ("LearningRate", "--lr"), ("Side", "--size"), ("LabelSmoothing", "--label-smoothing"),
                ("Patience", "--patience"), ("ValidationFraction", "--validation"), ("CheckpointEvery", "--checkpoint-every"), ("Threads", "--threads"),
                ("LimitPerClass", "--limit"), ("MaxStepsPerEpoch", "--steps-per-epoch"));
            var outputFolder = parse.GetValue(output)!;
            var teacherPath = parse.GetValue(teacher);
            if (teacherPath is not null && !File.Exists(teacherPath))
            {
                throw new InvalidOptionException($"--teacher {teacherPath}: file not found");
            }

            string? startModel = null;
            var start = parse.GetValue(from)!;
            var resuming = parse.GetValue(resume);
            if (!resuming)
            {
                switch (start)
                {
                    case "human":
                        using (var store = CliStore.Open(parse.GetValue(offline)))
                        {
                            startModel = (await store.EnsureModelsAsync([EmotionClassifier.ModelId], ct))[0].OnnxPath;
                        }

                        break;
                    case "compact":
                        break;
                    case "resnet18":
                        startModel = ExpressionStartingPoints.ResNet18(parse.GetValue(output)!, options.Side, options.Seed);
                        break;
                    case "resnet18-3":
                        startModel = ExpressionStartingPoints.ResNet18(parse.GetValue(output)!, options.Side, options.Seed, stages: 3);
                        break;
                    default:
                        startModel = File.Exists(start) ? start : throw new InvalidOptionException($"--from {start}: not human, compact, resnet18, resnet18-3 or an existing ONNX file");
                        break;
                }
            }

            var machine = parse.GetValue(json);
            var human = machine ? Console.Error : Console.Out;
            var result = ExpressionTrainer.Train(parse.GetValue(folder)!, startModel, outputFolder, options, resuming, teacherPath,
                line => human.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}"), ct);
            var c = CultureInfo.InvariantCulture;
            var best = result.Curve[result.BestEpoch - 1];
            human.WriteLine(string.Create(c, $"kept epoch {result.BestEpoch}: validation accuracy {best.ValidationAccuracy:P2}, macro-F1 {best.ValidationMacroF1:F3}; temperature {result.Calibration.Temperature:F3} (ECE {result.Calibration.EceBefore:F3} → {result.Calibration.EceAfter:F3})"));
            human.WriteLine($"model: {result.ModelPath}; use it with --expression-model {result.SpecPath}");
            if (machine)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(result, Json));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
