using System.Globalization;
using System.Text;
using System.Text.Json;
using Mien.Accuracy.Statistics;
using Mien.Failures;
using Mien.Results;

namespace Mien.Accuracy.Landmarks;

/// <summary>One face another tool reported: its box and its face mesh, in the image's pixels.</summary>
/// <param name="Box">The tool's face box.</param>
/// <param name="Mesh">The mesh points (468 or 478, MediaPipe's topology).</param>
public sealed record PeerFace(FaceBox Box, IReadOnlyList<Point3> Mesh);

/// <summary>
/// Face meshes another tool wrote for the same annotated images, scored exactly as Mien's own mesh is: the same 478→68
/// table (<see cref="MeshTo68"/>) and the same error (<see cref="LandmarkError"/>), so the figures differ only by what
/// the tools do, not by how they are scored. The annotated face is the one whose 68 mapped points' box overlaps the
/// annotated points' box best, IoU ≥ <see cref="LandmarkBenchmark.MinIou"/> (a tool's own face box is not used: each
/// tool draws it its own way).
/// </summary>
public static class PeerMeshes
{
    /// <summary>Largest peer file read (a line per image; Human's lines are about 40 KB).</summary>
    public const long MaxFileBytes = 512L * 1024 * 1024;

    /// <summary>
    /// Reads the JSON lines written by Human's benchmark harness (<c>@vladmandic/human</c> in Node, <c>bench.mjs</c>): one
    /// line per image with <c>file</c> and <c>faces[]</c>, each face with <c>box</c> [x, y, w, h] and <c>mesh</c>
    /// [[x, y, z] × 478] in image pixels. Keyed by file name.
    /// </summary>
    /// <exception cref="InputException">The file is missing, too large, or a line is not such a record (the message names the line).</exception>
    public static IReadOnlyDictionary<string, IReadOnlyList<PeerFace>> ReadHumanJsonLines(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new InputException($"{path}: no such file (expected JSON lines with file and faces[].box/mesh, as Human's bench.mjs writes).");
        }

        if (info.Length > MaxFileBytes)
        {
            throw new InputException($"{path}: {info.Length} bytes, above the {MaxFileBytes}-byte limit for a peer mesh file.");
        }

        var result = new Dictionary<string, IReadOnlyList<PeerFace>>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                var file = root.GetProperty("file").GetString() ?? throw new InputException($"{path}:{number}: 'file' is null.");
                var faces = new List<PeerFace>();
                foreach (var face in root.GetProperty("faces").EnumerateArray())
                {
                    faces.Add(Face(face, path, number));
                }

