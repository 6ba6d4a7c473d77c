using System.Globalization;
using System.Text.Json.Nodes;

namespace Mien.Storage.Tests;

/// <summary>Result-shaped JSON payloads (one face per frame, about 1 KB, like a faces.jsonl record).</summary>
internal static class Payloads
{
    private static readonly string[] Expressions = ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"];

    public static string Frame(long index, double t, string? note = null)
    {
        var face = new JsonObject
        {
            ["track"] = 1,
            ["box"] = new JsonArray(112.5 + (index % 7), 80.25, 96.0, 118.75),
            ["pose"] = new JsonObject { ["yaw"] = -4.2 + (index % 10 * 0.1), ["pitch"] = 3.1, ["roll"] = -1.7 },
            ["gaze"] = new JsonObject { ["x"] = 0.041, ["y"] = -0.122 },
            ["eyes"] = new JsonObject { ["left"] = 0.83, ["right"] = 0.81, ["blink"] = index % 90 == 0 },
            ["mouth"] = 0.12,
            ["expressions"] = new JsonObject(Expressions.Select((e, i) => KeyValuePair.Create(e, (JsonNode?)JsonValue.Create(Math.Round(((i + index) % 7 + 1) / 28.0, 4))))),
            ["temporal"] = new JsonObject { ["label"] = "neutral", ["p"] = 0.612, ["valence"] = 0.04, ["arousal"] = -0.11 },
            ["aus"] = new JsonObject(Enumerable.Range(0, 16).Select(i => KeyValuePair.Create($"AU{i + 1:00}", (JsonNode?)JsonValue.Create(Math.Round(i * 0.031, 3))))),
            ["body"] = new JsonObject { ["lean"] = 0.083, ["tilt"] = -2.41, ["shoulders"] = 0.017, ["movement"] = 0.0312, ["fidgeting"] = 0.11, ["handToFace"] = false, ["armsCrossed"] = false, ["score"] = 0.74 },
            ["skin"] = new JsonObject { ["ita"] = 38.2, ["monk"] = 3, ["L"] = 61.4, ["a"] = 12.9, ["b"] = 17.3, ["redness"] = 0.142, ["texture"] = 0.0831, ["shine"] = 0.061, ["spots"] = 2, ["quality"] = 0.88 },
        };
        var frame = new JsonObject
        {
            ["v"] = 1,
            ["frame"] = index,
            ["t"] = t,
            ["faces"] = new JsonArray(face),
        };
        if (note is not null)
        {
            frame["note"] = note;
        }

        return frame.ToJsonString();
    }

    public static string Object(string key, string value) => new JsonObject { [key] = value }.ToJsonString();

    public static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Equal as JSON (PostgreSQL's jsonb re-orders keys and re-spaces; the meaning must survive).</summary>
    public static void AssertSameJson(string expected, string actual)
        => Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"JSON differs:\nexpected {expected}\nactual   {actual}");
}
