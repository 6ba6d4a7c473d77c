using System.Net;
using System.Text.Json;

namespace Mien.Server.Tests;

/// <summary>An upload may carry its transcript (SRT/WebVTT text in the options): the job emits utterance events and fuses text.</summary>
[Collection(ServerCollection.Name)]
public sealed class TranscriptUploadTests(ServerFixture server)
{
    [Fact]
    public async Task An_upload_with_a_transcript_has_utterance_events_that_follow_the_schema()
    {
        var options = JsonSerializer.Serialize(new { transcript = "WEBVTT\n\n00:00.200 --> 00:02.000\nI really love this, it is great!\n", video = false, body = false, skin = false });
        var recording = await server.UploadAndWaitAsync(server.Clip, options);
        Assert.Equal("done", recording.GetProperty("status").GetString());
        using var client = server.Client(server.AdminKey);
        var id = recording.GetProperty("id").GetGuid();
        var events = JsonDocument.Parse(await client.GetStringAsync(server.ProjectPath($"/recordings/{id}/events?kind=utterance"))).RootElement.GetProperty("events");
        var utterance = Assert.Single(events.EnumerateArray());
        Assert.True(SchemaTests.Schema.Evaluate(utterance).IsValid, utterance.GetRawText());
        Assert.True(utterance.GetProperty("sentiment").GetProperty("compound").GetDouble() > 0.5);
        Assert.Equal("only-person", utterance.GetProperty("attribution").GetString());
    }

    [Fact]
    public async Task A_malformed_transcript_is_refused_naming_its_line()
    {
        using var client = server.Client(server.AdminKey);
        var options = JsonSerializer.Serialize(new { transcript = "1\n00:00:01,000 --> 00:00:0x,000\nhello\n" });
        var response = await client.PostAsync(server.UploadPath("name=clip.mp4&options=" + Uri.EscapeDataString(options)), new ByteArrayContent([1, 2, 3]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("transcript line 2", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
