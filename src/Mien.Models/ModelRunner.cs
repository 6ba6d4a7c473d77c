using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;

namespace Mien.Models;

/// <summary>
/// Runs one model on a fixed batch size with buffers allocated once: callers write the NHWC input in
/// place, call <see cref="Run"/>, and read outputs in place. No tensor memory is allocated per run.
/// Not thread-safe; create one runner per thread or stage.
/// </summary>
public sealed class ModelRunner : IDisposable
{
    private readonly OnnxModel _model;
    private readonly float[]? _floatInput;
    private readonly int[]? _intInput;
    private readonly float[][] _outputs;
    private readonly long[] _inputShape;
    private readonly OrtValue[] _inputValues;
    private readonly OrtValue[] _outputValues;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly RunOptions _runOptions = new();

    internal ModelRunner(OnnxModel model, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _model = model;
        var d = model.Descriptor;
        if (d.Input.Shape[0] > 0 && d.Input.Shape[0] != batchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"model '{d.Id}' has a fixed batch size of {d.Input.Shape[0]}");
        }

        BatchSize = batchSize;
        _inputShape = [.. d.Input.Shape.Select((v, i) => i == 0 ? batchSize : (long)v)];
        var inputLength = checked((int)_inputShape.Aggregate(1L, (a, b) => a * b));
        _inputNames = [d.Input.Name];
        if (d.Input.Type == "int32")
        {
            _intInput = new int[inputLength];
            _inputValues = [OrtValue.CreateTensorValueFromMemory(_intInput, _inputShape)];
        }
        else
        {
            _floatInput = new float[inputLength];
            _inputValues = [OrtValue.CreateTensorValueFromMemory(_floatInput, _inputShape)];
        }

        _outputNames = [.. d.Outputs.Select(o => o.Name)];
        _outputs = new float[d.Outputs.Count][];
        _outputValues = new OrtValue[d.Outputs.Count];
        var outputShapes = new long[d.Outputs.Count][];
        for (var i = 0; i < d.Outputs.Count; i++)
        {
            var shape = d.Outputs[i].Shape.Select((v, k) => v < 0 && k == 0 ? batchSize : (long)v).ToArray();
            if (shape.Any(v => v < 0))
            {
                throw new NotSupportedException($"model '{d.Id}' output '{d.Outputs[i].Name}' has a dynamic shape; pre-allocated runs need static shapes");
            }

            outputShapes[i] = shape;
            _outputs[i] = new float[shape.Aggregate(1L, (a, b) => a * b)];
            _outputValues[i] = OrtValue.CreateTensorValueFromMemory(_outputs[i], shape);
        }

        OutputShapes = outputShapes;
    }

    /// <summary>Items per run.</summary>
    public int BatchSize { get; }

    /// <summary>The float input buffer (NHWC, row-major). Empty for int32-input models.</summary>
    public Span<float> Input => _floatInput;

    /// <summary>The int32 input buffer of models that take integer pixels (MoveNet). Empty otherwise.</summary>
    public Span<int> InputInt32 => _intInput;

    /// <summary>Output shapes in manifest order.</summary>
    public IReadOnlyList<long[]> OutputShapes { get; }

    /// <summary>The <paramref name="index"/>-th output (manifest order) of the last run.</summary>
    public ReadOnlySpan<float> Output(int index) => _outputs[index];

    /// <summary>The output named <paramref name="name"/> of the last run.</summary>
    public ReadOnlySpan<float> Output(string name)
    {
        var i = Array.IndexOf(_outputNames, name);
        return i >= 0 ? _outputs[i] : throw new KeyNotFoundException($"model '{_model.Descriptor.Id}' has no output '{name}' (outputs: {string.Join(", ", _outputNames)})");
    }

    /// <summary>Runs the model on the current input buffer.</summary>
    /// <exception cref="ModelRunException">ONNX Runtime failed, or the input holds NaN or infinite values.</exception>
    /// <exception cref="ModelOutputException">An output holds NaN or infinite values (damaged weights).</exception>
    public void Run()
    {
        // A NaN fed in comes out as NaN everywhere: say it was the input, not the model.
        if (_floatInput is not null && !TensorPrimitives.IsFiniteAll<float>(_floatInput))
        {
            var at = FirstNonFinite(_floatInput);
            throw new ModelRunException(_model.Descriptor.Id, $"input '{_inputNames[0]}' holds a non-finite value ({_floatInput[at]}) at element {at}; the stage preparing it is at fault");
        }

        try
        {
            _model.Session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelRunException(_model.Descriptor.Id, $"input '{_inputNames[0]}' [{string.Join(',', _inputShape)}]: {e.Message}", e);
        }

        // Finite weights on finite input give finite outputs for every model Mien runs; a NaN or infinity means the
        // weights are damaged (the hash on load catches a damaged file, this catches damage it cannot see).
        for (var i = 0; i < _outputs.Length; i++)
        {
            if (!TensorPrimitives.IsFiniteAll<float>(_outputs[i]))
            {
                var at = FirstNonFinite(_outputs[i]);
                throw new ModelOutputException(_model.Descriptor.Id, _outputNames[i], at, _outputs[i][at]);
            }
        }
    }

    private static int FirstNonFinite(float[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return 0;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var v in _inputValues)
        {
            v.Dispose();
        }

        foreach (var v in _outputValues)
        {
            v.Dispose();
        }

        _runOptions.Dispose();
    }
}
