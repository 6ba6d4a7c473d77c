using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mien.Results;
using TorchSharp;

namespace Mien.Training.Expressions;

/// <summary>Scores after one epoch.</summary>
/// <param name="Epoch">Epoch number from 1.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's steps (smoothed, weighted, with distillation when used).</param>
/// <param name="ValidationNll">Mean negative log-likelihood of the validation labels.</param>
/// <param name="ValidationAccuracy">Validation accuracy.</param>
/// <param name="ValidationMacroF1">Validation macro-F1 over the classes present.</param>
/// <param name="Seconds">Wall time of the epoch's training steps.</param>
public sealed record ExpressionEpoch(int Epoch, double TrainLoss, double ValidationNll, double ValidationAccuracy, double ValidationMacroF1, double Seconds);

/// <summary>A finished run: where the model is, the curve, the kept epoch and its calibration.</summary>
/// <param name="ModelPath">The exported ONNX model (best epoch, temperature-scaled).</param>
/// <param name="SpecPath">Its plug-in descriptor (<c>model.json</c>) for <c>--expression-model</c>.</param>
/// <param name="Curve">Per-epoch scores.</param>
/// <param name="BestEpoch">The epoch whose weights were kept (highest validation accuracy).</param>
/// <param name="Calibration">Temperature scaling on the validation split.</param>
public sealed record ExpressionTrainingResult(string ModelPath, string SpecPath, IReadOnlyList<ExpressionEpoch> Curve, int BestEpoch, CalibrationResult Calibration);

/// <summary>
/// Trains or fine-tunes an expression CNN on a labelled folder with TorchSharp: seeded stratified validation split,
/// augmentation, class-weighted label-smoothed cross-entropy (plus distillation from cached teacher logits), Adam with
/// a one-cycle schedule (linear warm-up, cosine decay), early stopping on validation accuracy, resumable checkpoints,
/// export to ONNX (the same graph as the starting model, new weights) and temperature scaling.
/// </summary>
public static class ExpressionTrainer
{
    /// <summary>File names inside the output folder.</summary>
    public const string CheckpointModel = "checkpoint.onnx";

    /// <summary>Run state written with every checkpoint (options, position, curve, versions).</summary>
    public const string CheckpointState = "checkpoint.json";

    /// <summary>Optimiser moments of the checkpoint.</summary>
    public const string CheckpointOptimiser = "checkpoint.adam";

    /// <summary>Best epoch's weights, uncalibrated.</summary>
    public const string BestModel = "best.onnx";

    /// <summary>The exported, temperature-scaled model.</summary>
    public const string FinalModel = "model.onnx";

    /// <summary>The exported model's plug-in descriptor.</summary>
    public const string FinalSpec = "model.json";

    private const int Classes = 7;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Trains on <paramref name="dataFolder"/> and writes everything to <paramref name="outputFolder"/>.</summary>
    /// <param name="dataFolder">Labelled images, <c>&lt;label&gt;/&lt;image&gt;</c>.</param>
    /// <param name="startModel">ONNX model to fine-tune (e.g. Human's imported <c>emotion</c>), or null for a new compact network.</param>
    /// <param name="outputFolder">Checkpoints and the exported model.</param>
    /// <param name="options">Settings (ignored on resume: the checkpoint's are used).</param>
    /// <param name="resume">Continue from the checkpoint in <paramref name="outputFolder"/>.</param>
    /// <param name="teacherOnnx">Distillation teacher (its logits are cached in the output folder), or null.</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="ct">Stops after the current step (a checkpoint is written first).</param>
    /// <exception cref="TrainingDataException">The data or a model cannot be used; the message says why.</exception>
    public static ExpressionTrainingResult Train(string dataFolder, string? startModel, string outputFolder, ExpressionTrainingOptions options, bool resume = false, string? teacherOnnx = null, Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataFolder);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(outputFolder);
        var statePath = Path.Combine(outputFolder, CheckpointState);
        RunState? state = null;
        if (resume)
        {
            if (!File.Exists(statePath))
            {
                throw new TrainingDataException($"--resume: no checkpoint in '{outputFolder}' ({CheckpointState} is missing); start without --resume");
            }

            state = JsonSerializer.Deserialize<RunState>(File.ReadAllText(statePath), Json) ?? throw new TrainingDataException($"{statePath}: empty checkpoint state");
            options = state.Options;
            teacherOnnx = state.Teacher;
            log?.Invoke($"resuming at epoch {state.Epoch}, step {state.Step} of the epoch (best so far: epoch {state.BestEpoch})");
        }

