using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mien.Models;

/// <summary>One member of an <see cref="ExpressionEnsembleSpec"/>: a manifest model or a declared ONNX model.</summary>
/// <param name="ModelId">Manifest id (e.g. <c>emotion</c>), or null for a declared model.</param>
/// <param name="Spec">The declared model, or null for a manifest model.</param>
/// <param name="Weight">Share of the member in the average (any positive number; weights are normalised).</param>
/// <param name="Every">In video, the member runs on every N-th frame of a track and its last estimate stands in between (1 = every frame). Stills and crops run every member.</param>
/// <param name="Temperature">Calibration temperature applied to the member's log-probabilities before combining (1 = as the model outputs).</param>
public sealed record ExpressionEnsembleMember(string? ModelId, ExpressionModelSpec? Spec, float Weight, int Every, float Temperature)
{
    /// <summary>Id shown in reports.</summary>
    public string Id => ModelId ?? Spec!.Id;
}

/// <summary>
/// An expression "model" made of several: the members' calibrated probabilities (or log-probabilities, which is logit
/// averaging) are averaged with weights, optionally over test-time views of the face (mirror, small shifts). Declared
/// by a JSON file with a <c>members</c> array (see docs/accuracy.md); <c>--expression-model ensemble.json</c> takes it
/// in analyze and eval.
/// </summary>
/// <param name="Id">Ensemble id shown in reports.</param>
/// <param name="Members">The members, at least one.</param>
/// <param name="AverageLogits">True: average log-probabilities (a geometric mean, equivalent to averaging logits); false: average probabilities.</param>
/// <param name="Flip">Test-time augmentation: also classify the mirrored face.</param>
/// <param name="Shift">Test-time augmentation: also classify the face moved by this fraction of its side left, right, up and down (0 = off).</param>
public sealed record ExpressionEnsembleSpec(string Id, IReadOnlyList<ExpressionEnsembleMember> Members, bool AverageLogits, bool Flip, float Shift)
{
    /// <summary>Largest member count accepted (each costs a model run per face).</summary>
    public const int MaxMembers = 8;

    /// <summary>Largest shift accepted, as a fraction of the face side.</summary>
    public const float MaxShift = 0.25f;

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Number of views each member sees per face (1, ×2 with flip, ×5 with shifts).</summary>
    public int Views => (Flip ? 2 : 1) * (Shift > 0 ? 5 : 1);

    /// <summary>True when the JSON file declares an ensemble (it has a <c>members</c> array) rather than one model.</summary>
    /// <exception cref="ModelStoreException">The file cannot be read or is not JSON.</exception>
    public static bool IsEnsemble(string jsonPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(jsonPath);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(jsonPath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.EnumerateObject().Any(p => string.Equals(p.Name, "members", StringComparison.OrdinalIgnoreCase));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ModelStoreException(Path.GetFileName(jsonPath), $"cannot read the expression model declaration '{Path.GetFullPath(jsonPath)}': {e.Message}", e);
        }
    }

    /// <summary>Reads and checks an ensemble declaration; member declarations are relative to the ensemble's file.</summary>
    /// <param name="jsonPath">The ensemble JSON.</param>
    /// <param name="isExpressionModelId">True for the manifest ids that are expression classifiers (e.g. <c>emotion</c>).</param>
    /// <exception cref="ModelStoreException">The file is missing, malformed, or declares something Mien cannot run.</exception>
    public static ExpressionEnsembleSpec Load(string jsonPath, Func<string, bool> isExpressionModelId)
    {
        ArgumentException.ThrowIfNullOrEmpty(jsonPath);
        ArgumentNullException.ThrowIfNull(isExpressionModelId);
        var full = Path.GetFullPath(jsonPath);
        Document doc;
        try
        {
            doc = JsonSerializer.Deserialize<Document>(File.ReadAllText(full), JsonOptions) ?? throw new JsonException("empty document");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ModelStoreException(Path.GetFileName(full), $"cannot read the expression ensemble declaration '{full}': {e.Message}", e);
        }

        var id = string.IsNullOrWhiteSpace(doc.Id) ? Path.GetFileNameWithoutExtension(full) : doc.Id;
        string Problem(string what) => $"expression ensemble declaration '{full}': {what}";
        if (doc.Members is not { Count: > 0 } members || members.Count > MaxMembers)
        {
            throw new ModelStoreException(id, Problem($"\"members\" must list 1–{MaxMembers} models (it lists {doc.Members?.Count ?? 0})"));
        }

        var combine = (doc.Combine ?? "probabilities").ToLowerInvariant();
        if (combine is not ("probabilities" or "logits"))
        {
            throw new ModelStoreException(id, Problem($"\"combine\" is '{doc.Combine}': use probabilities (arithmetic mean) or logits (mean of log-probabilities)"));
        }

        var shift = doc.Tta?.Shift ?? 0f;
        if (!(shift >= 0 && shift <= MaxShift))
        {
            throw new ModelStoreException(id, Problem($"\"tta.shift\" = {shift}: must be within [0, {MaxShift}] (a fraction of the face side)"));
        }

        var result = new List<ExpressionEnsembleMember>(members.Count);
        for (var i = 0; i < members.Count; i++)
        {
            var m = members[i];
            var where = $"member {i + 1}";
            if (string.IsNullOrWhiteSpace(m.Model))
            {
                throw new ModelStoreException(id, Problem($"{where}: \"model\" (a manifest id such as emotion, or a model declaration .json relative to this file) is missing"));
            }

            var weight = m.Weight ?? 1f;
            if (!(weight > 0) || !float.IsFinite(weight))
            {
                throw new ModelStoreException(id, Problem($"{where}: \"weight\" = {weight}: must be a positive number"));
            }

            var every = m.Every ?? 1;
            if (every is < 1 or > 1000)
            {
                throw new ModelStoreException(id, Problem($"{where}: \"every\" = {every}: must be within 1–1000 frames"));
            }

            var temperature = m.Temperature ?? 1f;
            if (!(temperature >= 0.05f && temperature <= 20f))
            {
                throw new ModelStoreException(id, Problem($"{where}: \"temperature\" = {temperature}: must be within [0.05, 20]"));
            }

            if (isExpressionModelId(m.Model))
            {
                result.Add(new ExpressionEnsembleMember(m.Model, null, weight, every, temperature));
                continue;
            }

            var declaration = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, m.Model));
            if (!File.Exists(declaration))
            {
                throw new ModelStoreException(id, Problem($"{where}: '{m.Model}' is neither an expression model id nor a declaration file ('{declaration}' does not exist)"));
            }

            if (IsEnsemble(declaration))
            {
                throw new ModelStoreException(id, Problem($"{where}: '{m.Model}' is itself an ensemble; members must be single models"));
            }

            result.Add(new ExpressionEnsembleMember(null, ExpressionModelSpec.Load(declaration), weight, every, temperature));
        }

        return new ExpressionEnsembleSpec(id, result, combine == "logits", doc.Tta?.Flip ?? false, shift);
    }

    private sealed record Document(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("members")] List<MemberDocument>? Members,
        [property: JsonPropertyName("combine")] string? Combine,
        [property: JsonPropertyName("tta")] TtaDocument? Tta);

    private sealed record MemberDocument(string? Model, float? Weight, int? Every, float? Temperature);

    private sealed record TtaDocument(bool? Flip, float? Shift);
}
