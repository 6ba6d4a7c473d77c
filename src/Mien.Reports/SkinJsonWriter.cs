using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mien.Results;
using Mien.Skin;

namespace Mien.Reports;

/// <summary>One face of skin.json.</summary>
/// <param name="TrackId">The person (track id, as in faces.jsonl).</param>
/// <param name="Summary">Aggregates over the usable frames, per face and per region, and the per-frame series.</param>
/// <param name="Suggestions">Rule-based, non-medical suggestions with the value that triggered each.</param>
/// <param name="Reasons">Why the last unusable measurement was rejected (empty when none was).</param>
/// <param name="Overlay">File name of the overlay picture beside skin.json, or null.</param>
public sealed record SkinJsonFace(int TrackId, SkinSummary Summary, IReadOnlyList<SkinSuggestion> Suggestions, IReadOnlyList<SkinIssue> Reasons, string? Overlay);

/// <summary>The document `mien skin` writes (skin.json).</summary>
/// <param name="Input">The input's file name (never a local path).</param>
/// <param name="Frames">Frames analysed.</param>
/// <param name="Faces">One entry per face.</param>
/// <param name="Trends">The subject's trends when a profile was updated, else null.</param>
/// <param name="Provenance">Build, command, settings, models with hashes, start time.</param>
public sealed record SkinJsonReport(string Input, long Frames, IReadOnlyList<SkinJsonFace> Faces, IReadOnlyList<SkinTrend>? Trends, Provenance? Provenance);

/// <summary>One input of a `mien skin` run over several inputs, as skin-combined.json lists it.</summary>
/// <param name="Input">The file name.</param>
/// <param name="Folder">The sub-folder holding its skin.json and overlays (null when it was skipped).</param>
/// <param name="CaptureTime">When it was taken (EXIF, else the file's modification time).</param>
/// <param name="CaptureTimeSource"><c>exif</c> or <c>file-time</c>.</param>
/// <param name="Frames">Frames analysed.</param>
/// <param name="FacesMeasured">Faces with at least one usable skin measurement.</param>
/// <param name="Status"><c>measured</c>, <c>no-usable-face</c> or <c>skipped</c>.</param>
/// <param name="Reason">Why it was skipped or no face was usable (null when measured).</param>
public sealed record SkinJsonInput(string Input, string? Folder, DateTimeOffset? CaptureTime, string? CaptureTimeSource, long Frames, int FacesMeasured, string Status, string? Reason);

/// <summary>skin-combined.json: every input of a several-input `mien skin` run in capture order, and the combined profile.</summary>
/// <param name="Inputs">One entry per input, in the order measured (capture time, then name), skipped entries last.</param>
/// <param name="Subject">The subject whose stored profile was updated, or null.</param>
/// <param name="Trends">Trends over the inputs with exactly one measured face (the subject's stored profile with --subject), or null with fewer than two.</param>
/// <param name="Provenance">Build, command, settings, models with hashes, start time.</param>
public sealed record SkinJsonCombined(IReadOnlyList<SkinJsonInput> Inputs, string? Subject, IReadOnlyList<SkinTrend>? Trends, Provenance? Provenance);

/// <summary>
/// Writes skin.json in Mien's one JSON vocabulary (docs/output-format.md): property names camelCase, enumerated values
/// kebab-case (regions <c>right-cheek</c>, ITA categories <c>very-light</c>, metrics by their CLI names such as
/// <c>erythema-index</c>), times in seconds, per-frame series with the field names of faces.jsonl's skin object, and
/// the disclaimer and provenance first.
/// </summary>
public static class SkinJsonWriter
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new MetricConverter(), new SampleConverter(), new ProvenanceConverter(), new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>The document as indented JSON text.</summary>
    public static string Serialize(SkinJsonReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var body = JsonSerializer.SerializeToNode(report, Options)!.AsObject();
        // Disclaimer first, so nobody reads the numbers without it; then where they come from.
        var ordered = new System.Text.Json.Nodes.JsonObject { ["disclaimer"] = SkinRecommendations.Disclaimer };
        foreach (var name in (string[])["provenance", "input", "frames", "faces", "trends"])
        {
            var node = body[name];
            body.Remove(name);
            ordered[name] = node;
        }

        return ordered.ToJsonString(Options);
    }

    /// <summary>skin-combined.json as indented JSON text, the disclaimer first.</summary>
    public static string SerializeCombined(SkinJsonCombined combined)
    {
        ArgumentNullException.ThrowIfNull(combined);
        var body = JsonSerializer.SerializeToNode(combined, Options)!.AsObject();
        var ordered = new System.Text.Json.Nodes.JsonObject { ["disclaimer"] = SkinRecommendations.Disclaimer };
        foreach (var name in (string[])["provenance", "subject", "inputs", "trends"])
        {
            var node = body[name];
            body.Remove(name);
            ordered[name] = node;
        }

        return ordered.ToJsonString(Options);
    }

    /// <summary>Metrics by their kebab-case CLI names (<see cref="SkinMetrics.Name"/>), e.g. <c>redness-a</c>.</summary>
    private sealed class MetricConverter : JsonConverter<SkinMetric>
    {
        public override SkinMetric Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var name = reader.GetString();
            return SkinMetrics.All.FirstOrDefault(m => SkinMetrics.Name(m) == name);
        }

        public override void Write(Utf8JsonWriter writer, SkinMetric value, JsonSerializerOptions options) => writer.WriteStringValue(SkinMetrics.Name(value));
    }

    /// <summary>A series point with faces.jsonl's names: time in seconds, <c>ita</c>, <c>L</c>, <c>erythemaIndex</c>, <c>shinePercent</c>, <c>qualityWeight</c>.</summary>
    private sealed class SampleConverter : JsonConverter<SkinSample>
    {
        public override SkinSample Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("skin.json is written, not read, by Mien");

        public override void Write(Utf8JsonWriter writer, SkinSample value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteNumber("time", Precision.Seconds(value.Time));
            writer.WriteNumberOrNull("ita", Precision.Degrees(value.Ita));
            writer.WriteNumberOrNull("L", Precision.Ratio(value.Lightness));
            writer.WriteNumberOrNull("erythemaIndex", Precision.Ratio(value.ErythemaIndex));
            writer.WriteNumberOrNull("shinePercent", Precision.Ratio(value.Shine));
            writer.WriteNumberOrNull("qualityWeight", Precision.Ratio(value.Weight));
            writer.WriteEndObject();
        }
    }

    private sealed class ProvenanceConverter : JsonConverter<Provenance>
    {
        public override Provenance Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("skin.json is written, not read, by Mien");

        public override void Write(Utf8JsonWriter writer, Provenance value, JsonSerializerOptions options) => ProvenanceJson.WriteValue(writer, value);
    }
}
