using System.Diagnostics;

namespace Mien.Evaluation;

/// <summary>What happened to one image.</summary>
public enum PredictionOutcome
{
    /// <summary>A class was predicted.</summary>
    Predicted,

    /// <summary>The image was read but no face was found: scored as wrong, shown in its own column.</summary>
    NoFace,

    /// <summary>The image could not be decoded: not scored, listed.</summary>
    Unreadable,
}

/// <summary>The prediction for one image.</summary>
/// <param name="Outcome">Whether a class was predicted.</param>
/// <param name="Class">Predicted class index (only for <see cref="PredictionOutcome.Predicted"/>).</param>
/// <param name="Confidence">Probability of the predicted class.</param>
/// <param name="Error">Why the image could not be read (only for <see cref="PredictionOutcome.Unreadable"/>).</param>
public readonly record struct ImagePrediction(PredictionOutcome Outcome, int Class, float Confidence, string? Error)
{
    /// <summary>No face found.</summary>
    public static ImagePrediction NoFace => new(PredictionOutcome.NoFace, -1, 0, null);

    /// <summary>Class <paramref name="c"/> with probability <paramref name="confidence"/>.</summary>
    public static ImagePrediction Of(int c, float confidence) => new(PredictionOutcome.Predicted, c, confidence, null);

    /// <summary>The image could not be read, for <paramref name="reason"/>.</summary>
    public static ImagePrediction Unreadable(string reason) => new(PredictionOutcome.Unreadable, -1, 0, reason);
}

/// <summary>Predicts the class of one labelled image (the model side of an evaluation: decoding, detection, classification).</summary>
public interface IImagePredictor
{
    /// <summary>
    /// The prediction for the image at <paramref name="path"/>. An unreadable image is reported as
    /// <see cref="ImagePrediction.Unreadable(string)"/>, not thrown.
    /// </summary>
    ImagePrediction Predict(string path);
}

/// <summary>Progress of an evaluation.</summary>
/// <param name="Done">Images processed.</param>
/// <param name="Total">Images to process.</param>
/// <param name="Elapsed">Time since the start.</param>
public readonly record struct EvaluationProgress(int Done, int Total, TimeSpan Elapsed);

/// <summary>An image that could not be read, and why.</summary>
public sealed record UnreadableImage(string Path, string Reason);

/// <summary>The outcome of an evaluation.</summary>
/// <param name="Set">The labelled set.</param>
/// <param name="Images">Per-image confusion (images without a face: no prediction); unreadable images are not in it.</param>
/// <param name="Sequences">Per-sequence confusion by majority vote, when the set has sequence groups.</param>
/// <param name="Verdicts">Each sequence's vote, when the set has sequence groups.</param>
/// <param name="Unreadable">Images that could not be read.</param>
/// <param name="Elapsed">Wall time of the predictions.</param>
public sealed record EvaluationResult(
    LabelledImageSet Set,
    ConfusionMatrix Images,
    ConfusionMatrix? Sequences,
    IReadOnlyList<GroupVerdict>? Verdicts,
    IReadOnlyList<UnreadableImage> Unreadable,
    TimeSpan Elapsed);

/// <summary>Runs a predictor over a labelled set and scores it.</summary>
public static class Evaluator
{
    /// <summary>Predicts every image of <paramref name="set"/> in order and builds the confusion matrices.</summary>
    public static EvaluationResult Run(LabelledImageSet set, IImagePredictor predictor, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(predictor);
        var images = new ConfusionMatrix(set.Classes);
        var grouped = new List<GroupedPrediction>();
        var unreadable = new List<UnreadableImage>();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < set.Images.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var image = set.Images[i];
            var p = predictor.Predict(image.Path);
            if (p.Outcome == PredictionOutcome.Unreadable)
            {
                unreadable.Add(new UnreadableImage(image.Path, p.Error ?? "unreadable"));
            }
            else
            {
                int? predicted = p.Outcome == PredictionOutcome.Predicted ? p.Class : null;
                images.Add(image.Class, predicted);
                if (image.Group is { } g)
                {
                    grouped.Add(new GroupedPrediction(g, image.Class, predicted, p.Confidence));
                }
            }

            progress?.Report(new EvaluationProgress(i + 1, set.Images.Count, Stopwatch.GetElapsedTime(start)));
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        if (!set.HasGroups)
        {
            return new EvaluationResult(set, images, null, null, unreadable, elapsed);
        }

        var verdicts = MajorityVote.ByGroup(grouped, set.Classes.Count);
        var sequences = ConfusionMatrix.From(set.Classes, verdicts.Select(v => (v.Actual, v.Predicted)));
        return new EvaluationResult(set, images, sequences, verdicts, unreadable, elapsed);
    }
}
