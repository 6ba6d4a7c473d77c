using Mien.ModelImport.Onnx;
using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>
/// The importer keeps conv trunks NCHW: transposes appear only where the graph enters image layout and where
/// it leaves it. Counted on the emitted ONNX graph, and checked numerically.
/// </summary>
public sealed class LayoutTests
{
    [Fact]
    public void Conv_conv_add_chain_has_one_transpose_at_the_input_and_one_before_the_reshape()
    {
        var rng = new Random(121);
        var x = Nd.Random(rng, [1, 6, 6, 3]);
        var w1 = Nd.Random(rng, [3, 3, 3, 4]);
        var b1 = Nd.Random(rng, [4]);
        var w2 = Nd.Random(rng, [3, 3, 4, 4]);
        var g = new TinyGraph();
        var c1 = g.Node("conv1", "_FusedConv2D", [g.Input("x", x.Shape), g.Const("w1", w1), g.Const("b1", b1)],
            T(), Strides(1, 1), Padding("SAME"), DataFormat(), Dilations(1, 1), FusedOps("BiasAdd", "Relu"), NumArgs(1));
        var c2 = g.Node("conv2", "Conv2D", [c1, g.Const("w2", w2)], T(), Strides(1, 1), Padding("SAME"), DataFormat(), Dilations(1, 1));
        var sum = g.Node("sum", "AddV2", [c2, c1], T());
        g.Node("flat", "Reshape", [sum, g.ConstInt("shape", [2], 1, -1)], T());
        using var compiled = CompiledGraph.From(g);

        var onnx = compiled.Onnx;
        var transposes = onnx.Node.Where(n => n.OpType == "Transpose").ToList();
        Assert.Equal(2, transposes.Count);
        Assert.Contains(transposes, t => t.Input[0] == "x");
        var reshape = Assert.Single(onnx.Node, n => n.OpType == "Reshape");
        Assert.Contains(transposes, t => t.Output[0] == reshape.Input[0]);

        var expectedC1 = TfReference.Unary(TfReference.Binary(TfReference.Conv2D(x, w1, 1, 1, "SAME"), b1, (a, b) => a + b), TfReference.Relu);
        var expectedSum = TfReference.Binary(TfReference.Conv2D(expectedC1, w2, 1, 1, "SAME"), expectedC1, (a, b) => a + b);
        NdAssert.Close(new Nd<float>([1, 144], expectedSum.Data), compiled.Run(Feed.Of("x", x)).Float("flat"));
    }

    [Fact]
    public void Global_average_pooling_head_needs_no_transpose_back_to_nhwc()
    {
        var rng = new Random(122);
        var x = Nd.Random(rng, [2, 5, 5, 3]);
        var w = Nd.Random(rng, [3, 3, 3, 4]);
        var bias = Nd.Random(rng, [4]);
        var g = new TinyGraph();
        var conv = g.Node("conv", "Conv2D", [g.Input("x", x.Shape), g.Const("w", w)], T(), Strides(2, 2), Padding("SAME"), DataFormat());
        var biased = g.Node("biased", "BiasAdd", [conv, g.Const("b", bias)], T(), DataFormat());
        g.Node("pooled", "Mean", [biased, g.ConstInt("axes", [2], 1, 2)], T(), KeepDims(false));
        using var compiled = CompiledGraph.From(g);

        Assert.Single(compiled.Onnx.Node, n => n.OpType == "Transpose");

        var expected = TfReference.Reduce(TfReference.Binary(TfReference.Conv2D(x, w, 2, 2, "SAME"), bias, (a, b) => a + b), [1, 2], false, "Mean");
        NdAssert.Close(expected, compiled.Run(Feed.Of("x", x)).Float("pooled"));
    }

