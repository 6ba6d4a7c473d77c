using System.Text.Json;
using Json.Schema;
using Mien.Testing;

namespace Mien.Server.Tests;

/// <summary>Real output — faces.jsonl, the REST API's frames and events, live messages — validates against docs/schema/mien-results-1.schema.json.</summary>
[Collection(ServerCollection.Name)]
public sealed class SchemaTests(ServerFixture server)
{
    internal static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(Repository.Root, "docs", "schema", "mien-results-1.schema.json")));

    [Fact]
    public async Task Files_rest_frames_and_events_of_a_real_analysis_follow_the_published_schema()
    {
        var recording = await server.UploadAndWaitAsync(server.Clip, "{\"landmarks\":true}");
        var id = recording.GetProperty("id").GetGuid();
        using var client = server.Client(server.AdminKey);

        var lines = (await client.GetStringAsync(server.ProjectPath($"/recordings/{id}/files/faces.jsonl"))).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 60);
        foreach (var line in lines)
        {
            AssertValid(line);
        }

        var frames = JsonDocument.Parse(await client.GetStringAsync(server.ProjectPath($"/recordings/{id}/frames?limit=2000"))).RootElement.GetProperty("frames");
        Assert.Equal(75, frames.GetArrayLength());
        foreach (var frame in frames.EnumerateArray())
        {
            AssertValid(frame.GetRawText());
        }

        var events = JsonDocument.Parse(await client.GetStringAsync(server.ProjectPath($"/recordings/{id}/events"))).RootElement.GetProperty("events");
        Assert.True(events.GetArrayLength() >= 2);
        foreach (var e in events.EnumerateArray().Where(e => e.GetProperty("event").GetString() != "skin"))
        {
            AssertValid(e.GetRawText());
        }

        // Landmarks were asked for: 478 points per face.
        var face = JsonDocument.Parse(lines.First(l => l.Contains("\"landmarks\"", StringComparison.Ordinal))).RootElement;
        Assert.Equal(478, face.GetProperty("landmarks").GetArrayLength());
    }

    [Fact]
    public void A_record_with_an_undocumented_field_or_a_wrong_type_fails_the_schema()
    {
        Assert.False(Valid("{\"frame\":0,\"time\":0,\"track\":1,\"box\":{\"x\":1,\"y\":1,\"w\":2,\"h\":2},\"detectionScore\":0.9,\"meshConfidence\":0.9,\"pose\":null,\"gaze\":null,\"eyes\":null,\"mouthOpening\":null,\"expression\":null,\"mood\":\"happy\"}"));
        Assert.False(Valid("{\"type\":\"frame\",\"schema\":\"mien-results/1\",\"frame\":\"zero\",\"time\":0,\"faces\":[]}"));
        Assert.True(Valid("{\"type\":\"frame\",\"schema\":\"mien-results/1\",\"frame\":0,\"time\":0,\"faces\":[]}"));
        // faces.jsonl's typed records (issue 18): a frame without faces has a line; events say they are events.
        Assert.True(Valid("{\"type\":\"frame\",\"source\":\"clip.mp4\",\"frame\":3,\"time\":0.1,\"faces\":0}"));
        Assert.False(Valid("{\"type\":\"frame\",\"frame\":3,\"time\":0.1,\"faces\":2}"));
        Assert.False(Valid("{\"event\":\"track-started\",\"track\":1,\"time\":0}"));
        Assert.True(Valid("{\"type\":\"event\",\"event\":\"track-started\",\"source\":\"clip.mp4\",\"track\":1,\"time\":0}"));
    }

    private static bool Valid(string json) => Schema.Evaluate(JsonDocument.Parse(json).RootElement).IsValid;

    private static void AssertValid(string json)
    {
        var result = Schema.Evaluate(JsonDocument.Parse(json).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}").Take(5));
        Assert.True(result.IsValid, errors + " in " + (json.Length > 300 ? json[..300] : json));
    }
}
