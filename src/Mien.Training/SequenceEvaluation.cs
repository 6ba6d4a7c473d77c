using Mien.Affect;
using Mien.Results;

namespace Mien.Training;

/// <summary>Per-frame scores of one temporal model on labelled clips.</summary>
/// <param name="Model">Name of the model (truth, raw, hmm, frame = per-frame trained baseline, gru).</param>
/// <param name="Frames">Frames scored.</param>
/// <param name="Accuracy">Fraction of frames whose dominant class is the label.</param>
/// <param name="MacroF1">Mean per-class F1 over the classes present in the labels.</param>
/// <param name="SwitchesPerMinute">Changes of the dominant class between consecutive frames, per minute of clip time (the labels' own rate is the "truth" row).</param>
public sealed record SequenceScores(string Model, int Frames, double Accuracy, double MacroF1, double SwitchesPerMinute);

/// <summary>Accumulates per-frame predictions against labels, over clips and folds.</summary>
public sealed class SequenceScorer(string model)
{
    private static readonly int K = ExpressionEstimate.Labels.Count;
    private readonly long[,] _confusion = new long[K, K];
    private long _switches;
    private double _seconds;

    /// <summary>Scores a causal model on every clip, resetting it between clips. Null = the raw per-frame argmax.</summary>
    public void Add(IReadOnlyList<LabelledClip> clips, IExpressionSequenceModel? sequenceModel)
    {
        ArgumentNullException.ThrowIfNull(clips);
        foreach (var clip in clips)
        {
            sequenceModel?.Reset();
            var previous = -1;
            for (var i = 0; i < clip.Frames.Count; i++)
            {
                var p = sequenceModel is null ? clip.Frames[i].Probabilities : sequenceModel.Update(clip.Frames[i]).Probabilities;
                Record(clip.Labels[i], ArgMax(p), ref previous);
            }

            _seconds += clip.Duration.TotalSeconds;
        }
    }

    /// <summary>Scores per-frame predictions made elsewhere (e.g. by a network run on the whole clip at once).</summary>
    public void AddPredicted(IReadOnlyList<int> labels, IReadOnlyList<int> predicted, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(predicted);
        var previous = -1;
        for (var i = 0; i < labels.Count; i++)
        {
            Record(labels[i], predicted[i], ref previous);
        }

        _seconds += duration.TotalSeconds;
    }

    /// <summary>Scores the labels against themselves (accuracy 1; gives the labels' own switch rate).</summary>
    public void AddTruth(IReadOnlyList<LabelledClip> clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        foreach (var clip in clips)
        {
            var previous = -1;
            foreach (var label in clip.Labels)
            {
                Record(label, label, ref previous);
            }

            _seconds += clip.Duration.TotalSeconds;
        }
    }

    /// <summary>The scores so far.</summary>
    public SequenceScores Scores()
    {
        long total = 0, correct = 0;
        double f1Sum = 0;
        var present = 0;
        for (var c = 0; c < K; c++)
        {
            long truth = 0, predicted = 0;
            for (var o = 0; o < K; o++)
            {
                truth += _confusion[c, o];
                predicted += _confusion[o, c];
            }

            total += truth;
            correct += _confusion[c, c];
            if (truth > 0)
            {
                present++;
                f1Sum += 2.0 * _confusion[c, c] / (truth + predicted);
            }
        }

        return new SequenceScores(model, (int)total, total == 0 ? 0 : (double)correct / total, present == 0 ? 0 : f1Sum / present, _seconds > 0 ? _switches / (_seconds / 60) : 0);
    }

    private void Record(int truth, int predicted, ref int previous)
    {
        _confusion[truth, predicted]++;
        if (previous >= 0 && predicted != previous)
        {
            _switches++;
        }

        previous = predicted;
    }

    private static int ArgMax(IReadOnlyList<float> p)
    {
        var best = 0;
        for (var i = 1; i < p.Count; i++)
        {
            if (p[i] > p[best])
            {
                best = i;
            }
        }

        return best;
    }
}
