using Microsoft.ML.OnnxRuntime;

namespace Mien.Voice;

/// <summary>
/// One stream's Silero state over a shared ONNX session: the 64-sample context, the recurrent state and the bound
/// input/output tensors. Windows go in one at a time, so a stream fed in chunks of any size sees exactly the
/// probabilities the whole file would get. Not thread-safe (one per stream); the session itself is shared.
/// </summary>
internal sealed class VadRunner : IDisposable
{
    private const int Window = VoiceActivityDetector.Window;
    private const int Context = 64;

    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly float[] _input = new float[Context + Window];
    private readonly float[] _state = new float[2 * 128];
    private readonly float[] _stateOut = new float[2 * 128];
    private readonly float[] _probability = new float[1];
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private static readonly string[] InputNames = ["input", "state", "sr"];
    private static readonly string[] OutputNames = ["output", "stateN"];

    public VadRunner(InferenceSession session)
    {
        _session = session;
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

    /// <summary>Back to the state of a fresh stream.</summary>
    public void Reset()
    {
        Array.Clear(_state);
        Array.Clear(_input);
    }

    /// <summary>Speech probability of the next window (at most 512 samples; a shorter one is zero-padded).</summary>
    public float Next(ReadOnlySpan<float> window)
    {
        // Context = the tail of the previous window, then this window.
        _input.AsSpan(Window, Context).CopyTo(_input);
        window.CopyTo(_input.AsSpan(Context));
        _input.AsSpan(Context + window.Length).Clear();
        _session.Run(_run, InputNames, _inputs, OutputNames, _outputs);
        _stateOut.CopyTo(_state, 0);
        return _probability[0];
    }

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
    }
}
