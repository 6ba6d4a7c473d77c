using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Mien.Server.Api;
using Mien.Server.Jobs;
using Mien.Server.Live;
using Mien.Server.Protection;
using Mien.Server.Security;
using Mien.Server.Telemetry;
using Mien.Storage;
using Mien.Web;
using OpenTelemetry.Metrics;

namespace Mien.Server;

/// <summary>
/// `mien serve`: one process, no external service needed by default (Kestrel, embedded SQLite, models in the user
/// cache). The host only wires things: analysis runs in <see cref="Sessions.AnalysisSession"/>, storage in
/// <see cref="IMienStore"/>, and every endpoint is a thin handler in <c>Api/</c>.
/// </summary>
public sealed class MienServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private MienServer(WebApplication app, string? firstAdminKey)
    {
        _app = app;
        FirstAdminKey = firstAdminKey;
    }

    /// <summary>The admin key of the project created on first start (null when projects existed already). Shown once.</summary>
    public string? FirstAdminKey { get; }

    /// <summary>The project created on first start, if any.</summary>
    public Guid? FirstProject { get; private init; }

    /// <summary>The addresses the server listens on (after <see cref="StartAsync"/>; port 0 resolved).</summary>
    public IReadOnlyList<Uri> Addresses =>
        [.. (_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Select(a => new Uri(a))];

    /// <summary>Builds the server, opens and migrates the database, creates the first project when there is none, and starts listening.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="MienStoreException">The database cannot be opened or migrated.</exception>
    public static async Task<MienServer> StartAsync(ServerOptions options, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Stored paths (uploads, result folders) must not depend on the working directory of a later start.
        options = options with { DataDirectory = Path.GetFullPath(options.DataDirectory) };
        Directory.CreateDirectory(options.DataDirectory);
        var connection = options.ConnectionString ?? MienStore.SqliteConnectionString(options.DataDirectory);
        var keys = await ServerKeys.ResolveAsync(options, connection, cancellationToken).ConfigureAwait(false);
        MediaVault.Prepare(options);
        var store = await MienStore.OpenAsync(connection, new MienStoreOptions { Time = options.Time, MasterKey = keys.Master, PreviousMasterKey = keys.Previous }, cancellationToken).ConfigureAwait(false);
        (Guid Project, string Key)? first = null;
        try
        {
            if ((await store.ListProjectsAsync(cancellationToken).ConfigureAwait(false)).Count == 0)
            {
                // Research in a lab is the declaration that restricts nothing the analyses do; admins change it with PUT /policy.
                var project = await store.CreateProjectAsync(new NewProject("default", Mien.Privacy.ProcessingPurpose.Research, Mien.Privacy.ProcessingSetting.Lab), cancellationToken).ConfigureAwait(false);
                var key = await store.CreateApiKeyAsync(project.Id, ApiKeyRole.Admin, cancellationToken).ConfigureAwait(false);
                first = (project.Id, key.Secret);
            }
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var app = Build(options, store, logging);
        keys.Report(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mien.Encryption"));
        var server = new MienServer(app, first?.Key) { FirstProject = first?.Project };
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"cannot listen on {options.Urls}: {e.InnerException?.Message ?? e.Message} (another server running? choose another address with --urls)", e);
        }
        var runtime = app.Services.GetRequiredService<MienRuntime>();
        _ = Task.Run(() => runtime.WarmUpAsync(app.Lifetime.ApplicationStopping), CancellationToken.None);
        return server;
    }

    /// <summary>The host's services, for in-process tests that seed or inspect the running server.</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>Completes when the server stops (Ctrl-C, SIGTERM or <see cref="DisposeAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Waits until the models are ready (or failed to load), for tests and benchmarks.</summary>
    public async Task<string?> WaitUntilReadyAsync(TimeSpan timeout)
    {
        var runtime = _app.Services.GetRequiredService<MienRuntime>();
        var until = DateTime.UtcNow + timeout;
        while (runtime.NotReady is { } why && why.StartsWith("models are being prepared", StringComparison.Ordinal) && DateTime.UtcNow < until)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        return runtime.NotReady;
    }

    private static WebApplication Build(ServerOptions options, IMienStore store, Action<ILoggingBuilder>? logging)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Every body is small JSON unless an endpoint raises its own limit (uploads do).
            k.Limits.MaxRequestBodySize = options.MaxJsonBytes;
            // Slow-loris: a body trickled below this rate, or headers not complete in time, end the connection.
            k.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(options.MinRequestBytesPerSecond, options.SlowClientGrace);
            k.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
            k.Limits.KeepAliveTimeout = options.IdleConnectionTimeout;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.AddServerHeader = false;
        });
        builder.Logging.ClearProviders();
        // Framework chatter (per-request lines, data-protection keys the API never uses) stays out of the operator's log.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information)
            .AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error).AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        if (logging is null)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }
        else
        {
            logging(builder.Logging);
        }

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(options.Time);
        services.AddSingleton(store);
        services.AddSingleton<MienRuntime>();
        // One ONNX session per model per process: a co-hosted silo's grains (--cluster) run with the server's models.
        services.AddSingleton(sp => sp.GetRequiredService<MienRuntime>().Models);
        services.AddSingleton<MienMetrics>();
        services.AddSingleton<LiveTickets>();
        services.AddSingleton<WebSessions>();
        services.AddSingleton<Privacy.ConsentLinks>();
        services.AddSingleton<LiveSessions>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<Privacy.ProcessingRegistry>();
        services.AddSingleton<Privacy.ConsentGate>();
        services.AddSingleton<Privacy.Erasure>();
        // Used only by a co-hosted silo's subject grains (--cluster): consent and erasure through the store, audited.
        services.AddSingleton<Mien.Cluster.ISubjectLedger, Privacy.StoreSubjectLedger>();
        services.AddSingleton<Privacy.ClusterSubjects>();
        services.AddHostedService(sp => sp.GetRequiredService<JobRunner>());
        services.AddAuditAndRetention();
        services.AddSingleton<MediaVault>();
        services.AddSingleton<Uploads.UploadSessions>();
        services.AddHostedService(sp => sp.GetRequiredService<Uploads.UploadSessions>());
        services.AddSingleton<Playback.PlaybackVideos>();
        services.AddSingleton<KeyRotations>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyRotations>());
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        services.AddProblemDetails();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            // Kebab case: multi-word enums read as the docs write them ("content-testing", "skin-profile").
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
            o.SerializerOptions.MaxDepth = 16;
        });
        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Viewer, p => p.RequireRole(Roles.AtLeastViewer))
            .AddPolicy(Roles.Analyst, p => p.RequireRole(Roles.AtLeastAnalyst))
            .AddPolicy(Roles.Admin, p => p.RequireRole(Roles.AdminOnly));
        services.AddRateLimiter(r =>
        {
            r.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            r.OnRejected = (context, ct) => new ValueTask(Problems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
                $"more than {options.RequestsPerMinute} requests a minute with this key, or without a valid key from this address (RequestsPerMinute); slow down"));
            r.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                // By the authenticated key, else by address: partitioning by the presented header would give every
                // forged key its own fresh budget (and the limiter one entry per forgery).
                var partition = context.User.FindFirst(ApiKeyAuthentication.KeyClaim)?.Value is { } keyId ? "key:" + keyId : "ip:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.RequestsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
        });
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(MienMetrics.MeterName, Mien.Cluster.Health.ClusterMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());

        options.ConfigureHost?.Invoke(builder);
        var app = builder.Build();
        // First, so the exception handler (which clears headers before writing its problem) cannot strip them.
        app.UseSecurityHeaders();
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = StatusFor, SuppressDiagnosticsCallback = _ => false });
        app.UseStatusCodePages();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseAuthentication();
        app.UseCsrfProtection();
        // Before authorization, so requests without a valid key (refused there with 401) count against their address.
        app.UseRateLimiter();
        app.UseProjectScope();
        app.UseAuthorization();

        HealthApi.Map(app);
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi("/openapi/{documentName}.json");

        var api = app.MapGroup("/api/v1");
        var project = api.MapGroup("/projects/{projectId:guid}");
        ProjectsApi.Map(api, project);
        RecordingsApi.Map(project, options);
        ResultsApi.Map(project);
        UploadSessionsApi.Map(project);
        TimelineApi.Map(project);
        PlaybackApi.Map(project);
        LiveApi.Map(project);
        ConsentApi.Map(project);
        AuditApi.Map(project);
        EncryptionApi.Map(project);
        StudiesApi.Map(project);
        MonitoringApi.Map(project);
        IdentityApi.Map(project);
        PersonsApi.Map(project);
        SessionApi.Map(api);
        ConsentLinksApi.Map(api, project);
        app.MapMienWebApp();
        return app;
    }

    /// <summary>Maps what escaped a handler to a status: the client's fault is 4xx, ours is 500 (with a problem body either way).</summary>
    private static int StatusFor(Exception e) => e switch
    {
        BadHttpRequestException b => b.StatusCode,
        MienStoreException { Error: MienStoreError.NotFound } => StatusCodes.Status404NotFound,
        MienStoreException { Error: MienStoreError.Conflict } => StatusCodes.Status409Conflict,
        MienStoreException { Error: MienStoreError.Invalid } => StatusCodes.Status400BadRequest,
        MienStoreException => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        var runtime = _app.Services.GetRequiredService<MienRuntime>();
        var store = _app.Services.GetRequiredService<IMienStore>();
        await _app.DisposeAsync().ConfigureAwait(false);
        await runtime.DisposeAsync().ConfigureAwait(false);
        await store.DisposeAsync().ConfigureAwait(false);
    }
}
