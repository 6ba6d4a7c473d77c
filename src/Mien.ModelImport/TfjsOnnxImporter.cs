using Google.Protobuf;
using Mien.ModelImport.Conversion;
using Mien.ModelImport.Onnx;
using Mien.ModelImport.Tfjs;

namespace Mien.ModelImport;

/// <summary>
/// Compiles TensorFlow.js graph models into ONNX (IR 8, opset 17) that ONNX Runtime runs on the CPU.
/// </summary>
/// <remarks>
/// The importer is a compiler: every TF op maps to ONNX ops with the same numerics; NHWC image tensors
/// are kept in NCHW between convolutions so ORT needs no transpose per layer; input and output names are
/// kept (outputs take the model's signature keys where it has a signature, else the leaf node names).
/// </remarks>
public static class TfjsOnnxImporter
{
    /// <summary>Reads <c>model.json</c> (and its weight shards) and compiles it.</summary>
    public static ImportedModel ImportFile(string modelJsonPath, string? modelName = null) =>
        Import(TfjsGraphModel.Load(modelJsonPath, modelName));

    /// <summary>Compiles a parsed graph model.</summary>
    public static ImportedModel Import(TfjsGraphModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ConvertedGraph converted;
        try
        {
            converted = new GraphConverter(model).Convert();
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException or OverflowException)
        {
            // Node attributes are read from model.json while compiling: a damaged one (invalid UTF-8, a wrong JSON
            // type, an absurd number) surfaces here, not in Parse (found by fuzzing).
            throw new ModelImportException(model.Name, $"model.json is malformed: {e.Message}", inner: e);
        }

        var proto = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Mien.ModelImport",
            ProducerVersion = typeof(TfjsOnnxImporter).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = converted.Graph,
            DocString = $"Imported from TF.js graph model '{model.Name}'.",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = GraphConverter.Opset });
        return new ImportedModel(
            proto.ToByteArray(),
            [.. converted.Inputs.Select(Describe)],
            [.. converted.Outputs.Select(Describe)],
            model.OpCounts);
    }

    /// <summary>TF ops the importer can compile.</summary>
    public static IReadOnlyCollection<string> SupportedOps { get; } =
        [.. new GraphConverter(EmptyModel()).SupportedOps.Order(StringComparer.Ordinal)];

    private static TfjsGraphModel EmptyModel() =>
        TfjsGraphModel.Parse("none", """{"format":"graph-model","modelTopology":{"node":[]}}"""u8, _ => []);

    private static ModelTensorInfo Describe((string Name, TfDataType Type, int[]? Shape) t) =>
        new(t.Name, t.Type switch
        {
            TfDataType.Float32 => "float32",
            TfDataType.Int32 => "int32",
            TfDataType.Int64 => "int64",
            _ => "bool",
        }, t.Shape);
}

/// <summary>An ONNX model compiled from TF.js, with its interface.</summary>
/// <param name="OnnxBytes">The serialised ONNX ModelProto.</param>
/// <param name="Inputs">Graph inputs (TF names, TF NHWC shapes; -1 = any size).</param>
/// <param name="Outputs">Graph outputs.</param>
/// <param name="OpCounts">TF ops of the source graph with their counts.</param>
public sealed record ImportedModel(
    byte[] OnnxBytes,
    IReadOnlyList<ModelTensorInfo> Inputs,
    IReadOnlyList<ModelTensorInfo> Outputs,
    IReadOnlyDictionary<string, int> OpCounts);

/// <summary>Name, element type and shape of a model input or output (-1 = dynamic dim; null = unknown rank).</summary>
public sealed record ModelTensorInfo(string Name, string ElementType, IReadOnlyList<int>? Shape);