    [Fact]
    public void Conv_pool_conv_trunk_with_a_4d_output_transposes_only_at_its_ends()
    {
        var rng = new Random(123);
        var x = Nd.Random(rng, [1, 8, 8, 2]);
        var w1 = Nd.Random(rng, [3, 3, 2, 3]);
        var w2 = Nd.Random(rng, [3, 3, 3, 1]);
        var g = new TinyGraph();
        var c1 = g.Node("conv1", "Conv2D", [g.Input("x", x.Shape), g.Const("w1", w1)], T(), Strides(1, 1), Padding("SAME"), DataFormat());
        var pool = g.Node("pool", "MaxPool", [c1], T(), KSize(2, 2), Strides(2, 2), Padding("VALID"), DataFormat());
        var dw = g.Node("dw", "DepthwiseConv2dNative", [pool, g.Const("w2", w2)], T(), Strides(1, 1), Padding("SAME"), DataFormat());
        var relu = g.Node("relu", "Relu6", [dw], T());
        g.Node("padded", "Pad", [relu, g.ConstInt("paddings", [4, 2], 0, 0, 1, 1, 1, 1, 0, 0)], T());
        using var compiled = CompiledGraph.From(g);

        Assert.Equal(2, compiled.Onnx.Node.Count(n => n.OpType == "Transpose"));

        var expected = TfReference.Pad(
            TfReference.Unary(TfReference.DepthwiseConv2D(TfReference.MaxPool(TfReference.Conv2D(x, w1, 1, 1, "SAME"), 2, 2, 2, 2, "VALID"), w2, 1, 1, "SAME"), TfReference.Relu6),
            [(0, 0), (1, 1), (1, 1), (0, 0)]);
        NdAssert.Close(expected, compiled.Run(Feed.Of("x", x)).Float("padded"));
    }

    [Fact]
    public void Graph_outputs_take_signature_keys_and_keep_tf_shapes()
    {
        var g = new TinyGraph();
        var conv = ElementwiseMapperTests.IdentityConv(g, "x", [-1, 4, 4, 2]);
        g.Node("probs", "Sigmoid", [conv], T());
        g.SignatureOutputs.Add(new("scores", "probs:0"));
        using var compiled = CompiledGraph.From(g);

        var output = Assert.Single(compiled.Model.Outputs);
        Assert.Equal("scores", output.Name);
        Assert.Equal([-1, 4, 4, 2], output.Shape!);
        var input = Assert.Single(compiled.Model.Inputs);
        Assert.Equal(("x", "float32"), (input.Name, input.ElementType));
        Assert.Equal(["scores"], GraphProtoOutputNames(compiled.Onnx));
    }

    [Fact]
    public void Signature_outputs_can_name_every_output_of_a_multi_output_node()
    {
        var rng = new Random(124);
        var x = Nd.Random(rng, [3, 2]);
        var g = new TinyGraph();
        g.Node("u", "Unpack", [g.Input("x", x.Shape)], T(), ("axis", TfAttr.Int(0)), ("num", TfAttr.Int(3)));
        g.SignatureOutputs.Add(new("last", "u:2"));
        g.SignatureOutputs.Add(new("first", "u:0"));
        g.SignatureOutputs.Add(new("middle", "u:1"));

        var result = CompiledGraph.Run(g, Feed.Of("x", x));

        var parts = TfReference.Unpack(x, 0);
        NdAssert.Close(parts[0], result.Float("first"));
        NdAssert.Close(parts[1], result.Float("middle"));
        NdAssert.Close(parts[2], result.Float("last"));
    }

    [Fact]
    public void Leaf_nodes_become_outputs_named_after_them_when_there_is_no_signature()
    {
        var g = new TinyGraph();
        var x = g.Input("x", [2]);
        var relu = g.Node("relu", "Relu", [x], T());
        g.Node("neg", "Neg", [relu], T());
        g.Node("abs", "Abs", [x], T());
        using var compiled = CompiledGraph.From(g);

        Assert.Equal(["neg", "abs"], GraphProtoOutputNames(compiled.Onnx));
        var result = compiled.Run(Feed.Of("x", Nd.Float([2], -1f, 2f)));
        NdAssert.Close(Nd.Float([2], 0f, -2f), result.Float("neg"));
        NdAssert.Close(Nd.Float([2], 1f, 2f), result.Float("abs"));
    }

    private static string[] GraphProtoOutputNames(GraphProto graph) => [.. graph.Output.Select(o => o.Name)];
}
