using System.CommandLine;
using System.Globalization;
using Mien.Accuracy.Fairness;
using Mien.Accuracy.Landmarks;
using Mien.Skin;

namespace Mien.Cli.Commands;

internal static partial class AuditCommand
{
    /// <summary>Said in every fairness report: what the audit cannot measure with the data it was given.</summary>
    private const string ExpressionNote =
        "Expression accuracy per group is not measured: it needs colour face images with expression labels, and the labelled expression sets available (CK+48, FER2013) are greyscale crops whose skin tone cannot be measured.";

    private static Command Fairness()
    {
        var folder = new Argument<string>("folder") { Description = "Colour images with 68-point .pts annotations beside them (e.g. HELEN test)." };
        var limit = new Option<int?>("--limit") { Description = "Only the first N annotated images (by name)." };
        var output = CliOptions.Output("Folder for fairness.md and fairness.csv (default out/audit).");
        var offline = new Option<bool>("--offline") { Description = "Use cached models only." };
        var command = new Command("fairness", "Fairness audit per skin-tone group (Monk 1–3/4–6/7–10 and ITA° bands from Mien's own skin analysis): detection recall (own size and shrunk), landmark error, skin-tone stability under exposure/mirror/scale; 95 % intervals and group sizes.")
        {
            folder, limit, output, offline,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(limit) is < 1)
            {
                throw new InvalidOptionException($"--limit = {parse.GetValue(limit)}: must be at least 1.");
            }

            var root = parse.GetValue(folder)!;
            var images = AnnotatedImage.Scan(root, parse.GetValue(limit));
            var outDir = OutputFolder(parse.GetValue(output));
            using var store = CliStore.Open(parse.GetValue(offline));
            using var faces = await LoadStillFacesAsync(store, ct);
            using var skin = new SkinAnalyzer();
            Console.Error.WriteLine($"audit fairness: {images.Count} annotated image(s)");
            var progress = new LineProgress("fairness", images.Count);
            var records = new List<FaceAuditRecord>(images.Count);
            foreach (var image in images)
            {
                ct.ThrowIfCancellationRequested();
                records.Add(FairnessAudit.Measure(faces.Faces, skin, image));
                progress.Report(records.Count);
            }

            var setName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)));
            var md = "## Fairness\n\n" + FairnessAudit.Markdown(setName, records) + "\n" + ExpressionNote + "\n";
            Write(outDir, "fairness.md", md);
            Write(outDir, "fairness.csv", "image,detected,detected_small,nme68,nme51,ita,monk,skin_issue,ita_shift\n" + string.Concat(records.Select(r => string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(r.Image)},{r.Detected},{r.DetectedSmall},{r.Nme68:F5},{r.Nme51:F5},{r.Ita:F2},{r.Monk},{r.SkinIssue?.Replace(',', ';')},{r.ItaShift:F2}\n"))));
            Console.Out.Write(md);
            Console.Error.WriteLine($"wrote {Path.Combine(outDir, "fairness.md")}, fairness.csv");
            return ExitCodes.Ok;
        });
        return command;
    }
}
