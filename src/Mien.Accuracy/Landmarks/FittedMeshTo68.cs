using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mien.Failures;
using Mien.Results;

namespace Mien.Accuracy.Landmarks;

/// <summary>Options of a fitted 478→68 correspondence.</summary>
/// <param name="Candidates">Mesh vertices each 68-scheme point may draw on: the nearest to the point's mean annotated position (in an eye-aligned frame), plus the published table's.</param>
/// <param name="Ridge">Ridge penalty on the departure from the published table (in inter-ocular units squared; larger keeps the published vertices).</param>
/// <param name="YawTerm">Let the weights change linearly with a yaw cue, so a point can slide along the face's silhouette as the head turns.</param>
public sealed record CorrespondenceFitOptions(int Candidates = 12, double Ridge = 1.0, bool YawTerm = true)
{
    /// <summary>Checks the values; the message names the option, the value and the limit.</summary>
    /// <exception cref="InvalidOptionException">A value is out of range.</exception>
    public CorrespondenceFitOptions Validate()
    {
        if (Candidates is < 1 or > 64)
        {
            throw new InvalidOptionException(string.Create(CultureInfo.InvariantCulture, $"{nameof(Candidates)} = {Candidates}: must be 1–64 mesh vertices per point."));
        }

        if (!double.IsFinite(Ridge) || Ridge < 0)
        {
            throw new InvalidOptionException(string.Create(CultureInfo.InvariantCulture, $"{nameof(Ridge)} = {Ridge}: must be a finite number ≥ 0."));
        }

        return this;
    }
}

/// <summary>One 68-scheme point of a fitted correspondence: an affine combination of mesh vertices.</summary>
/// <param name="Vertices">Mesh vertex indices.</param>
/// <param name="Base">Weights at zero yaw (they sum to 1, so the point moves with any affine change of the image).</param>
/// <param name="Yaw">Weight change per unit of the yaw cue (sums to 0; empty without a yaw term).</param>
public sealed record FittedPoint(IReadOnlyList<int> Vertices, IReadOnlyList<double> Base, IReadOnlyList<double> Yaw);

/// <summary>
/// A 478→68 correspondence fitted to annotated meshes, where the published one-vertex table (<see cref="MeshTo68"/>)
/// cannot follow the 300-W convention: jaw points that mark the visible silhouette and slide with head yaw, brow points
/// on the brow's middle line rather than its upper edge.
/// </summary>
/// <remarks>
/// Each point is Σₖ (bₖ + yaw·cₖ)·mₖ over a few nearby mesh vertices mₖ, with Σb = 1 and Σc = 0: an affine combination,
/// so the mapping commutes with translation, rotation and scale of the image and needs no face frame. The yaw cue is
/// the nose tip's offset between the face oval's extremes along the eye axis, −1…1, read from the mesh itself. Weights
/// are fitted by ridge-penalised least squares on the inter-ocular-normalised error, shrunk toward the published table,
/// with both sum constraints exact (a small KKT system per point). Fitting on the images it is scored on flatters it,
/// so <see cref="CrossValidate"/> scores each image with a fit that never saw it.
/// </remarks>
public sealed class FittedMeshTo68
{
    /// <summary>Resource name of the shipped fit (fitted on the HELEN test images of the development data).</summary>
    public const string ShippedName = "mesh-to-68-fitted";

    private FittedMeshTo68(IReadOnlyList<FittedPoint> points, CorrespondenceFitOptions options, IReadOnlyDictionary<string, string> card)
    {
        Points = points;
        Options = options;
        Card = card;
    }

    /// <summary>The 68 fitted points, in 300-W order.</summary>
    public IReadOnlyList<FittedPoint> Points { get; }

    /// <summary>The options it was fitted with.</summary>
    public CorrespondenceFitOptions Options { get; }

    /// <summary>What it was fitted on (set, images, date), as written by the audit.</summary>
    public IReadOnlyDictionary<string, string> Card { get; }

