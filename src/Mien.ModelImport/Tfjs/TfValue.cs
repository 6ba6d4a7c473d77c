namespace Mien.ModelImport.Tfjs;

/// <summary>How a 4-D value is stored in the ONNX graph.</summary>
internal enum Layout
{
    /// <summary>As TensorFlow describes it (NHWC for images).</summary>
    Native,

    /// <summary>Permuted to NCHW, the layout ONNX convolutions and pools need; the TF shape stays NHWC.</summary>
    Nchw,
}

/// <summary>
/// A TensorFlow tensor during conversion: its ONNX name, its TF (native) shape, and the layout it is
/// stored in. Keeping values NCHW between convolutions is what lets ORT run an NHWC model without one
/// transpose per layer.
/// </summary>
internal sealed class TfValue
{
    public TfValue(string? onnxName, TfDataType type, int[]? shape, Layout layout, ConstTensor? constant = null)
    {
        OnnxName = onnxName;
        DType = type;
        Shape = shape;
        Layout = layout;
        Constant = constant;
    }

    /// <summary>Name of the ONNX tensor in <see cref="Layout"/>; null for a constant not yet emitted.</summary>
    public string? OnnxName { get; set; }

    public TfDataType DType { get; }

    /// <summary>TF shape (NHWC for images); -1 marks an unknown dim; null an unknown rank.</summary>
    public int[]? Shape { get; }

    public Layout Layout { get; }

    public ConstTensor? Constant { get; }

    public int Rank => Shape?.Length ?? -1;

    /// <summary>Cached name of this value in native layout, once emitted.</summary>
    public string? NativeName { get; set; }

    /// <summary>Cached name of this value in NCHW layout, once emitted.</summary>
    public string? NchwName { get; set; }
}
