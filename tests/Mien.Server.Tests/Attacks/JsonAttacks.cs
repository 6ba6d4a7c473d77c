using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Mien.Server.Tests.Attacks;

/// <summary>Oversized, deeply nested and malformed JSON in every body, query and live message: 413/400/415 with a problem body, never a 500.</summary>
[Collection(ServerCollection.Name)]
public sealed class JsonAttacks(ServerFixture server)
{
    private string[] JsonEndpoints => ["/api/v1/projects", server.ProjectPath("/keys"), server.ProjectPath("/subjects"), server.ProjectPath("/streams"), server.ProjectPath("/live/tickets")];

    [Fact]
    public async Task Oversized_json_bodies_get_413_with_a_problem_body_whether_or_not_their_length_is_declared()
    {
        using var admin = server.Client(server.AdminKey);
        var big = "{\"name\":\"" + new string('x', 200_000) + "\"}";
        // (POST live/tickets reads no body, so it has nothing to bound.)
        foreach (var path in JsonEndpoints[..4])
        {
            await Wire.ProblemAsync(await admin.PostAsync(path, new StringContent(big, Encoding.UTF8, "application/json")), HttpStatusCode.RequestEntityTooLarge);

            // Chunked (no Content-Length): the limit is enforced while reading.
            var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
            chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = chunked };
            request.Headers.TransferEncodingChunked = true;
            await Wire.ProblemAsync(await admin.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
        }
    }

    [Fact]
    public async Task Deeply_nested_and_malformed_json_gets_400_with_a_problem_body()
    {
        using var admin = server.Client(server.AdminKey);
        var deepArray = "{\"name\":" + new string('[', 5000) + new string(']', 5000) + "}";
        var deepObject = "{\"url\":\"rtsp://203.0.113.9/c\",\"options\":" + string.Concat(Enumerable.Repeat("{\"a\":", 3000)) + "1" + new string('}', 3000) + "}";
        var bodies = new[]
        {
            deepArray,
            deepObject,
            "{\"name\":",
            "{\"name\":\"\\ud800\"}",
            "{\"name\":1e400}",
            "{\"name\":[\"a\"]}",
            "{\"role\":{\"$ne\":null}}",
            "{\"pseudonym\":null}",
            "[]",
            "null",
            "\"just a string\"",
            "{\"url\":\"rtsp://203.0.113.9/c\",\"options\":{\"maxFaces\":1e40}}",
            "{\"url\":\"rtsp://203.0.113.9/c\",\"options\":{\"maxFaces\":\"4; DROP TABLE x\"}}",
            "{\"url\":\"rtsp://203.0.113.9/c\",\"subject\":\"not-a-guid\"}",
            "\uFEFF{\"name\":\"bom\",\"name\":\"dup\"",
        };
        var tried = 0;
        foreach (var path in JsonEndpoints[..4])
        {
            foreach (var body in bodies)
            {
                var response = await admin.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} {body[..Math.Min(90, body.Length)]}: {(int)response.StatusCode} {text[..Math.Min(200, text.Length)]}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                tried++;
            }
        }

        // Nested options in the upload's query string, and a body that is not JSON at all.
        var nested = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);
        await Wire.ProblemAsync(await admin.PostAsync(server.UploadPath("options=" + Uri.EscapeDataString(nested)), new ByteArrayContent(server.Jpegs[0])), HttpStatusCode.BadRequest);
        var form = await admin.PostAsync("/api/v1/projects", new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.True(tried == 60, $"{tried}");
    }

    [Fact]
    public async Task A_deeply_nested_live_start_message_gets_an_error_and_the_session_goes_on()
    {
        using var socket = await Wire.ConnectAsync(Wire.WebSocketUri(server.Address, server.ProjectPath("/live")), server.AdminKey);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\",\"options\":" + new string('[', 100_000) + new string(']', 100_000) + "}");
        Assert.Contains("invalid start message", (await Wire.ReceiveJsonAsync(socket)).GetProperty("message").GetString(), StringComparison.Ordinal);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\"}");
        Assert.Equal("ready", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());
        await Wire.SendTextAsync(socket, "{\"type\":" + new string('{', 50_000));
        Assert.Equal("error", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());
        await Wire.SendTextAsync(socket, "{\"type\":\"stop\"}");
        var (messages, status, _) = await Wire.UntilClosedAsync(socket, TimeSpan.FromSeconds(30));
        Assert.Contains(messages, m => m.GetProperty("type").GetString() == "completed");
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, status);
    }
}
