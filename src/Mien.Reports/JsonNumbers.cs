using System.Text.Json;

namespace Mien.Reports;

/// <summary>Numbers in Mien's JSON files: JSON has no NaN or infinity, and a value that is not finite was not measured.</summary>
internal static class JsonNumbers
{
    /// <summary>Writes <paramref name="value"/>, or null when it is missing or not finite.</summary>
    public static void WriteNumberOrNull(this Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>Writes an array element: <paramref name="value"/>, or null when it is not finite.</summary>
    public static void WriteNumberValueOrNull(this Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
