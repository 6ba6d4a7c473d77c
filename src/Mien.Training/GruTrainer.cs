using System.Globalization;
using Mien.Affect.Recurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace Mien.Training;

/// <summary>Settings of <see cref="GruTrainer"/>.</summary>
public sealed record GruTrainingOptions
{
    /// <summary>Hidden units per GRU layer (default 32).</summary>
    public int Hidden { get; init; } = 32;

    /// <summary>GRU layers (default 1).</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Most passes over the training clips (default 60); training stops earlier when validation loss stalls.</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Epochs without a better validation loss before stopping (default 12).</summary>
    public int Patience { get; init; } = 12;

    /// <summary>Adam learning rate (default 0.005).</summary>
    public double LearningRate { get; init; } = 0.005;

    /// <summary>Clips per gradient step (padded to the longest; default 8).</summary>
    public int BatchClips { get; init; } = 8;

    /// <summary>Seed of initialisation and batch order (training is deterministic for a seed on one machine).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option, value and constraint.</summary>
    public void Validate()
    {
        if (Hidden is < 1 or > GruWeights.MaxHidden)
        {
            throw new ArgumentOutOfRangeException(nameof(Hidden), Hidden, $"must be within [1, {GruWeights.MaxHidden}]");
        }

        if (Layers is < 1 or > GruWeights.MaxLayers)
        {
            throw new ArgumentOutOfRangeException(nameof(Layers), Layers, $"must be within [1, {GruWeights.MaxLayers}]");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(Patience, 1, nameof(Patience));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchClips, 1, nameof(BatchClips));
        if (!(LearningRate is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be within (0, 1)");
        }
    }
}

/// <summary>Losses after one epoch.</summary>
/// <param name="Epoch">Epoch number from 1.</param>
/// <param name="TrainLoss">Mean per-frame cross-entropy over the training frames during the epoch.</param>
/// <param name="ValidationLoss">Mean per-frame cross-entropy on the validation subjects after the epoch.</param>
/// <param name="ValidationAccuracy">Per-frame accuracy on the validation subjects after the epoch.</param>
public sealed record EpochStats(int Epoch, double TrainLoss, double ValidationLoss, double ValidationAccuracy);

/// <summary>A trained model: the weights of the epoch with the lowest validation loss, and the curve.</summary>
/// <param name="Weights">Exported weights for <see cref="GruExpressionModel"/>.</param>
/// <param name="Curve">Per-epoch losses.</param>
/// <param name="BestEpoch">Epoch whose weights were kept.</param>
public sealed record GruTrainingResult(GruWeights Weights, IReadOnlyList<EpochStats> Curve, int BestEpoch)
{
    /// <summary>The kept epoch's losses.</summary>
    public EpochStats Best => Curve[BestEpoch - 1];
}

/// <summary>
/// Trains the recurrent expression model with TorchSharp (<c>torch.nn.GRU</c> + linear head, Adam, per-frame
/// cross-entropy over whole clips from a zero state (Adam: <see cref="AdamOptimizer"/>), early stopping on validation loss) and exports the weights for
/// the pure-C# <see cref="GruExpressionModel"/>.
/// </summary>
public static class GruTrainer
{
    /// <summary>Trains on <paramref name="train"/>, choosing the epoch on <paramref name="validation"/> (other subjects).</summary>
    /// <exception cref="TrainingDataException">A set is empty or a clip is invalid.</exception>
    public static GruTrainingResult Train(IReadOnlyList<LabelledClip> train, IReadOnlyList<LabelledClip> validation, GruTrainingOptions? options = null, IProgress<EpochStats>? progress = null, CancellationToken ct = default)
    {
        options ??= new GruTrainingOptions();
        var fit = Fit(train, validation, options, frameOnly: false, progress, ct);
        using var net = fit.Net;
        var description = string.Create(CultureInfo.InvariantCulture,
            $"TorchSharp GRU, hidden {options.Hidden}, layers {options.Layers}, lr {options.LearningRate}, seed {options.Seed}; {train.Select(c => c.Subject).Distinct().Count()} training subject(s); kept epoch {fit.BestEpoch} (validation loss {fit.Curve[fit.BestEpoch - 1].ValidationLoss:F4})");
        return new GruTrainingResult(net.Export(fit.Mean, fit.Std, description), fit.Curve, fit.BestEpoch);
    }

