using System.Numerics.Tensors;

using Mien.Results;

namespace Mien.Affect.Recurrent;

/// <summary>
/// A causal recurrent expression model: <see cref="TemporalFeatures"/> of each frame, normalised, through a stack of
/// GRU layers and a linear head with softmax onto the seven classes. Hand-written with <see cref="TensorPrimitives"/>
/// so inference needs no ML runtime; the equations and weight layout are PyTorch's <c>torch.nn.GRU</c>:
/// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
/// One instance per track; not thread-safe. Allocates only the returned probabilities per frame.
/// </summary>
/// <remarks>
/// A frame with reliability 0 is ignored: the state is not advanced, the previous estimate is returned (uniform before
/// any frame), and the next frame's Δt is measured from the last frame the model used. Weights come from
/// <c>mien train temporal</c>; Mien ships none (the only labelled set at hand is research-only), so the HMM filter
/// stays the default.
/// </remarks>
public sealed class GruExpressionModel : IExpressionSequenceModel
{
    private readonly GruWeights _weights;
    private readonly float[] _invStd;
    private readonly float[] _features = new float[TemporalFeatures.Length];
    private readonly float[][] _hidden;
    private readonly float[] _gi;
    private readonly float[] _gh;
    private readonly float[] _logits;
    private float[] _last;
    private TimeSpan? _lastTimestamp;

    /// <summary>Creates a model over validated weights.</summary>
    public GruExpressionModel(GruWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _weights = weights;
        _invStd = new float[TemporalFeatures.Length];
        for (var i = 0; i < _invStd.Length; i++)
        {
            _invStd[i] = 1f / weights.FeatureStd[i];
        }

        var h = weights.HiddenSize;
        _hidden = new float[weights.Layers.Count][];
        for (var l = 0; l < _hidden.Length; l++)
        {
            _hidden[l] = new float[h];
        }

        _gi = new float[3 * h];
        _gh = new float[3 * h];
        _logits = new float[GruWeights.Classes];
        _last = Uniform();
    }

    /// <summary>The weights in use.</summary>
    public GruWeights Weights => _weights;

    /// <summary>Loads a weights file written by <c>mien train temporal</c>.</summary>
    /// <exception cref="GruWeightsException">The file is missing, corrupt or for another feature layout.</exception>
    public static GruExpressionModel Load(string path) => new(GruWeights.Load(path));

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The input does not hold seven probabilities, or its timestamp is earlier than the previous one.</exception>
    public FilteredExpression Update(TemporalInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_lastTimestamp is { } previous && input.Timestamp < previous)
        {
            throw new ArgumentException($"timestamps must not decrease: {input.Timestamp} after {previous}", nameof(input));
        }

        if (!(input.Reliability > 0))
        {
            if (input.Probabilities.Count != GruWeights.Classes)
            {
                throw new ArgumentException($"expected {GruWeights.Classes} probabilities, got {input.Probabilities.Count}", nameof(input));
            }

            return FilteredExpression.From(_last);
        }

        var dt = _lastTimestamp is { } last ? (input.Timestamp - last).TotalSeconds : 0;
        TemporalFeatures.Write(input, dt, _features);
        _lastTimestamp = input.Timestamp;
        var probabilities = new float[GruWeights.Classes];
        Step(_features, probabilities);
        _last = probabilities;
        return FilteredExpression.From(probabilities);
    }

    /// <inheritdoc />
    public void Reset()
    {
        foreach (var h in _hidden)
        {
            Array.Clear(h);
        }

        _lastTimestamp = null;
        _last = Uniform();
    }

    /// <summary>One step on raw (unnormalised) features: advances the state and writes the class probabilities.</summary>
    internal void Step(ReadOnlySpan<float> features, Span<float> probabilities)
    {
        var x = _features.AsSpan();
        if (!features.Overlaps(x))
        {
            features.CopyTo(x);
        }

        TensorPrimitives.Subtract(x, _weights.FeatureMean, x);
        TensorPrimitives.Multiply(x, _invStd, x);
        ReadOnlySpan<float> input = x;
        var hSize = _weights.HiddenSize;
        for (var l = 0; l < _hidden.Length; l++)
        {
            var layer = _weights.Layers[l];
            var h = _hidden[l].AsSpan();
            MatVec(layer.WeightIh, input, layer.BiasIh, _gi);
            MatVec(layer.WeightHh, h, layer.BiasHh, _gh);
            var r = _gi.AsSpan(0, hSize);
            var z = _gi.AsSpan(hSize, hSize);
            var n = _gi.AsSpan(2 * hSize, hSize);
            TensorPrimitives.Add(r, _gh.AsSpan(0, hSize), r);
            TensorPrimitives.Sigmoid(r, r);
            TensorPrimitives.Add(z, _gh.AsSpan(hSize, hSize), z);
            TensorPrimitives.Sigmoid(z, z);
            // n = tanh(gi_n + r ⊙ gh_n): PyTorch applies the reset gate after the hidden projection (not before).
            TensorPrimitives.MultiplyAdd(r, _gh.AsSpan(2 * hSize, hSize), n, n);
            TensorPrimitives.Tanh(n, n);
            // h' = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n).
            TensorPrimitives.Subtract(h, n, h);
            TensorPrimitives.MultiplyAdd(z, h, n, h);
            input = h;
        }

        MatVec(_weights.HeadWeight, input, _weights.HeadBias, _logits);
        TensorPrimitives.SoftMax(_logits, probabilities);
    }

    private static void MatVec(float[] matrix, ReadOnlySpan<float> vector, float[] bias, Span<float> destination)
    {
        var cols = vector.Length;
        var m = matrix.AsSpan();
        for (var row = 0; row < destination.Length; row++)
        {
            destination[row] = TensorPrimitives.Dot(m.Slice(row * cols, cols), vector) + bias[row];
        }
    }

    private static float[] Uniform()
    {
        var p = new float[GruWeights.Classes];
        Array.Fill(p, 1f / p.Length);
        return p;
    }
}
