namespace Mien.Evaluation.Tests;

/// <summary>Scanning &lt;folder&gt;/&lt;label&gt;/&lt;image&gt; sets, and running a predictor over them.</summary>
public sealed class LabelledImageSetTests : IDisposable
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg" };
    private readonly string _root = Directory.CreateTempSubdirectory("mien-eval-set-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Touch(string relative)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [1]);
        return path;
    }

    private LabelledImageSet Scan(int? limit = null) => LabelledImageSet.Scan(_root, LabelMap.Expressions, Extensions, limit);

    [Fact]
    public void Model_classes_are_mapped_explicitly_and_other_labels_skipped_with_a_count()
    {
        Touch("happiness/b.png");
        Touch("happiness/a.jpg");
        Touch("angry/x.png");                 // alias of anger
        Touch("contempt/1.png");
        Touch("contempt/2.png");
        Touch("happiness/readme.txt");

        var set = Scan();

        Assert.Equal(["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"], set.Classes);
        Assert.Equal([("x.png", 0), ("a.jpg", 3), ("b.png", 3)], set.Images.Select(i => (Path.GetFileName(i.Path), i.Class)));
        Assert.Equal(2, set.SkippedLabels["contempt"]);
        Assert.Equal(1, set.IgnoredFiles);
        Assert.Contains(set.Notes, n => n.Contains("skipped 2 image(s) labelled 'contempt'", StringComparison.Ordinal));
        Assert.False(set.HasGroups);
    }

    [Fact]
    public void Limit_takes_the_first_images_of_each_class_by_name()
    {
        foreach (var name in new[] { "c", "a", "d", "b" })
        {
            Touch($"sadness/{name}.png");
            Touch($"fear/{name}.png");
        }

        var set = Scan(limit: 2);

        Assert.Equal(["fear/a", "fear/b", "sadness/a", "sadness/b"],
            set.Images.Select(i => $"{set.Classes[i.Class]}/{Path.GetFileNameWithoutExtension(i.Path)}"));
    }

    [Fact]
    public void A_missing_folder_is_named()
    {
        var e = Assert.Throws<EvaluationInputException>(() => LabelledImageSet.Scan(Path.Combine(_root, "nope"), LabelMap.Expressions, Extensions));
        Assert.Contains("nope: folder not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_folder_explains_the_expected_layout()
    {
        var e = Assert.Throws<EvaluationInputException>(() => Scan());
        Assert.Contains("holds no label folders", e.Message, StringComparison.Ordinal);
        Assert.Contains("<folder>/<label>/<image>", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_any_known_label_lists_what_it_found_and_what_is_known()
    {
        Touch("calm/1.png");
        Touch("boredom/1.png");

        var e = Assert.Throws<EvaluationInputException>(() => Scan());

        Assert.Contains("boredom, calm", e.Message, StringComparison.Ordinal);
        Assert.Contains("anger, disgust", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Known_labels_without_images_are_refused()
    {
        Touch("fear/notes.txt");
        var e = Assert.Throws<EvaluationInputException>(() => Scan());
        Assert.Contains("hold no images", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_csv_with_subject_and_sequence_groups_the_frames()
    {
        Touch("surprise/S001_002_01.png");
        Touch("surprise/S001_002_02.png");
        Touch("surprise/S003_001_01.png");
        Touch("surprise/extra.png");
        File.WriteAllLines(Path.Combine(_root, "labels.csv"),
        [
            "file,label,subject,sequence,frame",
            "surprise/S001_002_01.png,surprise,S001,002,1",
            "surprise/S001_002_02.png,surprise,S001,002,2",
            "surprise/S003_001_01.png,surprise,S003,001,1",
        ]);

        var set = Scan();

        Assert.True(set.HasGroups);
        Assert.Equal(["S001/002", "S001/002", "S003/001", null], set.Images.Select(i => i.Group));
        Assert.Contains(set.Notes, n => n.StartsWith("1 image(s) are not listed in labels.csv", StringComparison.Ordinal));
    }

    [Fact]
    public void A_malformed_labels_csv_names_the_line()
    {
        Touch("fear/a.png");
        File.WriteAllLines(Path.Combine(_root, "labels.csv"), ["file,subject,sequence", "fear/a.png,S1"]);

        var e = Assert.Throws<EvaluationInputException>(() => Scan());

        Assert.Contains("labels.csv, line 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluator_scores_predictions_counts_no_face_and_lists_unreadable_images_without_scoring_them()
    {
        Touch("happiness/1.png");
        Touch("happiness/2.png");
        Touch("happiness/3.png");
        Touch("sadness/1.png");
        Touch("sadness/broken.png");
        var predictions = new Dictionary<string, ImagePrediction>(StringComparer.Ordinal)
        {
            ["happiness/1.png"] = ImagePrediction.Of(3, 0.9f),
            ["happiness/2.png"] = ImagePrediction.Of(4, 0.6f),
            ["happiness/3.png"] = ImagePrediction.NoFace,
            ["sadness/1.png"] = ImagePrediction.Of(4, 0.8f),
            ["sadness/broken.png"] = ImagePrediction.Unreadable("is not a decodable image"),
        };
        var progress = new List<EvaluationProgress>();

        var result = Evaluator.Run(Scan(), new TablePredictor(_root, predictions), new SyncProgress(progress));

        Assert.Equal(4, result.Images.Total);
        Assert.Equal(2, result.Images.Correct);
        Assert.Equal(1, result.Images.UnpredictedOf(3));
        Assert.Equal(1, result.Images[3, 4]);
        var unreadable = Assert.Single(result.Unreadable);
        Assert.EndsWith("broken.png", unreadable.Path, StringComparison.Ordinal);
        Assert.Equal("is not a decodable image", unreadable.Reason);
        Assert.Null(result.Sequences);
        Assert.Equal([1, 2, 3, 4, 5], progress.Select(p => p.Done));
    }

    [Fact]
    public void Evaluator_votes_per_sequence_when_the_set_has_groups()
    {
        foreach (var f in new[] { "a1", "a2", "a3", "b1", "b2", "b3" })
        {
            Touch($"anger/{f}.png");
        }

        File.WriteAllLines(Path.Combine(_root, "labels.csv"),
            ["file,subject,sequence", .. new[] { "a1", "a2", "a3", "b1", "b2", "b3" }.Select(f => $"anger/{f}.png,S{f[0]},1")]);
        var predictions = new Dictionary<string, ImagePrediction>(StringComparer.Ordinal)
        {
            ["anger/a1.png"] = ImagePrediction.Of(0, 0.5f),
            ["anger/a2.png"] = ImagePrediction.Of(0, 0.5f),
            ["anger/a3.png"] = ImagePrediction.Of(1, 0.9f),
            ["anger/b1.png"] = ImagePrediction.Of(1, 0.5f),
            ["anger/b2.png"] = ImagePrediction.NoFace,
            ["anger/b3.png"] = ImagePrediction.NoFace,
        };

        var result = Evaluator.Run(Scan(), new TablePredictor(_root, predictions));

        Assert.Equal(2.0 / 6, result.Images.Accuracy!.Value, 12);
        Assert.Equal([new GroupVerdict("Sa/1", 0, 0, 3, 2), new GroupVerdict("Sb/1", 0, 1, 3, 1)], result.Verdicts);
        Assert.Equal(0.5, result.Sequences!.Accuracy);
    }

    [Fact]
    public void Text_report_shows_headline_per_class_table_and_the_no_face_column()
    {
        var m = ConfusionMatrix.From(["anger", "happiness"], [(0, 0), (0, null), (1, 0)]);
        using var text = new StringWriter();

        MetricsText.Write(text, MetricsReport.From(m, "no face"), "per image");

        var s = text.ToString();
        Assert.Contains("accuracy 33.3%   macro-F1 0.250   balanced accuracy 25.0%", s, StringComparison.Ordinal);
        Assert.Contains("no face", s, StringComparison.Ordinal);
        Assert.Matches(@"happiness\s+n/a\s+0\.0%\s+0\.000\s+1\s+0", s);   // never predicted: precision undefined
    }

    private sealed class TablePredictor(string root, Dictionary<string, ImagePrediction> table) : IImagePredictor
    {
        public ImagePrediction Predict(string path) => table[Path.GetRelativePath(root, path).Replace('\\', '/')];
    }

    private sealed class SyncProgress(List<EvaluationProgress> list) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => list.Add(value);
    }
}
