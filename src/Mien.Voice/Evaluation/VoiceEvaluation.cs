using System.Globalization;

namespace Mien.Voice;

/// <summary>One labelled recording of an emotional-speech set, measured.</summary>
/// <param name="File">Path relative to the set's folder.</param>
/// <param name="Label">Emotion label (lowercase English folder name).</param>
/// <param name="Speaker">Speaker/actor id.</param>
/// <param name="Group">Cross-validation group: the speaker, or the sentence when the set has one speaker.</param>
/// <param name="Prosody">Prosody of the utterance (first to last VAD segment).</param>
/// <param name="Online">Affect with the running baseline (files of the speaker in name order, as a live recording would build it).</param>
/// <param name="Calibrated">Affect with the baseline of all the speaker's files observed first (offline speaker normalisation; uses no labels).</param>
public sealed record LabelledUtterance(string File, string Label, string Speaker, string Group, Prosody Prosody, VoiceAffect Online, VoiceAffect Calibrated);

/// <summary>
/// Runs the shipped voice pipeline over a labelled emotional-speech folder (<c>labels.csv</c> with columns
/// <c>file,label</c> and <c>speaker</c> or <c>actor</c>; RAVDESS and EmoDB dev sets) and scores the knowledge-based
/// arousal/valence rule. Also offers a cross-validated nearest-centroid classifier on the same features, fitted at
/// run time on the evaluation data only, never shipped.
/// </summary>
public static class VoiceEvaluation
{
    /// <summary>Labels counted as high arousal (RAVDESS and EmoDB names).</summary>
    public static IReadOnlySet<string> HighArousal { get; } = new HashSet<string>(StringComparer.Ordinal) { "anger", "fear", "happiness", "surprise" };

    /// <summary>Labels counted as low arousal. Disgust is left out of the binary task: studies place it on either side.</summary>
    public static IReadOnlySet<string> LowArousal { get; } = new HashSet<string>(StringComparer.Ordinal) { "calm", "neutral", "sadness", "boredom" };

    /// <summary>The 4-class task.</summary>
    public static IReadOnlyList<string> FourClasses { get; } = ["anger", "happiness", "neutral", "sadness"];

    /// <summary>
    /// Arousal/valence prototypes of the four classes (circumplex positions after Russell 1980), used to turn
    /// (arousal, valence) into a class by the nearest prototype.
    /// </summary>
    public static IReadOnlyList<(string Label, float Arousal, float Valence)> Prototypes { get; } =
    [
        ("anger", 0.6f, -0.5f), ("happiness", 0.5f, 0.5f), ("neutral", -0.2f, 0.1f), ("sadness", -0.5f, -0.4f),
    ];

    /// <summary>Measures every file listed in <paramref name="folder"/>/labels.csv.</summary>
    public static IReadOnlyList<LabelledUtterance> Run(string folder, VoiceAnalyzer analyzer, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(analyzer);
        var rows = ReadLabels(folder);
        var measured = new List<(Row Row, Prosody Prosody)>(rows.Count);
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = Path.Combine(folder, row.File);
            var clip = AudioClip.Load(path) ?? throw new AudioException(path, "no audio track");
            var segments = analyzer.DetectSpeech(clip);
            var span = segments.Count == 0 ? new SpeechSegment(clip.Start, clip.Start + clip.Duration) : new SpeechSegment(segments[0].Start, segments[^1].End);
            measured.Add((row, analyzer.Measure(clip, span)));
            progress?.Report(measured.Count);
        }

        var single = rows.Select(r => r.Speaker).Distinct().Count() == 1;
        var result = new List<LabelledUtterance>(measured.Count);
        foreach (var speaker in measured.GroupBy(m => m.Row.Speaker))
        {
            var ordered = speaker.OrderBy(m => Path.GetFileName(m.Row.File), StringComparer.Ordinal).ToList();
            var all = new SpeakerBaseline();
            foreach (var m in ordered)
            {
                all.Observe(m.Prosody);
            }

            var running = new SpeakerBaseline();
            foreach (var m in ordered)
            {
                running.Observe(m.Prosody);
                result.Add(new LabelledUtterance(m.Row.File, m.Row.Label, m.Row.Speaker, single ? m.Row.Text : m.Row.Speaker, m.Prosody,
                    VoiceAffectEstimator.Estimate(m.Prosody, running), VoiceAffectEstimator.Estimate(m.Prosody, all)));
            }
        }

