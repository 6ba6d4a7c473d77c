using System.Globalization;
using System.Text;
using Mien.Accuracy.Statistics;
using Mien.Evaluation;
using Mien.Failures;
using Mien.Media;

namespace Mien.Accuracy.CkPlus;

/// <summary>One labelled CK+ frame.</summary>
/// <param name="File">Image path.</param>
/// <param name="Label">Expression label (folder name).</param>
/// <param name="Subject">Subject id (e.g. S011).</param>
/// <param name="Sequence">Sequence id within the subject.</param>
public sealed record CkPlusImage(string File, string Label, string Subject, string Sequence)
{
    /// <summary>Sequence key unique over subjects.</summary>
    public string SequenceKey => Subject + "_" + Sequence;

    /// <summary>Reads <c>labels.csv</c> (file,label,subject,sequence,frame) of a CK+ crop folder.</summary>
    /// <exception cref="InputException">Missing or malformed file (the message names the line).</exception>
    public static IReadOnlyList<CkPlusImage> Read(string folder)
    {
        var csv = Path.Combine(folder, "labels.csv");
        if (!System.IO.File.Exists(csv))
        {
            throw new InputException($"{csv}: not found (a CK+ folder has labels.csv with file,label,subject,sequence,frame).");
        }

        var lines = System.IO.File.ReadAllLines(csv);
        var list = new List<CkPlusImage>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var f = lines[i].Split(',');
            if (f.Length < 4 || f[0].Length == 0 || f[2].Length == 0)
            {
                throw new InputException($"{csv}:{i + 1}: expected file,label,subject,sequence,frame; got '{lines[i]}'.");
            }

            list.Add(new CkPlusImage(Path.Combine(folder, f[0]), f[1], f[2], f[3]));
        }

        return list.Count == 0 ? throw new InputException($"{csv}: no rows.") : list;
    }
}

/// <summary>A frame with its computed features.</summary>
/// <param name="Image">The frame.</param>
/// <param name="Features">Its features.</param>
public sealed record CkPlusSample(CkPlusImage Image, FaceFeatures Features);

/// <summary>One cross-validated protocol's outcome.</summary>
/// <param name="Name">Protocol name (e.g. "7 classes, with contempt").</param>
/// <param name="Set">Features used.</param>
/// <param name="Folds">Subject-wise folds.</param>
/// <param name="Subjects">Distinct subjects.</param>
/// <param name="Images">Per-frame confusion (out-of-fold predictions).</param>
/// <param name="Sequences">Per-sequence confusion (summed probabilities of the sequence's frames).</param>
/// <param name="ImageAccuracy">Per-frame accuracy, subject-clustered bootstrap 95 % interval.</param>
/// <param name="SequenceAccuracy">Per-sequence accuracy, subject-clustered bootstrap 95 % interval.</param>
/// <param name="PenaltyChoice">How the L2 penalty was set when it was not fixed (nested cross-validation), else null.</param>
public sealed record CrossValidation(string Name, FeatureSet Set, int Folds, int Subjects, ConfusionMatrix Images, ConfusionMatrix Sequences, Interval ImageAccuracy, Interval SequenceAccuracy, string? PenaltyChoice = null);

/// <summary>Subject-wise cross-validation of the CK+ classifier, and the fit of the shipped model.</summary>
public static class CkPlusExperiment
{
    /// <summary>Label CK+ adds to the six basic expressions.</summary>
    public const string Contempt = "contempt";

    /// <summary>Computes every frame's features (progress: frames done).</summary>
    public static IReadOnlyList<CkPlusSample> Extract(ExpressionFeatureExtractor extractor, IReadOnlyList<CkPlusImage> images, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(images);
        var samples = new List<CkPlusSample>(images.Count);
        foreach (var image in images)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var mat = StillImage.Load(image.File);
            samples.Add(new CkPlusSample(image, extractor.FromCrop(mat)));
            progress?.Report(samples.Count);
        }

