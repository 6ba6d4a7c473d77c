using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Mien.ModelImport.Onnx;
using Mien.ModelImport.Tfjs;
using Xunit.Sdk;

namespace Mien.ModelImport.Tests;

/// <summary>A <see cref="TinyGraph"/> compiled by the importer and loaded in ONNX Runtime (one session, owned here).</summary>
internal sealed class CompiledGraph : IDisposable
{
    private readonly InferenceSession _session;

    private CompiledGraph(ImportedModel model)
    {
        Model = model;
        using var options = new SessionOptions
        {
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
        };
        _session = new InferenceSession(model.OnnxBytes, options);
    }

    public ImportedModel Model { get; }

    /// <summary>The emitted ONNX graph, for structural assertions.</summary>
    public GraphProto Onnx => ModelProto.Parser.ParseFrom(Model.OnnxBytes).Graph;

    public static CompiledGraph From(TinyGraph graph) => From(graph.Parse());

    public static CompiledGraph From(TfjsGraphModel model) => new(TfjsOnnxImporter.Import(model));

    /// <summary>Compiles, runs once and returns every graph output.</summary>
    public static RunResult Run(TinyGraph graph, params Feed[] feeds)
    {
        using var compiled = From(graph);
        return compiled.Run(feeds);
    }

    public RunResult Run(params Feed[] feeds)
    {
        var values = new List<OrtValue>(feeds.Length);
        try
        {
            foreach (var f in feeds)
            {
                values.Add(f.Create());
            }

            var outputNames = _session.OutputNames;
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, [.. feeds.Select(f => f.Name)], values, outputNames);
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            var k = 0;
            foreach (var o in outputs)
            {
                var name = outputNames[k++];
                result[name] = Copy(o);
                CheckDeclaredShape(name, o);
            }

            return new RunResult(result);
        }
        finally
        {
            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    public void Dispose() => _session.Dispose();

    /// <summary>
    /// The importer declares each output's TF shape (callers pre-allocate outputs from it), so every run also
    /// checks that the tensor ORT produced has that shape (-1 = any size).
    /// </summary>
    private void CheckDeclaredShape(string name, OrtValue value)
    {
        var declared = Model.Outputs.Single(o => o.Name == name).Shape;
        var actual = value.GetTensorTypeAndShape().Shape;
        if (declared is null)
        {
            return;
        }

        var matches = declared.Count == actual.Length;
        for (var i = 0; matches && i < actual.Length; i++)
        {
            matches = declared[i] < 0 || declared[i] == actual[i];
        }

        if (!matches)
        {
            throw new XunitException(
                $"Output '{name}' is declared as [{string.Join(',', declared)}] but ONNX Runtime produced [{string.Join(',', actual)}]");
        }
    }

    private static object Copy(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var shape = Array.ConvertAll(info.Shape, d => checked((int)d));
        return info.ElementDataType switch
        {
            TensorElementType.Float => new Nd<float>(shape, value.GetTensorDataAsSpan<float>().ToArray()),
            TensorElementType.Int32 => new Nd<int>(shape, value.GetTensorDataAsSpan<int>().ToArray()),
            TensorElementType.Int64 => new Nd<long>(shape, value.GetTensorDataAsSpan<long>().ToArray()),
            TensorElementType.Bool => new Nd<bool>(shape, value.GetTensorDataAsSpan<bool>().ToArray()),
            var t => throw new NotSupportedException($"output element type {t}"),
        };
    }
}

/// <summary>One graph input: a name and a tensor to copy into an <see cref="OrtValue"/>.</summary>
internal sealed class Feed
{
    private readonly Func<OrtValue> _create;

    private Feed(string name, Func<OrtValue> create)
    {
        Name = name;
        _create = create;
    }

    public string Name { get; }

    public static Feed Of<T>(string name, Nd<T> value)
        where T : unmanaged =>
        new(name, () => OrtValue.CreateTensorValueFromMemory((T[])value.Data.Clone(), Array.ConvertAll(value.Shape, d => (long)d)));

    public OrtValue Create() => _create();
}

/// <summary>Outputs of one run, by ONNX output name.</summary>
internal sealed class RunResult(IReadOnlyDictionary<string, object> outputs)
{
    public IReadOnlyDictionary<string, object> Outputs { get; } = outputs;

    public Nd<float> Float(string name) => Get<float>(name);

    public Nd<int> Int(string name) => Get<int>(name);

    public Nd<T> Get<T>(string name)
        where T : unmanaged =>
        Outputs.TryGetValue(name, out var v)
            ? v as Nd<T> ?? throw new InvalidOperationException($"output '{name}' is {v}, not {typeof(T).Name}")
            : throw new KeyNotFoundException($"no output '{name}'; outputs are {string.Join(", ", Outputs.Keys)}");
}