    /// <summary>
    /// Trains the network (or, with <paramref name="frameOnly"/>, the same-sized per-frame baseline without memory) and
    /// returns it with the parameters of the epoch with the lowest validation loss restored.
    /// </summary>
    internal static FitResult Fit(IReadOnlyList<LabelledClip> train, IReadOnlyList<LabelledClip> validation, GruTrainingOptions options, bool frameOnly, IProgress<EpochStats>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        options.Validate();
        var trainSet = train.Select(ClipFeatures.From).Where(c => c.Length > 0).ToArray();
        var validationSet = validation.Select(ClipFeatures.From).Where(c => c.Length > 0).ToArray();
        if (trainSet.Length == 0 || validationSet.Length == 0)
        {
            throw new TrainingDataException($"training needs frames on both sides: {trainSet.Length} training and {validationSet.Length} validation clip(s) with usable frames");
        }

        var (mean, std) = ClipFeatures.Normalisation(trainSet);
        LibTorchCompatibility.EnsureLoadable();
        torch.manual_seed(options.Seed);
        var net = new TemporalGruNet(options.Hidden, options.Layers, frameOnly);
        using var optimizer = new AdamOptimizer(net.parameters(), options.LearningRate);
        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, trainSet.Length).ToArray();
        using var validationBatch = Batch.Create(validationSet, mean, std);
        var curve = new List<EpochStats>();
        var best = double.PositiveInfinity;
        var bestEpoch = 0;
        Tensor[] bestState = [];
        try
        {
            for (var epoch = 1; epoch <= options.Epochs; epoch++)
            {
                ct.ThrowIfCancellationRequested();
                random.Shuffle(order);
                net.train();
                double lossSum = 0;
                long frameSum = 0;
                for (var start = 0; start < order.Length; start += options.BatchClips)
                {
                    var members = order.Skip(start).Take(options.BatchClips).Select(i => trainSet[i]).ToArray();
                    // Tensors are disposed by hand (no DisposeScope), so nothing releases a native object still in use.
                    using (var batch = Batch.Create(members, mean, std))
                    {
                        optimizer.ZeroGrad();
                        using var logits = net.forward(batch.X);
                        using var flat = logits.reshape(-1, GruWeights.Classes);
                        using var targets = batch.Y.reshape(-1);
                        using var loss = nn.functional.cross_entropy(flat, targets, ignore_index: Batch.Padding);
                        loss.backward();
                        lossSum += loss.item<float>() * batch.Frames;
                        frameSum += batch.Frames;
                    }

                    optimizer.Step();
                }

                var (validationLoss, validationAccuracy) = Evaluate(net, validationBatch);
                var stats = new EpochStats(epoch, lossSum / frameSum, validationLoss, validationAccuracy);
                curve.Add(stats);
                progress?.Report(stats);
                if (validationLoss < best)
                {
                    best = validationLoss;
                    bestEpoch = epoch;
                    foreach (var t in bestState)
                    {
                        t.Dispose();
                    }

                    bestState = [.. net.parameters().Select(p => p.detach().clone())];
                }
                else if (epoch - bestEpoch >= options.Patience)
                {
                    break;
                }
            }

            using (torch.no_grad())
            {
                var parameters = net.parameters().ToArray();
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i].copy_(bestState[i]);
                }
            }
        }
        finally
        {
            foreach (var t in bestState)
            {
                t.Dispose();
            }
        }

        return new FitResult(net, mean, std, curve, bestEpoch);
    }

    /// <summary>Per-frame argmax of a fitted network on a clip's kept frames (for the per-frame baseline's scores).</summary>
    internal static (int[] Labels, int[] Predicted) PredictFrames(FitResult fit, LabelledClip clip)
    {
        var features = ClipFeatures.From(clip);
        var f = TemporalFeatures.Length;
        var normalised = new float[features.Features.Length];
        for (var i = 0; i < normalised.Length; i++)
        {
            normalised[i] = (features.Features[i] - fit.Mean[i % f]) / fit.Std[i % f];
        }

        var probabilities = features.Length == 0 ? [] : fit.Net.Probabilities(normalised, features.Length);
        var predicted = new int[features.Length];
        for (var t = 0; t < predicted.Length; t++)
        {
            var row = probabilities.AsSpan(t * GruWeights.Classes, GruWeights.Classes);
            predicted[t] = row.IndexOf(System.Numerics.Tensors.TensorPrimitives.Max(row));
        }

        return (features.Labels, predicted);
    }

    private static (double Loss, double Accuracy) Evaluate(TemporalGruNet net, Batch batch)
    {
        using var noGrad = torch.no_grad();
        net.eval();
        using var output = net.forward(batch.X);
        using var logits = output.reshape(-1, GruWeights.Classes);
        using var y = batch.Y.reshape(-1);
        using var lossTensor = nn.functional.cross_entropy(logits, y, ignore_index: Batch.Padding);
        using var predicted = logits.argmax(1);
        using var hits = predicted.eq(y);
        using var sum = hits.sum();
        return (lossTensor.item<float>(), (double)sum.item<long>() / batch.Frames);
    }

    /// <summary>Padded clips as tensors: X [B × T × F] normalised features, Y [B × T] labels with padding ignored.</summary>
    private sealed class Batch : IDisposable
    {
        public const long Padding = -100;

        private Batch(Tensor x, Tensor y, long frames)
        {
            X = x;
            Y = y;
            Frames = frames;
        }

        public Tensor X { get; }

        public Tensor Y { get; }

        public long Frames { get; }

        public static Batch Create(IReadOnlyList<ClipFeatures> clips, float[] mean, float[] std)
        {
            var f = TemporalFeatures.Length;
            var t = clips.Max(c => c.Length);
            var x = new float[clips.Count * t * f];
            var y = new long[clips.Count * t];
            Array.Fill(y, Padding);
            long frames = 0;
            for (var b = 0; b < clips.Count; b++)
            {
                var clip = clips[b];
                for (var i = 0; i < clip.Length; i++)
                {
                    for (var j = 0; j < f; j++)
                    {
                        x[(((b * t) + i) * f) + j] = (clip.Features[(i * f) + j] - mean[j]) / std[j];
                    }

                    y[(b * t) + i] = clip.Labels[i];
                }

                frames += clip.Length;
            }

            return new Batch(torch.tensor(x, [clips.Count, t, f]), torch.tensor(y, [clips.Count, t]), frames);
        }

        public void Dispose()
        {
            X.Dispose();
            Y.Dispose();
        }
    }
}

