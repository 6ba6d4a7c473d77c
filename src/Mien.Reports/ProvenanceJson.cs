using System.Globalization;
using System.Text.Json;
using Mien.Results;

namespace Mien.Reports;

/// <summary>
/// The <c>provenance</c> object of summary.json and skin.json, one shape for both:
/// <c>{"mienVersion":…,"commandLine":…,"settings":{…},"models":[{"id":…,"package":…,"onnxSha256":…}],"expressionModel":{…}|null,"startedUtc":"2025-…Z"}</c>
/// (<c>null</c> when the host gave none).
/// </summary>
public static class ProvenanceJson
{
    /// <summary>Writes <c>"provenance": …</c> as a property of the object being written.</summary>
    public static void Write(Utf8JsonWriter writer, Provenance? provenance)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName("provenance");
        WriteValue(writer, provenance);
    }

    /// <summary>Writes the provenance object (or null) as a value.</summary>
    public static void WriteValue(Utf8JsonWriter writer, Provenance? provenance)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (provenance is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("mienVersion", provenance.MienVersion);
        if (provenance.CommandLine is { } command)
        {
            writer.WriteString("commandLine", command);
        }
        else
        {
            writer.WriteNull("commandLine");
        }

        writer.WriteStartObject("settings");
        foreach (var (key, value) in provenance.Settings)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("models");
        foreach (var m in provenance.Models)
        {
            writer.WriteStartObject();
            writer.WriteString("id", m.Id);
            writer.WriteString("package", m.Package);
            writer.WriteString("onnxSha256", m.OnnxSha256);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteExpressionModel(writer, provenance.ExpressionModel);
        writer.WriteString("startedUtc", Utc(provenance.StartedUtc));
        writer.WriteEndObject();
    }

    /// <summary><c>"expressionModel": {id, kind, combine, mirror, shift, members: [{id, weight, every, temperature}]}</c>, or null.</summary>
    private static void WriteExpressionModel(Utf8JsonWriter writer, ExpressionModelProvenance? model)
    {
        if (model is null)
        {
            writer.WriteNull("expressionModel");
            return;
        }

        writer.WriteStartObject("expressionModel");
        writer.WriteString("id", model.Id);
        writer.WriteString("kind", model.Kind);
        if (model.Combine is { } combine)
        {
            writer.WriteString("combine", combine);
        }
        else
        {
            writer.WriteNull("combine");
        }

        writer.WriteBoolean("mirror", model.Mirror);
        writer.WriteNumber("shift", Math.Round(model.Shift, 4));
        writer.WriteStartArray("members");
        foreach (var m in model.Members)
        {
            writer.WriteStartObject();
            writer.WriteString("id", m.Id);
            writer.WriteNumber("weight", Math.Round(m.Weight, 4));
            writer.WriteNumber("every", m.Every);
            writer.WriteNumber("temperature", Math.Round(m.Temperature, 4));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>A UTC instant as ISO 8601 with a Z (wall-clock times are the only times not in seconds).</summary>
    public static string Utc(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
