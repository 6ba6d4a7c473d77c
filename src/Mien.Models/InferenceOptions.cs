using Microsoft.ML.OnnxRuntime;

namespace Mien.Models;

/// <summary>How ONNX Runtime sessions are created. Defaults are chosen for real-time CPU inference of small CNNs.</summary>
public sealed class InferenceOptions
{
    /// <summary>
    /// Threads one model run may use (default 1). Mien parallelises across pipeline stages and streams, and
    /// Mien's models are small enough that a second intra-op thread buys little and costs synchronisation;
    /// raise it for single-stream latency.
    /// </summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>
    /// Graph optimisation level (default: all). "All" lets ORT fuse Conv+activation and switch convolutions
    /// to its blocked NCHWc layout on AVX2/AVX-512, which is where most of the speed comes from.
    /// </summary>
    public GraphOptimizationLevel OptimizationLevel { get; set; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// Keep ORT's CPU memory arena and memory-pattern planning (default true): shapes are static per runner,
    /// so after the first run no tensor memory is allocated.
    /// </summary>
    public bool UseMemoryArena { get; set; } = true;

    /// <summary>Let idle intra-op threads spin (default false): lower latency with several threads, but it burns a core other streams could use.</summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Execution provider; only "cpu" ships with Mien (no GPU packages are used).</summary>
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>When set, ONNX Runtime's profiler writes a JSON trace with this path prefix (benchmarks only: it slows every run).</summary>
    internal string? ProfilePrefix { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, its value and the constraint.</summary>
    public void Validate()
    {
        if (IntraOpThreads is < 1 or > 256)
        {
            throw new ArgumentException($"{nameof(IntraOpThreads)} = {IntraOpThreads}: must be between 1 and 256.", nameof(IntraOpThreads));
        }

        if (!string.Equals(ExecutionProvider, "cpu", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"{nameof(ExecutionProvider)} = '{ExecutionProvider}': this build ships only the CPU provider ('cpu').", nameof(ExecutionProvider));
        }
    }

    internal SessionOptions CreateSessionOptions()
    {
        Validate();
        var options = new SessionOptions
        {
            GraphOptimizationLevel = OptimizationLevel,
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            EnableCpuMemArena = UseMemoryArena,
            EnableMemoryPattern = UseMemoryArena,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", AllowSpinning ? "1" : "0");
        if (ProfilePrefix is not null)
        {
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = ProfilePrefix;
        }

        return options;
    }
}