/// <summary>A trained network with its normalisation and curve (the caller disposes the network).</summary>
internal sealed record FitResult(TemporalGruNet Net, float[] Mean, float[] Std, IReadOnlyList<EpochStats> Curve, int BestEpoch);

/// <summary>
/// A clip's raw feature rows as <see cref="GruExpressionModel"/> computes them: frames with reliability 0 are left out
/// (the model ignores them) and Δt counts from the previous frame kept.
/// </summary>
internal sealed record ClipFeatures(float[] Features, int[] Labels)
{
    public int Length => Labels.Length;

    public static ClipFeatures From(LabelledClip clip)
    {
        clip.Validate();
        var f = TemporalFeatures.Length;
        var rows = new List<float>(clip.Frames.Count * f);
        var labels = new List<int>(clip.Frames.Count);
        Span<float> row = stackalloc float[f];
        TimeSpan? last = null;
        for (var i = 0; i < clip.Frames.Count; i++)
        {
            var frame = clip.Frames[i];
            if (!(frame.Reliability > 0))
            {
                continue;
            }

            TemporalFeatures.Write(frame, last is { } l ? (frame.Timestamp - l).TotalSeconds : 0, row);
            last = frame.Timestamp;
            foreach (var v in row)
            {
                rows.Add(v);
            }

            labels.Add(clip.Labels[i]);
        }

        return new ClipFeatures([.. rows], [.. labels]);
    }

