using System.Text.Json;

namespace Mien.Monitoring;

/// <summary>
/// Reads monitored measurements from the public result schema (docs/output-format.md): a stored or live frame message
/// (<c>{"type":"frame","faces":[…]}</c>), a faces.jsonl face line (<c>{"type":"face",…}</c>) and speech events. Fields
/// the schema marks optional may be absent; anything else malformed is refused with the field named.
/// </summary>
public static class ResultReader
{
    /// <summary>Appends the faces of one frame payload (or one faces.jsonl line) to <paramref name="into"/>; other record types are ignored.</summary>
    /// <exception cref="FormatException">The payload is not JSON, or a field has the wrong type.</exception>
    public static void ReadFrame(string payloadJson, List<MonitorSample> into)
    {
        ArgumentNullException.ThrowIfNull(payloadJson);
        ArgumentNullException.ThrowIfNull(into);
        try
        {
            using var doc = JsonDocument.Parse(payloadJson, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type))
            {
                throw new FormatException("a result record must be a JSON object with a \"type\"");
            }

            switch (type.GetString())
            {
                case "frame" when root.TryGetProperty("faces", out var faces) && faces.ValueKind == JsonValueKind.Array:
                    var time = Number(root, "time") ?? throw new FormatException("frame record without \"time\"");
                    foreach (var face in faces.EnumerateArray())
                    {
                        into.Add(Face(face, time));
                    }

                    break;
                case "face":
                    into.Add(Face(root, Number(root, "time") ?? throw new FormatException("face record without \"time\"")));
                    break;
                default:
                    break;
            }
        }
        catch (JsonException e)
        {
            throw new FormatException("result record is not valid JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException("result record has a field of the wrong type: " + e.Message, e);
        }
    }

    /// <summary>The speech segment of a <c>speech</c> event payload, or null for any other record.</summary>
    /// <exception cref="FormatException">The payload is not JSON, or a speech event lacks its start or end.</exception>
    public static SpeechSample? ReadSpeech(string payloadJson)
    {
        ArgumentNullException.ThrowIfNull(payloadJson);
        try
        {
            using var doc = JsonDocument.Parse(payloadJson, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var kind) || kind.GetString() != "speech")
            {
                return null;
            }

            var start = Number(root, "start") ?? throw new FormatException("speech event without \"start\"");
            var end = Number(root, "end") ?? throw new FormatException("speech event without \"end\"");
            int? track = root.TryGetProperty("track", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : null;
            return new SpeechSample(start, end, track, Number(root, "arousal") ?? 0, Number(root, "confidence") ?? 0);
        }
        catch (JsonException e)
        {
            throw new FormatException("event record is not valid JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException("event record has a field of the wrong type: " + e.Message, e);
        }
    }

    private static MonitorSample Face(JsonElement face, double time)
    {
        if (face.ValueKind != JsonValueKind.Object || !face.TryGetProperty("track", out var track) || track.ValueKind != JsonValueKind.Number)
        {
            throw new FormatException("face record without a numeric \"track\"");
        }

        double? valence = null, arousal = null, confidence = null, expressivity = null, yaw = null, pitch = null;
        bool? blink = null;
        if (face.TryGetProperty("affect", out var affect) && affect.ValueKind == JsonValueKind.Object)
        {
            valence = Number(affect, "valence");
            arousal = Number(affect, "arousal");
            confidence = Number(affect, "confidence");
            if (affect.TryGetProperty("actionUnits", out var units) && units.ValueKind == JsonValueKind.Object)
            {
                var sum = 0.0;
                var n = 0;
                foreach (var unit in units.EnumerateObject())
                {
                    // AU codes only ("baseline", "baselineReady" sit beside them); AU45 is the blink, counted apart.
                    if (unit.Name.Length == 4 && unit.Name.StartsWith("AU", StringComparison.Ordinal) && unit.Name != "AU45" && unit.Value.ValueKind == JsonValueKind.Number)
                    {
                        sum += unit.Value.GetDouble();
                        n++;
                    }
                }

                expressivity = n > 0 ? sum / n : null;
            }
        }

        if (face.TryGetProperty("gaze", out var gaze) && gaze.ValueKind == JsonValueKind.Object)
        {
            yaw = Number(gaze, "yaw");
            pitch = Number(gaze, "pitch");
        }

        if (face.TryGetProperty("eyes", out var eyes) && eyes.ValueKind == JsonValueKind.Object && eyes.TryGetProperty("inBlink", out var b) && b.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            blink = b.GetBoolean();
        }

        return new MonitorSample(time, track.GetInt32(), valence, arousal, confidence, expressivity, yaw, pitch, blink);
    }

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
