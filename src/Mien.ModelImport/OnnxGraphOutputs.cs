using Google.Protobuf;
using Mien.ModelImport.Onnx;

namespace Mien.ModelImport;

/// <summary>
/// Makes intermediate tensors of an ONNX model into graph outputs, so a caller can read a network's internal features
/// (e.g. the emotion CNN's last block, as an embedding) with ONNX Runtime, which only returns declared outputs.
/// </summary>
public static class OnnxGraphOutputs
{
    /// <summary>The model bytes with <paramref name="tensors"/> (float32 node outputs) appended to the graph outputs.</summary>
    /// <param name="model">A serialised ONNX ModelProto.</param>
    /// <param name="tensors">Names of node outputs to expose.</param>
    /// <param name="modelName">Names the model in errors.</param>
    /// <exception cref="ModelImportException">The bytes are not an ONNX model, or no node produces one of the names.</exception>
    public static byte[] WithOutputs(byte[] model, IReadOnlyList<string> tensors, string modelName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensors);
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelImportException(modelName, $"not an ONNX model ({e.Message}).", inner: e);
        }

        var produced = proto.Graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        var declared = proto.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in tensors)
        {
            if (!produced.Contains(name))
            {
                throw new ModelImportException(modelName, $"no node produces the tensor '{name}' to expose as an output.");
            }

            if (declared.Add(name))
            {
                proto.Graph.Output.Add(new ValueInfoProto
                {
                    Name = name,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
                });
            }
        }

        return proto.ToByteArray();
    }
}
