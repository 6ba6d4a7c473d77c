using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mien.Testing;
using Xunit.Abstractions;

namespace Mien.Storage.Tests;

/// <summary>
/// Frames per second through <see cref="IRecordingWriter"/> with default options (batches of 200 or 250 ms), one
/// face per frame (about 1 KB of JSON), on each real store: the figure that says what a 30 fps stream costs. Timed
/// from the first write until <see cref="IRecordingWriter.CompleteAsync"/> returns (everything committed).
/// </summary>
public sealed class StorageBenchmark(ITestOutputHelper output)
{
    private const int Frames = 20_000, Runs = 3;

    [BenchmarkFact("artifacts/bench/storage.md")]
    public async Task Frames_per_second_written_through_the_batching_writer()
    {
        var payloads = Enumerable.Range(0, Frames).Select(i => Payloads.Frame(i, i / 30.0)).ToArray();
        var bytes = payloads.Average(p => Encoding.UTF8.GetByteCount(p));
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# Storage write benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"{Frames} frames per run, 1 face per frame, {bytes:F0} B of JSON per frame; default writer options (batch 200 rows / 250 ms); median of {Runs} runs; {Environment.ProcessorCount} cores.")
            .AppendLine()
            .AppendLine("| store | frames/s (median) | runs (frames/s) | database size after a run |")
            .AppendLine("|---|---|---|---|");
        var providers = PostgresCluster.Unavailable is null ? new[] { StoreProvider.Sqlite, StoreProvider.Postgres } : [StoreProvider.Sqlite];
        foreach (var provider in providers)
        {
            var rates = new List<double>();
            var size = string.Empty;
            for (var run = 0; run < Runs; run++)
            {
                await using var db = await TestStore.CreateAsync(provider);
                var store = await db.OpenAsync();
                var project = await store.CreateProjectAsync(new NewProject("bench"));
                var recording = await store.CreateRecordingAsync(new NewRecording(project.Id, "bench.mp4", SourceKind.Upload));
                var writer = await store.OpenWriterAsync(recording.Id);
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < Frames; i++)
                {
                    await writer.WriteFrameAsync(new StoredFrame(i, i / 30.0, 1, payloads[i]));
                }

                await writer.CompleteAsync();
                clock.Stop();
                rates.Add(Frames / clock.Elapsed.TotalSeconds);
                size = provider == StoreProvider.Sqlite
                    ? $"{(new FileInfo(db.File!).Length + (File.Exists(db.File + "-wal") ? new FileInfo(db.File + "-wal").Length : 0)) / 1e6:F1} MB (file + WAL)"
                    : $"{Convert.ToInt64(await db.ExecuteAsync("SELECT pg_total_relation_size('frames')"), CultureInfo.InvariantCulture) / 1e6:F1} MB (frames table)";
                await writer.DisposeAsync();
            }

            rates.Sort();
            report.AppendLine(CultureInfo.InvariantCulture, $"| {provider} | {rates[Runs / 2]:F0} | {string.Join(", ", rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} | {size} |");
        }

        if (PostgresCluster.Unavailable is { } reason)
        {
            report.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"PostgreSQL not measured: {reason}");
        }

        output.WriteLine(report.ToString());
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Mien.slnx")))
        {
            root = root.Parent;
        }

        if (root is not null)
        {
            var file = Path.Combine(root.FullName, "artifacts", "bench", "storage.md");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, report.ToString());
        }
    }
}
