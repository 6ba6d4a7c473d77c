using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mien.Privacy.Encryption;
using Mien.Storage.Sql;
using Mien.Testing;
using Xunit.Abstractions;

namespace Mien.Storage.Tests;

/// <summary>
/// What encryption at rest costs on the storage write path: the sealing of one frame payload (JSON check, AES-256-GCM,
/// base64 envelope) and its opening, timed alone, next to the batching writer's frames/s on each real store (which
/// now always seals). With <c>MIEN_BENCH=1</c>; writes artifacts/bench/encryption.md.
/// </summary>
public sealed class EncryptionBenchmark(ITestOutputHelper output)
{
    private const int Frames = 20_000, Runs = 3;

    [BenchmarkFact("artifacts/bench/encryption.md")]
    public async Task Sealing_and_opening_cost_per_frame_and_writer_throughput()
    {
        var payloads = Enumerable.Range(0, Frames).Select(i => Payloads.Frame(i, i / 30.0)).ToArray();
        var bytes = payloads.Average(p => Encoding.UTF8.GetByteCount(p));
        using var key = DataKey.Generate(Guid.NewGuid(), 1);
        var recording = Guid.NewGuid();
        var sealedRows = new string[Frames];
        var seal = new List<double>();
        var open = new List<double>();
        for (var run = 0; run < Runs; run++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Frames; i++)
            {
                sealedRows[i] = SqlMienStore.Seal(key, payloads[i], Bindings.Frame(recording, i)).Value;
            }

            seal.Add(clock.Elapsed.TotalMicroseconds / Frames);
            clock.Restart();
            for (var i = 0; i < Frames; i++)
            {
                _ = SealedJson.Open(sealedRows[i], _ => key, Bindings.Frame(recording, i));
            }

            open.Add(clock.Elapsed.TotalMicroseconds / Frames);
        }

        seal.Sort();
        open.Sort();
        var stored = sealedRows.Average(s => s.Length);
        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# Encryption at rest: storage write-path cost ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"{Frames} frame payloads of {bytes:F0} B JSON (1 face); median of {Runs} runs; {Environment.ProcessorCount} cores; one thread.")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"- seal (UTF-8, AES-256-GCM, base64 envelope; the JSON check runs on the producer thread): {seal[Runs / 2]:F1} µs/frame")
            .AppendLine(CultureInfo.InvariantCulture, $"- open (envelope parse, AES-256-GCM, UTF-8): {open[Runs / 2]:F1} µs/frame")
            .AppendLine(CultureInfo.InvariantCulture, $"- stored size: {stored:F0} B per payload ({stored / bytes:F2}× the JSON: base64 + 33 B envelope)")
            .AppendLine()
            .AppendLine("| store | frames/s through the writer, sealed (median) | runs | crypto share of the write time |")
            .AppendLine("|---|---|---|---|");
        var providers = PostgresCluster.Unavailable is null ? new[] { StoreProvider.Sqlite, StoreProvider.Postgres } : [StoreProvider.Sqlite];
        foreach (var provider in providers)
        {
            var rates = new List<double>();
            for (var run = 0; run < Runs; run++)
            {
                await using var db = await TestStore.CreateAsync(provider);
                var store = await db.OpenAsync();
                var project = await store.CreateProjectAsync(new NewProject("bench"));
                var r = await store.CreateRecordingAsync(new NewRecording(project.Id, "bench.mp4", SourceKind.Upload));
                var writer = await store.OpenWriterAsync(r.Id);
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < Frames; i++)
                {
                    await writer.WriteFrameAsync(new StoredFrame(i, i / 30.0, 1, payloads[i]));
                }

                await writer.CompleteAsync();
                clock.Stop();
                rates.Add(Frames / clock.Elapsed.TotalSeconds);
                await writer.DisposeAsync();
            }

            rates.Sort();
            var share = seal[Runs / 2] / (1e6 / rates[Runs / 2]);
            report.AppendLine(CultureInfo.InvariantCulture, $"| {provider} | {rates[Runs / 2]:F0} | {string.Join(", ", rates.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))} | {share:P0} |");
        }

        output.WriteLine(report.ToString());
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Mien.slnx")))
        {
            root = root.Parent;
        }

        if (root is not null)
        {
            var file = Path.Combine(root.FullName, "artifacts", "bench", "encryption.md");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, report.ToString());
        }
    }
}
