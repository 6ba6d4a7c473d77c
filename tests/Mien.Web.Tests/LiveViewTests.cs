using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Mien.Web.Tests;

/// <summary>
/// The live view and the consent page in a real browser: the fake camera (a real face video) streams over the live
/// WebSocket, the page draws a face box and its charts move; a subject who consents through the link and then
/// withdraws measurements gets an ephemeral live session that stores nothing.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveViewTests(BrowserFixture fixture)
{
    private static Task<int> DataAsync(IPage page, string selector, string name) =>
        page.EvalOnSelectorAsync<int>(selector, $"e => Number(e.dataset.{name} || 0)");

    [BrowserFact]
    public async Task The_camera_face_gets_a_box_and_its_charts_move()
    {
        var page = await fixture.SignedInPageAsync(path: "/live.html");
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GetByRole(AriaRole.Button, new() { Name = "Start camera" }).ClickAsync();
        await page.Locator("#banner-ephemeral").WaitForAsync();
        Assert.Contains("nothing is stored", await page.Locator("#banner-ephemeral").InnerTextAsync(), StringComparison.OrdinalIgnoreCase);

        // A face box drawn on several frames, then the person's expression chart growing between two looks.
        await page.WaitForFunctionAsync("() => Number(document.querySelector('main').dataset.facesDrawn || 0) >= 5", null, new() { Timeout = 30_000 });
        var chart = page.Locator("article.person figure.chart").First;
        await page.WaitForFunctionAsync("() => Number(document.querySelector('article.person figure.chart')?.dataset.points || 0) > 14", null, new() { Timeout = 15_000 });
        var before = await chart.EvaluateAsync<double[]>("e => [Number(e.dataset.points), Number(e.dataset.lastTime)]");
        await page.WaitForFunctionAsync($"() => Number(document.querySelector('article.person figure.chart').dataset.lastTime) > {before[1].ToString(System.Globalization.CultureInfo.InvariantCulture)}", null, new() { Timeout = 10_000 });
        Assert.True(await chart.EvaluateAsync<int>("e => Number(e.dataset.points)") > before[0]);
        Assert.True(await page.Locator("#overlay").EvaluateAsync<int>("e => Number(e.dataset.faces)") >= 1);
        // The overlay really has pixels drawn (the box), not just a counter.
        var painted = await page.Locator("#overlay").EvaluateAsync<int>(
            "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }");
        Assert.True(painted > 100, $"{painted} painted overlay pixels");
        var label = await page.Locator("article.person .label").First.InnerTextAsync();
        Assert.Matches("^(anger|disgust|fear|happiness|sadness|surprise|neutral) \\d+ %$", label);
        Assert.True(await DataAsync(page, "main", "framesAnalysed") > 0);
        // A few seconds of curves for the documentation's screenshot.
        await page.WaitForFunctionAsync("() => Number(document.querySelector('main').dataset.framesAnalysed || 0) >= 45", null, new() { Timeout = 30_000 });
        await BrowserFixture.ScreenshotAsync(page, "live-view");

        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await page.Locator("main[data-live-state='completed']").WaitForAsync(new() { Timeout = 20_000 });
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task Audience_mode_draws_a_crowd_curve_and_stores_nothing()
    {
        var page = await fixture.SignedInPageAsync(path: "/live.html");
        await page.GetByLabel("Audience mode").CheckAsync();
        Assert.True(await page.GetByLabel("Store this session").IsDisabledAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Start camera" }).ClickAsync();
        await page.Locator("#banner-ephemeral").WaitForAsync();
        await page.WaitForFunctionAsync("() => Number(document.querySelector('#crowd')?.dataset.samples || 0) >= 30", null, new() { Timeout = 30_000 });
        var crowd = page.Locator("#crowd figure.chart").First;
        Assert.True(await crowd.EvaluateAsync<int>("e => Number(e.dataset.points)") > 0);
        Assert.True(await page.Locator("article.person").CountAsync() >= 1);
        await BrowserFixture.ScreenshotAsync(page, "live-audience");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await page.Locator("main[data-live-state='completed']").WaitForAsync(new() { Timeout = 20_000 });
        await page.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task A_subject_consents_and_withdraws_through_the_link_and_then_live_stores_nothing()
    {
        // Staff: create a subject and a consent link.
        var staff = await fixture.SignedInPageAsync(path: "/consent-links.html");
        var pseudonym = "L-" + Guid.NewGuid().ToString("N")[..8];
        await staff.GetByLabel("Pseudonym").FillAsync(pseudonym);
        await staff.GetByRole(AriaRole.Button, new() { Name = "Create subject" }).ClickAsync();
        await staff.Locator(".notice.ok").WaitForAsync();
        await staff.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        await staff.Locator("#link-url").WaitForAsync();
        var url = await staff.Locator("#link-url").InputValueAsync();
        var subject = Guid.Parse(await staff.Locator("#link-subject").InputValueAsync());
        await BrowserFixture.ScreenshotAsync(staff, "consent-links");

        // Subject: a fresh browser without any sign-in opens the link, agrees to analysis and measurements.
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(url);
        await page.Locator("main[data-consent-state='loaded']").WaitForAsync();
        Assert.Contains(pseudonym, await page.Locator("#consent").InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "consent");
        await page.GetByLabel("I agree: analysing your face").CheckAsync();
        await page.GetByLabel("I agree: keeping the measurements").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Record my choices" }).ClickAsync();
        await page.Locator("main[data-given='analysis measurements']").WaitForAsync();

        using var admin = fixture.Client(fixture.AdminKey);
        var consents = await admin.GetFromJsonAsync<JsonElement>(fixture.ProjectPath($"/subjects/{subject}/consents"));
        Assert.Equal<string>(["analysis", "measurements"], consents.GetProperty("current").EnumerateArray().Select(s => s.GetString()!).ToArray());
        var first = consents.GetProperty("history").EnumerateArray().First();
        Assert.Equal("self via consent link", first.GetProperty("collectedBy").GetString());
        Assert.Equal("consent-page-1", first.GetProperty("textVersion").GetString());
        await BrowserFixture.ScreenshotAsync(page, "consent-given");
        // Subjects often open the link on a phone: the page reflows to one column.
        await page.SetViewportSizeAsync(390, 844);
        await BrowserFixture.ScreenshotAsync(page, "consent-phone");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the consent page scrolls sideways on a phone");
        await page.SetViewportSizeAsync(1280, 900);

        // The subject withdraws measurements (a refusal to be stored): the store closes that consent.
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw: keeping the measurements" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, withdraw and erase" }).ClickAsync();
        await page.Locator("main[data-given='analysis']").WaitForAsync();
        consents = await admin.GetFromJsonAsync<JsonElement>(fixture.ProjectPath($"/subjects/{subject}/consents"));
        Assert.Equal<string>(["analysis"], consents.GetProperty("current").EnumerateArray().Select(s => s.GetString()!).ToArray());
        Assert.Contains(consents.GetProperty("history").EnumerateArray(), c => c.GetProperty("withdrawnBy").GetString() == "subject via consent link");
        await page.Context.CloseAsync();

        // Staff asks the live view to store a session of this subject: it runs ephemeral, says why, and stores nothing.
        // Other tests of the shared server leave recordings (and their background work): only what this session adds counts.
        var recordingsBefore = Ids(await admin.GetFromJsonAsync<JsonElement>(fixture.ProjectPath("/recordings?limit=500")));
        var filesBefore = Files(recordingsBefore);
        await staff.GotoAsync("/live.html");
        await staff.GetByLabel("Subject").SelectOptionAsync(subject.ToString());
        await staff.GetByLabel("Store this session").CheckAsync();
        await staff.GetByRole(AriaRole.Button, new() { Name = "Start camera" }).ClickAsync();
        var banner = staff.Locator("#banner-ephemeral");
        await banner.WaitForAsync();
        Assert.Contains("measurements", await banner.InnerTextAsync(), StringComparison.Ordinal);
        await staff.WaitForFunctionAsync("() => Number(document.querySelector('main').dataset.framesAnalysed || 0) >= 5", null, new() { Timeout = 30_000 });
        await BrowserFixture.ScreenshotAsync(staff, "live-ephemeral");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await staff.Locator("main[data-live-state='completed']").WaitForAsync(new() { Timeout = 20_000 });

        var recordings = await admin.GetFromJsonAsync<JsonElement>(fixture.ProjectPath("/recordings?limit=500"));
        Assert.Equal(recordingsBefore, Ids(recordings));
        Assert.Equal(filesBefore, Files(recordingsBefore));
        await staff.Context.CloseAsync();
    }

    private static string[] Ids(JsonElement page) =>
        [.. (page.ValueKind == JsonValueKind.Array ? page : page.GetProperty("items")).EnumerateArray().Select(r => r.GetProperty("id").GetGuid().ToString("N")).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Every file under the data folder except the database's own (which the audit log writes to) and those of
    /// <paramref name="known"/> recordings (other tests' jobs and browser copies may still be writing them).
    /// </summary>
    private string[] Files(string[] known) =>
        [.. Directory.EnumerateFiles(fixture.DataDirectory, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith("mien.db", StringComparison.Ordinal) && !f.EndsWith(".y4m", StringComparison.Ordinal))
            .Where(f => !known.Any(id => f.Contains(id, StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(fixture.DataDirectory, f)).Order(StringComparer.Ordinal)];
}
