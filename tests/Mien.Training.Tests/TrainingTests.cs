using Mien.Affect.Recurrent;
using Mien.Testing;

namespace Mien.Training.Tests;

/// <summary>Training on real CK+ pseudo-clips must learn something (fails if the trainer is broken).</summary>
public sealed class TrainingTests(CkPlusClips data) : IClassFixture<CkPlusClips>
{
    [SharedDataFact("ckplus48_dev")]
    public void TrainingLowersValidationLossAndBeatsTheMajorityClass()
    {
        var (train, validation) = SubjectSplit.Holdout(data.Clips, 0.25, 7);
        var result = GruTrainer.Train(train, validation, new GruTrainingOptions { Epochs = 25, Patience = 25, Hidden = 16, Seed = 7 });

        Assert.True(result.Best.ValidationLoss < result.Curve[0].ValidationLoss * 0.9,
            $"validation loss {result.Curve[0].ValidationLoss:F3} after epoch 1, best {result.Best.ValidationLoss:F3} at epoch {result.BestEpoch}");

        // Scored through the exported weights in the C# model, not TorchSharp: the shipped inference path.
        var scorer = new SequenceScorer("gru");
        scorer.Add(validation, new GruExpressionModel(result.Weights));
        var counts = new int[GruWeights.Classes];
        foreach (var label in validation.SelectMany(c => c.Labels))
        {
            counts[label]++;
        }

        var majority = (double)counts.Max() / counts.Sum();
        var accuracy = scorer.Scores().Accuracy;
        Assert.True(accuracy > majority + 0.1, $"GRU accuracy {accuracy:P1} vs majority class {majority:P1} on {counts.Sum()} validation frames");
    }

    [SharedDataFact("ckplus48_dev")]
    public void SameSeedGivesTheSameWeights()
    {
        var (train, validation) = SubjectSplit.Holdout([.. data.Clips.Take(8)], 0.25, 1);
        var options = new GruTrainingOptions { Epochs = 3, Hidden = 8, Seed = 4 };
        var a = GruTrainer.Train(train, validation, options).Weights.ToBytes();
        var b = GruTrainer.Train(train, validation, options).Weights.ToBytes();
        Assert.Equal(a, b);
    }

    [SharedDataFact("ckplus48_dev")]
    public void BuilderClipsHaveIncreasingTimeValidLabelsAndDroppedFrames()
    {
        var options = new CkPlusClipOptions();
        foreach (var clip in data.Clips)
        {
            clip.Validate();
            var gaps = clip.Frames.Zip(clip.Frames.Skip(1), (a, b) => (b.Timestamp - a.Timestamp).TotalSeconds).ToArray();
            // One frame period is at least 1/MaxFps; a drop makes a gap of two or more periods.
            Assert.All(gaps, g => Assert.True(g >= (1 / options.MaxFps) - 1e-5, $"gap {g} s in {clip.Id}"));
            Assert.Contains(gaps, g => g > 1.5 * gaps.Min());
        }

        // Six CK+ classes (contempt has no Mien label) plus FER2013 neutral segments when that folder is present.
        Assert.True(data.Clips.SelectMany(c => c.Labels).Distinct().Count() >= (data.Neutral is null ? 6 : 7));
    }
}

public sealed class FrameBaselineTests(CkPlusClips data) : IClassFixture<CkPlusClips>
{
    [SharedDataFact("ckplus48_dev")]
    public void PerFrameBaselineTrainsAfterAGruInTheSameProcess()
    {
        var (train, validation) = SubjectSplit.Holdout(data.Clips, 0.25, 7);
        var options = new GruTrainingOptions { Epochs = 6, Patience = 6, Hidden = 8, Seed = 7 };
        GruTrainer.Train(train, validation, options);
        var fit = GruTrainer.Fit(train, validation, options, frameOnly: true);
        using (fit.Net)
        {
            Assert.True(fit.Curve[^1].ValidationLoss < fit.Curve[0].ValidationLoss * 1.5);
            var (labels, predicted) = GruTrainer.PredictFrames(fit, validation[0]);
            Assert.Equal(labels.Length, predicted.Length);
        }
    }
}
