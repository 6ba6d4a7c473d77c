namespace Mien.ModelImport.Tfjs;

/// <summary>Element types that occur in TensorFlow.js graph models (TF.js itself has no int64).</summary>
internal enum TfDataType
{
    Float32,
    Int32,
    Bool,
    Int64,
}

internal static class TfDataTypes
{
    public static TfDataType Parse(string tfType, string context) => tfType switch
    {
        "DT_FLOAT" or "float32" => TfDataType.Float32,
        "DT_INT32" or "int32" => TfDataType.Int32,
        "DT_BOOL" or "bool" => TfDataType.Bool,
        "DT_INT64" or "int64" => TfDataType.Int64,
        _ => throw new FormatException($"unsupported data type '{tfType}' in {context}"),
    };

    public static int OnnxElementType(this TfDataType type) => type switch
    {
        TfDataType.Float32 => 1,
        TfDataType.Int32 => 6,
        TfDataType.Int64 => 7,
        TfDataType.Bool => 9,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
