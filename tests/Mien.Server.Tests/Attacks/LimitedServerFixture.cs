using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Mien.Media;

namespace Mien.Server.Tests.Attacks;

/// <summary>
/// A second real server with small limits, so floods, slow clients and idle sessions hit their bounds in seconds,
/// and with a clock tests can move (live tickets expire). Started on first use, shared by the server collection.
/// </summary>
public sealed class LimitedServerFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _start = new(1, 1);
    private readonly string _data = Path.Combine(Path.GetTempPath(), "mien-limited-" + Guid.NewGuid().ToString("N"));

    /// <summary>The server's data folder.</summary>
    public string DataDirectory => _data;
    private MienServer? _server;

    /// <summary>The limits the attacks run into.</summary>
    public static ServerOptions Limits(ServerOptions o) => o with
    {
        MaxLiveSessions = 2,
        RequestsPerMinute = 60,
        LiveMessagesPerSecond = 50,
        LiveIdleTimeout = TimeSpan.FromSeconds(3),
        SlowClientGrace = TimeSpan.FromSeconds(2),
        MinRequestBytesPerSecond = 1000,
        RequestHeadersTimeout = TimeSpan.FromSeconds(3),
        IdleConnectionTimeout = TimeSpan.FromSeconds(3),
        MaxDuration = TimeSpan.FromSeconds(2),
        MaxUploadBytes = 8 * 1024 * 1024,
        MaxUploadChunkBytes = 256 * 1024,
        MaxUploadSessionsPerKey = 3,
        Live = new PushFrameSourceOptions { MaxEncodedBytes = 512 * 1024 },
        MaxWebSocketMessageBytes = (512 * 1024) + 64,
    };

    /// <summary>The server's clock: real time plus an offset the tests advance.</summary>
    public MovableTime Time { get; } = new();

    public Uri Address => Server.Addresses[0];

    public Guid Project => Server.FirstProject!.Value;

    public string AdminKey => Server.FirstAdminKey!;

    /// <summary>A subject of <see cref="Project"/> with current analysis and measurements consent, so uploads reach the media checks.</summary>
    public Guid Subject { get; private set; }

    public ServerOptions Options => Limits(new ServerOptions()) with { Time = Time };

    private MienServer Server => _server ?? throw new InvalidOperationException("call StartAsync first");

    /// <summary>Starts the server (once) and waits for its models.</summary>
    public async Task StartAsync()
    {
        await _start.WaitAsync();
        try
        {
            if (_server is null)
            {
                _server = await ServerFixture.StartAsync(_data, o => Limits(o) with { Time = Time });
                var notReady = await _server.WaitUntilReadyAsync(TimeSpan.FromMinutes(5));
                Assert.True(notReady is null, notReady);
                using var admin = Client(AdminKey);
                Subject = await ServerFixture.ConsentingSubjectAsync(admin, Project, "analysis", "measurements");
            }
        }
        finally
        {
            _start.Release();
        }
    }

    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(1) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public string ProjectPath(string rest = "") => $"/api/v1/projects/{Project}{rest}";

    /// <summary>The upload URL for the consenting <see cref="Subject"/> with more query parameters.</summary>
    public string UploadPath(string query = "") => ProjectPath($"/recordings?subject={Subject}" + (query.Length > 0 ? "&" + query : ""));

    public async Task<string> KeyAsync(string role)
    {
        using var admin = Client(AdminKey);
        var response = await admin.PostAsJsonAsync(ProjectPath("/keys"), new { role });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("secret").GetString()!;
    }

    public Uri LiveUri() => new(new Uri(Address.ToString().Replace("http", "ws", StringComparison.Ordinal)), ProjectPath("/live"));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            if (Directory.Exists(_data))
            {
                Directory.Delete(_data, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Real time plus an offset: lets a test make a 60-s ticket expire without waiting a minute.</summary>
public sealed class MovableTime : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
}
