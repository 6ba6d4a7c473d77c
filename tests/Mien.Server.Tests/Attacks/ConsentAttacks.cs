using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Mien.Testing;

namespace Mien.Server.Tests.Attacks;

/// <summary>
/// The consent and purpose surface: roles below admin recording or withdrawing consent or changing the policy, forged
/// scope names, uploads for subjects without consent (refused before the body is read), emotion inference smuggled
/// into a workplace project, and viewers reaching images of people by other spellings.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ConsentAttacks(ServerFixture server)
{
    private static readonly string[] Scopes = ["analysis", "measurements", "media", "skin-profile", "identity-template"];

    [Fact]
    public async Task Analysts_and_viewers_cannot_record_or_withdraw_consent_or_change_the_policy()
    {
        using var admin = server.Client(await server.KeyAsync("admin"));
        var consenting = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis", "measurements");
        var unconsenting = await ServerFixture.ConsentingSubjectAsync(admin, server.Project);
        var project = await admin.GetStringAsync(server.ProjectPath());
        var consents = await admin.GetStringAsync(server.ProjectPath($"/subjects/{consenting}/consents"));
        var give = new { scopes = Scopes, textVersion = "v9", collectedBy = "an analyst" };
        var policies = new object[]
        {
            new { purpose = "research", setting = "lab" },
            new { purpose = "research", setting = "lab", keepMedia = true },
            new { purpose = "ux-study", setting = "workplace", basis = "safety", justification = "an analyst's justification to infer emotions at work" },
        };

        foreach (var role in new[] { "analyst", "viewer" })
        {
            using var client = server.Client(await server.KeyAsync(role));
            await Wire.ProblemAsync(await client.PostAsJsonAsync(server.ProjectPath($"/subjects/{unconsenting}/consents"), give), HttpStatusCode.Forbidden);
            await Wire.ProblemAsync(await client.PostAsJsonAsync(server.ProjectPath($"/subjects/{consenting}/consents"), give), HttpStatusCode.Forbidden);
            foreach (var scope in Scopes)
            {
                await Wire.ProblemAsync(await client.DeleteAsync(server.ProjectPath($"/subjects/{consenting}/consents/{scope}")), HttpStatusCode.Forbidden);
                await Wire.ProblemAsync(await client.DeleteAsync(server.ProjectPath($"/subjects/{consenting}/consents/{scope}?by=subject")), HttpStatusCode.Forbidden);
            }

            // A dot segment after consents/ resolves to the subject itself (RFC 3986, before routing): that route is
            // the erasure, which authorises as itself.
            var (status, _) = await Wire.RawAsync(server.Address, "DELETE", server.ProjectPath($"/subjects/{consenting}/consents/%2e%2e"), client.DefaultRequestHeaders.Authorization!.Parameter);
            Assert.Equal(403, status);
            await Wire.ProblemAsync(await client.DeleteAsync(server.ProjectPath($"/subjects/{consenting}")), HttpStatusCode.Forbidden);
            foreach (var policy in policies)
            {
                await Wire.ProblemAsync(await client.PutAsJsonAsync(server.ProjectPath("/policy"), policy), HttpStatusCode.Forbidden);
            }

            // Nor a project of one's own with a policy of one's choosing.
            await Wire.ProblemAsync(await client.PostAsJsonAsync("/api/v1/projects", new { name = "mine", purpose = "ux-study", setting = "workplace", basis = "safety", justification = "an analyst's justification to infer emotions at work" }), HttpStatusCode.Forbidden);
        }

        // Analysts may read consent (they must know whom they may analyse); viewers may not.
        Assert.Equal(HttpStatusCode.OK, (await server.Client(await server.KeyAsync("analyst")).GetAsync(server.ProjectPath($"/subjects/{consenting}/consents"))).StatusCode);
        await Wire.ProblemAsync(await server.Client(await server.KeyAsync("viewer")).GetAsync(server.ProjectPath($"/subjects/{consenting}/consents")), HttpStatusCode.Forbidden);

        // Nothing changed: the policy, both subjects' consent histories.
        Assert.Equal(project, await admin.GetStringAsync(server.ProjectPath()));
        Assert.Equal(consents, await admin.GetStringAsync(server.ProjectPath($"/subjects/{consenting}/consents")));
        var none = JsonDocument.Parse(await admin.GetStringAsync(server.ProjectPath($"/subjects/{unconsenting}/consents"))).RootElement;
        Assert.Empty(none.GetProperty("history").EnumerateArray());
    }

    public static TheoryData<string> ForgedScopes => new()
    {
        "all",
        "*",
        "any",
        "%",
        "analysis,media",
        "analysis;media",
        "analysis media",
        " analysis",
        "analysis ",
        "Analysis\t",
        "skin_profile",
        "SkinProfile",
        "skinprofile",
        "IdentityTemplate",
        "0",
        "1",
        "-1",
        "4",
        "99",
        "null",
        "true",
        "anal\u200Bysis",
        "\u0430nalysis", // Cyrillic a
        "ｍｅｄｉａ", // full-width
        "analys\u0131s", // dotless i, whose upper case is ASCII I
        "mea\u017Furements", // long s, whose upper case is ASCII S
        "analysis\u0000",
        "media/../analysis",
    };

    [Theory]
    [MemberData(nameof(ForgedScopes))]
    public async Task A_forged_scope_name_is_refused_and_records_or_erases_nothing(string scope)
    {
        using var admin = server.Client(await server.KeyAsync("admin"));
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis", "measurements", "media");
        var consents = server.ProjectPath($"/subjects/{subject}/consents");
        var before = await admin.GetStringAsync(consents);

        var alone = await Wire.ProblemAsync(await admin.PostAsJsonAsync(consents, new { scopes = new[] { scope }, textVersion = "v1", collectedBy = "x" }), HttpStatusCode.BadRequest);
        Assert.Contains("must be one of", alone, StringComparison.Ordinal);
        // Beside a genuine scope: the whole request is refused, the genuine one is not recorded either.
        await Wire.ProblemAsync(await admin.PostAsJsonAsync(consents, new { scopes = new[] { "skin-profile", scope }, textVersion = "v1", collectedBy = "x" }), HttpStatusCode.BadRequest);

        // In the URL of a withdrawal: refused (400), or no route for it (404); never a withdrawal or an erasure.
        var withdrawal = await admin.DeleteAsync(consents + "/" + Uri.EscapeDataString(scope));
        var detail = await withdrawal.Content.ReadAsStringAsync();
        Assert.True(withdrawal.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"DELETE consents/{scope}: {withdrawal.StatusCode} {detail}");

        Assert.Equal(before, await admin.GetStringAsync(consents));
    }

    [Fact]
    public async Task Scope_lists_that_are_not_lists_of_names_are_refused()
    {
        using var admin = server.Client(await server.KeyAsync("admin"));
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, server.Project);
        var consents = server.ProjectPath($"/subjects/{subject}/consents");
        var bodies = new[]
        {
            "{\"scopes\":[],\"textVersion\":\"v1\",\"collectedBy\":\"x\"}",
            "{\"scopes\":null,\"textVersion\":\"v1\",\"collectedBy\":\"x\"}",
            "{\"scopes\":\"analysis\",\"textVersion\":\"v1\",\"collectedBy\":\"x\"}",
            "{\"scopes\":[0,1],\"textVersion\":\"v1\",\"collectedBy\":\"x\"}",
            "{\"scopes\":[null],\"textVersion\":\"v1\",\"collectedBy\":\"x\"}",
            "{\"scopes\":[[\"analysis\"]],\"textVersion\":\"v1\",\"collectedBy\":\"x\"}",
            "{\"scopes\":{\"analysis\":true},\"textVersion\":\"v1\",\"collectedBy\":\"x\"}",
            "{\"scopes\":[\"analysis\"],\"textVersion\":\"\",\"collectedBy\":\"x\"}",
            "{\"scopes\":[\"analysis\"],\"textVersion\":\"v1\"}",
            "{\"scopes\":[\"analysis\"],\"textVersion\":\"v1\",\"collectedBy\":\"line\\nbreak\"}",
            "{\"scopes\":[\"analysis\"],\"textVersion\":\"" + new string('v', 101) + "\",\"collectedBy\":\"x\"}",
        };
        foreach (var body in bodies)
        {
            var response = await admin.PostAsync(consents, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // A withdrawal's ?by= is free text with the same rules.
        foreach (var by in new[] { "", "line\nbreak", new string('b', 201) })
        {
            await Wire.ProblemAsync(await admin.DeleteAsync(consents + "/media?by=" + Uri.EscapeDataString(by)), HttpStatusCode.BadRequest);
        }

        var history = JsonDocument.Parse(await admin.GetStringAsync(consents)).RootElement.GetProperty("history");
        Assert.Empty(history.EnumerateArray());
    }

    [Fact]
    public async Task An_upload_without_consent_is_refused_before_a_byte_of_its_body_is_read()
    {
        using var admin = server.Client(await server.KeyAsync("admin"));
        var none = await ServerFixture.ConsentingSubjectAsync(admin, server.Project);
        var analysisOnly = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis");
        var (victim, victimKey) = await server.OtherProjectAsync();
        var foreign = await ServerFixture.ConsentingSubjectAsync(server.Client(victimKey), victim, "analysis", "measurements");
        var uploads = Path.Combine(server.DataDirectory, "uploads");
        var before = Directory.Exists(uploads) ? Directory.GetFiles(uploads).ToHashSet() : [];
        var key = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        var cases = new (string Query, int Status)[]
        {
            ("", 403),
            ($"&subject={none}", 403),
            ($"&subject={analysisOnly}", 403),
            ($"&subject={foreign}", 404),
            ($"&subject={Guid.NewGuid()}", 404),
        };
        foreach (var (query, expected) in cases)
        {
            // Headers announcing a 1 GiB video, and no body at all: the answer must come without it.
            using var tcp = await Wire.TcpAsync(server.Address);
            var stream = tcp.GetStream();
            var head = $"POST {server.ProjectPath("/recordings?name=big.mp4" + query)} HTTP/1.1\r\nHost: {server.Address.Authority}\r\nAuthorization: Bearer {key}\r\n" +
                "Content-Type: video/mp4\r\nContent-Length: 1073741824\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            var (status, body) = await Wire.ReadResponseAsync(stream, TimeSpan.FromSeconds(30));
            Assert.True(status == expected, $"subject{query}: {status} {body}");
        }

        var left = (Directory.Exists(uploads) ? Directory.GetFiles(uploads) : []).Where(f => !before.Contains(f)).ToList();
        Assert.True(left.Count == 0, "a refused upload left a file: " + string.Join(", ", left));
    }

    [Fact]
    public async Task Emotion_inference_cannot_be_smuggled_into_a_workplace_project()
    {
        using var root = server.Client(server.AdminKey);
        var created = JsonDocument.Parse(await (await root.PostAsJsonAsync("/api/v1/projects", new { name = "warehouse", purpose = "ux-study", setting = "workplace" })).Content.ReadAsStringAsync()).RootElement;
        var project = created.GetProperty("project").GetProperty("id").GetGuid();
        var key = created.GetProperty("adminKey").GetString()!;
        using var admin = server.Client(key);
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, project, "analysis", "measurements");
        var path = $"/api/v1/projects/{project}";

        // Every option that infers emotion, alone, duplicated or misspelt: never accepted.
        var smuggled = new[]
        {
            "{}",
            "{\"expressions\":true,\"affect\":false,\"voice\":false}",
            "{\"expressions\":false,\"affect\":true,\"voice\":false}",
            "{\"expressions\":false,\"affect\":false,\"voice\":true}",
            "{\"expressions\":false,\"expressions\":true,\"affect\":false,\"voice\":false}",
            // Case variants: refused as unknown in the upload's options, or read case-insensitively (JSON bodies) and then on.
            "{\"expressions\":false,\"Expressions\":true,\"affect\":false,\"voice\":false}",
            "{\"EXPRESSIONS\":true,\"affect\":false,\"voice\":false}",
            "{\"expressions\":\"false\",\"affect\":false,\"voice\":false}",
            "{\"expressions\":0,\"affect\":false,\"voice\":false}",
            "{\"expressions\":null,\"affect\":false,\"voice\":false}",
        };
        foreach (var options in smuggled)
        {
            var upload = await admin.PostAsync(path + $"/recordings?name=x.jpg&subject={subject}&options=" + Uri.EscapeDataString(options), new ByteArrayContent(server.Jpegs[0]));
            Assert.True(upload.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest, $"upload {options}: {upload.StatusCode}");
            var stream = await admin.PostAsync(path + "/streams", new StringContent($"{{\"url\":\"rtsp://203.0.113.7/cam\",\"subject\":\"{subject}\",\"options\":{options}}}", Encoding.UTF8, "application/json"));
            Assert.True(stream.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest, $"stream {options}: {stream.StatusCode}");
            var refusal = await LiveStartAsync(path, key, $"{{\"type\":\"start\",\"options\":{options}}}");
            Assert.True(refusal.Ready is null, $"live {options}: ready");
        }

        // Live audio is analysed by the voice model whatever the options say: declaring it is voice emotion inference.
        const string Silent = "{\"expressions\":false,\"affect\":false,\"voice\":false}";
        var audio = await LiveStartAsync(path, key, $"{{\"type\":\"start\",\"options\":{Silent},\"audio\":{{\"sampleRate\":16000}}}}");
        Assert.True(audio.Ready is null, "a live session with audio was accepted in a workplace project: " + audio.Ready);
        Assert.Equal(403, audio.Error!.Value.GetProperty("status").GetInt32());
        Assert.Contains("Art. 5(1)(f)", audio.Error.Value.GetProperty("message").GetString(), StringComparison.Ordinal);

        // Control: with every emotion option off the same requests are accepted (so the refusals above are the rule's).
        var accepted = await admin.PostAsync(path + $"/recordings?name=x.jpg&subject={subject}&options=" + Uri.EscapeDataString(Silent), new ByteArrayContent(server.Jpegs[0]));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.NotNull((await LiveStartAsync(path, key, $"{{\"type\":\"start\",\"options\":{Silent}}}")).Ready);
        Assert.Equal(1, JsonDocument.Parse(await admin.GetStringAsync(path + "/recordings")).RootElement.GetProperty("total").GetInt64());

        // Let the accepted job end, so its upload does not linger into other tests of the collection.
        var id = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        Assert.Equal("done", (await ErasureScan.WaitAsync(admin, project, id)).GetProperty("status").GetString());
    }

    [SharedDataFact("audio/ravdess_dev/anger/03-01-05-01-01-01-03.wav")]
    public async Task Declared_live_audio_is_analysed_for_voice_arousal_and_valence_even_with_every_emotion_option_off()
    {
        // Why the workplace refusal above matters: in a lab project, the same start message yields voice estimates.
        var speech = Voice.AudioClip.Load(SharedData.Require("audio/ravdess_dev/anger/03-01-05-01-01-01-03.wav"))!.Samples.Concat(new float[8_000])
            .Select(v => (short)Math.Clamp(MathF.Round(v * 32768), short.MinValue, short.MaxValue)).ToArray();
        using var socket = await Wire.ConnectAsync(Wire.WebSocketUri(server.Address, server.ProjectPath("/live")), server.AdminKey);
        await Wire.SendTextAsync(socket, "{\"type\":\"start\",\"options\":{\"expressions\":false,\"affect\":false,\"voice\":false},\"audio\":{\"sampleRate\":16000}}");
        Assert.Equal("ready", (await Wire.ReceiveJsonAsync(socket)).GetProperty("type").GetString());
        var closed = Wire.UntilClosedAsync(socket, TimeSpan.FromMinutes(2));
        const int Chunk = 1_600;
        for (var at = 0; at < speech.Length; at += Chunk)
        {
            var t = TimeSpan.FromSeconds(at / 16_000.0);
            await socket.SendAsync(Live.LiveFrameMessage.Audio(t, speech.AsSpan(at, Math.Min(Chunk, speech.Length - at))), WebSocketMessageType.Binary, true, CancellationToken.None);
            if (at / Chunk % 2 == 0)
            {
                await socket.SendAsync(Live.LiveFrameMessage.Image(t, server.Jpegs[at / Chunk / 2 % server.Jpegs.Count]), WebSocketMessageType.Binary, true, CancellationToken.None);
            }

            await Task.Delay(50);
        }

        await Wire.SendTextAsync(socket, "{\"type\":\"stop\"}");
        var (messages, _, _) = await closed;
        var spoken = messages.Where(m => m.TryGetProperty("event", out var e) && e.GetString() == "speech").ToList();
        Assert.NotEmpty(spoken);
        Assert.Contains(spoken, m => m.GetProperty("arousal").ValueKind == JsonValueKind.Number && m.GetProperty("valence").ValueKind == JsonValueKind.Number);
    }

    [Fact]
    public async Task Viewers_reach_no_image_of_a_person_by_any_spelling()
    {
        var recording = await server.UploadAndWaitAsync(server.Clip, "{\"video\":false,\"body\":false,\"skin\":false,\"voice\":false}");
        var id = recording.GetProperty("id").GetGuid();
        var viewer = await server.KeyAsync("viewer");
        var files = server.ProjectPath($"/recordings/{id}/files/");
        var spellings = new[]
        {
            "report.html", "anonymized.mp4", "annotated.mp4", "%72eport.html", "report%2Ehtml", "./report.html", "x/../report.html", "%2e/report.html",
            "report.html?download=1", "report.html#x", "REPORT.HTML", "report.html%00", "report.html.", "report.htm", "report.html%20", "%61nonymized.mp4",
        };
        foreach (var name in spellings)
        {
            var (status, body) = await Wire.RawAsync(server.Address, "GET", files + name, viewer);
            Assert.True(status is 403 or 404 or 400, $"{name}: {status}");
            Assert.DoesNotContain("<html", body, StringComparison.OrdinalIgnoreCase);
        }

        // The same answer for a recording that does not exist, or another project's: nothing learnt about ids.
        foreach (var other in new[] { Guid.NewGuid(), id })
        {
            var (status, _) = await Wire.RawAsync(server.Address, "GET", server.ProjectPath($"/recordings/{other}/files/report.html"), viewer);
            Assert.Equal(403, status);
        }

        // A byte range is still a download.
        using var asViewer = server.Client(viewer);
        using var range = new HttpRequestMessage(HttpMethod.Get, files + "report.html");
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 99);
        Assert.Equal(HttpStatusCode.Forbidden, (await asViewer.SendAsync(range)).StatusCode);

        // Control: the report exists and an analyst gets it; the viewer gets the numbers.
        using var analyst = server.Client(await server.KeyAsync("analyst"));
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync(files + "report.html")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await asViewer.GetAsync(files + "faces.jsonl")).StatusCode);
    }

    /// <summary>Sends a start message; the ready message, or the error that refused the session.</summary>
    private async Task<(JsonElement? Ready, JsonElement? Error)> LiveStartAsync(string projectPath, string key, string start)
    {
        using var socket = await Wire.ConnectAsync(Wire.WebSocketUri(server.Address, projectPath + "/live"), key);
        await Wire.SendTextAsync(socket, start);
        var first = await Wire.ReceiveJsonAsync(socket);
        if (first.GetProperty("type").GetString() == "ready")
        {
            await Wire.SendTextAsync(socket, "{\"type\":\"stop\"}");
            _ = await Wire.UntilClosedAsync(socket, TimeSpan.FromSeconds(30));
            return (first, null);
        }

        Assert.Equal("error", first.GetProperty("type").GetString());
        if (socket.State == WebSocketState.Open)
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }

        return (null, first);
    }
}