        return samples;
    }

    /// <summary>The classes of a protocol, sorted (contempt included or not).</summary>
    public static IReadOnlyList<string> Classes(IReadOnlyList<CkPlusSample> samples, bool withContempt) =>
        [.. samples.Select(s => s.Image.Label).Distinct(StringComparer.Ordinal).Where(l => withContempt || l != Contempt).Order(StringComparer.Ordinal)];

    /// <summary>
    /// k-fold cross-validation with whole subjects per fold: each fold's model is fitted on the other folds' subjects
    /// only (standardisation included), and predicts the fold's frames; sequences vote with their frames' summed
    /// probabilities. Intervals resample subjects (a subject's frames and sequences are not independent).
    /// </summary>
    public static CrossValidation CrossValidate(IReadOnlyList<CkPlusSample> samples, bool withContempt, FeatureSet set, int folds = 10, SoftmaxRegressionOptions? options = null, int seed = 13)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var (classes, index, used) = Protocol(samples, withContempt);
        var foldOf = SubjectFolds.Assign(used.Select(s => s.Image.Subject), folds, seed);
        var probabilities = OutOfFold(used, foldOf, folds, set, train => Fit(train, set, classes, index, options));
        return Score(ProtocolName(classes, withContempt), set, folds, classes, index, used, probabilities);
    }

    /// <summary>
    /// Nested subject-wise cross-validation: inside each outer fold, the L2 penalty is chosen from
    /// <paramref name="penalties"/> by an inner subject-wise cross-validation over that fold's training subjects only
    /// (the strongest penalty whose out-of-fold log loss, averaged per subject, is within one standard error of the
    /// lowest), then the outer fold is predicted by a model fitted with that penalty. The outer figure is therefore an
    /// honest estimate of "choose the penalty by cross-validation, then fit".
    /// </summary>
    /// <returns>The outer result; <see cref="CrossValidation.PenaltyChoice"/> lists the penalty each outer fold chose.</returns>
    public static CrossValidation CrossValidateNested(IReadOnlyList<CkPlusSample> samples, bool withContempt, FeatureSet set, IReadOnlyList<float> penalties, int folds = 10, int innerFolds = 5, SoftmaxRegressionOptions? options = null, int seed = 13)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(penalties);
        var (classes, index, used) = Protocol(samples, withContempt);
        var foldOf = SubjectFolds.Assign(used.Select(s => s.Image.Subject), folds, seed);
        var chosen = new float[folds];
        var fold = 0;
        var probabilities = OutOfFold(used, foldOf, folds, set, train =>
        {
            var l2 = ChoosePenalty(train, set, classes, index, penalties, innerFolds, options, seed + 1);
            chosen[fold++] = l2;
            return Fit(train, set, classes, index, (options ?? new SoftmaxRegressionOptions()) with { L2 = l2 });
        });
        var choice = string.Create(CultureInfo.InvariantCulture, $"L2 by inner {innerFolds}-fold CV from {{{string.Join(", ", penalties)}}}; chosen per outer fold: {string.Join(", ", chosen)}");
        return Score(ProtocolName(classes, withContempt), set, folds, classes, index, used, probabilities) with { PenaltyChoice = choice };
    }

    /// <summary>
    /// The penalty the inner cross-validation chooses: the strongest whose out-of-fold log loss (averaged per subject,
    /// then over subjects) is within one standard error (over subjects) of the lowest.
    /// </summary>
    private static float ChoosePenalty(CkPlusSample[] samples, FeatureSet set, IReadOnlyList<string> classes, Dictionary<string, int> index, IReadOnlyList<float> penalties, int folds, SoftmaxRegressionOptions? options, int seed)
    {
        if (penalties.Count == 0)
        {
            throw new InvalidOptionException("penalties: the grid of L2 values is empty; give at least one.");
        }

        var foldOf = SubjectFolds.Assign(samples.Select(s => s.Image.Subject), folds, seed);
        var subjects = samples.Select(s => s.Image.Subject).Distinct(StringComparer.Ordinal).ToArray();
        var scores = new List<(float L2, double Loss, double StandardError)>();
        foreach (var l2 in penalties.Order().Reverse())
        {
            var settings = (options ?? new SoftmaxRegressionOptions()) with { L2 = l2 };
            settings.Validate();
            var probabilities = OutOfFold(samples, foldOf, folds, set, train => Fit(train, set, classes, index, settings));
            var perSubject = subjects.ToDictionary(s => s, _ => (Sum: 0.0, Count: 0), StringComparer.Ordinal);
            for (var i = 0; i < samples.Length; i++)
            {
                var (sum, count) = perSubject[samples[i].Image.Subject];
                perSubject[samples[i].Image.Subject] = (sum - Math.Log(Math.Max(probabilities[i][index[samples[i].Image.Label]], 1e-7f)), count + 1);
            }

            // The spread of the loss over subjects (a person's frames are not independent) gives its standard error.
            var means = perSubject.Values.Select(v => v.Sum / v.Count).ToArray();
            var mean = means.Average();
            var sd = Math.Sqrt(means.Sum(m => (m - mean) * (m - mean)) / Math.Max(1, means.Length - 1));
            scores.Add((l2, mean, sd / Math.Sqrt(means.Length)));
        }

        // The one-standard-error rule: the strongest penalty whose loss is within one standard error of the lowest.
        // Differences smaller than that are noise, and the stronger penalty is the safer guess for unseen people.
        var best = scores.MinBy(x => x.Loss);
        return scores.First(x => x.Loss <= best.Loss + best.StandardError).L2;
    }

    private static (IReadOnlyList<string> Classes, Dictionary<string, int> Index, CkPlusSample[] Used) Protocol(IReadOnlyList<CkPlusSample> samples, bool withContempt)
    {
        var classes = Classes(samples, withContempt);
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        return (classes, index, samples.Where(s => index.ContainsKey(s.Image.Label)).ToArray());
    }

    private static string ProtocolName(IReadOnlyList<string> classes, bool withContempt) =>
        withContempt ? $"{classes.Count} classes, with contempt" : $"{classes.Count} classes, without contempt";

    private static SoftmaxRegression Fit(CkPlusSample[] train, FeatureSet set, IReadOnlyList<string> classes, Dictionary<string, int> index, SoftmaxRegressionOptions? options) =>
        SoftmaxRegression.Fit([.. train.Select(s => s.Features.For(set))], [.. train.Select(s => index[s.Image.Label])], classes, options);

    /// <summary>Each sample's probabilities from the model fitted without its fold (folds in order 0 … k−1).</summary>
    private static float[][] OutOfFold(CkPlusSample[] used, IReadOnlyDictionary<string, int> foldOf, int folds, FeatureSet set, Func<CkPlusSample[], SoftmaxRegression> fit)
    {
        var probabilities = new float[used.Length][];
        for (var f = 0; f < folds; f++)
        {
            var model = fit([.. used.Where(s => foldOf[s.Image.Subject] != f)]);
            for (var i = 0; i < used.Length; i++)
            {
                if (foldOf[used[i].Image.Subject] == f)
                {
                    probabilities[i] = model.Predict(used[i].Features.For(set));
                }
            }
        }

        return probabilities;
    }

    /// <summary>
    /// Scores an already fitted model (e.g. the shipped one on data it never saw, such as held-out subjects) on the
    /// frames whose label is one of its classes; the rest are skipped.
    /// </summary>
    public static CrossValidation ScoreModel(IReadOnlyList<CkPlusSample> samples, SoftmaxRegression model, FeatureSet set)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(model);
        var classes = model.Classes;
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var used = samples.Where(s => index.ContainsKey(s.Image.Label)).ToArray();
        var probabilities = used.Select(s => model.Predict(s.Features.For(set))).ToArray();
        return Score($"{classes.Count} classes, fitted model", set, 0, classes, index, used, probabilities);
    }

    private static CrossValidation Score(string name, FeatureSet set, int folds, IReadOnlyList<string> classes, Dictionary<string, int> index, CkPlusSample[] used, float[][] probabilities)
    {
        var images = new ConfusionMatrix(classes);
        var perSubjectImages = new Dictionary<string, (int Hits, int Count)>(StringComparer.Ordinal);
        var sequences = new Dictionary<string, (string Subject, int Actual, float[] Sum)>(StringComparer.Ordinal);
        for (var i = 0; i < used.Length; i++)
        {
            var actual = index[used[i].Image.Label];
            var predicted = ArgMax(probabilities[i]);
            images.Add(actual, predicted);
            var s = perSubjectImages.GetValueOrDefault(used[i].Image.Subject);
            perSubjectImages[used[i].Image.Subject] = (s.Hits + (predicted == actual ? 1 : 0), s.Count + 1);
            var key = used[i].Image.SequenceKey;
            if (!sequences.TryGetValue(key, out var seq))
            {
                seq = (used[i].Image.Subject, actual, new float[classes.Count]);
                sequences[key] = seq;
            }

            for (var c = 0; c < classes.Count; c++)
            {
                seq.Sum[c] += probabilities[i][c];
            }
        }

        var sequenceMatrix = new ConfusionMatrix(classes);
        var perSubjectSequences = new Dictionary<string, (int Hits, int Count)>(StringComparer.Ordinal);
        foreach (var (subject, actual, sum) in sequences.Values)
        {
            var predicted = ArgMax(sum);
            sequenceMatrix.Add(actual, predicted);
            var s = perSubjectSequences.GetValueOrDefault(subject);
            perSubjectSequences[subject] = (s.Hits + (predicted == actual ? 1 : 0), s.Count + 1);
        }

        return new CrossValidation(name, set, folds, perSubjectImages.Count, images, sequenceMatrix,
            Bootstrap.ClusteredProportion([.. perSubjectImages.Values]), Bootstrap.ClusteredProportion([.. perSubjectSequences.Values]));
    }

    /// <summary>The model fitted on every sample of the protocol (what ships), with its card.</summary>
    public static SoftmaxRegression FitAll(IReadOnlyList<CkPlusSample> samples, bool withContempt, FeatureSet set, SoftmaxRegressionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var classes = Classes(samples, withContempt);
        var used = samples.Where(s => classes.Contains(s.Image.Label, StringComparer.Ordinal)).ToArray();
        return SoftmaxRegression.Fit([.. used.Select(s => s.Features.For(set))], [.. used.Select(s => classes.ToList().IndexOf(s.Image.Label))], classes, options);
    }

    /// <summary>A Markdown table of cross-validation results, with per-class recall of the first.</summary>
    public static string Markdown(IReadOnlyList<CrossValidation> results, int images, int meshMisses)
    {
        ArgumentNullException.ThrowIfNull(results);
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.Append(c, $"{images} frames; the mesh missed the face in {meshMisses} (their geometry features are imputed with the training mean).\n\n");
        md.Append("| protocol | features | folds (subjects) | per sequence % [95 % CI] | sequences | per frame % [95 % CI] | frames | macro-F1 (seq.) |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var r in results)
        {
            md.Append(c, $"| {r.Name} | {Describe(r.Set)}{(r.PenaltyChoice is null ? "" : ", L2 by nested CV")} | {(r.Folds == 0 ? "none, fitted model" : r.Folds.ToString(c))} ({r.Subjects}) | {r.SequenceAccuracy.Format(100, 1)} | {r.Sequences.Total} | {r.ImageAccuracy.Format(100, 1)} | {r.Images.Total} | {r.Sequences.MacroF1:F3} |\n");
        }

        foreach (var r in results.Where(r => r.PenaltyChoice is not null))
        {
            md.Append(c, $"\nNested CV, {r.Name} ({Describe(r.Set)}): {r.PenaltyChoice}.\n");
        }

        foreach (var r in results.Where(r => r.Set is FeatureSet.CnnGeometry or FeatureSet.CnnGeometryImageNet or FeatureSet.CnnGeometryTeacher))
        {
            md.Append(c, $"\nPer-class recall per sequence, {r.Name} ({Describe(r.Set)}{(r.PenaltyChoice is null ? "" : ", L2 by nested CV")}): ");
            md.Append(string.Join(", ", r.Sequences.AllScores().Select(s => string.Create(c, $"{s.Label} {s.Recall * 100:F0} % (n = {s.Support})"))));
            md.Append(".\n");
        }

        return md.ToString();
    }

    /// <summary>Short name of a feature set.</summary>
    public static string Describe(FeatureSet set) => set switch
    {
        FeatureSet.Cnn => "CNN embedding",
        FeatureSet.Geometry => "mesh geometry + AUs",
        FeatureSet.CnnGeometry => "CNN + geometry + AUs",
        FeatureSet.ImageNet => "ImageNet ResNet-18",
        FeatureSet.CnnGeometryImageNet => "CNN + geometry + AUs + ImageNet",
        FeatureSet.Teacher => "DenseNet-121 teacher",
        _ => "CNN + geometry + AUs + teacher",
    };

    private static int ArgMax(ReadOnlySpan<float> p)
    {
        var best = 0;
        for (var i = 1; i < p.Length; i++)
        {
            if (p[i] > p[best])
            {
                best = i;
            }
        }

        return best;
    }
}
