using System.Globalization;
using Microsoft.Playwright;
using Mien.Storage;

namespace Mien.Web.Tests;

/// <summary>The therapy pages in a real browser on seeded sessions: a subject's trends with a flagged change, and a note on a session's timeline that persists.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TherapyPagesTests(BrowserFixture fixture)
{
    [BrowserFact]
    public async Task The_people_page_shows_a_trend_with_a_flagged_change_and_a_timeline_note_persists()
    {
        var subject = await fixture.SubjectAsync("analysis", "measurements");
        var sessions = new List<Guid>();
        // Three similar sessions, then one with much lower expressivity and a stretch of negative valence with high arousal.
        foreach (var (level, distress) in new[] { (0.30, false), (0.32, false), (0.29, false), (0.06, true) })
        {
            sessions.Add(await SeedSessionAsync(subject, level, distress));
        }

        var page = await fixture.SignedInPageAsync(path: $"/people.html?subject={subject}");
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.Locator(".flagged-list li").First.WaitForAsync();
        var flagged = await page.Locator(".flagged-list li").AllInnerTextsAsync();
        Assert.Contains(flagged, f => f.StartsWith("Facial expressivity", StringComparison.Ordinal) && f.Contains("fell", StringComparison.Ordinal) && f.Contains("S3 to S4", StringComparison.Ordinal));
        var expressivity = page.Locator("figure.trend[data-metric='expressivity']");
        Assert.Equal(1, await expressivity.Locator(".flagged-change").CountAsync());
        Assert.Contains("4 sessions, 1 change(s) beyond noise", await expressivity.Locator("svg").GetAttributeAsync("aria-label") ?? "", StringComparison.Ordinal);
        Assert.Equal(4, await page.Locator("table tbody tr").CountAsync());
        Assert.Contains("flat-affect", await page.Locator("table tbody tr").Nth(3).InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "people");

        await page.GetByRole(AriaRole.Link, new() { Name = "session-4.mp4" }).ClickAsync();
        await page.Locator(".indicator[data-kind='distress']").WaitForAsync();
        Assert.Contains("Distress indicator: the face showed negative valence", await page.Locator(".indicator[data-kind='distress']").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("this person's earlier sessions", await page.Locator(".indicator[data-kind='flat-affect']").InnerTextAsync(), StringComparison.Ordinal);
        await page.GetByLabel("Time in the session (seconds)").FillAsync("42");
        await page.GetByLabel("Note", new() { Exact = true }).FillAsync("Talked about the move; looked down for a while.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
        await page.Locator(".note", new() { HasText = "looked down for a while" }).WaitForAsync();
        Assert.Equal(1, await page.Locator(".note-marker").CountAsync());

        await page.ReloadAsync();
        await page.Locator(".note", new() { HasText = "looked down for a while" }).WaitForAsync();
        Assert.Contains("42.0 s", await page.Locator(".note").First.InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "session");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// Writes a finished 90-second session of synthetic per-frame results in the public schema straight into the
    /// server's store (a live-kind recording, so no job picks it up): expressivity around <paramref name="level"/>.
    /// </summary>
    private async Task<Guid> SeedSessionAsync(Guid subject, double level, bool distress)
    {
        var store = Store();
        var index = (await store.ListRecordingsAsync(fixture.Project, new RecordingQuery(Limit: 1000))).Items.Count(r => r.SubjectId == subject) + 1;
        var recording = await store.CreateRecordingAsync(new NewRecording(fixture.Project, $"session-{index}.mp4", SourceKind.Live, subject));
        Assert.True(await store.TryStartAsync(recording.Id));
        await using (var writer = await store.OpenWriterAsync(recording.Id))
        {
            for (var i = 0; i < 900; i++)
            {
                var t = i / 10.0;
                // A flatter face also varies less: the swing scales with the level.
                var e = Math.Max(0, level * (1 + (0.5 * Math.Sin(t))));
                var (v, a) = distress && t is >= 30 and < 50 ? (-0.6, 0.6) : (0.2, 0.1);
                var units = string.Join(",", new[] { "AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU10", "AU12", "AU15", "AU17", "AU20", "AU23", "AU25", "AU26" }
                    .Select(u => string.Create(CultureInfo.InvariantCulture, $"\"{u}\":{e:0.####}")));
                var yaw = (2 * Math.Sin(t / 3)).ToString("0.##", CultureInfo.InvariantCulture);
                var blink = t % 4 < 0.2 ? "true" : "false";
                var face = "{\"track\":1,\"gaze\":{\"yaw\":" + yaw + ",\"pitch\":3},\"eyes\":{\"inBlink\":" + blink + "},\"affect\":{\"valence\":"
                    + v.ToString(CultureInfo.InvariantCulture) + ",\"arousal\":" + a.ToString(CultureInfo.InvariantCulture) + ",\"confidence\":0.8,\"actionUnits\":{"
                    + units + ",\"AU45\":0,\"baselineReady\":true,\"baseline\":\"person\"}}}";
                var payload = string.Create(CultureInfo.InvariantCulture, $$"""{"type":"frame","schema":"mien-results/1","frame":{{i}},"time":{{t}},"faces":[{{face}}]}""");
                await writer.WriteFrameAsync(new StoredFrame(i, t, 1, payload));
            }

            await writer.CompleteAsync();
        }

        Assert.True(await store.FinishAsync(recording.Id, RecordingStatus.Done, frames: 900, durationS: 90));
        return recording.Id;
    }

    /// <summary>The running server's store (its services are internal, visible to this test assembly).</summary>
    private IMienStore Store() => (IMienStore)fixture.Server.Services.GetService(typeof(IMienStore))!;
}
