using Microsoft.Playwright;

namespace Mien.Web.Tests;

/// <summary>The foundation: the app is served by `mien serve`, sign-in works in a real browser and the shell renders.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ShellTests(BrowserFixture fixture)
{
    [BrowserFact]
    public async Task Signing_in_with_the_api_key_shows_the_shell_with_its_navigation()
    {
        var page = await fixture.NewPageAsync();
        var errors = new List<string>();
        // Refused requests (the 401 of "who is signed in?" before sign-in) log "Failed to load resource"; script errors do not.
        page.Console += (_, message) => { if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)) errors.Add(message.Text); };
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync("/");
        Assert.Equal("Sign in", await page.Locator("h1").InnerTextAsync());
        await BrowserFixture.ScreenshotAsync(page, "sign-in");

        await page.GetByLabel("API key").FillAsync("mien_0000000000000000_wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.Locator(".notice.error").WaitForAsync();
        Assert.Contains("unknown or revoked", await page.Locator(".notice.error").InnerTextAsync(), StringComparison.Ordinal);

        await page.GetByLabel("API key").FillAsync(fixture.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.Locator("main[data-signed-in='true']").WaitForAsync();
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Pages" });
        Assert.True(await nav.GetByRole(AriaRole.Link, new() { Name = "Live view" }).IsVisibleAsync());
        Assert.Contains("admin", await page.Locator(".who").InnerTextAsync(), StringComparison.Ordinal);
        var cookies = await page.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == "mien_session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        await BrowserFixture.ScreenshotAsync(page, "home");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.Locator("h1", new() { HasText = "Sign in" }).WaitForAsync();
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }
}
