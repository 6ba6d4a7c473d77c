using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Mien.Privacy.Audit;
using Mien.Privacy.Retention;
using Mien.Server.Audit;
using Mien.Server.Jobs;
using Mien.Server.Retention;
using Mien.Server.Telemetry;
using Mien.Storage;
using Mien.Testing;
using Xunit.Abstractions;

namespace Mien.Server.Tests;

/// <summary>
/// The retention job on a realistic volume (50 finished recordings × 2,000 frames of ~1 KB, 100 events, 2 person
/// summaries and all output files each; one expired skin session per recording) and the cost of the audit log
/// (sequential and concurrent appends, verification, trimming), on real SQLite and real PostgreSQL.
/// </summary>
public sealed class RetentionBenchmark(ITestOutputHelper output)
{
    private const int Recordings = 50, FramesPerRecording = 2000, EventsPerRecording = 100, AuditEntries = 5000;

    [BenchmarkFact("artifacts/bench/retention.md")]
    public async Task Retention_run_and_audit_append_costs()
    {
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# Retention and audit benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores)")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Retention: {Recordings} finished recordings × {FramesPerRecording} frames (~{Payload(0).Length} B JSON each) + {EventsPerRecording} events + 2 person summaries + summary + 9 output files + upload; all five kinds expired at once.")
            .AppendLine()
            .AppendLine("| store | seed (frames/s) | retention run | rows deleted | rows/s | files deleted | second run (nothing due) |")
            .AppendLine("|---|---|---|---|---|---|---|");
        var audit = new StringBuilder()
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Audit log: {AuditEntries} entries appended one after another (each its own transaction), then 4 writers × {AuditEntries / 4} at once; verify and trim of the whole chain.")
            .AppendLine()
            .AppendLine("| store | append, sequential (µs/entry, median of 3) | append, 4 concurrent writers (entries/s) | verify (entries/s) | trim (entries/s) |")
            .AppendLine("|---|---|---|---|---|");
        var providers = PostgresCluster.Unavailable is null ? new[] { StoreProvider.Sqlite, StoreProvider.Postgres } : [StoreProvider.Sqlite];
        foreach (var provider in providers)
        {
            report.AppendLine(await RetentionAsync(provider));
            audit.AppendLine(await AuditAsync(provider));
        }

        if (PostgresCluster.Unavailable is { } reason)
        {
            audit.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"PostgreSQL not measured: {reason}");
        }

        var text = report.ToString() + audit;
        output.WriteLine(text);
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Mien.slnx")))
        {
            root = root.Parent;
        }