        return result;
    }

    /// <summary>High (true) or low (false) arousal for a label, or null when it is in neither group.</summary>
    public static bool? IsHighArousal(string label) => HighArousal.Contains(label) ? true : LowArousal.Contains(label) ? false : null;

    /// <summary>The 4-class label nearest to (arousal, valence).</summary>
    public static string Nearest(VoiceAffect affect)
    {
        ArgumentNullException.ThrowIfNull(affect);
        var best = Prototypes[0];
        var bestDistance = float.MaxValue;
        foreach (var p in Prototypes)
        {
            var d = ((affect.Arousal - p.Arousal) * (affect.Arousal - p.Arousal)) + ((affect.Valence - p.Valence) * (affect.Valence - p.Valence));
            if (d < bestDistance)
            {
                (best, bestDistance) = (p, d);
            }
        }

        return best.Label;
    }

    /// <summary>
    /// NOT SHIPPED — evaluation of the features only: leave-one-group-out nearest-centroid classification on
    /// speaker-z-scored features (prosody scalars and MFCC means), fitted afresh on each training fold.
    /// Returns the predicted label per utterance (same order) among <paramref name="classes"/>; utterances with other labels get null.
    /// </summary>
    public static IReadOnlyList<string?> CrossValidate(IReadOnlyList<LabelledUtterance> utterances, IReadOnlyList<string> classes, Func<string, string?>? labelMap = null)
    {
        ArgumentNullException.ThrowIfNull(utterances);
        labelMap ??= l => l;
        var features = SpeakerNormalisedFeatures(utterances);
        var predictions = new string?[utterances.Count];
        foreach (var group in utterances.Select(u => u.Group).Distinct())
        {
            var centroids = new Dictionary<string, (double[] Sum, int Count)>();
            for (var i = 0; i < utterances.Count; i++)
            {
                var label = labelMap(utterances[i].Label);
                if (utterances[i].Group == group || label is null || !classes.Contains(label))
                {
                    continue;
                }

                if (!centroids.TryGetValue(label, out var c))
                {
                    c = (new double[features[i].Length], 0);
                }

                for (var k = 0; k < c.Sum.Length; k++)
                {
                    c.Sum[k] += features[i][k];
                }

                centroids[label] = (c.Sum, c.Count + 1);
            }

            for (var i = 0; i < utterances.Count; i++)
            {
                var label = labelMap(utterances[i].Label);
                if (utterances[i].Group != group || label is null || !classes.Contains(label))
                {
                    continue;
                }

                var best = double.MaxValue;
                foreach (var (name, (sum, count)) in centroids)
                {
                    var d = 0.0;
                    for (var k = 0; k < sum.Length; k++)
                    {
                        var diff = features[i][k] - (sum[k] / count);
                        d += diff * diff;
                    }

                    if (d < best)
                    {
                        (best, predictions[i]) = (d, name);
                    }
                }
            }
        }

        return predictions;
    }

    private static double[][] SpeakerNormalisedFeatures(IReadOnlyList<LabelledUtterance> utterances)
    {
        var raw = utterances.Select(u => Vector(u.Prosody)).ToArray();
        var result = new double[raw.Length][];
        foreach (var speaker in Enumerable.Range(0, raw.Length).GroupBy(i => utterances[i].Speaker))
        {
            var idx = speaker.ToArray();
            var dims = raw[0].Length;
            for (var k = 0; k < dims; k++)
            {
                var values = idx.Select(i => raw[i][k]).Where(v => !double.IsNaN(v)).ToArray();
                var mean = values.Length > 0 ? values.Average() : 0;
                var sd = values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length) : 1;
                foreach (var i in idx)
                {
                    result[i] ??= new double[dims];
                    var v = raw[i][k];
                    result[i][k] = double.IsNaN(v) ? 0 : (v - mean) / Math.Max(sd, 1e-6);
                }
            }
        }

        return result;
    }

    private static double[] Vector(Prosody p) =>
    [
        p.F0MeanSemitones, p.F0SdSemitones, p.F0RangeSemitones, p.VoicedFraction, p.LoudnessMeanDb, p.LoudnessSdDb, p.SpeakingRate,
        p.JitterPercent, p.ShimmerPercent, p.HnrDb, p.AlphaRatioDb, p.SpectralSlopeDbPerOctave, .. p.MfccMean.Select(v => (double)v),
    ];

    private static List<Row> ReadLabels(string folder)
    {
        var path = Path.Combine(folder, "labels.csv");
        if (!System.IO.File.Exists(path))
        {
            throw new AudioException(folder, "no labels.csv (expected columns file,label and speaker or actor)");
        }

        var lines = System.IO.File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var file = Array.IndexOf(header, "file");
        var label = Array.IndexOf(header, "label");
        var speaker = Array.IndexOf(header, "speaker") is >= 0 and var s ? s : Array.IndexOf(header, "actor");
        var text = Array.IndexOf(header, "text_code") is >= 0 and var t ? t : Array.IndexOf(header, "statement");
        if (file < 0 || label < 0 || speaker < 0)
        {
            throw new AudioException(path, "the header needs columns file, label and speaker (or actor)");
        }

        var rows = new List<Row>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var cells = line.Split(',');
            rows.Add(new Row(cells[file], cells[label], cells[speaker], text >= 0 ? cells[text] : cells[file]));
        }

        return rows;
    }

    private sealed record Row(string File, string Label, string Speaker, string Text);

    /// <summary>Accuracy in [0, 1] of paired predictions, skipping nulls on either side; NaN when nothing is scored.</summary>
    public static double Accuracy<T>(IEnumerable<(T? Actual, T? Predicted)> pairs)
    {
        int total = 0, correct = 0;
        foreach (var (a, p) in pairs)
        {
            if (a is null || p is null)
            {
                continue;
            }

            total++;
            correct += EqualityComparer<T>.Default.Equals(a, p) ? 1 : 0;
        }

        return total == 0 ? double.NaN : correct / (double)total;
    }

    internal static string Format(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
}