                if (!result.TryAdd(Path.GetFileName(file), faces))
                {
                    throw new InputException($"{path}:{number}: '{file}' appears twice.");
                }
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InputException($"{path}:{number}: not a Human bench record ({e.Message}).", e);
            }
        }

        return result.Count == 0 ? throw new InputException($"{path}: no records.") : result;
    }

    /// <summary>
    /// Scores a peer's meshes on the annotated images. An image the peer file does not mention is listed as unreadable
    /// ("not in the peer file"), not counted as a miss; an image it lists without a matching face is a miss.
    /// <paramref name="map"/> is the 478→68 correspondence (default: the published table, <see cref="MeshTo68.Map"/>).
    /// </summary>
    public static LandmarkRun Measure(IReadOnlyList<AnnotatedImage> images, IReadOnlyDictionary<string, IReadOnlyList<PeerFace>> peer, Func<IReadOnlyList<Point3>, Point2[]>? map = null)
    {
        map ??= MeshTo68.Map;
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(peer);
        var results = new List<LandmarkImageResult>(images.Count);
        var missing = new List<(string, string)>();
        foreach (var image in images)
        {
            if (!peer.TryGetValue(Path.GetFileName(image.Image), out var faces))
            {
                missing.Add((image.Image, "not in the peer file"));
                continue;
            }

            // Matched by the box of its own 68 mapped points, not the tool's face box: boxes follow each tool's convention
            // (Human's is a square around the mesh, often too large to overlap the points' box by 0.3).
            var truth = image.Box;
            var best = faces.Select(f => (Face: f, Points: map(f.Mesh)))
                .Select(f => (f.Face, f.Points, Iou: StillFaces.Iou(new AnnotatedImage(image.Image, f.Points).Box, truth)))
                .OrderByDescending(p => p.Iou).FirstOrDefault();
            results.Add(best.Face is null || best.Iou < LandmarkBenchmark.MinIou
                ? new LandmarkImageResult(image.Image, false, best.Face is null ? 0 : best.Iou, null, null)
                : new LandmarkImageResult(image.Image, true, best.Iou, LandmarkError.Measure(best.Points, image.Annotation), best.Face.Mesh));
        }

        var folder = images.Count == 0 ? string.Empty : Path.GetDirectoryName(images[0].Image) ?? string.Empty;
        var rule = string.Create(CultureInfo.InvariantCulture, $"no face whose 68 mapped points' box overlaps the annotated points' box by IoU ≥ {LandmarkBenchmark.MinIou}");
        return new LandmarkRun(folder, results, missing, rule);
    }

    private static PeerFace Face(JsonElement face, string path, int number)
    {
        var box = face.GetProperty("box");
        if (box.GetArrayLength() != 4)
        {
            throw new InputException($"{path}:{number}: a face box has {box.GetArrayLength()} numbers, expected 4 (x, y, w, h).");
        }

        var b = box.EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var mesh = face.GetProperty("mesh");
        if (mesh.GetArrayLength() is not (468 or 478))
        {
            throw new InputException($"{path}:{number}: a face mesh has {mesh.GetArrayLength()} points, expected 468 or 478.");
        }

        var points = new Point3[mesh.GetArrayLength()];
        var i = 0;
        foreach (var p in mesh.EnumerateArray())
        {
            var xyz = p.EnumerateArray().Select(v => v.GetDouble()).ToArray();
            if (xyz.Length < 2 || xyz.Any(v => !double.IsFinite(v)))
            {
                throw new InputException($"{path}:{number}: mesh point {i} is not a finite [x, y(, z)].");
            }

            points[i++] = new Point3((float)xyz[0], (float)xyz[1], xyz.Length > 2 ? (float)xyz[2] : 0);
        }

        return new PeerFace(new FaceBox(b[0], b[1], b[2], b[3]), points);
    }
}

/// <summary>Two landmark runs on the same images, compared image by image.</summary>
/// <param name="Images">Images both found the annotated face in.</param>
/// <param name="Difference68">Mean of (first − second) NME over 68 points, bootstrap 95 % interval over images.</param>
/// <param name="Difference51">The same over the 51 inner points.</param>
/// <param name="FirstBetter51">Images where the first run's 51-point error is lower.</param>
public sealed record LandmarkComparison(int Images, Interval Difference68, Interval Difference51, int FirstBetter51)
{
    /// <summary>Pairs the runs by image (only images both found).</summary>
    public static LandmarkComparison Paired(LandmarkRun first, LandmarkRun second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var other = second.Results.Where(r => r.Error is not null).ToDictionary(r => Path.GetFileName(r.Image), r => r.Error!, StringComparer.Ordinal);
        var pairs = first.Results.Where(r => r.Error is not null && other.ContainsKey(Path.GetFileName(r.Image)))
            .Select(r => (A: r.Error!, B: other[Path.GetFileName(r.Image)])).ToArray();
        return new LandmarkComparison(
            pairs.Length,
            Bootstrap.Mean([.. pairs.Select(p => p.A.All68 - p.B.All68)]),
            Bootstrap.Mean([.. pairs.Select(p => p.A.Inner51 - p.B.Inner51)]),
            pairs.Count(p => p.A.Inner51 < p.B.Inner51));
    }

    /// <summary>A Markdown paragraph naming both runs.</summary>
    public string Markdown(string first, string second)
    {
        if (Images == 0)
        {
            return $"No image has the annotated face found by both {first} and {second}: nothing to pair.\n";
        }

        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.Append(c, $"Paired over the {Images} images both found, {first} − {second}, NME in % of the inter-ocular distance (bootstrap 95 % interval over images): ");
        md.Append(c, $"68 points {Difference68.Format(100)}, 51 points {Difference51.Format(100)}; {first} lower on {FirstBetter51} of {Images} images (51 points).\n");
        return md.ToString();
    }
}