        if (root is not null)
        {
            var file = Path.Combine(root.FullName, "artifacts", "bench", "retention.md");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, text);
        }
    }

    private static async Task<string> RetentionAsync(StoreProvider provider)
    {
        await using var db = await Database.CreateAsync(provider);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero));
        var options = new ServerOptions { DataDirectory = db.Directory, ConnectionString = db.ConnectionString, Time = time };
        await using var store = await MienStore.OpenAsync(db.ConnectionString, new MienStoreOptions { Time = time });
        var project = (await store.CreateProjectAsync(new NewProject("bench"))).Id;
        var subject = (await store.CreateSubjectAsync(project, "bench-subject")).Id;
        var payloads = Enumerable.Range(0, FramesPerRecording).Select(Payload).ToArray();
        var seed = Stopwatch.StartNew();
        for (var r = 0; r < Recordings; r++)
        {
            var upload = Path.Combine(Directory.CreateDirectory(Path.Combine(db.Directory, "uploads")).FullName, Guid.NewGuid().ToString("N") + ".mp4");
            await File.WriteAllBytesAsync(upload, new byte[4096]);
            var recording = await store.CreateRecordingAsync(new NewRecording(project, $"clip{r}.mp4", SourceKind.Upload, subject, upload));
            await store.TryStartAsync(recording.Id);
            await using (var writer = await store.OpenWriterAsync(recording.Id))
            {
                for (var i = 0; i < FramesPerRecording; i++)
                {
                    await writer.WriteFrameAsync(new StoredFrame(i, i / 30.0, 1, payloads[i]));
                }

                for (var i = 0; i < EventsPerRecording; i++)
                {
                    await writer.WriteEventAsync(new StoredEvent(i, "expression-segment", 1, i, i + 0.8, "{\"type\":\"event\",\"event\":\"expression-segment\",\"label\":\"neutral\",\"p\":0.61}"));
                }

                await writer.WritePersonSummaryAsync(new StoredPersonSummary(1, "{\"track\":1,\"frames\":2000}"));
                await writer.WritePersonSummaryAsync(new StoredPersonSummary(2, "{\"track\":2,\"frames\":1200}"));
                await writer.WriteSummaryAsync("{\"frames\":2000}");
                await writer.CompleteAsync();
            }

            await store.FinishAsync(recording.Id, RecordingStatus.Done, frames: FramesPerRecording);
            await store.AppendSkinSessionAsync(project, subject, recording.Id, time.GetUtcNow(), "{\"ita\":38.2}");
            var folder = Directory.CreateDirectory(JobRunner.Folder(options, recording.Id)).FullName;
            foreach (var name in Reports.ResultFolder.Outputs)
            {
                await File.WriteAllBytesAsync(Path.Combine(folder, name), new byte[4096]);
            }
        }

        seed.Stop();
        await store.SetRetentionPolicyAsync(project, new RetentionPolicy(30, 30, 30, 30, 30));
        time.Advance(TimeSpan.FromDays(31));
        using var metrics = new MienMetrics();
        var trail = new AuditTrail(store, metrics, NullLogger<AuditTrail>.Instance);
        using var retention = new RetentionService(store, trail, options, metrics, NullLogger<RetentionService>.Instance);
        var run = Assert.Single(await retention.RunOnceAsync(CancellationToken.None));
        var second = Assert.Single(await retention.RunOnceAsync(CancellationToken.None));
        Assert.Equal((long)Recordings * (FramesPerRecording + EventsPerRecording), run.Rows[RetainedData.Results]);
        Assert.Equal(0, second.TotalRows);
        var seconds = run.Elapsed.TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"| {provider} | {Recordings * FramesPerRecording / seed.Elapsed.TotalSeconds:F0} | {seconds:F2} s | {run.TotalRows} | {run.TotalRows / seconds:F0} | {run.Files.Values.Sum()} | {second.Elapsed.TotalMilliseconds:F0} ms |");
    }

    private static async Task<string> AuditAsync(StoreProvider provider)
    {
        var perEntry = new List<double>();
        double concurrentRate = 0, verifyRate = 0, trimRate = 0;
        for (var round = 0; round < 3; round++)
        {
            await using var db = await Database.CreateAsync(provider);
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero));
            await using var store = await MienStore.OpenAsync(db.ConnectionString, new MienStoreOptions { Time = time });
            var project = (await store.CreateProjectAsync(new NewProject("bench"))).Id;
            var actor = AuditActors.ApiKey(Guid.CreateVersion7());
            var subjectRef = SubjectRef.Compute(SubjectRef.NewSalt(), Guid.CreateVersion7());
            var record = new AuditRecord(actor, "results.read", "200", subjectRef, Guid.CreateVersion7().ToString("D"), "{\"method\":\"GET\",\"route\":\"/api/v1/projects/{projectId}/recordings/{recordingId:guid}/frames\"}");
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < AuditEntries; i++)
            {
                await store.AppendAuditAsync(project, record);
            }

            perEntry.Add(clock.Elapsed.TotalMicroseconds / AuditEntries);
            if (round > 0)
            {
                continue;
            }

            clock.Restart();
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                for (var i = 0; i < AuditEntries / 4; i++)
                {
                    await store.AppendAuditAsync(project, record);
                }
            })));
            concurrentRate = AuditEntries / clock.Elapsed.TotalSeconds;

            clock.Restart();
            var verification = await store.VerifyAuditAsync(project);
            verifyRate = verification.Entries / clock.Elapsed.TotalSeconds;
            Assert.True(verification.Valid, verification.Problem);

            time.Advance(TimeSpan.FromDays(1));
            clock.Restart();
            var trimmed = await store.TrimAuditLogAsync(project, time.GetUtcNow());
            trimRate = trimmed / clock.Elapsed.TotalSeconds;
        }

        perEntry.Sort();
        return string.Create(CultureInfo.InvariantCulture,
            $"| {provider} | {perEntry[1]:F0} ({string.Join(", ", perEntry.Select(p => p.ToString("F0", CultureInfo.InvariantCulture)))}) | {concurrentRate:F0} | {verifyRate:F0} | {trimRate:F0} |");
    }

    private static string Payload(int index)
    {
        var face = new JsonObject
        {
            ["track"] = 1,
            ["box"] = new JsonObject { ["x"] = 512.3 + (index % 7), ["y"] = 200.1, ["w"] = 180, ["h"] = 181.5 },
            ["pose"] = new JsonObject { ["yaw"] = -4.2, ["pitch"] = 3.1, ["roll"] = -1.7 },
            ["gaze"] = new JsonObject { ["x"] = 0.041, ["y"] = -0.122 },
            ["eyes"] = new JsonObject { ["left"] = 0.83, ["right"] = 0.81, ["blink"] = index % 90 == 0 },
            ["expressions"] = new JsonObject { ["anger"] = 0.02, ["disgust"] = 0.01, ["fear"] = 0.03, ["happiness"] = 0.21, ["neutral"] = 0.6, ["sadness"] = 0.08, ["surprise"] = 0.05 },
            ["temporal"] = new JsonObject { ["label"] = "neutral", ["p"] = 0.612, ["valence"] = 0.04, ["arousal"] = -0.11 },
            ["aus"] = new JsonObject(Enumerable.Range(0, 16).Select(i => KeyValuePair.Create($"AU{i + 1:00}", (JsonNode?)JsonValue.Create(Math.Round(i * 0.031, 3))))),
            ["skin"] = new JsonObject { ["ita"] = 38.2, ["monk"] = 3, ["redness"] = 0.142, ["texture"] = 0.0831 },
        };
        return new JsonObject { ["type"] = "face", ["frame"] = index, ["time"] = index / 30.0, ["faces"] = new JsonArray(face) }.ToJsonString();
    }

    /// <summary>A throwaway database: a SQLite file in a temp folder, or a new PostgreSQL database; the folder also holds the files.</summary>
    private sealed class Database : IAsyncDisposable
    {
        private readonly string? _postgres;

        private Database(string directory, string connectionString, string? postgres)
        {
            Directory = directory;
            ConnectionString = connectionString;
            _postgres = postgres;
        }

        public string Directory { get; }

        public string ConnectionString { get; }

        public static async Task<Database> CreateAsync(StoreProvider provider)
        {
            var directory = System.IO.Directory.CreateTempSubdirectory("mien-bench-").FullName;
            if (provider == StoreProvider.Sqlite)
            {
                return new Database(directory, MienStore.SqliteConnectionString(directory), null);
            }

            var name = "mien_bench_" + Guid.NewGuid().ToString("N")[..12];
            return new Database(directory, await PostgresCluster.Instance.CreateDatabaseAsync(name), name);
        }

        public async ValueTask DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Npgsql.NpgsqlConnection.ClearAllPools();
            if (_postgres is not null)
            {
                await PostgresCluster.Instance.DropDatabaseAsync(_postgres);
            }

            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