        options.Validate();
        LibTorchCompatibility.EnsureLoadable();
        torch.set_num_threads(options.Threads);
        torch.manual_seed(options.Seed);

        log?.Invoke($"reading {dataFolder} at {options.Side} px");
        var set = ExpressionImageSet.Load(dataFolder, options.Side, options.LimitPerClass);
        var fingerprint = set.Fingerprint();
        if (state is not null && state.DataFingerprint != fingerprint)
        {
            throw new TrainingDataException($"--resume: '{dataFolder}' is not the data the checkpoint was trained on (fingerprint {fingerprint[..12]} ≠ {state.DataFingerprint[..12]})");
        }

        var (trainIndex, validationIndex) = set.Split(options.ValidationFraction, options.Seed);
        if (trainIndex.Length < options.BatchSize || validationIndex.Length == 0)
        {
            throw new TrainingDataException($"{set.Root}: {trainIndex.Length} training and {validationIndex.Length} validation image(s) after the split; need at least one batch ({options.BatchSize}) and one validation image");
        }

        log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"{set.Count} images: {trainIndex.Length} training, {validationIndex.Length} validation (seed {options.Seed}); per class {string.Join(" ", set.ClassCounts())}"));
        var teacher = teacherOnnx is null ? null : TeacherLogits.LoadOrCompute(teacherOnnx, set, Path.Combine(outputFolder, "teacher-logits.bin"), options.Threads, log, ct);

        var graph = resume
            ? OnnxGraphNet.Read(Path.Combine(outputFolder, CheckpointModel))
            : startModel is null ? CompactExpressionNet.Create(options.Side, [32, 64, 128, 256], Classes, options.Seed) : OnnxGraphNet.Read(startModel);
        using var net = new OnnxGraphNet(graph);
        var inputShape = InputShape(graph, options.Side);
        state ??= new RunState
        {
            Options = options,
            StartModel = startModel is null ? "compact 32-64-128-256 (new)" : Path.GetFullPath(startModel),
            StartModelSha256 = startModel is null ? null : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(startModel))),
            Teacher = teacherOnnx is null ? null : Path.GetFullPath(teacherOnnx),
            DataFolder = set.Root,
            DataFingerprint = fingerprint,
            Versions = Versions(options.Threads),
        };
        log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"network: {state.StartModel}, {net.TrainableValues} trainable values; {(teacher is null ? "no teacher" : $"distillation α {options.DistillationWeight}, T {options.DistillationTemperature}")}"));

        using var adam = new AdamOptimizer(net.parameters(), options.LearningRate);
        if (resume)
        {
            using var reader = new BinaryReader(File.OpenRead(Path.Combine(outputFolder, CheckpointOptimiser)));
            adam.Load(reader);
        }

        var weights = ClassWeights(set, trainIndex, options.Balance);
        var stepsPerEpoch = (trainIndex.Length + options.BatchSize - 1) / options.BatchSize;
        if (options.MaxStepsPerEpoch is { } cap)
        {
            stepsPerEpoch = Math.Min(stepsPerEpoch, cap);
        }

        var totalSteps = stepsPerEpoch * options.Epochs;
        var pixels = options.Side * options.Side;
        var input = new float[options.BatchSize * pixels];
        var targets = new float[options.BatchSize * Classes];
        var sampleWeights = new float[options.BatchSize];
        var teacherTargets = new float[options.BatchSize * Classes];
        using var augmenter = new ExpressionAugmenter(options.Side, options.Augmentation);
        var stoppedEarly = state.StoppedEarly;
        while (state.Epoch <= options.Epochs && !stoppedEarly)
        {
            var epoch = state.Epoch;
            var order = (int[])trainIndex.Clone();
            new Random(Mix(options.Seed, epoch, -1)).Shuffle(order);
            net.train();
            var started = DateTime.UtcNow;
            for (var step = state.Step; step < stepsPerEpoch; step++)
            {
                if (ct.IsCancellationRequested)
                {
                    state.Step = step;
                    SaveCheckpoint(outputFolder, net, adam, state);
                    log?.Invoke($"stopped at epoch {epoch}, step {step}; checkpoint written (resume with --resume)");
                    ct.ThrowIfCancellationRequested();
                }

                var start = step * options.BatchSize;
                var count = Math.Min(options.BatchSize, order.Length - start);
                var random = new Random(Mix(options.Seed, epoch, step));
                for (var b = 0; b < count; b++)
                {
                    var i = order[start + b];
                    augmenter.Write(set.Pixels[i], input.AsSpan(b * pixels, pixels), random);
                    var label = set.Labels[i];
                    for (var k = 0; k < Classes; k++)
                    {
                        targets[(b * Classes) + k] = (float)(options.LabelSmoothing / Classes) + (k == label ? (float)(1 - options.LabelSmoothing) : 0f);
                    }

                    sampleWeights[b] = weights[label];
                    if (teacher is not null)
                    {
                        Softmax(teacher.AsSpan(i * Classes, Classes), options.DistillationTemperature, teacherTargets.AsSpan(b * Classes, Classes));
                    }
                }

                adam.LearningRate = LearningRate(options, (epoch - 1) * stepsPerEpoch + step, totalSteps);
                double lossValue;
                using (var scope = torch.NewDisposeScope())
                {
                    adam.ZeroGrad();
                    var x = torch.tensor(input.AsSpan(0, count * pixels).ToArray(), Shape(inputShape, count));
                    var logits = net.forward(x).reshape(count, Classes);
                    var q = torch.tensor(targets.AsSpan(0, count * Classes).ToArray(), [count, Classes]);
                    var w = torch.tensor(sampleWeights.AsSpan(0, count).ToArray(), [count]);
                    var ce = q.mul(logits.log_softmax(1)).sum(1).neg();
                    var loss = ce.mul(w).sum().div(w.sum());
                    if (teacher is not null)
                    {
                        var t = options.DistillationTemperature;
                        var p = torch.tensor(teacherTargets.AsSpan(0, count * Classes).ToArray(), [count, Classes]);
                        var kd = p.mul(logits.div(t).log_softmax(1)).sum(1).neg().mean().mul(t * t);
                        loss = loss.mul(1 - options.DistillationWeight).add(kd.mul(options.DistillationWeight));
                    }

                    loss.backward();
                    lossValue = loss.item<float>();
                }

                adam.Step();
                state.EpochLossSum += lossValue;
                state.EpochSteps++;
                if ((step + 1) % options.CheckpointEvery == 0 && step + 1 < stepsPerEpoch)
                {
                    state.Step = step + 1;
                    SaveCheckpoint(outputFolder, net, adam, state);
                    log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch} step {step + 1}/{stepsPerEpoch}: loss {state.EpochLossSum / state.EpochSteps:F4}, lr {adam.LearningRate:E2}; checkpoint written"));
                }
            }

            var seconds = (DateTime.UtcNow - started).TotalSeconds;
            var (logitsValidation, labelsValidation) = Predict(net, set, validationIndex, inputShape);
            var scores = Score(logitsValidation, labelsValidation);
            var stats = new ExpressionEpoch(epoch, state.EpochLossSum / Math.Max(1, state.EpochSteps), scores.Nll, scores.Accuracy, scores.MacroF1, Math.Round(seconds, 1));
            state.Curve.Add(stats);
            log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}: train loss {stats.TrainLoss:F4}, validation NLL {stats.ValidationNll:F4}, accuracy {stats.ValidationAccuracy:P2}, macro-F1 {stats.ValidationMacroF1:F4} ({seconds:F0} s)"));
            if (stats.ValidationAccuracy > state.BestAccuracy)
            {
                state.BestAccuracy = stats.ValidationAccuracy;
                state.BestEpoch = epoch;
                net.Save(Path.Combine(outputFolder, BestModel));
            }
            else if (epoch - state.BestEpoch >= options.Patience)
            {
                log?.Invoke($"no better validation accuracy for {options.Patience} epoch(s): stopping early");
                stoppedEarly = true;
            }

            state.Epoch = epoch + 1;
            state.Step = 0;
            state.EpochLossSum = 0;
            state.EpochSteps = 0;
            state.StoppedEarly = stoppedEarly;
            SaveCheckpoint(outputFolder, net, adam, state);
        }

        return Finish(outputFolder, set, validationIndex, inputShape, state, log);
    }

    /// <summary>Calibrates the best epoch's weights and writes <see cref="FinalModel"/> and <see cref="FinalSpec"/>.</summary>
    private static ExpressionTrainingResult Finish(string outputFolder, ExpressionImageSet set, int[] validationIndex, long[] inputShape, RunState state, Action<string>? log)
    {
        using var best = new OnnxGraphNet(OnnxGraphNet.Read(Path.Combine(outputFolder, BestModel)));
        var (logits, labels) = Predict(best, set, validationIndex, inputShape);
        var calibration = TemperatureScaling.Fit(logits, labels, Classes);
        log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"calibration on {calibration.Samples} validation images: T {calibration.Temperature:F3}, ECE {calibration.EceBefore:F4} → {calibration.EceAfter:F4}, NLL {calibration.NllBefore:F4} → {calibration.NllAfter:F4}"));
        var modelPath = Path.Combine(outputFolder, FinalModel);
        var description = string.Create(CultureInfo.InvariantCulture, $"Mien expression model trained by `mien train expression` from {state.StartModel}; best epoch {state.BestEpoch} of {state.Curve.Count}; temperature {calibration.Temperature:F4}");
        best.Save(modelPath, (float)calibration.Temperature, description);
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(modelPath)));
        var spec = new
        {
            id = "trained-" + sha[..12],
            kind = "expression",
            onnx = FinalModel,
            sha256 = sha,
            input = new { name = best.InputName, shape = inputShape.Select((v, i) => i == 0 ? -1 : v).ToArray(), layout = inputShape[^1] == 1 ? "NHWC" : "NCHW", colour = "grey", range = new[] { -1f, 1f }, resize = "bilinear up, area down" },
            output = new { name = "Identity", kind = "probabilities" },
            labels = ExpressionEstimate.Labels,
            description,
            calibration,
            training = new
            {
                state.DataFolder,
                state.DataFingerprint,
                images = set.Count,
                validation = validationIndex.Length,
                state.StartModel,
                state.StartModelSha256,
                state.Teacher,
                state.Options,
                state.BestEpoch,
                state.StoppedEarly,
                curve = state.Curve,
                state.Versions,
            },
        };
        var specPath = Path.Combine(outputFolder, FinalSpec);
        File.WriteAllText(specPath, JsonSerializer.Serialize(spec, Json));
        log?.Invoke($"wrote {modelPath} and {specPath}");
        return new ExpressionTrainingResult(modelPath, specPath, state.Curve, state.BestEpoch, calibration);
    }

    /// <summary>Logits of the unaugmented images <paramref name="indices"/> (batches of 256, no gradients).</summary>
    internal static (float[] Logits, int[] Labels) Predict(OnnxGraphNet net, ExpressionImageSet set, int[] indices, long[] inputShape)
    {
        const int Batch = 256;
        var pixels = set.Side * set.Side;
        var logits = new float[indices.Length * Classes];
        var labels = new int[indices.Length];
        var input = new float[Batch * pixels];
        using var augmenter = new ExpressionAugmenter(set.Side, AugmentationOptions.None);
        var random = new Random(0);
        net.eval();
        using var noGrad = torch.no_grad();
        for (var start = 0; start < indices.Length; start += Batch)
        {
            var count = Math.Min(Batch, indices.Length - start);
            for (var b = 0; b < count; b++)
            {
                augmenter.Write(set.Pixels[indices[start + b]], input.AsSpan(b * pixels, pixels), random);
                labels[start + b] = set.Labels[indices[start + b]];
            }

            using var scope = torch.NewDisposeScope();
            var x = torch.tensor(input.AsSpan(0, count * pixels).ToArray(), Shape(inputShape, count));
            var output = net.forward(x).reshape(count, Classes);
            output.data<float>().ToArray().CopyTo(logits, start * Classes);
        }

        return (logits, labels);
    }

    internal static (double Nll, double Accuracy, double MacroF1) Score(float[] logits, int[] labels)
    {
        var confusion = new int[Classes, Classes];
        for (var i = 0; i < labels.Length; i++)
        {
            var row = logits.AsSpan(i * Classes, Classes);
            var best = 0;
            for (var k = 1; k < Classes; k++)
            {
                if (row[k] > row[best])
                {
                    best = k;
                }
            }

            confusion[labels[i], best]++;
        }

        var correct = 0;
        double f1Sum = 0;
        var present = 0;
        for (var c = 0; c < Classes; c++)
        {
            correct += confusion[c, c];
            int actual = 0, predicted = 0;
            for (var k = 0; k < Classes; k++)
            {
                actual += confusion[c, k];
                predicted += confusion[k, c];
            }

            if (actual == 0)
            {
                continue;
            }

            present++;
            f1Sum += actual + predicted == 0 ? 0 : 2.0 * confusion[c, c] / (actual + predicted);
        }

        return (TemperatureScaling.Nll(logits, labels, Classes, 1), (double)correct / labels.Length, f1Sum / Math.Max(1, present));
    }

    private static long[] InputShape(Mien.ModelImport.Onnx.ModelProto graph, int side)
    {
        var input = graph.Graph.Input.First(i => graph.Graph.Initializer.All(t => t.Name != i.Name));
        var dims = input.Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray();
        if (dims.Length != 4)
        {
            throw new TrainingDataException($"the model's input '{input.Name}' has {dims.Length} dimensions; an image classifier has 4 (N×S×S×1 or N×1×S×S)");
        }

        var nhwc = dims[3] == 1;
        var (h, w) = nhwc ? (dims[1], dims[2]) : (dims[2], dims[3]);
        if (h != side || w != side || (nhwc ? dims[3] : dims[1]) != 1)
        {
            throw new TrainingDataException($"the model's input '{input.Name}' is [{string.Join(", ", dims)}]; training feeds grey {side}×{side} images (set --size to the model's side)");
        }

        // One channel: N×S×S×1 and N×1×S×S hold the pixels in the same order.
        return nhwc ? [-1, side, side, 1] : [-1, 1, side, side];
    }

    private static long[] Shape(long[] inputShape, int count) => [count, inputShape[1], inputShape[2], inputShape[3]];

    private static float[] ClassWeights(ExpressionImageSet set, int[] train, ClassBalance balance)
    {
        var weights = new float[Classes];
        Array.Fill(weights, 1f);
        if (balance == ClassBalance.None)
        {
            return weights;
        }

        var counts = new int[Classes];
        foreach (var i in train)
        {
            counts[set.Labels[i]]++;
        }

        double sum = 0;
        var present = 0;
        for (var c = 0; c < Classes; c++)
        {
            if (counts[c] > 0)
            {
                weights[c] = (float)Math.Sqrt((double)train.Length / counts[c]);
                sum += weights[c] * counts[c];
                present++;
            }
        }

        // Normalised so the average image weighs 1 (the learning rate keeps its meaning).
        var scale = train.Length / sum;
        for (var c = 0; c < Classes; c++)
        {
            weights[c] = (float)(weights[c] * scale);
        }

        return weights;
    }

    private static double LearningRate(ExpressionTrainingOptions o, int step, int total)
    {
        var warmup = Math.Max(1, (int)(o.WarmupFraction * total));
        if (step < warmup)
        {
            return o.LearningRate * (step + 1) / warmup;
        }

        var progress = Math.Min(1, (double)(step - warmup) / Math.Max(1, total - warmup));
        return o.LearningRate * (0.01 + (0.99 * 0.5 * (1 + Math.Cos(Math.PI * progress))));
    }

    private static void Softmax(ReadOnlySpan<float> logits, double temperature, Span<float> destination)
    {
        var max = float.NegativeInfinity;
        foreach (var v in logits)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        for (var k = 0; k < logits.Length; k++)
        {
            var e = Math.Exp((logits[k] - max) / temperature);
            destination[k] = (float)e;
            sum += e;
        }

        for (var k = 0; k < logits.Length; k++)
        {
            destination[k] = (float)(destination[k] / sum);
        }
    }

    /// <summary>A seed for (run seed, epoch, step): resuming at any step replays exactly the same batches and augmentations.</summary>
    private static int Mix(int seed, int epoch, int step)
    {
        // HashCode is randomised per process; a fixed integer mix keeps runs reproducible across processes.
        unchecked
        {
            var h = (uint)seed * 0x9E3779B1u;
            h ^= (uint)epoch * 0x85EBCA77u;
            h = (h << 13) | (h >> 19);
            h ^= (uint)step * 0xC2B2AE3Du;
            h ^= h >> 16;
            return (int)(h & 0x7fffffff);
        }
    }

    private static void SaveCheckpoint(string folder, OnnxGraphNet net, AdamOptimizer adam, RunState state)
    {
        net.Save(Path.Combine(folder, CheckpointModel));
        var adamPath = Path.Combine(folder, CheckpointOptimiser);
        using (var writer = new BinaryWriter(File.Create(adamPath + ".tmp")))
        {
            adam.Save(writer);
        }

        File.Move(adamPath + ".tmp", adamPath, overwrite: true);
        var statePath = Path.Combine(folder, CheckpointState);
        File.WriteAllText(statePath + ".tmp", JsonSerializer.Serialize(state, Json));
        File.Move(statePath + ".tmp", statePath, overwrite: true);
    }

    private static Dictionary<string, string> Versions(int threads) => new(StringComparer.Ordinal)
    {
        ["mien"] = typeof(ExpressionTrainer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown",
        ["dotnet"] = Environment.Version.ToString(),
        ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        ["threads"] = threads.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>What a checkpoint records (JSON).</summary>
    internal sealed class RunState
    {
        public required ExpressionTrainingOptions Options { get; init; }

        public required string StartModel { get; init; }

        public string? StartModelSha256 { get; init; }

        public string? Teacher { get; init; }

        public required string DataFolder { get; init; }

        public required string DataFingerprint { get; init; }

        public required Dictionary<string, string> Versions { get; init; }

        public int Epoch { get; set; } = 1;

        public int Step { get; set; }

        public double EpochLossSum { get; set; }

        public int EpochSteps { get; set; }

        public int BestEpoch { get; set; }

        public double BestAccuracy { get; set; } = -1;

        public bool StoppedEarly { get; set; }

        public List<ExpressionEpoch> Curve { get; init; } = [];
    }
}