    /// <summary>
    /// The yaw cue of a mesh: where the nose tip (vertex 4) sits between the face oval's extremes (234 on the image left,
    /// 454 on the right) along the eye axis (33 → 263): (left − right) ÷ (left + right), so 0 for a frontal face and
    /// toward ±1 as the head turns. Scale- and roll-free; 0 when the geometry is degenerate.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 468 mesh points.</exception>
    public static double YawCue(IReadOnlyList<Point3> mesh)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        if (mesh.Count < 468)
        {
            throw new ArgumentException($"a face mesh has 468 or 478 points, got {mesh.Count}", nameof(mesh));
        }

        double ax = mesh[263].X - mesh[33].X, ay = mesh[263].Y - mesh[33].Y;
        var norm = Math.Sqrt((ax * ax) + (ay * ay));
        if (!(norm > 1e-9))
        {
            return 0;
        }

        (ax, ay) = (ax / norm, ay / norm);
        var left = ((mesh[4].X - mesh[234].X) * ax) + ((mesh[4].Y - mesh[234].Y) * ay);
        var right = ((mesh[454].X - mesh[4].X) * ax) + ((mesh[454].Y - mesh[4].Y) * ay);
        var sum = left + right;
        return sum > 1e-9 ? Math.Clamp((left - right) / sum, -1, 1) : 0;
    }

    /// <summary>The 68 scheme points of a mesh (468 or 478 points, image pixels).</summary>
    /// <exception cref="ArgumentException">Fewer than 468 mesh points.</exception>
    public Point2[] Map(IReadOnlyList<Point3> mesh)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        if (mesh.Count < 468)
        {
            throw new ArgumentException($"a face mesh has 468 or 478 points, got {mesh.Count}", nameof(mesh));
        }

        var yaw = Options.YawTerm ? YawCue(mesh) : 0;
        var result = new Point2[Points.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var p = Points[i];
            double x = 0, y = 0;
            for (var k = 0; k < p.Vertices.Count; k++)
            {
                var w = p.Base[k] + (p.Yaw.Count > 0 ? yaw * p.Yaw[k] : 0);
                x += w * mesh[p.Vertices[k]].X;
                y += w * mesh[p.Vertices[k]].Y;
            }

            result[i] = new Point2(x, y);
        }

        return result;
    }

    /// <summary>Fits the correspondence to annotated meshes.</summary>
    /// <param name="samples">Meshes (468 or 478 points, pixels) with their 68 annotated points.</param>
    /// <param name="options">Fit options.</param>
    /// <param name="card">What the fit is of, kept with it (set, image count, date).</param>
    /// <exception cref="ArgumentException">No sample, or a sample with the wrong number of points.</exception>
    public static FittedMeshTo68 Fit(IReadOnlyList<(IReadOnlyList<Point3> Mesh, IReadOnlyList<Point2> Annotation)> samples, CorrespondenceFitOptions options, IReadOnlyDictionary<string, string>? card = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (samples.Count == 0)
        {
            throw new ArgumentException("no annotated mesh to fit the correspondence to", nameof(samples));
        }

        foreach (var (mesh, annotation) in samples)
        {
            if (mesh.Count < 468 || annotation.Count != Pts68.Count)
            {
                throw new ArgumentException($"each sample needs a 468/478-point mesh and 68 annotated points, got {mesh.Count} and {annotation.Count}", nameof(samples));
            }
        }

        // Per sample: origin at the mesh's eye-corner midpoint (the sums to 1 and 0 make the fit blind to it, and
        // centring keeps the normal equations well scaled), error measured in annotated inter-ocular distances.
        var prepared = samples.Select(s =>
        {
            var cx = (s.Mesh[33].X + s.Mesh[263].X) / 2.0;
            var cy = (s.Mesh[33].Y + s.Mesh[263].Y) / 2.0;
            var d = s.Annotation[MeshTo68.RightEyeOuter].DistanceTo(s.Annotation[MeshTo68.LeftEyeOuter]);
            return (s.Mesh, s.Annotation, Cx: cx, Cy: cy, Scale: d > 1e-6 ? 1 / d : 0, Yaw: options.YawTerm ? YawCue(s.Mesh) : 0);
        }).Where(s => s.Scale > 0).ToArray();
        var (meanVertices, meanAnnotation) = MeanShapes(samples);
        var points = new FittedPoint[Pts68.Count];
        for (var i = 0; i < points.Length; i++)
        {
            var published = MeshTo68.Correspondence[i];
            var target = meanAnnotation[i];
            var vertices = Enumerable.Range(0, 468)
                .OrderBy(v => ((meanVertices[v].X - target.X) * (meanVertices[v].X - target.X)) + ((meanVertices[v].Y - target.Y) * (meanVertices[v].Y - target.Y)))
                .ThenBy(v => v)
                .Take(options.Candidates)
                .Union(published)
                .ToArray();
            var prior = vertices.Select(v => published.Contains(v) ? 1.0 / published.Length : 0).ToArray();
            points[i] = FitPoint(prepared.Select(s => (s.Mesh, s.Annotation[i], s.Cx, s.Cy, s.Scale, s.Yaw)).ToArray(), vertices, prior, options);
        }

        return new FittedMeshTo68(points, options, card ?? new Dictionary<string, string>());
    }

    /// <summary>
    /// Scores every detected image of <paramref name="run"/> with a correspondence fitted on the other folds only
    /// (images in name order, image <c>i</c> in fold <c>i mod folds</c>), so the figure says what the fit does on faces it
    /// has not seen. Images the run did not detect stay misses.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two folds, or more folds than detected images.</exception>
    public static LandmarkRun CrossValidate(LandmarkRun run, IReadOnlyList<AnnotatedImage> images, CorrespondenceFitOptions options, int folds = 10)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(images);
        var annotation = images.ToDictionary(i => i.Image, i => i.Annotation, StringComparer.Ordinal);
        var detected = run.Results.Where(r => r.Mesh is not null && annotation.ContainsKey(r.Image)).OrderBy(r => r.Image, StringComparer.Ordinal).ToArray();
        if (folds < 2 || folds > detected.Length)
        {
            throw new ArgumentException($"folds = {folds}: must be 2 … the {detected.Length} detected images", nameof(folds));
        }

        var fold = detected.Select((r, i) => (r.Image, Fold: i % folds)).ToDictionary(x => x.Image, x => x.Fold, StringComparer.Ordinal);
        var rescored = new Dictionary<string, LandmarkImageResult>(StringComparer.Ordinal);
        for (var f = 0; f < folds; f++)
        {
            var training = detected.Where(r => fold[r.Image] != f).Select(r => (r.Mesh!, annotation[r.Image])).ToArray();
            var fit = Fit(training, options);
            foreach (var r in detected.Where(r => fold[r.Image] == f))
            {
                rescored[r.Image] = r with { Error = LandmarkError.Measure(fit.Map(r.Mesh!), annotation[r.Image]) };
            }
        }

        var results = run.Results.Select(r => rescored.TryGetValue(r.Image, out var s) ? s : r).ToArray();
        return run with { Results = results };
    }

    /// <summary>Fits on every detected image of <paramref name="run"/> (the meshes it holds, the images' annotations).</summary>
    public static FittedMeshTo68 FitAll(LandmarkRun run, IReadOnlyList<AnnotatedImage> images, CorrespondenceFitOptions options, IReadOnlyDictionary<string, string>? card = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(images);
        var annotation = images.ToDictionary(i => i.Image, i => i.Annotation, StringComparer.Ordinal);
        return Fit([.. run.Results.Where(r => r.Mesh is not null && annotation.ContainsKey(r.Image)).Select(r => (r.Mesh!, annotation[r.Image]))], options, card);
    }

    /// <summary>
    /// A Markdown section: each variant cross-validated (<see cref="CrossValidate"/>, 10 folds) with its summary and the
    /// paired difference from the published table.
    /// </summary>
    public static string CrossValidationMarkdown(LandmarkRun published, IReadOnlyList<AnnotatedImage> images, IReadOnlyList<CorrespondenceFitOptions> variants)
    {
        ArgumentNullException.ThrowIfNull(published);
        ArgumentNullException.ThrowIfNull(variants);
        var c = CultureInfo.InvariantCulture;
        var md = new System.Text.StringBuilder("\n### Fitted correspondence, 10-fold cross-validation over images\n\n");
        var detected = published.Results.Count(r => r.Mesh is not null);
        if (detected < CrossValidationFolds)
        {
            return md.Append(c, $"Not cross-validated: {detected} image(s) with a detected face, and 10-fold cross-validation needs at least {CrossValidationFolds}.\n").ToString();
        }

        md.Append("Each 68-scheme point an affine combination of nearby mesh vertices, shrunk toward the published table (`FittedMeshTo68`); ");
        md.Append("each image scored by a fit made on the other nine folds.\n\n");
        foreach (var options in variants)
        {
            var cv = CrossValidate(published, images, options, CrossValidationFolds);
            md.Append(c, $"#### {options.Candidates} candidate vertices, ridge {options.Ridge}, {(options.YawTerm ? "weights linear in the yaw cue" : "fixed weights")}\n\n");
            md.Append(cv.Markdown(null));
            md.Append(LandmarkComparison.Paired(cv, published).Markdown("fitted", "published"));
            md.Append('\n');
        }

        return md.ToString();
    }

    /// <summary>The same run scored with another correspondence (its meshes as they are; no model runs again).</summary>
    public static LandmarkRun Rescore(LandmarkRun run, IReadOnlyList<AnnotatedImage> images, Func<IReadOnlyList<Point3>, Point2[]> map)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(map);
        var annotation = images.ToDictionary(i => i.Image, i => i.Annotation, StringComparer.Ordinal);
        return run with
        {
            Results = [.. run.Results.Select(r => r.Mesh is { } mesh && annotation.TryGetValue(r.Image, out var a) ? r with { Error = LandmarkError.Measure(map(mesh), a) } : r)],
        };
    }

    /// <summary>The fit shipped with Mien (embedded; fitted on the 110 HELEN test images of the development data).</summary>
    /// <exception cref="InvalidOperationException">The resource is missing from the build.</exception>
    public static FittedMeshTo68 LoadShipped()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ShippedName + ".json")
            ?? throw new InvalidOperationException($"{ShippedName}.json is not embedded in {typeof(FittedMeshTo68).Assembly.GetName().Name}: run `mien audit landmarks <helen_test> --write-correspondence src/Mien.Accuracy/Landmarks/{ShippedName}.json` and rebuild.");
        using var reader = new StreamReader(stream);
        return FromJson(reader.ReadToEnd(), ShippedName + ".json");
    }

    /// <summary>Reads a fit written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InputException">The file is missing or not a fitted correspondence (the message names it and the problem).</exception>
    public static FittedMeshTo68 Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{path}: cannot read the correspondence ({e.Message}).", e);
        }

        return FromJson(text, path);
    }

    /// <summary>Parses a fit; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InputException">Not a fitted correspondence.</exception>
    public static FittedMeshTo68 FromJson(string json, string source)
    {
        try
        {
            var root = JsonNode.Parse(json) ?? throw new InputException($"{source}: empty JSON.");
            if (root["format"]?.GetValue<string>() != Format)
            {
                throw new InputException($"{source}: not a fitted 478→68 correspondence (\"format\" is not \"{Format}\").");
            }

            JsonNode Field(JsonNode parent, string name, string where) => parent[name] ?? throw new InputException($"{source}: {where} has no \"{name}\".");
            var o = Field(root, "options", "the file");
            var options = new CorrespondenceFitOptions(Field(o, "candidates", "\"options\"").GetValue<int>(), Field(o, "ridge", "\"options\"").GetValue<double>(), Field(o, "yawTerm", "\"options\"").GetValue<bool>()).Validate();
            var array = Field(root, "points", "the file").AsArray();
            if (array.Count != Pts68.Count)
            {
                throw new InputException($"{source}: {array.Count} points, expected {Pts68.Count}.");
            }

            var points = array.Select((p, i) =>
            {
                var where = string.Create(CultureInfo.InvariantCulture, $"point {i}");
                var node = p ?? throw new InputException($"{source}: {where} is null.");
                int[] vertices = [.. Field(node, "vertices", where).AsArray().Select(v => (v ?? throw new InputException($"{source}: {where} has a null vertex.")).GetValue<int>())];
                double[] Weights(string name) => [.. Field(node, name, where).AsArray().Select(v => (v ?? throw new InputException($"{source}: {where} has a null weight.")).GetValue<double>())];
                var b = Weights("base");
                var c = Weights("yaw");

                // Σ base = 1 and Σ yaw = 0 are what make the mapping move with the image; anything else is not a fit.
                if (vertices.Length == 0 || b.Length != vertices.Length || (c.Length != 0 && c.Length != vertices.Length)
                    || vertices.Any(v => v is < 0 or >= 468) || b.Concat(c).Any(w => !double.IsFinite(w)) || Math.Abs(b.Sum() - 1) > 1e-4 || Math.Abs(c.Sum()) > 1e-4)
                {
                    throw new InputException($"{source}: {where} is malformed (vertices 0–467, one finite weight each, base weights summing to 1, yaw weights to 0).");
                }

                return new FittedPoint(vertices, b, c);
            }).ToArray();
            var card = (root["card"] as JsonObject)?.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? string.Empty) ?? [];
            return new FittedMeshTo68(points, options, card);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or InvalidOptionException)
        {
            throw new InputException($"{source}: not a fitted 478→68 correspondence ({e.Message}).", e);
        }
    }

    /// <summary>The fit as JSON (format tag, card, options, 68 points), readable by <see cref="FromJson"/>.</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["format"] = Format,
            ["card"] = new JsonObject(Card.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
            ["options"] = new JsonObject { ["candidates"] = Options.Candidates, ["ridge"] = Options.Ridge, ["yawTerm"] = Options.YawTerm },
            ["points"] = new JsonArray([.. Points.Select(p => (JsonNode)new JsonObject
            {
                ["vertices"] = new JsonArray([.. p.Vertices.Select(v => (JsonNode)v)]),
                ["base"] = new JsonArray([.. p.Base.Select(w => (JsonNode)Math.Round(w, 6))]),
                ["yaw"] = new JsonArray([.. p.Yaw.Select(w => (JsonNode)Math.Round(w, 6))]),
            })]),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) + "\n";
    }

    private const string Format = "mien.mesh-to-68.fitted/1";

    /// <summary>Folds of the audit's cross-validation.</summary>
    private const int CrossValidationFolds = 10;

    /// <summary>Mean mesh (first 468 vertices) and mean annotation in an eye-aligned frame (origin between the mesh's outer eye corners, x along them, unit their distance).</summary>
    private static (Point2[] Vertices, Point2[] Annotation) MeanShapes(IReadOnlyList<(IReadOnlyList<Point3> Mesh, IReadOnlyList<Point2> Annotation)> samples)
    {
        var vertices = new Point2[468];
        var annotation = new Point2[Pts68.Count];
        foreach (var (mesh, points) in samples)
        {
            var (ox, oy) = ((mesh[33].X + mesh[263].X) / 2.0, (mesh[33].Y + mesh[263].Y) / 2.0);
            double ux = mesh[263].X - mesh[33].X, uy = mesh[263].Y - mesh[33].Y;
            var squared = (ux * ux) + (uy * uy);
            if (!(squared > 1e-12))
            {
                continue;
            }

            // Coordinates along the eye axis and its normal, in eye-distance units.
            Point2 Frame(double x, double y) => new((((x - ox) * ux) + ((y - oy) * uy)) / squared, (((y - oy) * ux) - ((x - ox) * uy)) / squared);
            for (var v = 0; v < vertices.Length; v++)
            {
                var p = Frame(mesh[v].X, mesh[v].Y);
                vertices[v] = new Point2(vertices[v].X + (p.X / samples.Count), vertices[v].Y + (p.Y / samples.Count));
            }

            for (var i = 0; i < annotation.Length; i++)
            {
                var p = Frame(points[i].X, points[i].Y);
                annotation[i] = new Point2(annotation[i].X + (p.X / samples.Count), annotation[i].Y + (p.Y / samples.Count));
            }
        }

        return (vertices, annotation);
    }

    /// <summary>
    /// Ridge least squares for one point: weights w = prior + u (and yaw weights c), minimising Σ‖(Σ wₖmₖ + yaw Σ cₖmₖ − a)/d‖²
    /// + ridge·(‖u‖² + ‖c‖²) subject to Σu = 0 and Σc = 0, solved as one symmetric KKT system.
    /// </summary>
    private static FittedPoint FitPoint((IReadOnlyList<Point3> Mesh, Point2 Target, double Cx, double Cy, double Scale, double Yaw)[] samples, int[] vertices, double[] prior, CorrespondenceFitOptions options)
    {
        var k = vertices.Length;
        var blocks = options.YawTerm ? 2 : 1;
        var unknowns = blocks * k;
        var size = unknowns + blocks;
        var m = new double[size * size];
        var rhs = new double[size];
        var row = new double[unknowns];
        foreach (var s in samples)
        {
            for (var axis = 0; axis < 2; axis++)
            {
                double Coordinate(int v) => axis == 0 ? (s.Mesh[v].X - s.Cx) * s.Scale : (s.Mesh[v].Y - s.Cy) * s.Scale;
                var residual = axis == 0 ? (s.Target.X - s.Cx) * s.Scale : (s.Target.Y - s.Cy) * s.Scale;
                for (var j = 0; j < k; j++)
                {
                    var c = Coordinate(vertices[j]);
                    residual -= prior[j] * c;
                    row[j] = c;
                    if (blocks == 2)
                    {
                        row[k + j] = s.Yaw * c;
                    }
                }

                for (var a = 0; a < unknowns; a++)
                {
                    rhs[a] += row[a] * residual;
                    for (var b = 0; b < unknowns; b++)
                    {
                        m[(a * size) + b] += row[a] * row[b];
                    }
                }
            }
        }

        for (var a = 0; a < unknowns; a++)
        {
            m[(a * size) + a] += options.Ridge;
        }

        // Constraint rows: each block's weight changes sum to zero.
        for (var block = 0; block < blocks; block++)
        {
            var c = unknowns + block;
            for (var j = 0; j < k; j++)
            {
                m[(c * size) + (block * k) + j] = 1;
                m[(((block * k) + j) * size) + c] = 1;
            }
        }

        var solution = SolveDense(m, rhs, size)
            ?? throw new InvalidOperationException("the correspondence fit is singular (no annotated variation to fit)");
        var weights = new double[k];
        var yaw = new double[blocks == 2 ? k : 0];
        for (var j = 0; j < k; j++)
        {
            weights[j] = prior[j] + solution[j];
            if (blocks == 2)
            {
                yaw[j] = solution[k + j];
            }
        }

        return new FittedPoint(vertices, weights, yaw);
    }

    /// <summary>Gaussian elimination with partial pivoting (the KKT matrix is symmetric but indefinite); null when singular.</summary>
    private static double[]? SolveDense(double[] m, double[] rhs, int n)
    {
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(m[(r * n) + col]) > Math.Abs(m[(pivot * n) + col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(m[(pivot * n) + col]) < 1e-12)
            {
                return null;
            }

            if (pivot != col)
            {
                for (var c = 0; c < n; c++)
                {
                    (m[(col * n) + c], m[(pivot * n) + c]) = (m[(pivot * n) + c], m[(col * n) + c]);
                }

                (rhs[col], rhs[pivot]) = (rhs[pivot], rhs[col]);
            }

            for (var r = col + 1; r < n; r++)
            {
                var f = m[(r * n) + col] / m[(col * n) + col];
                if (f == 0)
                {
                    continue;
                }

                for (var c = col; c < n; c++)
                {
                    m[(r * n) + c] -= f * m[(col * n) + c];
                }

                rhs[r] -= f * rhs[col];
            }
        }

        var x = new double[n];
        for (var r = n - 1; r >= 0; r--)
        {
            var sum = rhs[r];
            for (var c = r + 1; c < n; c++)
            {
                sum -= m[(r * n) + c] * x[c];
            }

            x[r] = sum / m[(r * n) + r];
        }

        return x;
    }
}