    /// <summary>Per-feature mean and std over all frames (std 1 for constant features such as absent geometry).</summary>
    public static (float[] Mean, float[] Std) Normalisation(IReadOnlyList<ClipFeatures> clips)
    {
        var f = TemporalFeatures.Length;
        var sum = new double[f];
        var sumSq = new double[f];
        long n = 0;
        foreach (var clip in clips)
        {
            for (var i = 0; i < clip.Length; i++)
            {
                for (var j = 0; j < f; j++)
                {
                    var v = clip.Features[(i * f) + j];
                    sum[j] += v;
                    sumSq[j] += v * (double)v;
                }
            }

            n += clip.Length;
        }

        var mean = new float[f];
        var std = new float[f];
        for (var j = 0; j < f; j++)
        {
            var m = sum[j] / n;
            var variance = Math.Max(0, (sumSq[j] / n) - (m * m));
            mean[j] = (float)m;
            std[j] = variance > 1e-10 ? (float)Math.Sqrt(variance) : 1f;
        }

        return (mean, std);
    }
}

/// <summary>The TorchSharp network: <c>torch.nn.GRU</c> (batch first) and a linear head over every time step.</summary>
internal sealed class TemporalGruNet : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.GRU? gru;
    private readonly nn.Module<Tensor, Tensor>? frame;
    private readonly TorchSharp.Modules.Linear head;
    private readonly int _hidden;
    private readonly int _layers;

    static TemporalGruNet() => LibTorchCompatibility.EnsureLoadable();

    /// <param name="hidden">Hidden units.</param>
    /// <param name="layers">GRU layers.</param>
    /// <param name="frameOnly">
    /// Replace the GRU by a per-frame layer (Linear + tanh, same width, no memory): the baseline that separates what
    /// the GRU gains from time from what any trained layer gains by recalibrating the classifier to the data set.
    /// </param>
    public TemporalGruNet(int hidden, int layers, bool frameOnly = false)
        : base(nameof(TemporalGruNet))
    {
        _hidden = hidden;
        _layers = layers;
        if (frameOnly)
        {
            frame = nn.Sequential(nn.Linear(TemporalFeatures.Length, hidden), nn.Tanh());
        }
        else
        {
            gru = nn.GRU(TemporalFeatures.Length, hidden, layers, batchFirst: true);
        }

        head = nn.Linear(hidden, GruWeights.Classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (frame is not null)
        {
            using var hidden = frame.forward(input);
            return head.forward(hidden);
        }

        var (output, state) = gru!.forward(input);
        state.Dispose();
        using (output)
        {
            return head.forward(output);
        }
    }

    /// <summary>Class probabilities of one clip of normalised features [T × F], for parity checks.</summary>
    public float[] Probabilities(float[] normalised, int length)
    {
        using var noGrad = torch.no_grad();
        eval();
        using var x = torch.tensor(normalised, [1, length, TemporalFeatures.Length]);
        using var logits = forward(x);
        using var probabilities = logits.softmax(-1);
        return probabilities.data<float>().ToArray();
    }

    /// <summary>Copies the parameters out in <see cref="GruWeights"/>' layout (PyTorch's own, so no reordering).</summary>
    public GruWeights Export(float[] mean, float[] std, string description)
    {
        if (gru is null)
        {
            throw new InvalidOperationException("the per-frame baseline has no GRU weights to export");
        }

        var parameters = named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray(), StringComparer.Ordinal);
        var layers = new GruLayerWeights[_layers];
        for (var l = 0; l < _layers; l++)
        {
            layers[l] = new GruLayerWeights(
                parameters[$"gru.weight_ih_l{l}"],
                parameters[$"gru.weight_hh_l{l}"],
                parameters[$"gru.bias_ih_l{l}"],
                parameters[$"gru.bias_hh_l{l}"]);
        }

        return new GruWeights(_hidden, (float[])mean.Clone(), (float[])std.Clone(), layers, parameters["head.weight"], parameters["head.bias"], description);
    }
}
