using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Mien.Web.Tests;

/// <summary>
/// An ad test end to end in a real browser: a 4 s stimulus with one hard cut, three viewers watching it at once in
/// three browser contexts (each streaming the fake camera — a real face — with the player's position), then the
/// results page: with k = 3 the per-second curves are shown, with k = 5 everything is withheld.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class StudyTests(BrowserFixture fixture)
{
    [BrowserFact]
    public async Task Three_viewers_watching_a_stimulus_give_an_aggregate_curve_that_k_five_withholds()
    {
        using var admin = fixture.Client(fixture.AdminKey);
        var study = await JsonAsync(await admin.PostAsJsonAsync(fixture.ProjectPath("/studies"), new { name = "spot test", minViewers = 3 }));
        var studyId = study.GetProperty("id").GetGuid();
        var stimulusPath = await StimulusAsync();
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(stimulusPath));
        var stimulus = await JsonAsync(await admin.PostAsync(fixture.ProjectPath($"/studies/{studyId}/stimuli?label=Spot%20A"), content));
        var stimulusId = stimulus.GetProperty("id").GetGuid();
        Assert.Equal(4.0, stimulus.GetProperty("durationS").GetDouble(), 1);
        Assert.Equal(2.0, Assert.Single(stimulus.GetProperty("cuts").EnumerateArray()).GetDouble(), 1);

        var viewers = new List<Guid>();
        foreach (var gender in new[] { "f", "f", "m" })
        {
            var subject = await fixture.SubjectAsync("analysis", "measurements");
            var viewer = await JsonAsync(await admin.PostAsJsonAsync(fixture.ProjectPath($"/studies/{studyId}/viewers?subject={subject}"),
                new { stimulus = stimulusId, attributes = new Dictionary<string, string> { ["gender"] = gender } }));
            viewers.Add(viewer.GetProperty("id").GetGuid());
        }

        // Three viewers at once, each in its own browser context (own session cookie), muted so playback needs no gesture.
        var pages = new List<IPage>();
        foreach (var viewer in viewers)
        {
            pages.Add(await fixture.SignedInPageAsync(path: $"/watch.html?study={studyId}&viewer={viewer}&muted=1"));
        }

        foreach (var page in pages)
        {
            await page.Locator("#consent-state.given").WaitForAsync();
        }

        await Task.WhenAll(pages.Select(p => p.GetByRole(AriaRole.Button, new() { Name = "Start viewing" }).ClickAsync()));
        await Task.WhenAll(pages.Select(p => p.Locator("body[data-watch='completed']").WaitForAsync(new() { Timeout = 45_000 })));
        Assert.Contains("viewing is recorded", await pages[0].Locator(".notice.ok").InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(pages[0], "study-watch");

        // The API: all three aligned, curves shown with k = 3, and nothing with k = 5.
        var results = await JsonAsync(await admin.GetAsync(fixture.ProjectPath($"/studies/{studyId}/results?stimulus={stimulusId}")));
        Assert.True(results.GetProperty("shown").GetBoolean(), results.ToString());
        Assert.Equal(3, results.GetProperty("header").GetProperty("viewers").GetProperty("aligned").GetInt32());
        var attention = results.GetProperty("curves").GetProperty("attention");
        var shownSeconds = attention.GetProperty("mean").EnumerateArray().Count(v => v.ValueKind == JsonValueKind.Number);
        Assert.True(shownSeconds >= 3, $"attention shown in {shownSeconds} of 4 seconds: {attention}");
        var happiness = results.GetProperty("curves").GetProperty("happiness").GetProperty("mean").EnumerateArray().Where(v => v.ValueKind == JsonValueKind.Number).Select(v => v.GetDouble()).ToList();
        Assert.NotEmpty(happiness);
        Assert.All(happiness, h => Assert.InRange(h, 0, 1));
        var withheld = await JsonAsync(await admin.GetAsync(fixture.ProjectPath($"/studies/{studyId}/results?stimulus={stimulusId}&k=5")));
        Assert.False(withheld.GetProperty("shown").GetBoolean());
        Assert.All(withheld.GetProperty("curves").GetProperty("attention").GetProperty("mean").EnumerateArray(), v => Assert.Equal(JsonValueKind.Null, v.ValueKind));
        // A breakdown by gender: f (2) and m (1) are both below k = 3, so both are withheld.
        var breakdown = await JsonAsync(await admin.GetAsync(fixture.ProjectPath($"/studies/{studyId}/breakdown?stimulus={stimulusId}&attribute=gender")));
        Assert.All(breakdown.GetProperty("groups").EnumerateArray(), g => Assert.Equal(JsonValueKind.Null, g.GetProperty("viewers").ValueKind));
        var csv = await admin.GetStringAsync(fixture.ProjectPath($"/studies/{studyId}/results.csv?stimulus={stimulusId}"));
        Assert.Equal(5, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // The results page draws the curves with bands; with k = 5 it says they are withheld.
        var results3 = pages[0];
        await results3.GotoAsync($"/studies.html?study={studyId}&stimulus={stimulusId}");
        await results3.Locator("#results-output[data-shown='true']").WaitForAsync();
        var points = await results3.Locator("#chart-happiness").GetAttributeAsync("data-points");
        Assert.True(int.Parse(points!, System.Globalization.CultureInfo.InvariantCulture) >= 3, $"happiness chart has {points} points");
        Assert.True(await results3.Locator("#scenes tbody tr").CountAsync() == 2);
        await BrowserFixture.ScreenshotAsync(results3, "study-results");
        await results3.GotoAsync($"/studies.html?study={studyId}&stimulus={stimulusId}&k=5");
        await results3.Locator("#results-withheld").WaitForAsync();
        Assert.Contains("fewer than 5", await results3.Locator("#results-withheld").InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(results3, "study-withheld");
        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A 4 s H.264 stimulus made by ffmpeg: 2 s of its test pattern, then 2 s of bars — one hard cut at 2 s.</summary>
    private static async Task<string> StimulusAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), "mien-web-tests-stimulus-4s.mp4");
        if (File.Exists(path))
        {
            return path;
        }

        var partial = path + "." + Environment.ProcessId + ".partial.mp4";
        var start = new ProcessStartInfo("/usr/bin/ffmpeg")
        {
            RedirectStandardError = true,
            ArgumentList =
            {
                "-y", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=15", "-f", "lavfi", "-i", "smptebars=duration=2:size=320x240:rate=15",
                "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0[v]", "-map", "[v]", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", partial,
            },
        };
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "ffmpeg could not make the stimulus: " + errors);
        File.Move(partial, path, overwrite: true);
        return path;
    }
}
