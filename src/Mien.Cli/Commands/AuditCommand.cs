using System.CommandLine;
using System.Globalization;
using Mien.Accuracy;
using Mien.Accuracy.Landmarks;
using Mien.Models;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien audit …`: accuracy you can defend. `landmarks` (mesh NME against 68-point annotations), `ckplus` (the posed
/// expression classifier, subject-wise cross-validated) and `fairness` (per skin-tone group). Thin: the work is in
/// Mien.Accuracy; this class parses options, loads models and writes files.
/// </summary>
internal static partial class AuditCommand
{
    public static Command Create()
    {
        var command = new Command("audit", "Accuracy audits with 95 % intervals: landmark error (NME), the CK+ posed-expression classifier, fairness by skin-tone group.");
        command.Subcommands.Add(Landmarks());
        command.Subcommands.Add(CkPlus());
        command.Subcommands.Add(Fairness());
        return command;
    }

    private static Command Landmarks()
    {
        var folder = new Argument<string>("folder") { Description = "Images with 68-point .pts annotations beside them (300-W convention, e.g. HELEN test)." };
        var limit = new Option<int?>("--limit") { Description = "Only the first N annotated images (by name)." };
        var output = CliOptions.Output("Folder for landmarks.md, landmarks-cdf.svg and landmarks.csv (default out/audit).");
        var offline = new Option<bool>("--offline") { Description = "Use cached models only." };
        var peerMesh = new Option<string?>("--peer-mesh") { Description = "Also score another tool's meshes of the same images, exactly as Mien's: JSON lines as Human's bench.mjs writes them (file, faces[].box, faces[].mesh)." };
        var peerName = new Option<string>("--peer-name") { Description = "Name of that tool in the report.", DefaultValueFactory = _ => "peer" };
        var correspondence = new Option<string>("--correspondence")
        {
            Description = "The 478→68 correspondence that scores the main table: 'published' (one mesh vertex per point, the default), 'fitted' (the fit shipped with Mien, made on HELEN test), or a file written by --write-correspondence.",
            DefaultValueFactory = _ => "published",
        };
        var fit = new Option<bool>("--fit-correspondence") { Description = "Also fit a correspondence to this set's annotations and score it by 10-fold cross-validation over images (each image scored by a fit that never saw it), against the published table." };
        var writeFit = new Option<string?>("--write-correspondence") { Description = "Write the fitted correspondence (fitted on every detected image of this set) to this JSON file." };
        var command = new Command("landmarks", "Normalised mean error (inter-ocular, outer eye corners) of the face mesh against 68-point annotations, through a documented 478→68 correspondence; with and without the jaw line; CDF plot.")
        {
            folder, limit, output, offline, peerMesh, peerName, correspondence, fit, writeFit,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(limit) is < 1)
            {
                throw new InvalidOptionException($"--limit = {parse.GetValue(limit)}: must be at least 1.");
            }

            var images = AnnotatedImage.Scan(parse.GetValue(folder)!, parse.GetValue(limit));

            // Read before any model runs, so a bad peer file costs nothing.
            var peerMeshes = parse.GetValue(peerMesh) is { } peerFile ? PeerMeshes.ReadHumanJsonLines(peerFile) : null;
            var (mapName, map) = Correspondence(parse.GetValue(correspondence)!);
            var outDir = OutputFolder(parse.GetValue(output));
            using var store = CliStore.Open(parse.GetValue(offline));
            using var faces = await LoadStillFacesAsync(store, ct);
            Console.Error.WriteLine($"audit landmarks: {images.Count} annotated image(s)");
            var published = LandmarkRun.Measure(faces.Faces, images, new LineProgress("landmarks", images.Count), ct);
            var run = map is null ? published : FittedMeshTo68.Rescore(published, images, map);
            Write(outDir, "landmarks-cdf.svg", run.CdfSvg());
            var md = "## Landmarks\n\n" + $"Correspondence: {mapName}.\n\n" + run.Markdown("landmarks-cdf.svg");
            if (peerMeshes is not null)
            {
                var name = parse.GetValue(peerName)!;
                var peer = PeerMeshes.Measure(images, peerMeshes, map);
                md += $"\n### {name}, scored the same way\n\n" + peer.Markdown(null) + "\n" + LandmarkComparison.Paired(run, peer).Markdown("Mien", name);
            }

            if (parse.GetValue(fit))
            {
                md += FittedMeshTo68.CrossValidationMarkdown(published, images, [new CorrespondenceFitOptions(YawTerm: false), new CorrespondenceFitOptions()]);
            }

            if (parse.GetValue(writeFit) is { } writeTo)
            {
                md += WriteFit(published, images, parse.GetValue(folder)!, writeTo);
            }

            Write(outDir, "landmarks.md", md);
            Write(outDir, "landmarks.csv", "image,detected,iou,nme68,nme51,interocular_px\n" + string.Concat(run.Results.Select(r => string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(r.Image)},{r.Detected},{r.Iou:F3},{r.Error?.All68:F5},{r.Error?.Inner51:F5},{r.Error?.InterOcular:F1}\n"))));
            Console.Out.Write(md);
            Console.Error.WriteLine($"wrote {Path.Combine(outDir, "landmarks.md")}, landmarks-cdf.svg, landmarks.csv");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The --correspondence choice: its name for the report and the map (null for the published table).</summary>
    private static (string Name, Func<IReadOnlyList<Mien.Results.Point3>, Point2[]>? Map) Correspondence(string value)
    {
        switch (value)
        {
            case "published":
                return ("the published table (one mesh vertex, or the midpoint of two, per point; `MeshTo68`)", null);
            case "fitted":
                var shipped = FittedMeshTo68.LoadShipped();
                return (Describe("the fit shipped with Mien", shipped), shipped.Map);
            default:
                if (!File.Exists(value))
                {
                    throw new InvalidOptionException($"--correspondence = {value}: expected 'published', 'fitted' or an existing file written by --write-correspondence.");
                }

                var loaded = FittedMeshTo68.Load(value);
                return (Describe($"the fit in `{value}`", loaded), loaded.Map);
        }

        static string Describe(string what, FittedMeshTo68 fit) => fit.Card.TryGetValue("fittedOn", out var on)
            ? $"{what}, fitted on {on} (on those very images this is resubstitution, not an accuracy figure: use --fit-correspondence for a cross-validated one)"
            : what;
    }

    /// <summary>Fits the correspondence on every detected image of the set and writes it, with its card.</summary>
    private static string WriteFit(LandmarkRun published, IReadOnlyList<AnnotatedImage> images, string folder, string writeTo)
    {
        var c = CultureInfo.InvariantCulture;
        var detected = published.Results.Count(r => r.Mesh is not null);
        if (detected == 0)
        {
            throw new InputException($"{folder}: no annotated face was found, so there is nothing to fit --write-correspondence to.");
        }

        var card = new Dictionary<string, string>
        {
            ["fittedOn"] = string.Create(c, $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)))} ({detected} detected images)"),
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd", c),
            ["method"] = "ridge least squares over annotated meshes, shrunk toward the published table (MeshTo68); see docs/accuracy.md, Landmarks",
        };
        File.WriteAllText(writeTo, FittedMeshTo68.FitAll(published, images, new CorrespondenceFitOptions(), card).ToJson());
        return string.Create(c, $"\nWrote the fit on all {detected} detected images to `{writeTo}`.\n");
    }

    internal static async Task<LoadedStillFaces> LoadStillFacesAsync(CliStore store, CancellationToken ct)
    {
        var artifacts = await store.EnsureModelsAsync(StillFaces.ModelIds, ct);
        var models = artifacts.Select(a => OnnxModel.Load(a)).ToArray();
        return new LoadedStillFaces(models, new StillFaces(models[0], models[1], models[2]));
    }

    internal static string OutputFolder(string? given)
    {
        var dir = Path.GetFullPath(given ?? Path.Combine("out", "audit"));
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OutputException.ForFolder(dir, e);
        }

        return dir;
    }

    internal static void Write(string folder, string name, string text)
    {
        var path = Path.Combine(folder, name);
        try
        {
            File.WriteAllText(path, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OutputException.ForFile(path, e);
        }
    }

    /// <summary>The loaded models and the analyser over them, disposed together.</summary>
    internal sealed class LoadedStillFaces(OnnxModel[] models, StillFaces faces) : IDisposable
    {
        public StillFaces Faces { get; } = faces;

        public void Dispose()
        {
            Faces.Dispose();
            foreach (var m in models)
            {
                m.Dispose();
            }
        }
    }

    /// <summary>A progress line per 10 % on stderr (synchronous).</summary>
    internal sealed class LineProgress(string what, int total) : IProgress<int>
    {
        private int _decile = -1;

        public void Report(int value)
        {
            var decile = total == 0 ? 10 : 10 * value / total;
            if (decile > _decile)
            {
                _decile = decile;
                Console.Error.WriteLine($"{what}: {value}/{total}");
            }
        }
    }
}
