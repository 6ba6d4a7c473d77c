using Mien.Affect;
using Mien.Affect.Recurrent;

namespace Mien.Training;

/// <summary>Settings of <see cref="TemporalExperiment"/>.</summary>
public sealed record TemporalExperimentOptions
{
    /// <summary>Folds of the subject-split evaluation (default 5; 0 = no evaluation, only the final model).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Fraction of the training subjects held out to choose the epoch (default 0.2).</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>Training settings (also the seed of the splits).</summary>
    public GruTrainingOptions Training { get; init; } = new();
}

/// <summary>One fold's outcome.</summary>
/// <param name="Fold">Fold number from 0.</param>
/// <param name="TestSubjects">Held-out subjects.</param>
/// <param name="Training">The training run (curve, kept epoch).</param>
/// <param name="Scores">Truth, raw, HMM, per-frame baseline and GRU scores on the held-out subjects.</param>
public sealed record FoldResult(int Fold, IReadOnlyList<string> TestSubjects, GruTrainingResult Training, IReadOnlyList<SequenceScores> Scores);

/// <summary>The evaluation by subject and the final model.</summary>
/// <param name="Folds">Per fold.</param>
/// <param name="Pooled">Scores pooled over every held-out frame of every fold (truth, raw, hmm, frame, gru), empty without folds.</param>
/// <param name="Final">The model trained on all subjects (minus a validation share), the one to save.</param>
public sealed record TemporalExperimentResult(IReadOnlyList<FoldResult> Folds, IReadOnlyList<SequenceScores> Pooled, GruTrainingResult Final);

/// <summary>
/// K-fold evaluation by subject of raw per-frame argmax vs the HMM filter (default options) vs a trained per-frame
/// baseline of the same width without memory ("frame": what recalibrating the classifier to the data alone gains) vs
/// the GRU (trained on the other folds, scored through the exported weights in <see cref="GruExpressionModel"/>), then
/// a final training on every subject.
/// </summary>
public static class TemporalExperiment
{
    /// <summary>Runs the evaluation and the final training; <paramref name="log"/> receives one line per step.</summary>
    public static TemporalExperimentResult Run(IReadOnlyList<LabelledClip> clips, TemporalExperimentOptions? options = null, Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(clips);
        options ??= new TemporalExperimentOptions();
        options.Training.Validate();
        var seed = options.Training.Seed;
        var folds = new List<FoldResult>();
        var pooled = NewScorers();
        if (options.Folds > 0)
        {
            foreach (var fold in SubjectSplit.KFold(clips, options.Folds, seed))
            {
                var (train, validation) = SubjectSplit.Holdout(fold.Train, options.ValidationFraction, seed + 1 + fold.Index);
                var result = GruTrainer.Train(train, validation, options.Training, ct: ct);
                var baseline = GruTrainer.Fit(train, validation, options.Training, frameOnly: true, ct: ct);
                var scorers = NewScorers();
                using (baseline.Net)
                {
                    foreach (var set in new[] { scorers, pooled })
                    {
                        set[0].AddTruth(fold.Test);
                        set[1].Add(fold.Test, null);
                        set[2].Add(fold.Test, new HmmExpressionFilter());
                        foreach (var clip in fold.Test)
                        {
                            var (labels, predicted) = GruTrainer.PredictFrames(baseline, clip);
                            set[3].AddPredicted(labels, predicted, clip.Duration);
                        }

                        // Scored through the exported weights in the pure-C# model: the path analyze will use.
                        set[4].Add(fold.Test, new GruExpressionModel(result.Weights));
                    }
                }

                var scores = scorers.Select(s => s.Scores()).ToArray();
                var subjects = fold.Test.Select(c => c.Subject).Distinct(StringComparer.Ordinal).ToArray();
                folds.Add(new FoldResult(fold.Index, subjects, result, scores));
                log?.Invoke(FormattableString.Invariant(
                    $"fold {fold.Index + 1}/{options.Folds}: {subjects.Length} test subjects, kept epoch {result.BestEpoch}/{result.Curve.Count} (train loss {result.Best.TrainLoss:F3}, validation loss {result.Best.ValidationLoss:F3}); accuracy raw {scores[1].Accuracy:P1}, hmm {scores[2].Accuracy:P1}, frame {scores[3].Accuracy:P1}, gru {scores[4].Accuracy:P1}"));
            }
        }

        var (finalTrain, finalValidation) = SubjectSplit.Holdout(clips, options.ValidationFraction, seed);
        var final = GruTrainer.Train(finalTrain, finalValidation, options.Training, ct: ct);
        log?.Invoke(FormattableString.Invariant(
            $"final model: kept epoch {final.BestEpoch}/{final.Curve.Count} (train loss {final.Best.TrainLoss:F3}, validation loss {final.Best.ValidationLoss:F3}, validation accuracy {final.Best.ValidationAccuracy:P1})"));
        return new TemporalExperimentResult(folds, options.Folds > 0 ? [.. pooled.Select(s => s.Scores())] : [], final);
    }

    private static SequenceScorer[] NewScorers() =>
        [new SequenceScorer("truth"), new SequenceScorer("raw"), new SequenceScorer("hmm"), new SequenceScorer("frame"), new SequenceScorer("gru")];
}
