using System.Text.Json;

namespace Mien.Models;

/// <summary>Kernel time of one operator type in one model run, from ONNX Runtime's own profiler.</summary>
/// <param name="OpType">ONNX (or ORT-internal, e.g. <c>ReorderInput</c>) operator type after graph optimisation.</param>
/// <param name="NodesPerRun">How many nodes of that type one run executes.</param>
/// <param name="MicrosecondsPerRun">Their kernel time per run, in microseconds.</param>
/// <param name="Share">Fraction of all kernel time in the run.</param>
public sealed record OperatorTime(string OpType, int NodesPerRun, double MicrosecondsPerRun, double Share);

/// <summary>
/// Where a model's time goes inside ONNX Runtime: runs it with ORT's profiler on and sums kernel time per operator type.
/// It answers questions a latency figure cannot, e.g. how much of a detector is layout reordering (<c>ReorderInput</c>,
/// <c>ReorderOutput</c>) around ORT's blocked NCHWc convolutions, or activations left unfused.
/// </summary>
public static class OperatorProfile
{
    /// <summary>
    /// Runs the model single-threaded on seeded noise <paramref name="warmup"/> + <paramref name="runs"/> times with the
    /// profiler on; per-run figures are averages over all of them (the profiler runs from the session's start).
    /// </summary>
    public static IReadOnlyList<OperatorTime> Measure(ModelArtifact artifact, int runs, int warmup, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var prefix = Path.Combine(Path.GetTempPath(), $"mien-ort-profile-{Environment.ProcessId}-{artifact.Model.Id}");
        string trace;
        using (var model = OnnxModel.Load(artifact, new InferenceOptions { IntraOpThreads = 1, ProfilePrefix = prefix }))
        using (var runner = model.CreateRunner(1))
        {
            var range = artifact.Model.Input.Range;
            if (artifact.Model.Input.Type == "int32")
            {
                SeededNoise.FillBytes(runner.InputInt32, 12345);
            }
            else
            {
                SeededNoise.Fill(runner.Input, 12345, range[0], range[1]);
            }

            for (var i = 0; i < warmup + runs; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                runner.Run();
            }

            trace = model.EndProfiling();
        }

        try
        {
            return Summarise(File.ReadAllBytes(trace), warmup + runs);
        }
        finally
        {
            File.Delete(trace);
        }
    }

    /// <summary>Sums the <c>*_kernel_time</c> node events of an ORT profile (Chrome trace JSON) per operator type.</summary>
    public static IReadOnlyList<OperatorTime> Summarise(ReadOnlySpan<byte> traceJson, int runs)
    {
        var sums = new Dictionary<string, (double Microseconds, int Nodes)>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(traceJson);
        using var doc = JsonDocument.ParseValue(ref reader);
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (e.TryGetProperty("cat", out var cat) && cat.ValueEquals("Node")
                && e.GetProperty("name").GetString() is { } name && name.EndsWith("_kernel_time", StringComparison.Ordinal)
                && e.TryGetProperty("args", out var args) && args.TryGetProperty("op_name", out var op) && op.GetString() is { } type)
            {
                var (us, n) = sums.GetValueOrDefault(type);
                sums[type] = (us + e.GetProperty("dur").GetDouble(), n + 1);
            }
        }

        var total = sums.Values.Sum(v => v.Microseconds);
        return [.. sums.OrderByDescending(kv => kv.Value.Microseconds)
            .Select(kv => new OperatorTime(kv.Key, kv.Value.Nodes / runs, kv.Value.Microseconds / runs, total > 0 ? kv.Value.Microseconds / total : 0))];
    }
}
