using System.Numerics.Tensors;

namespace Mien.Voice;

/// <summary>
/// <see cref="Resampler"/> for audio that arrives in pieces: the same polyphase filter and the same arithmetic per
/// output sample, so a stream cut anywhere resamples to exactly the samples the whole clip gives. An output sample is
/// produced once every input its kernel reaches has arrived; <see cref="Finish"/> produces the last ones with silence
/// past the end, as the whole-clip resampler does. Holds only the kernel's span of input (flat memory).
/// </summary>
internal sealed class StreamingResampler
{
    private readonly int _up;
    private readonly int _down;
    private readonly int _half;
    private readonly int _taps;
    private readonly float[] _table;
    private float[] _input;
    private long _inputBase;   // absolute index of _input[0]
    private int _inputCount;
    private long _received;
    private long _produced;    // next output index

    public StreamingResampler(int fromRate, int toRate)
    {
        (_up, _down, _half, _table) = Resampler.Plan(fromRate, toRate);
        _taps = 2 * _half;
        _input = new float[Math.Max(4096, 2 * _taps)];
    }

    /// <summary>Most outputs one push of <paramref name="inputs"/> samples can produce (for sizing the destination).</summary>
    public int MaxOutput(int inputs) => (int)(((long)(inputs + _taps) * _up / _down) + 2);

    /// <summary>Appends <paramref name="input"/>; writes the outputs now complete to <paramref name="output"/> and returns how many.</summary>
    public int Push(ReadOnlySpan<float> input, Span<float> output)
    {
        Append(input);
        _received += input.Length;
        var written = 0;
        while (true)
        {
            var first = FirstInput(_produced);
            if (first + _taps > _received)
            {
                break;
            }

            output[written++] = Compute(first, _received);
            _produced++;
        }

        Discard();
        return written;
    }

    /// <summary>The input ended: writes the outputs that reach past its end (silence there) and returns how many.</summary>
    public int Finish(Span<float> output)
    {
        var total = _received * _up / _down;
        var written = 0;
        for (; _produced < total; _produced++)
        {
            output[written++] = Compute(FirstInput(_produced), _received);
        }

        return written;
    }

    private long FirstInput(long n) => (n * _down / _up) - _half + 1;

    private float Compute(long first, long length)
    {
        var kernel = _table.AsSpan((int)(_produced * _down % _up) * _taps, _taps);
        if (first >= 0 && first + _taps <= length)
        {
            return TensorPrimitives.Dot(kernel, _input.AsSpan((int)(first - _inputBase), _taps));
        }

        // Edges: samples outside the clip count as silence (same loop, same order as the whole-clip resampler).
        var sum = 0f;
        for (var j = 0; j < _taps; j++)
        {
            var k = first + j;
            if (k >= 0 && k < length)
            {
                sum += kernel[j] * _input[(int)(k - _inputBase)];
            }
        }

        return sum;
    }

    private void Append(ReadOnlySpan<float> input)
    {
        if (_inputCount + input.Length > _input.Length)
        {
            Array.Resize(ref _input, Math.Max(_input.Length * 2, _inputCount + input.Length));
        }

        input.CopyTo(_input.AsSpan(_inputCount));
        _inputCount += input.Length;
    }

    /// <summary>Drops input no future output reaches.</summary>
    private void Discard()
    {
        var keepFrom = Math.Max(0, FirstInput(_produced));
        var drop = (int)Math.Min(_inputCount, keepFrom - _inputBase);
        if (drop <= 0)
        {
            return;
        }

        _input.AsSpan(drop, _inputCount - drop).CopyTo(_input);
        _inputCount -= drop;
        _inputBase += drop;
    }
}
