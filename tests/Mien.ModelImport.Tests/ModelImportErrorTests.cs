using Mien.ModelImport.Tfjs;
using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>Broken and unsupported models fail with a <see cref="ModelImportException"/> that says what and where.</summary>
public sealed class ModelImportErrorTests
{
    [Fact]
    public void Unsupported_op_names_the_model_the_node_and_the_op()
    {
        var g = new TinyGraph("face-mesh-v9");
        g.Node("head/erfinv", "Erfinv", [g.Input("x", [1, 3])], T());

        var e = Assert.Throws<ModelImportException>(() => TfjsOnnxImporter.Import(g.Parse()));

        Assert.Equal(("face-mesh-v9", "head/erfinv", "Erfinv"), (e.Model, e.Node, e.Op));
        Assert.Contains("face-mesh-v9", e.Message, StringComparison.Ordinal);
        Assert.Contains("head/erfinv", e.Message, StringComparison.Ordinal);
        Assert.Contains("Erfinv", e.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_shard_shorter_than_the_manifest_reports_truncation()
    {
        var g = new TinyGraph("blazeface");
        g.Node("y", "Add", [g.Input("x", [4]), g.Const("bias", [4], 1f, 2f, 3f, 4f)], T());

        var e = Assert.Throws<ModelImportException>(() => g.Parse(shardLength: g.ShardLength - 3));

        Assert.Equal("blazeface", e.Model);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Contains("bias", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_says_model_json_is_not_valid_json()
    {
        var e = Assert.Throws<ModelImportException>(() =>
            TfjsGraphModel.Parse("broken-download", """{"format":"graph-model","modelTopology":{"node":[{"name":"x","""u8, _ => []));

        Assert.Equal("broken-download", e.Model);
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(e.InnerException);
    }

    [Fact]
    public void Layers_model_is_rejected_as_not_a_graph_model()
    {
        var e = Assert.Throws<ModelImportException>(() =>
            TfjsGraphModel.Parse("keras", """{"format":"layers-model","modelTopology":{"class_name":"Sequential"}}"""u8, _ => []));

        Assert.Contains("not a TF.js graph model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_node_name_is_rejected_naming_the_node()
    {
        var g = new TinyGraph("m");
        var x = g.Input("x", [2]);
        g.Node("dup", "Relu", [x], T());
        g.Node("dup", "Abs", [x], T());

        var e = Assert.Throws<ModelImportException>(() => g.Parse());

        Assert.Equal(("dup", "Abs"), (e.Node, e.Op));
        Assert.Contains("duplicate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Const_without_weights_names_the_constant()
    {
        var g = new TinyGraph("m");
        g.Node("y", "Add", [g.Input("x", [2]), g.ConstWithoutWeights("orphan")], T());

        var e = Assert.Throws<ModelImportException>(() => TfjsOnnxImporter.Import(g.Parse()));

        Assert.Equal(("orphan", "Const"), (e.Node, e.Op));
        Assert.Contains("weights manifest", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Graph_with_a_cycle_is_rejected()
    {
        var g = new TinyGraph("loop");
        var x = g.Input("x", [2]);
        g.Node("a", "Add", [x, "b"], T());
        g.Node("b", "Relu", ["a"], T());
        g.Node("out", "Relu", ["a"], T());

        var e = Assert.Throws<ModelImportException>(() => TfjsOnnxImporter.Import(g.Parse()));

        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
        Assert.Contains(e.Node, new[] { "a", "b" });
    }

    [Fact]
    public void Input_referring_to_a_missing_node_names_it()
    {
        var g = new TinyGraph("m");
        g.Node("y", "Add", [g.Input("x", [2]), "ghost:0"], T());

        var e = Assert.Throws<ModelImportException>(() => TfjsOnnxImporter.Import(g.Parse()));

        Assert.Contains("missing node 'ghost'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Graph_without_a_placeholder_is_rejected()
    {
        var g = new TinyGraph("m");
        g.Node("y", "Relu", [g.Const("c", [2], 1f, -1f)], T());

        var e = Assert.Throws<ModelImportException>(() => TfjsOnnxImporter.Import(g.Parse()));

        Assert.Contains("no Placeholder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conv_with_a_computed_filter_is_rejected_naming_the_node()
    {
        var g = new TinyGraph("m");
        g.Node("conv", "Conv2D", [g.Input("x", [1, 3, 3, 1]), g.Input("w", [1, 1, 1, 1])], T(), Strides(1, 1), Padding("SAME"), DataFormat());

        var e = Assert.Throws<ModelImportException>(() => TfjsOnnxImporter.Import(g.Parse()));

        Assert.Equal(("conv", "Conv2D"), (e.Node, e.Op));
        Assert.Contains("must be a constant", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_fused_activation_is_rejected_naming_the_node()
    {
        var g = new TinyGraph("m");
        g.Node("conv", "_FusedConv2D", [g.Input("x", [1, 3, 3, 1]), g.Const("w", [1, 1, 1, 1], 1f), g.Const("b", [1], 0f)],
            T(), Strides(1, 1), Padding("SAME"), DataFormat(), FusedOps("BiasAdd", "Gelu"), NumArgs(1));

        var e = Assert.Throws<ModelImportException>(() => TfjsOnnxImporter.Import(g.Parse()));

        Assert.Equal("conv", e.Node);
        Assert.Contains("Gelu", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nchw_data_format_is_rejected()
    {
        var g = new TinyGraph("m");
        g.Node("conv", "Conv2D", [g.Input("x", [1, 1, 3, 3]), g.Const("w", [1, 1, 1, 1], 1f)],
            T(), Strides(1, 1), Padding("SAME"), ("data_format", TfAttr.Str("NCHW")));

        var e = Assert.Throws<ModelImportException>(() => TfjsOnnxImporter.Import(g.Parse()));

        Assert.Contains("data_format NCHW", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_weight_dtype_names_the_weight()
    {
        var g = new TinyGraph("m");
        g.Node("y", "Add", [g.Input("x", [1]), g.ConstRaw("cplx", [1], "complex64", new byte[8])], T());

        var e = Assert.Throws<ModelImportException>(() => g.Parse());

        Assert.Contains("cplx", e.Message, StringComparison.Ordinal);
        Assert.Contains("complex64", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Malformed but valid JSON must fail like every other broken model, with a <see cref="ModelImportException"/>
    /// naming the model — not a bare KeyNotFoundException from System.Text.Json.
    /// </summary>
    [Fact]
    public void Weights_manifest_entry_without_a_shape_is_reported_as_a_model_import_error()
    {
        var json = """
            {"format":"graph-model","modelTopology":{"node":[]},
             "weightsManifest":[{"paths":["s.bin"],"weights":[{"name":"w","dtype":"float32"}]}]}
            """u8.ToArray();

        var e = Record.Exception(() => TfjsGraphModel.Parse("no-shape", json, _ => new byte[16]));

        var mie = Assert.IsType<ModelImportException>(e);
        Assert.Contains("no-shape", mie.Message, StringComparison.Ordinal);
    }

    /// <summary>A Placeholder of a type the importer cannot represent must fail as a <see cref="ModelImportException"/> naming it.</summary>
    [Fact]
    public void Placeholder_of_an_unsupported_dtype_is_reported_as_a_model_import_error()
    {
        var g = new TinyGraph("text-model");
        g.Node("y", "Identity", [g.Input("tokens", [1], "DT_STRING")], T("DT_STRING"));

        var e = Record.Exception(() => TfjsOnnxImporter.Import(g.Parse()));

        var mie = Assert.IsType<ModelImportException>(e);
        Assert.Contains("tokens", mie.Message, StringComparison.Ordinal);
        Assert.Contains("DT_STRING", mie.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Supported_ops_list_every_op_under_test()
    {
        string[] tested =
        [
            "_FusedConv2D", "Conv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative", "MaxPool", "AvgPool", "Pad", "PadV2",
            "MirrorPad", "_FusedMatMul", "MatMul", "BatchMatMulV2", "Mean", "Sum", "Max", "Min", "Prod", "Softmax", "Sigmoid", "Tanh",
            "Relu", "Relu6", "Abs", "Square", "Sqrt", "Rsqrt", "Add", "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum",
            "SquaredDifference", "Prelu", "FloorDiv", "Reshape", "Squeeze", "ExpandDims", "StridedSlice", "Pack", "Unpack",
            "ConcatV2", "GatherNd", "GatherV2", "ArgMax", "Cast", "ResizeBilinear", "ResizeNearestNeighbor", "Transpose", "AddN",
        ];

        Assert.Empty(tested.Except(TfjsOnnxImporter.SupportedOps));
    }
}
